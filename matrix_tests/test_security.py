"""Security expectations about the session cookie: tampering, fixation, replay, size, keys."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

pytestmark = [pytest.mark.security, pytest.mark.django_db]

# 32 characters from [a-z0-9]: a well-formed key for every engine that stores keys.
ATTACKER_KEY = "attackerchosenkey0123456789abcde"
BROWSER_COOKIE_LIMIT = 4096


def _tampered(value):
    """The cookie with its last character changed, as a curious user would."""
    return value[:-1] + ("a" if value[-1] != "a" else "b")


def test_tampered_cookie_gives_fresh_session(client, user):
    """client.cookies[SESSION_COOKIE_NAME] = one character changed; then request a view

    Expect: the server ignores the tampered cookie: anonymous, with an empty session.
    """
    client.force_login(user)
    client.post("/session/colour/", {"value": "blue"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = _tampered(cookie)
    me = client.get("/whoami/").json()
    assert me["authenticated"] is False
    assert me["keys"] == []


def test_attacker_chosen_key_not_adopted(client, user):
    """client.cookies[SESSION_COOKIE_NAME] = "attacker..." (a key the server never issued); log in

    Expect: the server issues its own key; the attacker's key does not log anyone in.
    """
    client.cookies[settings.SESSION_COOKIE_NAME] = ATTACKER_KEY
    client.post("/login/", {"username": "alice", "password": "wonderland"})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != ATTACKER_KEY
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = ATTACKER_KEY
    assert attacker.get("/whoami/").json()["authenticated"] is False


def test_planted_session_not_logged_in_by_victim(client, user):
    """attacker gets a real session cookie, plants it in the victim's client, victim logs in

    Expect: replaying the planted cookie does not log the attacker in as the victim.
    """
    attacker = Client()
    attacker.post("/session/colour/", {"value": "red"})
    planted = attacker.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    client.post("/login/", {"username": "alice", "password": "wonderland"})
    assert client.get("/whoami/").json()["username"] == "alice"
    assert attacker.get("/whoami/").json()["authenticated"] is False


def test_replay_cookie_after_client_logout(client, user):
    """old = client.cookies[SESSION_COOKIE_NAME].value; client.logout(); send old again

    Expect: the old cookie no longer authenticates anyone.
    Why: client.logout() runs auth's logout() (a flush) and empties client.cookies; on the
    key-based engines the flush deletes the stored session. A signed cookie carries the login
    itself and cannot be revoked: it stays valid until SESSION_COOKIE_AGE.
    Fix: none on signed_cookies; changing the password revokes every copy (the session auth
    hash no longer matches), otherwise use a server-side engine where replay matters.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cookie-based-sessions
    Detect: client.force_login() -> client.cookies[] -> client.logout() -> *client.cookies[]= ->
    client.request()
    """
    client.force_login(user)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()
    client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert client.get("/whoami/").json()["authenticated"] is False


def test_replay_cookie_after_password_change(client, user):
    """capture the cookie, change the password through the password view, replay the old cookie

    Expect: the pre-change cookie no longer authenticates anyone.
    """
    client.force_login(user)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/password/", {"new_password": "looking-glass"})
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert attacker.get("/whoami/").json()["authenticated"] is False


def test_session_cookie_fits_in_a_browser(client):
    """a view stores 6000 characters in the session; check the Set-Cookie it sends

    Expect: the session cookie (name=value) stays within the 4096 bytes a browser keeps.
    Why: signed_cookies puts the data in the cookie; Django compresses (zlib) and signs it but
    never checks the size, so 6000 random characters give a ~6.1 KB cookie. A browser drops
    it silently; the test client keeps cookies of any size, so only a size check shows it.
    Fix: keep large data out of a cookie session (store it server-side and keep an id in
    the session), and assert the Set-Cookie size in tests.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cookie-based-sessions
    Detect: none: the view writes the large session; the test only reads the cookie's size
    """
    response = client.get("/token/6000/")
    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert len(f"{morsel.key}={morsel.value}") <= BROWSER_COOKIE_LIMIT


def test_secret_key_rotation_with_fallback(client, user, settings):
    """settings.SECRET_KEY = new; settings.SECRET_KEY_FALLBACKS = [old] after a user logged in

    Expect: the user is still logged in and their session data is still there.
    """
    client.force_login(user)
    client.post("/session/colour/", {"value": "blue"})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    me = client.get("/whoami/").json()
    assert me["username"] == "alice"
    assert client.get("/session/colour/").json()["value"] == "blue"


def test_secret_key_rotation_without_fallback(client, settings):
    """settings.SECRET_KEY = new with no SECRET_KEY_FALLBACKS, for a visitor holding session data

    Expect: the old session is no longer valid: the visitor's data is gone.
    Why: the cache engine stores the raw session dict (no signing, SECRET_KEY is not used),
    and cached_db writes the same raw dict to the cache and reads the cache first, so the
    data outlives the rotation until the cache entry expires. Django's SECRET_KEY docs name
    only cache as the exception. A logged-in user is still logged out everywhere: the
    session auth hash depends on SECRET_KEY.
    Fix: to drop every session on rotation, clear the session store itself (on cache
    engines, the cache entries: give sessions their own cache alias).
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
    Depends: for cached_db, the session's Redis copy being there (once it is evicted the
    signed database row is read, and the rotation ends the session).
    Twin: test_secret_key_rotation_without_fallback_after_cache_eviction
    Detect: client.request() -> *settings.SECRET_KEY= -> client.request(); unless
    settings.SECRET_KEY_FALLBACKS=+
    """
    client.post("/session/basket/", {"value": "3 apples"})
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get("/session/basket/").json()["present"] is False


def test_secret_key_rotation_without_fallback_after_cache_eviction(
    client, settings, cached_db_key
):
    """the same rotation, after the session's cached_db cache entry is evicted (cache.delete(...))

    Expect: the old session is no longer valid: the visitor's data is gone.
    Why: the cache engine stores the raw session dict and never uses SECRET_KEY, so its
    session survives (the delete touches only a cached_db entry). Without its Redis copy,
    cached_db decodes the database row, whose signature no longer verifies: the data is
    dropped, as on db.
    Fix: to drop every session on rotation, clear the session store itself (on cache
    engines, the cache entries: give sessions their own cache alias).
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
    Twin: test_secret_key_rotation_without_fallback
    Detect: client.request() -> cache.delete() -> *settings.SECRET_KEY= -> client.request(); unless
    settings.SECRET_KEY_FALLBACKS=+
    """
    client.post("/session/basket/", {"value": "3 apples"})
    cache.delete(cached_db_key(client.cookies[settings.SESSION_COOKIE_NAME].value))
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get("/session/basket/").json()["present"] is False


def test_cookie_flags_from_settings(client, settings):
    """settings.SESSION_COOKIE_SECURE = True; then check the flags on the Set-Cookie

    Expect: the session cookie is Secure and HttpOnly (HttpOnly is the default).
    """
    settings.SESSION_COOKIE_SECURE = True
    response = client.post("/session/colour/", {"value": "blue"})
    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
