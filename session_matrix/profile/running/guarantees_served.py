"""Guarantees measured through a real server: lost updates (pairs of writers on one session,
overlapped under control on the 2-worker server, and the control without overlap), one
session through two app-server processes (the 1-worker and the 2-worker server), and whether
a session survives an app-server restart (the 1-worker server stopped and started again,
its canary read back)."""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time

from session_matrix.core.vocabulary import Guarantee, LostWrites
from session_matrix.profile.client import Client, Site, http_transport
from session_matrix.profile.measures import SIZES, WORKERS
from session_matrix.profile.model.guarantees import Found, Sequential
from session_matrix.profile.running.targets import log
from session_matrix.profile.servers.app_server import Gunicorn
from session_matrix.profile.servers.serving import (
    CANARY,
    Served,
    cookie_store,
    stop_all,
    until_ready,
)

__all__ = [
    "ACROSS_HOW",
    "ACROSS_ROUNDS",
    "LOST_UPDATE_ROUNDS",
    Guarantee.ACROSS_PROCESSES,
    "across_processes_on",
    "app_restart",
    Guarantee.LOST_UPDATES,
    "lost_updates_on",
]

LOST_UPDATE_ROUNDS = 25  # pairs overlapped, and as many in the control
LOST_HOW = (
    "pairs of writes on one session, each writing its own key, through gunicorn with 2 "
    "workers: overlapped (the view holds both answers until both requests loaded the "
    "session), then one after the other with the same stale cookie (the control)"
)
ACROSS_ROUNDS = 10  # visitors; each writes and reads back three times across the processes
ACROSS_HOW = (
    "written through one gunicorn server (1 worker), read back through a second one (2 "
    "workers: other processes, the same settings and database), and the other way round"
)


def across_processes(first: int, second: int, site: Site, rounds: int) -> Found:
    """One session through two app-server processes: each visitor writes through one and
    reads back through the other, three times (first -> second twice, then second ->
    first), so a per-process copy of the session shows as a read that is absent (the other
    process never had it) or stale (it kept an older copy)."""
    reads = absent = stale = errors = 0
    steps = ((first, second), (first, second), (second, first))
    for number in range(rounds):
        client = Client(http_transport(first), site)
        client.request("GET", f"/token/{SIZES[0]}/")
        for step, (writer, reader) in enumerate(steps):
            value = f"{number}.{step}"
            client.transport = http_transport(writer)
            if client.request("POST", "/session/across/", {"value": value}).status != 200:
                errors += 1
                continue
            client.transport = http_transport(reader)
            reply = client.request("GET", "/session/across/")
            if reply.status != 200:
                errors += 1
                continue
            reads += 1
            answer = json.loads(reply.body)
            if answer.get("present") is not True:
                absent += 1
            elif answer.get("value") != value:
                stale += 1
    return Found(
        value=absent + stale == 0 if reads else None,
        reads=reads,
        absent=absent,
        stale=stale,
        errors=errors,
        how=ACROSS_HOW,
        error=None if reads else f"no read answered ({errors} requests failed)",
    )


def across_processes_on(served: list[Served]) -> None:
    """The multi-process guarantee on every configuration, through its two servers: the
    1-worker one and the 2-worker one (other processes, the same settings and database)."""
    by_target: dict[int, dict[int, Served]] = {}
    for entry in served:
        by_target.setdefault(id(entry.target), {})[entry.workers] = entry
    for servers in by_target.values():
        if len(servers) < len(WORKERS):
            continue
        first, second = servers[WORKERS[0]], servers[WORKERS[-1]]
        target = first.target
        log(f"  {target.name}: one session through two app-server processes")
        try:
            target.guarantees[Guarantee.ACROSS_PROCESSES] = across_processes(
                first.server.port, second.server.port, target.site(), ACROSS_ROUNDS
            )
        except (RuntimeError, OSError, ValueError) as exc:
            target.unmeasured(Guarantee.ACROSS_PROCESSES, str(exc))


