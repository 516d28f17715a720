"""One configuration's measurement process: the real project, requests in process.

    python -m session_matrix.profile.worker.commands   (by the coordinator, never by hand)

The environment names the configuration (``SESSION_MATRIX_ENGINE``), what its services gave
(``SESSION_MATRIX_PROVIDED``) and the database (``SESSION_MATRIX_PROFILE_DB``). The worker
sets Django up, prints one JSON line (Django's version, the settings a client needs), then
answers one JSON command per line on stdin with one JSON line on stdout; everything else it
prints goes to stderr. It measures only when told: the coordinator decides the order, so that
configurations take turns and drift on the machine hits all of them alike.

The commands are the functions listed in ``COMMANDS``, each taking the worker's state
(``Visitors``) and the command's arguments; nothing else can be reached: the cost of
requests here (``block``), the guarantees in ``guarantees``, storage and a full cache in
``storage``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from session_matrix.profile.client import Client, Reply, Site, wsgi_transport
from session_matrix.profile.model import Sample
from session_matrix.profile.servers import djangoproc
from session_matrix.profile.worker import guarantees, storage
from session_matrix.profile.worker.engine_store import describe, new_store
from session_matrix.profile.worker.visitors import (
    CREDENTIALS,
    PASSWORD,
    USERNAME,
    Visitors,
    payload,
)

__all__ = ["COMMANDS", "answer", "block", "main", "store_directly"]


def block(worker: Visitors, kind: str, size: int, count: int) -> dict[str, list[Sample]]:
    """``count`` requests of one kind on a session of ``size`` bytes; per request:
    [ns, queries, cache commands, Set-Cookie bytes, Cookie bytes, status, wrong], wrong
    1 when an answer below 400 did not hold what the session must (see ``answered``)."""
    key = f"{kind}:{size}"
    if key not in worker.clients:
        worker.clients[key] = worker.seeded(size)
        worker.holds[key] = "0"
    client = worker.clients[key]
    out: dict[str, list[Sample]] = {}

    def timed(name: str, send: Callable[[], Reply], expect: str = "") -> None:
        before = djangoproc.COUNTS.snapshot()
        reply = send()
        after = djangoproc.COUNTS.snapshot()
        right = reply.status >= 400 or answered(name, reply, expect)
        out.setdefault(name, []).append(
            Sample(
                reply.elapsed_ns,
                after[0] - before[0],
                after[1] - before[1],
                reply.set_cookie_bytes,
                reply.cookie_bytes,
                reply.status,
                0 if right else 1,
            )
        )

    for number in range(count):
        if kind == "anonymous":
            timed(kind, lambda: client.request("GET", "/untouched/"))
        elif kind == "read":
            timed(kind, lambda: client.request("GET", "/session/n/"), worker.holds[key])
        elif kind == "write":
            value = {"value": f"{key}:{number}"}
            send = functools.partial(client.request, "POST", "/session/n/", value)
            timed(kind, send, value["value"])
            worker.holds[key] = value["value"]
        elif kind == "auth":
            # An anonymous visitor holding `size` bytes logs in, then out (which flushes
            # the session): the data is stored again, untimed, before the next login.
            store_directly(worker, client, size)
            timed("login", lambda: client.request("POST", "/login/", CREDENTIALS))
            timed("logout", lambda: client.request("POST", "/logout/"))
        else:
            msg = f"unknown request kind {kind!r}"
            raise ValueError(msg)
    return out


def store_directly(worker: Visitors, client: Client, size: int) -> None:
    """What ``/token/<size>/`` does for a new visitor, through the engine's
    ``SessionStore`` without a request (untimed set-up, cheaper than a request)."""
    store = new_store()
    store["token"] = payload(size)
    store.save()
    client.jar[worker.site.session_cookie] = str(store.session_key)


def answered(name: str, reply: Reply, expect: str) -> bool:
    """The answer holds what it must: a read or a write the value the session last stored
    (``expect``), a login the user, a logout its confirmation, an anonymous page a 200."""
    if reply.status != 200:
        return False
    if name == "anonymous":
        return True
    try:
        body = json.loads(reply.body)
    except ValueError:
        return False
    if name in ("read", "write"):
        return body.get("present") is True and body.get("value") == expect
    if name == "login":
        return bool(body.get("username") == USERNAME)
    return bool(body.get("logged_out") is True)


Command = Callable[..., dict[str, Any]]

# Every command the coordinator may send, by name: nothing else of the worker is reachable.
COMMANDS: dict[str, Command] = {
    "block": block,
    "replay": guarantees.replay,
    "largest": guarantees.largest,
    "canary_write": guarantees.canary_write,
    "canary_read": guarantees.canary_read,
    "cache_clear": guarantees.cache_clear,
    "expiring": guarantees.expiring,
    "clearsessions": guarantees.clearsessions,
    "storage": storage.storage,
    "live": storage.live,
    "flood": storage.flood,
    "live_check": storage.live_check,
}


def answer(worker: Visitors, command: dict[str, Any]) -> dict[str, Any]:
    """One command's answer: the command's own, or an error naming what went wrong (an
    unknown command is refused, never looked up on the worker)."""
    op = command.pop("op", None)
    run = COMMANDS.get(str(op))
    if run is None:
        return {"error": f"unknown command {op!r}; the worker accepts {', '.join(COMMANDS)}"}
    try:
        return run(worker, **command)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def main() -> int:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not break the protocol
    try:
        info = djangoproc.setup()
        if json.loads(os.environ.get(djangoproc.DB_VAR) or "{}").get("mode") == "create":
            from django.contrib.auth import get_user_model

            get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    except Exception as exc:
        protocol.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        protocol.flush()
        raise
    worker = Visitors(wsgi_transport(), Site.from_json(info["site"]))
    protocol.write(json.dumps(info | {"store": describe()}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("op") == "quit":
            break
        protocol.write(json.dumps(answer(worker, command)) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
