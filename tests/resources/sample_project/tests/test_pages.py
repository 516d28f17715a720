"""The other pages."""

import pytest
from django.test import TestCase

pytestmark = pytest.mark.django_db


def test_home_counts_visits(client):
    client.get("/")
    assert client.get("/").content == b"Hello, visit 2"


def test_home_says_welcome(client):
    # Written against the old home page: fails whatever the session engine.
    assert b"Welcome" in client.get("/").content


def test_account_after_force_login(client, django_user_model):
    user = django_user_model.objects.create_user("alice", password="wonderland")
    client.force_login(user)
    assert client.get("/account/").content == b"Account of alice"


class HomeQueryTests(TestCase):
    def test_home_page_needs_no_database(self):
        # Written on signed cookies, where the home page never queries the database.
        with self.assertNumQueries(0):
            self.client.get("/")
