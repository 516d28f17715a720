"""Unit-testing a view with RequestFactory, where no middleware runs."""

import json
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, login
from django.contrib.sessions.middleware import SessionMiddleware

from project.sessions_app.views import add_message, counter

pytestmark = [pytest.mark.request_factory, pytest.mark.django_db]


def test_session_middleware_by_hand(rf):
    """request = rf.get(url); SessionMiddleware(get_response).process_request(request)

    Expect: the view can use request.session like in a real request.
    """
    request = rf.get("/counter/")
    SessionMiddleware(lambda request: None).process_request(request)
    request.session["foo"] = 2
    response = counter(request)
    assert response.content == b"2"
    assert request.session["foo"] == 3


def test_bare_session_store(rf):
    """request.session = import_module(settings.SESSION_ENGINE).SessionStore(); view; save()

    Expect: the view works, and after save() the store loaded by the new key holds foo == 3.
    """
    engine = import_module(settings.SESSION_ENGINE)
    request = rf.get("/counter/")
    request.session = engine.SessionStore()
    request.session["foo"] = 2
    response = counter(request)
    request.session.save()
    assert response.content == b"2"
    assert engine.SessionStore(request.session.session_key)["foo"] == 3


def test_dict_session_then_login(rf, user):
    """request.session = {} as a quick stand-in, then login(request, user) in the code under test

    Expect: login() stores the user's id in request.session.
    Why: negative control, a mistake on every engine: login() rotates the session key against
    fixation (request.session.cycle_key(), or flush() when another user was logged in), and a
    dict has neither method: AttributeError.
    Fix: give the request a real session first, as the next pattern does:
    SessionMiddleware(get_response).process_request(request).
    Kind: mistake
    """
    request = rf.post("/login/")
    request.session = {}
    login(request, user)
    assert request.session[SESSION_KEY] == str(user.pk)


def test_session_middleware_then_login(rf, user):
    """SessionMiddleware(...).process_request(request); login(request, user); session.save()

    Expect: the saved session, loaded by its key, names the logged-in user.
    """
    request = rf.post("/login/")
    SessionMiddleware(lambda request: None).process_request(request)
    login(request, user)
    request.session.save()
    stored = import_module(settings.SESSION_ENGINE).SessionStore(request.session.session_key)
    assert stored[SESSION_KEY] == str(user.pk)


def test_messages_without_middleware(rf):
    """request = rf.post(url); a view calling messages.info(request, ...) on it

    Expect: the message is queued (the view answers queued == 1).
    Why: negative control, a mistake on every engine: messages.info() needs request._messages,
    which only MessageMiddleware sets (MessageFailure); running MessageMiddleware alone is not
    enough either, as its default storage needs request.session (ImproperlyConfigured).
    Fix: SessionMiddleware(lambda r: None).process_request(request), then
    MessageMiddleware(lambda r: None).process_request(request), in that order.
    Kind: mistake
    """
    request = rf.post("/messages/add/")
    response = add_message(request)
    assert json.loads(response.content)["queued"] == 1


def test_fresh_session_is_truthy(rf):
    """SessionMiddleware(...).process_request(request); if request.session: ... (or assert it)

    Expect: request.session is truthy: the request has a session.
    Why: Django 6.1 gave SessionBase a __bool__ that returns not is_empty(): a new session
    with no key and no data is falsy. Before 6.1 every SessionStore object was truthy.
    (client.session stays truthy: it saves the session, giving it a key, before returning it.)
    Fix: test presence with hasattr(request, "session"); test content with
    request.session.is_empty() or a key lookup.
    Source: SessionBase.__bool__ in django/contrib/sessions/backends/base.py (new in 6.1);
    is_empty() is being documented in https://code.djangoproject.com/ticket/36898
    Kind: django-limitation
    """
    request = rf.get("/")
    SessionMiddleware(lambda request: None).process_request(request)
    assert request.session


def test_ninja_test_client_login_endpoint(user):
    """TestClient(router).post("/login", json={...}) (django-ninja); the endpoint calls login()

    Expect: the endpoint logs the user in and answers with the username.
    Why: django-ninja's TestClient calls the operation with a mock request built without
    middleware: there is no SessionMiddleware, so request.session is a Mock attribute that
    does not exist (AttributeError) or, in newer releases, a plain dict without cycle_key(),
    and django.contrib.auth.login() fails on every engine.
    Fix: test endpoints that use the session with Django's Client (the API is in the
    URLconf, so client.post("/ninja/login", ..., content_type="application/json") goes
    through the middleware), or give the mock a real session (request.session =
    SessionStore()).
    Source: https://github.com/vitalik/django-ninja/issues/1321
    Kind: test-tool-limitation
    Twin: test_ninja_login_endpoint_with_django_client
    """
    from ninja.testing import TestClient

    from project.sessions_app.api_ninja import router

    response = TestClient(router).post(
        "/login", json={"username": "alice", "password": "wonderland"}
    )
    assert response.json() == {"username": "alice"}


def test_ninja_login_endpoint_with_django_client(client, user):
    """client.post("/ninja/login", json, content_type="application/json"); then a Django view

    Expect: the endpoint logs the user in, and the next (Django) request sees the user.
    Source: https://github.com/vitalik/django-ninja/issues/35
    """
    response = client.post(
        "/ninja/login",
        {"username": "alice", "password": "wonderland"},
        content_type="application/json",
    )
    assert response.json() == {"username": "alice"}
    assert client.get("/whoami/").json()["username"] == "alice"


def test_ninja_session_auth_after_force_login(client, user):
    """client.force_login(user); client.get("/ninja/me") on an operation with auth=django_auth

    Expect: django-ninja's session authentication sees the user.
    Source: https://django-ninja.dev/guides/authentication/
    """
    client.force_login(user)
    assert client.get("/ninja/me").json() == {"username": "alice"}