def _race(base: Client, number: int, pair: str) -> list[tuple[int, str, Client, int]]:
    """Two copies of ``base`` each POST their own key to the overlapped write, which holds
    both answers until both requests have loaded the session; (when each answer arrived,
    the key, the client, the status), in arrival order."""
    barrier = threading.Barrier(2)
    finished: list[tuple[int, str, Client, int]] = []
    lock = threading.Lock()

    def send(key: str, client: Client) -> None:
        barrier.wait()
        try:
            data = {"value": str(number), "pair": pair}
            status = client.request("POST", f"/overlap/{key}/", data).status
        except OSError:
            status = 0
        with lock:
            finished.append((time.perf_counter_ns(), key, client, status))

    threads = [threading.Thread(target=send, args=(key, base.copy()), daemon=True) for key in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(finished, key=lambda item: item[0])


def _one_after_the_other(base: Client, number: int) -> list[tuple[int, str, Client, int]]:
    """The control: the same two writes, each from a copy of ``base`` (the same stale
    cookie), the second sent only after the first answered: no overlap at all."""
    finished = []
    for key in "ab":
        client = base.copy()
        try:
            status = client.request("POST", f"/session/{key}/", {"value": str(number)}).status
        except OSError:
            status = 0
        finished.append((time.perf_counter_ns(), key, client, status))
    return finished


def _pairs(base: Client, numbers: range, overlapped: bool) -> dict[str, int]:
    """A pair of writes on one session per number (each writes the number, so no pair
    reads back an earlier pair's value as its own); afterwards the browser holds the cookies
    of whichever answered last, as a browser does. Which acknowledged writes (200) are still
    there? A write answered with an error was not lost silently: the app was told; it
    counts under ``failed_writes``, not ``lost``."""
    lost = acknowledged = failed_writes = failed_reads = pairs = 0
    for number in numbers:
        original = dict(base.jar)
        if overlapped:
            finished = _race(base, number, secrets.token_hex(8))
        else:
            finished = _one_after_the_other(base, number)
        for _, _, client, _ in finished:
            for cookie, value in client.jar.items():
                if original.get(cookie) != value:
                    base.jar[cookie] = value
            for cookie in original:
                if cookie not in client.jar:
                    base.jar.pop(cookie, None)
        written = {key for _, key, _, status in finished if status == 200}
        failed_writes += 2 - len(written)
        acknowledged += len(written)
        pairs += len(written) == 2
        for key in sorted(written):
            reply = base.request("GET", f"/session/{key}/")
            if reply.status != 200:
                failed_reads += 1
            elif json.loads(reply.body).get("value") != str(number):
                lost += 1
    return {
        "lost": lost,
        "of": acknowledged,
        "pairs": pairs,
        "writes": 2 * len(numbers),
        "failed_writes": failed_writes,
        "errors": failed_writes + failed_reads,
    }


def lost_updates(port: int, site: Site, rounds: int, cookie_store: bool) -> Found:
    """Pairs of writes on one session, each request writing its own key: overlapped (both
    in flight before either answers), then the control, one after the other with the same
    stale cookie. Which mechanism loses the writes follows from the two: the control loses
    them too, so the client's cookie does (the last Set-Cookie wins); only overlapped pairs
    lose them, so the server's stored session does (the last save wins). A server-side
    store that loses them in the control too does not share the session between the
    server's processes."""
    base = Client(http_transport(port), site)
    base.request("GET", f"/token/{SIZES[0]}/")
    overlapped = _pairs(base, range(rounds), overlapped=True)
    control = _pairs(base, range(rounds, 2 * rounds), overlapped=False)
    if control["lost"]:
        mechanism = LostWrites.CLIENT_COOKIE if cookie_store else LostWrites.NOT_SHARED
    elif overlapped["lost"]:
        mechanism = LostWrites.SERVER_SESSION
    else:
        mechanism = LostWrites.NONE
    return Found(
        value=overlapped["lost"],
        lost=overlapped["lost"],
        of=overlapped["of"],
        pairs=overlapped["pairs"],
        writes=overlapped["writes"],
        failed_writes=overlapped["failed_writes"],
        errors=overlapped["errors"],
        mechanism=mechanism,
        structural=mechanism == LostWrites.CLIENT_COOKIE
        and control["lost"] >= control["pairs"] > 0,
        sequential=Sequential(
            lost=control["lost"],
            of=control["of"],
            pairs=control["pairs"],
            errors=control["errors"],
        ),
        how=LOST_HOW,
    )


def lost_updates_on(served: list[Served]) -> None:
    """Lost updates on every configuration's server with the most workers."""
    for entry in served:
        if entry.workers == WORKERS[-1]:
            log(f"  {entry.target.name}: pairs of writers on one session, overlapped and not")
            try:
                found = lost_updates(
                    entry.server.port,
                    entry.target.site(),
                    LOST_UPDATE_ROUNDS,
                    cookie_store(entry.target),
                )
                found.workers = entry.workers
                entry.target.guarantees[Guarantee.LOST_UPDATES] = found
            except OSError as exc:
                entry.target.unmeasured(Guarantee.LOST_UPDATES, str(exc))


def app_restart(served: list[Served], stack: contextlib.ExitStack) -> None:
    """Stop every server holding a canary, start it again, read the canary."""
    restarted: list[tuple[Served, Gunicorn]] = []
    holding = [entry for entry in served if entry.canary is not None]
    stop_all([entry.server for entry in holding])
    for entry in holding:
        again = entry.server.again().start()
        stack.callback(again.stop)
        restarted.append((entry, again))
    for entry, again in restarted:
        target = entry.target
        assert entry.canary is not None
        client = entry.canary.copy()
        client.transport = http_transport(again.port)
        try:
            until_ready(Client(http_transport(again.port), target.site()))
            reply = client.request("GET", "/session/canary/")
            present = reply.status == 200 and json.loads(reply.body).get("value") == CANARY
            target.guarantees[Guarantee.SURVIVES_APP_RESTART] = Found(
                value=present, how="gunicorn stopped (SIGTERM) and started again"
            )
        except (RuntimeError, OSError) as exc:
            target.unmeasured(Guarantee.SURVIVES_APP_RESTART, str(exc))
    stop_all([again for _, again in restarted])


def __dir__() -> list[str]:
    return __all__
