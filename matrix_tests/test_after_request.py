"""Reading and editing the session once a view has set the session cookie."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.after_request, pytest.mark.django_db]


def test_read_value_a_view_stored(client):
    """client.post("/session/colour/", {"value": "blue"}); then client.session["colour"]

    Expect: the test sees what the view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    assert client.session["colour"] == "blue"


def test_edit_after_view_set_cookie(client):
    """after a view stored data: s = client.session; s["foo"] = 2; s.save(); client.get(url)

    Expect: the view reads foo == 2 and keeps what the first view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    session = client.session
    session["foo"] = 2
    session.save()
    assert client.get("/counter/").content == b"2"
    assert client.session["colour"] == "blue"


def test_edit_after_view_set_cookie_with_cookie_update(client):
    """after a view stored data: edit client.session, save(), write session_key into the cookie

    Expect: the view reads foo == 2 and keeps what the first view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    session = client.session
    session["foo"] = 2
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/counter/").content == b"2"
    assert client.session["colour"] == "blue"
