"""The worker's state, ``Visitors``: clients of the project in process, and those it keeps
between commands (a canary's, the live sessions', the expiring ones'). Every command
(``commands``, ``guarantees``, ``storage``) is a function of a ``Visitors``."""

from __future__ import annotations

import functools
import random
import string

from session_matrix.profile.client import Client, Site, Transport

__all__ = ["CREDENTIALS", "PASSWORD", "USERNAME", "Visitors", "payload"]

USERNAME = "profile-user"
PASSWORD = "profile-password"
CREDENTIALS = {"username": USERNAME, "password": PASSWORD}
_ALPHABET = string.ascii_letters + string.digits


@functools.cache
def payload(size: int) -> str:
    """What the project's ``/token/<size>/`` view stores: ``size`` incompressible characters,
    seeded from ``size`` (the same in every process)."""
    return "".join(random.Random(size).choices(_ALPHABET, k=size))


class Visitors:
    def __init__(self, transport: Transport, site: Site) -> None:
        self.transport = transport
        self.site = site
        self.clients: dict[str, Client] = {}
        self.holds: dict[str, str] = {}  # visitor -> the value its session must hold
        self.kept: dict[str, list[Client]] = {}

    def client(self) -> Client:
        return Client(self.transport, self.site)

    def seeded(self, size: int) -> Client:
        """A visitor whose session holds ``size`` bytes of data and a counter ``n``."""
        client = self.client()
        for method, path in (("GET", f"/token/{size}/"), ("POST", "/session/n/")):
            reply = client.request(method, path, {"value": "0"})
            if reply.status != 200:
                msg = f"seeding a {size}-byte session: {path} answered {reply.status}"
                raise RuntimeError(msg)
        return client


def __dir__() -> list[str]:
    return __all__
