"""Editing the session through the test client before the test has made any request."""

import pytest
from django.conf import settings
from django.test import TestCase

pytestmark = pytest.mark.before_request


class SeedTests(TestCase):
    """The seed: the two tests from the question that started this project."""

    def test_naive_save(self):
        """s = self.client.session; s["foo"] = 2; s.save(); self.client.get(url)

        Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
        """
        s = self.client.session
        s["foo"] = 2
        s.save()
        response = self.client.get("/counter/")
        self.assertEqual(response.content, b"2")
        self.assertEqual(self.client.session["foo"], 3)

    def test_save_then_update_cookie(self):
        """s = self.client.session; s["foo"] = 2; s.save(); client.cookies[...] = s.session_key

        Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
        """
        s = self.client.session
        s["foo"] = 2
        s.save()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
        response = self.client.get("/counter/")
        self.assertEqual(response.content, b"2")
        self.assertEqual(self.client.session["foo"], 3)


@pytest.mark.django_db
def test_naive_save_pytest(client):
    """session = client.session; session["foo"] = 2; session.save() with pytest-django's client

    Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
    """
    session = client.session
    session["foo"] = 2
    session.save()
    response = client.get("/counter/")
    assert response.content == b"2"
    assert client.session["foo"] == 3


@pytest.mark.django_db
def test_save_then_update_cookie_pytest(client):
    """client.session edit + save(), then client.cookies[SESSION_COOKIE_NAME] = session.session_key

    Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
    """
    session = client.session
    session["foo"] = 2
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = client.get("/counter/")
    assert response.content == b"2"
    assert client.session["foo"] == 3


@pytest.mark.django_db
def test_chained_property_assignment(client):
    """client.session["foo"] = 2; client.session.save() without keeping the session in a variable

    Expect: the view reads foo == 2.
    """
    client.session["foo"] = 2
    client.session.save()
    response = client.get("/counter/")
    assert response.content == b"2"


@pytest.mark.django_db
def test_edit_without_save(client):
    """session = client.session; session["foo"] = 2 and no save() before the request

    Expect: the view reads foo == 2.
    """
    session = client.session
    session["foo"] = 2
    response = client.get("/counter/")
    assert response.content == b"2"
