"""Django Channels consumers on the session: the ASGI application a project's ``asgi.py``
routes websockets to (``AuthMiddlewareStack``: cookies, then the session, then the user)."""

from channels.auth import AuthMiddlewareStack, login
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from django.contrib.auth import get_user_model
from django.urls import path


class WhoAmIConsumer(AsyncJsonWebsocketConsumer):
    """On connect: who ``scope["user"]`` is and what the session holds under ``colour``."""

    async def connect(self):
        await self.accept()
        user = self.scope["user"]
        await self.send_json(
            {
                "authenticated": user.is_authenticated,
                "username": user.get_username() if user.is_authenticated else None,
                "colour": await database_sync_to_async(self.scope["session"].get)("colour"),
            }
        )


class ColourConsumer(AsyncJsonWebsocketConsumer):
    """Stores ``{"colour": ...}`` in ``scope["session"]``; saves it when asked to
    (``"save": true``) through ``database_sync_to_async``, as Channels' docs show."""

    async def receive_json(self, content, **kwargs):
        self.scope["session"]["colour"] = content["colour"]
        if content.get("save"):
            await database_sync_to_async(self.scope["session"].save)()
        await self.send_json({"stored": content["colour"]})


class LoginConsumer(AsyncJsonWebsocketConsumer):
    """Logs the user named in the message in with ``channels.auth.login`` and saves the
    session, as Channels' docs show."""

    async def receive_json(self, content, **kwargs):
        user = await database_sync_to_async(get_user_model().objects.get)(
            username=content["username"]
        )
        await login(self.scope, user)
        await database_sync_to_async(self.scope["session"].save)()
        await self.send_json({"logged_in": user.get_username()})


application = AuthMiddlewareStack(
    URLRouter(
        [
            path("ws/whoami/", WhoAmIConsumer.as_asgi()),
            path("ws/colour/", ColourConsumer.as_asgi()),
            path("ws/login/", LoginConsumer.as_asgi()),
        ]
    )
)
