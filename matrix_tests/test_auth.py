"""Logging in and out with the test client, and what happens to the session."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.auth, pytest.mark.django_db]


def test_force_login(client, user):
    """client.force_login(user); then a view checks request.user

    Expect: the view sees the user logged in.
    """
    client.force_login(user)
    assert client.get("/whoami/").json()["username"] == "alice"


def test_force_login_then_edit_session(client, user):
    """client.force_login(user); s = client.session; s["foo"] = 2; s.save(); client.get(url)

    Expect: still logged in, and the view reads foo == 2.
    """
    client.force_login(user)
    session = client.session
    session["foo"] = 2
    session.save()
    assert client.get("/counter/").content == b"2"
    assert client.get("/whoami/").json()["username"] == "alice"


def test_login_keeps_anonymous_data(client, user):
    """a view stores data for an anonymous visitor; then client.login(...)

    Expect: the data is still in the session after login.
    """
    client.post("/session/basket/", {"value": "3 apples"})
    assert client.login(username="alice", password="wonderland")
    assert client.session["basket"] == "3 apples"


def test_logout_empties_session(client, user):
    """client.force_login(user); a view stores data; client.logout()

    Expect: the next request is anonymous and the session holds nothing.
    """
    client.force_login(user)
    client.post("/session/colour/", {"value": "blue"})
    client.logout()
    me = client.get("/whoami/").json()
    assert me["authenticated"] is False
    assert me["keys"] == []


def test_replay_cookie_after_logout(client, user):
    """keep the session cookie, log out through the logout view, then send the old cookie again

    Expect: the old cookie no longer authenticates anyone.
    """
    client.force_login(user)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")
    client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert client.get("/whoami/").json()["authenticated"] is False
