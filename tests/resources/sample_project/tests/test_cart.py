"""The cart, tested the ways a Django developer writes such tests."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import TestCase

pytestmark = pytest.mark.django_db


class CheckoutTests(TestCase):
    def test_checkout_with_a_seeded_cart(self):
        # Seed the session straight from the test, then check out.
        session = self.client.session
        session["cart"] = ["apple", "pear"]
        session.save()
        response = self.client.get("/checkout/")
        self.assertEqual(response.json(), {"items": ["apple", "pear"], "total": 2})

    def test_checkout_with_a_seeded_cart_and_cookie(self):
        session = self.client.session
        session["cart"] = ["apple"]
        session.save()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        response = self.client.get("/checkout/")
        self.assertEqual(response.json(), {"items": ["apple"], "total": 1})


def test_add_then_view_cart(client):
    client.post("/cart/add/", {"item": "apple"})
    client.post("/cart/add/", {"item": "pear"})
    assert client.get("/cart/").json() == {"items": ["apple", "pear"]}


def test_cart_survives_clearing_the_cache(client):
    client.post("/cart/add/", {"item": "apple"})
    cache.clear()  # a test resetting its own cached data
    assert client.get("/cart/").json() == {"items": ["apple"]}
