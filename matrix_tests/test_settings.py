"""Session, cookie and CSRF settings changed inside a test (pytest-django's ``settings``
fixture or ``override_settings``), as a test does to check one behaviour."""

import tempfile
from pathlib import Path

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.settings, pytest.mark.django_db]

COOKIE_ENGINE = "django.contrib.sessions.backends.signed_cookies"


def test_override_session_engine_after_a_request(client):
    """client.get(url); then with override_settings(SESSION_ENGINE=<signed_cookies>): a view

    Expect: inside the block the view and client.session both use cookie sessions: the test
    reads what the view stored.
    Why: SessionMiddleware reads SESSION_ENGINE once, in __init__, and the test client builds
    its middleware chain at its first request; no setting_changed receiver resets it. So the
    view still stores with the project's engine while client.session (which imports
    SESSION_ENGINE on every access) reads the cookie as a signed cookie: a database, cache or
    file key is not a valid signature, and the test sees an empty session. Only a project
    already on signed_cookies passes.
    Fix: override SESSION_ENGINE before the client's first request (a decorator on the test,
    or override_settings before any request) or use a new Client() inside the block.
    Source: https://github.com/django/django/pull/773
    Depends: whether the client made a request before the override (it builds its
    middleware once, at the first request), not the engine.
    Twin: test_override_session_engine_before_the_first_request
    Detect: client.request() -> *override_settings(SESSION_ENGINE=) -> client.request()
    """
    client.get("/whoami/")
    with override_settings(SESSION_ENGINE=COOKIE_ENGINE):
        client.post("/session/colour/", {"value": "blue"})
        assert client.session["colour"] == "blue"


def test_override_session_engine_before_the_first_request():
    """with override_settings(SESSION_ENGINE=<signed_cookies>): a new Client(), then a view

    Expect: the view and client.session both use cookie sessions: the test reads what the
    view stored.
    Why: a third-party SessionMiddleware (django-qsessions', django-user-sessions') builds the
    store with arguments its own engine takes (ip=, user_agent=); a stock engine named by the
    override rejects them with TypeError. With Django's middleware this works on every engine.
    Fix: override MIDDLEWARE together with SESSION_ENGINE (Django's SessionMiddleware with a
    stock engine), or leave SESSION_ENGINE alone when a third-party middleware is installed.
    Source: https://docs.djangoproject.com/en/5.2/topics/testing/tools/#overriding-settings
    Twin: test_override_session_engine_after_a_request
    """
    with override_settings(SESSION_ENGINE=COOKIE_ENGINE):
        client = Client()
        client.post("/session/colour/", {"value": "blue"})
        assert client.session["colour"] == "blue"


def test_session_file_path_changed_after_first_use(client, settings, tmp_path):
    """settings.SESSION_FILE_PATH = tmp_path in a test, after sessions were already used

    Expect: sessions created after the change are written under tmp_path: the directory used
    before gets no file for them.
    Why: the file engine caches its directory on the SessionStore class (_storage_path) the
    first time any store is built, and nothing resets it when the setting changes: every
    later session still goes to the old directory. Engines that write no files write none
    there either.
    Fix: delete the cached path when changing the setting, as Django's own file-session
    tests do (if hasattr(SessionStore, "_storage_path"): del SessionStore._storage_path),
    and again afterwards; or set SESSION_FILE_PATH once, in the test settings.
    Source: https://github.com/django/django/blob/main/tests/sessions_tests/tests.py
    Detect: client.request() -> *settings.SESSION_FILE_PATH= -> client.request()
    """
    client.post("/session/colour/", {"value": "blue"})
    before = Path(settings.SESSION_FILE_PATH or tempfile.gettempdir())
    settings.SESSION_FILE_PATH = str(tmp_path)
    later = Client()
    later.post("/session/colour/", {"value": "red"})
    key = later.cookies[settings.SESSION_COOKIE_NAME].value
    assert not (before / f"{settings.SESSION_COOKIE_NAME}{key}").exists()


