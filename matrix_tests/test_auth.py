"""Logging in and out with the test client, and what happens to the session."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.utils import timezone

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
    Detect: client.force_login() -> client.session -> session[]= -> *session.save() ->
    client.request(); without client.cookies[]=, client.session[]=
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
    Detect: client.force_login() -> client.cookies[] -> client.request("logout") ->
    *client.cookies[]= -> client.request()
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
    Detect: client.cookies[] -> client.request("login") -> *client.cookies[]= -> client.request()
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


def test_view_clear_keeps_login(client, user):
    """a "start over" view calls request.session.clear() to drop the visitor's data, not the login

    Expect: the user is still logged in, and the data is gone.
    Why: clear() empties the whole session dict, and the login lives there too
    (_auth_user_id, _auth_user_backend, _auth_user_hash): the next request is anonymous on
    every engine. clear() differs from flush() only in keeping the session key (flush()
    also deletes the stored session and issues a new key); neither keeps a login.
    Fix: delete only the application's own keys (del request.session["cart"], or
    request.session.pop(key, None) for each), or log in again after clear().
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#django.contrib.sessions.backends.base.SessionBase.clear
    Kind: mistake
    """
    client.force_login(user)
    client.post("/session/colour/", {"value": "blue"})
    client.post("/clear-session/")
    me = client.get("/whoami/").json()
    assert me["username"] == "alice"
    assert "colour" not in me["keys"]


def test_force_login_with_a_permission_backend_first(client, user, settings):
    """AUTHENTICATION_BACKENDS = [a BaseBackend for object permissions, ModelBackend]; force_login

    Expect: the next request sees the user logged in.
    Why: force_login() without backend= stores the first backend in AUTHENTICATION_BACKENDS
    that has a get_user() method (#27027, #27542), and BaseBackend defines one that returns
    None: the permission backend is stored, it cannot load the user, and every request is
    anonymous, on every engine. client.login() goes through authenticate(), which records the
    backend that accepted the credentials, so it works. Django 6.2 changes this: its
    force_login() skips backends that do not implement (a)get_user() themselves ("e.g.
    permission-only backends", 6.2 release notes), so from 6.2 this row is expected to pass
    and stop being a limitation of the test tool.
    Fix: client.force_login(user, backend="django.contrib.auth.backends.ModelBackend"), or
    list ModelBackend first (or Django 6.2+).
    Source: https://code.djangoproject.com/ticket/27542 ; https://docs.djangoproject.com/en/dev/releases/6.2/#tests
    Kind: test-tool-limitation
    """
    settings.AUTHENTICATION_BACKENDS = [
        "project.sessions_app.backends.ObjectPermissionBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    client.force_login(user)
    assert client.get("/whoami/").json()["username"] == "alice"


def test_login_with_a_permission_backend_first(client, user, settings):
    """AUTHENTICATION_BACKENDS = [a BaseBackend for object permissions, ModelBackend]; client.login

    Expect: the next request sees the user logged in.
    Source: https://code.djangoproject.com/ticket/27027
    """
    settings.AUTHENTICATION_BACKENDS = [
        "project.sessions_app.backends.ObjectPermissionBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    assert client.login(username="alice", password="wonderland")
    assert client.get("/whoami/").json()["username"] == "alice"


def test_session_store_without_auth_hash(client, user):
    """s = SessionStore(); s[SESSION_KEY], s[BACKEND_SESSION_KEY] set (no hash); s.save(); cookie

    Expect: the client is logged in as the user (a session built by hand, without a login).
    Why: since Django 1.10 get_user() verifies the session's HASH_SESSION_KEY against the
    user's password hash; a session without it is flushed and the request is anonymous, on
    every engine.
    Fix: also store s[HASH_SESSION_KEY] = user.get_session_auth_hash(), or take the cookie
    of a Client after force_login(user).
    Source: https://github.com/hjwp/Book-TDD-Web-Dev-Python/issues/345
    Kind: mistake
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/whoami/").json()["username"] == "alice"


def test_delete_session_rows_logs_user_out(client, user):
    """log a user out everywhere: delete each Session row whose get_decoded() names the user

    Expect: the user's client is no longer logged in.
    Why: only db and cached_db keep Session rows. cached_db reads its cache copy first, and a
    queryset delete() never touches the cache, so the session keeps loading from Redis until
    its cache entry expires. The cache, file and signed_cookies engines have no rows to
    delete: the login is untouched. An engine with its own session model in place of
    django.contrib.sessions (django-qsessions, django-user-sessions) leaves Django's Session
    model uninstalled: importing it raises RuntimeError.
    Fix: delete through the engine (SessionStore(key).delete() clears cached_db's copy; keep
    the keys of a user's sessions, e.g. with a user_logged_in receiver; a third-party engine's
    own model where it has one), or change the user's password hash (a session whose
    HASH_SESSION_KEY no longer matches is logged out on every engine).
    Source: https://stackoverflow.com/questions/6656708
    Detect: client.force_login() -> Session.objects.filter() -> *delete()
    """
    from django.contrib.sessions.models import Session

    client.force_login(user)
    for row in Session.objects.filter(expire_date__gt=timezone.now()):
        if row.get_decoded().get(SESSION_KEY) == str(user.pk):
            row.delete()
    assert client.get("/whoami/").json()["authenticated"] is False


def test_login_with_none_falls_back_to_request_user(client, user):
    """a view re-logs the current user in after a sensitive change with login(request, None)

    Expect: the user is still logged in after the view.
    Why: login(request, None) used request.user in its place; Django 5.2 deprecated that
    fallback (RemovedInDjango61Warning) and 6.1 removed it: login() calls
    user.get_session_auth_hash() on None (AttributeError), on every engine. On 4.2–6.0 it
    works (with the warning from 5.2).
    Fix: pass the user: login(request, request.user).
    Source: https://docs.djangoproject.com/en/6.1/releases/6.1/#features-removed-in-6-1
    Kind: mistake
    """
    client.force_login(user)
    client.post("/relogin/")
    assert client.get("/whoami/").json()["username"] == "alice"


def test_list_logged_in_users_from_session_rows(client, user):
    """who is online: [s.get_decoded().get("_auth_user_id") for s in Session.objects.filter(...)]

    Expect: the logged-in user's id is in the list.
    Why: only db and cached_db write Session rows. The cache, file and signed_cookies
    engines keep sessions elsewhere (or in the cookie): the query finds nothing and the
    list is empty. Engines with a session model of their own (django-qsessions,
    django-user-sessions) leave Django's Session model uninstalled: importing it raises
    RuntimeError.
    Fix: record logins yourself (a user_logged_in / user_logged_out receiver writing a model
    of your own), or use an engine with a per-user session model (django-user-sessions).
    Source: https://stackoverflow.com/questions/2723052
    Detect: *Session.objects.filter|all()
    """
    from django.contrib.sessions.models import Session

    client.force_login(user)
    online = [
        row.get_decoded().get(SESSION_KEY)
        for row in Session.objects.filter(expire_date__gt=timezone.now())
    ]
    assert str(user.pk) in online
