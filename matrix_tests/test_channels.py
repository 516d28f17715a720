"""Django Channels: websocket consumers behind AuthMiddlewareStack reading and saving the
session that the HTTP views share (the cookie is the only link between the two)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from project.sessions_app.consumers import application

pytestmark = [pytest.mark.channels, pytest.mark.django_db(transaction=True)]


def session_cookie(client):
    """The Cookie header a browser sends with the websocket handshake."""
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def test_force_login_cookie_reaches_websocket_user(client, user):
    """client.force_login(user); WebsocketCommunicator(app, path, headers=[(b"cookie", ...)])

    Expect: the consumer's scope["user"] is the user logged in by force_login().
    Source: https://github.com/django/channels/issues/903
    """
    await sync_to_async(client.force_login)(user)
    communicator = WebsocketCommunicator(
        application, "/ws/whoami/", headers=[(b"cookie", session_cookie(client).encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["username"] == "alice"
    await communicator.disconnect()


async def test_communicator_without_cookie_after_force_login(client, user):
    """client.force_login(user); then WebsocketCommunicator(application, path) with no headers

    Expect: the consumer's scope["user"] is the user logged in by force_login().
    Why: the test client and the communicator share nothing: force_login() puts the session
    key in client.cookies, and a communicator built without a Cookie header opens a handshake
    with no cookie, so Channels' SessionMiddleware starts an empty session and
    AuthMiddleware gives an AnonymousUser, on every engine (Channels has no force_login for
    communicators; the issue is open).
    Fix: pass the cookie: headers=[(b"cookie", f"sessionid={client.cookies['sessionid'].value}"
    .encode())], as a browser sends it with the handshake.
    Source: https://github.com/django/channels/issues/1107
    Kind: test-tool-limitation
    Twin: test_force_login_cookie_reaches_websocket_user
    """
    await sync_to_async(client.force_login)(user)
    communicator = WebsocketCommunicator(application, "/ws/whoami/")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["username"] == "alice"
    await communicator.disconnect()


async def test_consumer_reads_what_a_view_stored(client):
    """a view stores request.session["colour"]; a consumer reads scope["session"]["colour"]

    Expect: the consumer reads the value the view stored (same cookie, same session).
    Source: https://channels.readthedocs.io/en/latest/topics/sessions.html
    """
    await sync_to_async(client.post)("/session/colour/", {"value": "blue"})
    communicator = WebsocketCommunicator(
        application, "/ws/whoami/", headers=[(b"cookie", session_cookie(client).encode())]
    )
    await communicator.connect()
    assert (await communicator.receive_json_from())["colour"] == "blue"
    await communicator.disconnect()


async def test_consumer_saves_scope_session(client):
    """a consumer sets scope["session"]["colour"] and saves it (database_sync_to_async(save)())

    Expect: the next HTTP request with the same cookie reads the colour the consumer saved.
    Why: on signed_cookies the session's data is its cookie: save() computes a new signed
    key, and a websocket cannot send a Set-Cookie after its handshake, so the browser keeps
    the old cookie, which still says "red". The other engines save under the key the cookie
    already names, and the next request loads it.
    Fix: on signed_cookies let an HTTP view write what must persist (the consumer can send
    the value to the page, which posts it); server-side engines need only the save().
    Source: https://channels.readthedocs.io/en/latest/topics/sessions.html
    Detect: none: the consumer saves the session; the test only talks to it
    """
    await sync_to_async(client.post)("/session/colour/", {"value": "red"})
    communicator = WebsocketCommunicator(
        application, "/ws/colour/", headers=[(b"cookie", session_cookie(client).encode())]
    )
    await communicator.connect()
    await communicator.send_json_to({"colour": "blue", "save": True})
    assert (await communicator.receive_json_from())["stored"] == "blue"
    await communicator.disconnect()
    response = await sync_to_async(client.get)("/session/colour/")
    assert response.json()["value"] == "blue"


async def test_consumer_edits_scope_session_without_save(client):
    """a consumer sets scope["session"]["colour"] and never calls save()

    Expect: the next HTTP request with the same cookie reads the colour the consumer set.
    Why: Channels saves the session only when an HTTP response starts; a websocket consumer
    must save it itself (its docs say so), so the change lives in the consumer's scope only
    and is lost on every engine.
    Fix: await database_sync_to_async(self.scope["session"].save)() (on Django 5.1+:
    await self.scope["session"].asave()) after the change.
    Source: https://channels.readthedocs.io/en/latest/topics/sessions.html
    Kind: mistake
    Twin: test_consumer_saves_scope_session
    """
    await sync_to_async(client.post)("/session/colour/", {"value": "red"})
    communicator = WebsocketCommunicator(
        application, "/ws/colour/", headers=[(b"cookie", session_cookie(client).encode())]
    )
    await communicator.connect()
    await communicator.send_json_to({"colour": "blue"})
    assert (await communicator.receive_json_from())["stored"] == "blue"
    await communicator.disconnect()
    response = await sync_to_async(client.get)("/session/colour/")
    assert response.json()["value"] == "blue"


async def test_consumer_saves_a_session_the_browser_never_had(client):
    """a websocket opened without a session cookie; the consumer stores data and saves it

    Expect: the visitor's next HTTP request reads what the consumer stored.
    Why: with no cookie in the handshake, Channels gives the consumer a new, empty session
    (no key); save() creates it under a new key (on signed_cookies the key is the data), and
    a websocket cannot send that key to the browser after its handshake: the next HTTP
    request has no cookie and gets a fresh session, on every engine.
    Fix: let an HTTP view create the session first (any view that writes to it sets the
    cookie), then open the websocket with that cookie.
    Source: https://github.com/django/channels/issues/1096
    Kind: mistake
    """
    communicator = WebsocketCommunicator(application, "/ws/colour/")
    await communicator.connect()
    await communicator.send_json_to({"colour": "blue", "save": True})
    assert (await communicator.receive_json_from())["stored"] == "blue"
    await communicator.disconnect()
    response = await sync_to_async(client.get)("/session/colour/")
    assert response.json()["value"] == "blue"


async def test_login_in_consumer_then_http_view(client, user):
    """a consumer calls channels.auth.login(scope, user) and saves the session; then a view

    Expect: the HTTP views see the user logged in (the browser's cookie names the session).
    Why: channels.auth.login() does what django.contrib.auth.login() does: it cycles the
    session key (or flushes), so the logged-in session lives under a new key. A websocket
    cannot hand the browser the new cookie, and the old key was deleted (on signed_cookies
    the old cookie is the anonymous data): the next HTTP request is anonymous on every
    engine. The login holds only inside that websocket's scope.
    Fix: log in over HTTP (a login view) and open the websocket afterwards, or have the page
    reload the cookie through a view after a websocket login.
    Source: https://channels.readthedocs.io/en/latest/topics/authentication.html#how-to-log-a-user-in-out
    Kind: mistake
    """
    await sync_to_async(client.post)("/session/colour/", {"value": "red"})
    communicator = WebsocketCommunicator(
        application, "/ws/login/", headers=[(b"cookie", session_cookie(client).encode())]
    )
    await communicator.connect()
    await communicator.send_json_to({"username": "alice"})
    assert (await communicator.receive_json_from())["logged_in"] == "alice"
    await communicator.disconnect()
    response = await sync_to_async(client.get)("/whoami/")
    assert response.json()["username"] == "alice"