def test_session_cookie_name_changed(client, user, settings):
    """settings.SESSION_COOKIE_NAME = "shop_session"; force_login, a view stores data

    Expect: the login and the data work under the new cookie name, and the client holds no
    "sessionid" cookie.
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#session-cookie-name
    """
    settings.SESSION_COOKIE_NAME = "shop_session"
    client.force_login(user)
    client.post("/session/colour/", {"value": "blue"})
    assert client.get("/whoami/").json()["username"] == "alice"
    assert client.session["colour"] == "blue"
    assert "sessionid" not in client.cookies


def test_expire_at_browser_close_setting(client, settings):
    """settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True; a view stores data

    Expect: the cookie has neither max-age nor expires, and
    client.session.get_expire_at_browser_close() is True.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#browser-length-sessions-vs-persistent-sessions
    """
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = client.post("/session/colour/", {"value": "blue"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert client.session.get_expire_at_browser_close() is True


def test_expire_at_browser_close_then_set_expiry(client, settings):
    """SESSION_EXPIRE_AT_BROWSER_CLOSE = True; a "remember me" view calls set_expiry(600)

    Expect: that session is no longer a browser-session one: the cookie has max-age=600 and
    client.session.get_expire_at_browser_close() is False.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#browser-length-sessions-vs-persistent-sessions
    """
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = client.get("/expiry/600/")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 600
    assert client.session.get_expire_at_browser_close() is False


def test_csrf_use_sessions_login_then_post(user, settings):
    """settings.CSRF_USE_SESSIONS = True; Client(enforce_csrf_checks=True); log in; POST a form

    Expect: with the token fetched again after the login view, the POST is accepted and the
    user is still logged in.
    Source: https://code.djangoproject.com/ticket/29728
    """
    settings.CSRF_USE_SESSIONS = True
    client = Client(enforce_csrf_checks=True)
    token = client.get("/csrf/").json()["token"]
    client.post(
        "/login/", {"username": "alice", "password": "wonderland", "csrfmiddlewaretoken": token}
    )
    token = client.get("/csrf/").json()["token"]
    response = client.post("/session/colour/", {"value": "blue", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert client.get("/whoami/").json()["username"] == "alice"


def test_csrf_use_sessions_token_from_before_login(user, settings):
    """settings.CSRF_USE_SESSIONS = True; the token fetched before logging in, used after it

    Expect: the POST after the login is accepted (the page with the form was loaded before
    the user logged in in another tab).
    Why: login() rotates the CSRF token (rotate_token) against login CSRF; with
    CSRF_USE_SESSIONS the new secret replaces the old one in the session, so a token from
    before the login no longer matches: 403 on every engine. Django documents it.
    Fix: fetch the token again after logging in (from the page or the /csrf/ view), as a
    browser does when it reloads the form.
    Source: https://docs.djangoproject.com/en/5.2/ref/csrf/#why-might-a-user-encounter-a-csrf-validation-failure-after-logging-in
    Kind: django-limitation
    """
    settings.CSRF_USE_SESSIONS = True
    client = Client(enforce_csrf_checks=True)
    token = client.get("/csrf/").json()["token"]
    client.post(
        "/login/", {"username": "alice", "password": "wonderland", "csrfmiddlewaretoken": token}
    )
    response = client.post("/session/colour/", {"value": "blue", "csrfmiddlewaretoken": token})
    assert response.status_code == 200


def test_vary_cookie_with_save_every_request(client, settings):
    """SESSION_SAVE_EVERY_REQUEST = True; a view that never reads the session still sets the cookie

    Expect: that response carries Vary: Cookie, so no cache shares it between users.
    Why: Django 4.2's SessionMiddleware adds Vary: Cookie only when the view accessed the
    session or the cookie is deleted; a cookie set only because of SESSION_SAVE_EVERY_REQUEST
    goes out without it. 5.2+ adds Vary: Cookie whenever the middleware sets the cookie.
    django-user-sessions' own SessionMiddleware keeps the old rule (Vary only when the view
    accessed the session), so with it the header is missing on every Django version.
    Fix: on 4.2, or with a third-party SessionMiddleware, decorate cacheable views with
    @vary_on_cookie (or patch_vary_headers(response, ["Cookie"])).
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#session-save-every-request
    Kind: django-limitation
    """
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.post("/session/colour/", {"value": "blue"})
    response = client.get("/untouched/")
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert "Cookie" in response.headers.get("Vary", "")
