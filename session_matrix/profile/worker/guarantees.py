"""The worker's guarantee commands (functions of the worker's ``Visitors``, listed in
``commands.COMMANDS``): replay after logout, the largest session, canaries for a
flush or a restart, and expired sessions before and after ``clearsessions``."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from typing import Any, NamedTuple

from session_matrix.profile.measures import BROWSER_COOKIE_LIMIT
from session_matrix.profile.worker.engine_store import new_store, probe, session_cache
from session_matrix.profile.worker.visitors import CREDENTIALS, Visitors, payload

__all__ = [
    "Trial",
    "cache_clear",
    "canary_read",
    "canary_write",
    "clearsessions",
    "expiring",
    "largest",
    "replay",
    "round_trip",
]


def replay(worker: Visitors) -> dict[str, Any]:
    """Log in, copy the cookies, log out through the view, send the copy again."""
    client = worker.client()
    login = client.request("POST", "/login/", CREDENTIALS)
    stolen = client.copy()
    logout = client.request("POST", "/logout/")
    after = stolen.request("GET", "/whoami/")
    if 200 not in (login.status,) or logout.status != 200 or after.status != 200:
        statuses = f"login {login.status}, logout {logout.status}, replay {after.status}"
        return {"error": f"unexpected status: {statuses}"}
    return {"authenticated_after_logout": bool(json.loads(after.body)["authenticated"])}


class Trial(NamedTuple):
    """One size stored and read back: whether it came back intact, how it failed, and the
    session cookie (name=value) it took, bytes."""

    ok: bool
    how: str
    cookie: int


def round_trip(worker: Visitors, size: int) -> Trial:
    client = worker.client()
    stored = client.request("GET", f"/token/{size}/")
    cookie = worker.site.session_cookie_bytes(client.session_cookie)

    def failed(how: str) -> Trial:
        return Trial(ok=False, how=how, cookie=cookie)

    if stored.status != 200:
        return failed(f"storing it answered HTTP {stored.status}")
    read = client.request("GET", "/session/token/")
    if read.status != 200:
        return failed(f"reading it back answered HTTP {read.status}")
    value = json.loads(read.body).get("value")
    if value == payload(size):
        return Trial(ok=True, how="", cookie=cookie)
    return failed("lost silently (read back empty)" if not value else "read back changed")


def largest(worker: Visitors, cap: int) -> dict[str, Any]:
    """The largest session that round-trips (doubling from 1 KiB, then bisection), and
    the largest whose cookie a browser keeps (name=value within 4096 bytes)."""
    seen: dict[int, Trial] = {}

    def trial(size: int) -> Trial:
        if size not in seen:
            seen[size] = round_trip(worker, size)
        return seen[size]

    def search(good: Callable[[Trial], bool]) -> tuple[int, int | None]:
        low, high = 0, None
        size = 1024
        while size <= cap:
            if good(trial(size)):
                low = size
                size *= 2
            else:
                high = size
                break
        if high is None:
            return low, None
        while high - low > max(16, low // 100):
            middle = (low + high) // 2
            if good(trial(middle)):
                low = middle
            else:
                high = middle
        return low, high

    largest, failed_at = search(lambda r: r.ok)
    browser, browser_failed_at = search(lambda r: r.ok and r.cookie <= BROWSER_COOKIE_LIMIT)
    result: dict[str, Any] = {
        "largest_round_trip_bytes": largest,
        "capped": failed_at is None,
        "largest_browser_keeps_bytes": browser,
        "browser_capped": browser_failed_at is None,
        "cookie_bytes_at_largest_browser": trial(browser).cookie if browser else None,
    }
    if failed_at is not None:
        result["failure"] = {"bytes": failed_at, "how": trial(failed_at).how}
    return result


def canary_write(worker: Visitors, name: str) -> dict[str, Any]:
    client = worker.client()
    reply = client.request("POST", "/session/canary/", {"value": name})
    worker.clients[f"canary:{name}"] = client
    return {"status": reply.status}


def canary_read(worker: Visitors, name: str) -> dict[str, Any]:
    """Whether the canary's session still holds its value; one retry if the first
    request failed (a client reconnecting after its server restarted)."""
    client = worker.clients[f"canary:{name}"].copy()
    errors = 0
    for _ in range(2):
        reply = client.request("GET", "/session/canary/")
        if reply.status == 200:
            return {"present": json.loads(reply.body)["value"] == name, "errors": errors}
        errors += 1
    return {"present": False, "errors": errors, "status": reply.status}


def cache_clear(worker: Visitors) -> dict[str, Any]:
    """``clear()`` on the session engine's cache, or every cache when it uses none."""
    from django.core.cache import caches

    cache = session_cache()
    targets = [cache] if cache is not None else list(caches.all(initialized_only=False))
    for each in targets:
        each.clear()
    return {"cleared": len(targets)}


def expiring(worker: Visitors, count: int, seconds: int) -> dict[str, Any]:
    """``count`` visitors whose sessions expire ``seconds`` from now."""
    clients = []
    for _ in range(count):
        client = worker.client()
        reply = client.request("GET", f"/expiry/{seconds}/")
        if reply.status != 200:
            return {"error": f"/expiry/{seconds}/ answered HTTP {reply.status}"}
        clients.append(client)
    worker.kept["expiring"] = clients
    return {"created": count}


def clearsessions(worker: Visitors) -> dict[str, Any]:
    """How many of the expired sessions the store still holds, before and after
    ``manage.py clearsessions``; ``server_side`` false: it holds no session at all, so
    both are 0 whatever clearsessions does."""
    from django.core.management import call_command

    keys = [client.session_cookie for client in worker.kept.pop("expiring", [])]

    def stored() -> int:
        return sum(1 for key in keys if key and new_store().exists(key))

    before = stored()
    error = ""
    output = io.StringIO()
    try:
        with contextlib.redirect_stderr(output):
            call_command("clearsessions", stdout=output, stderr=output)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return {
        "expired": len(keys),
        "server_side": probe().server_side,
        "stored_before": before,
        "stored_after": stored(),
        "command_error": error or " ".join(output.getvalue().split())[:200],
    }


def __dir__() -> list[str]:
    return __all__
