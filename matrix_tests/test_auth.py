"""Logging in and out with the test client, and what happens to the session."""

import pytest
from django.conf import settings
from django.test import Client

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
    Why: force_login() saves the session and writes its key into the cookie itself, so the
    login holds everywhere; the edit after it is the naive save, and on signed_cookies the new
    key (the signed data with foo) never reaches client.cookies.
    Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
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
    Why: logout() flushes the session, which deletes it from the store on the key-based
    engines, so the old key loads nothing. A signed cookie carries the login itself and the
    server keeps no record to delete: it stays valid until SESSION_COOKIE_AGE (Django's docs
    warn about replay).
    Fix: none on signed_cookies in the test; a password change does revoke every copy (the
    session auth hash changes), otherwise use a server-side engine where replay matters.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cookie-based-sessions
    """
    client.force_login(user)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")
    client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert client.get("/whoami/").json()["authenticated"] is False


def test_login_cycles_session_key(client, user):
    """pre_login = client.cookies[SESSION_COOKIE_NAME].value; log in through the login view

    Expect: login gives a new key, and the pre-login cookie no longer carries the visitor's data
    (protection against session fixation).
    Why: login() calls cycle_key(), which on the key-based engines moves the data to a new key
    and deletes the old one. On signed_cookies cycle_key() is only save(): the pre-login
    cookie is a signed copy of the anonymous data and stays valid (it does not carry the
    login, so it is no fixation hole, but the old data is still served).
    Fix: none on signed_cookies; keep nothing in the anonymous session that must not be
    replayed, or use a server-side engine.
    """
    client.post("/session/basket/", {"value": "3 apples"})
    pre_login = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/login/", {"username": "alice", "password": "wonderland"})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != pre_login
    client.cookies[settings.SESSION_COOKIE_NAME] = pre_login
    assert client.get("/session/basket/").json()["present"] is False


def test_password_change_logs_out_other_sessions(client, user):
    """two clients logged in as the same user; one changes the password via the password view

    Expect: the client that changed it stays logged in; the other client is logged out.
    """
    other = Client()
    other.force_login(user)
    client.force_login(user)
    client.post("/password/", {"new_password": "looking-glass"})
    assert client.get("/whoami/").json()["username"] == "alice"
    assert other.get("/whoami/").json()["authenticated"] is False
