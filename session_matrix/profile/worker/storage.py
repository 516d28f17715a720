"""The worker's storage commands (functions of the worker's ``Visitors``, listed in
``commands.COMMANDS``): what many sessions take in the store, and whether live
sessions survive other visitors' sessions filling the cache."""

from __future__ import annotations

import json
from typing import Any

from session_matrix.profile.worker.engine_store import (
    database_bytes,
    engine,
    files_bytes,
    filled_store,
    local_cache_bytes,
    new_store,
    one_transaction,
    probe,
    session_cache,
    session_directory,
)
from session_matrix.profile.worker.visitors import Visitors, payload

__all__ = ["flood", "live", "live_check", "storage"]


def storage(worker: Visitors, count: int, size: int) -> dict[str, Any]:
    """Store ``count`` sessions of ``size`` bytes through the engine's ``SessionStore``
    and measure what the database and the files grew by (the cache server's growth is
    measured by the coordinator, from the server's own statistics)."""
    found = probe()
    for model in found.models:
        model.objects.all().delete()
    directory = session_directory(engine().SessionStore)
    if directory is not None:
        for path in directory.glob(f"{worker.site.session_cookie}*"):
            path.unlink()
    cache = session_cache()
    if cache is not None and local_cache_bytes(cache) is not None:
        cache.clear()
    before_cache = local_cache_bytes(cache)
    before_db = database_bytes(found.models)
    before_files = files_bytes(directory)
    data = payload(size)
    cookie = 0
    keys: list[str] = []
    with one_transaction(bool(found.models)):
        for number in range(count):
            store = filled_store(data, number)
            store.save()
            keys.append(str(store.session_key))
            if number == 0:
                cookie = worker.site.session_cookie_bytes(store.session_key or "")
    after_db = database_bytes(found.models)
    after_files = files_bytes(directory)
    after_cache = local_cache_bytes(cache)
    # Which the store still holds (a cache may have culled some): every key asked of
    # the store, an exact count; and of the newest as many, how many are among them
    # (all: it kept the newest visitors; fewer: culling took any visitor).
    store = new_store()
    held = [key for key in keys if store.exists(key)] if found.server_side else []
    newest = set(keys[len(keys) - len(held) :]) if held else set()
    return {
        "server_side": found.server_side,
        "kept": len(held) if found.server_side else None,
        "kept_newest": sum(1 for key in held if key in newest) if found.server_side else None,
        "local_cache_bytes": None
        if after_cache is None or before_cache is None
        else after_cache - before_cache,
        "sessions": count,
        "database_bytes": after_db - before_db if found.models else None,
        "files_bytes": None if directory is None else after_files[0] - before_files[0],
        "files_allocated_bytes": None if directory is None else after_files[1] - before_files[1],
        "cookie_bytes": cookie,
    }


def live(worker: Visitors, count: int, size: int) -> dict[str, Any]:
    clients = [worker.client() for _ in range(count)]
    for client in clients:
        reply = client.request("GET", f"/token/{size}/")
        if reply.status != 200:
            return {"error": f"/token/{size}/ answered HTTP {reply.status}"}
    worker.kept["live"] = clients
    return {"created": count}


def flood(worker: Visitors, count: int, size: int) -> dict[str, Any]:
    """``count`` other visitors' sessions of ``size`` bytes, stored through the engine."""
    data = payload(size)
    errors = 0
    first = ""
    # One transaction for a database-backed store: a commit per session would measure
    # the disk's flushes, not the cache filling up.
    with one_transaction(bool(probe().models)):
        for number in range(count):
            store = filled_store(data, number)
            try:
                store.save()
            except Exception as exc:
                errors += 1
                first = first or f"{type(exc).__name__}: {exc}"
    return {"stored": count - errors, "errors": errors, "first_error": first[:200]}


def live_check(worker: Visitors, size: int) -> dict[str, Any]:
    """The live sessions still holding their data; ``lost``: answered 200 without it (the
    visitor silently logged out); ``errors``: answered with an error (told, not lost)."""
    expected = payload(size)
    present = lost = errors = 0
    for client in worker.kept.get("live", []):
        reply = client.copy().request("GET", "/session/token/")
        if reply.status != 200:
            errors += 1
        elif json.loads(reply.body).get("value") == expected:
            present += 1
        else:
            lost += 1
    live = len(worker.kept.get("live", []))
    return {"live": live, "present": present, "lost": lost, "errors": errors}


def __dir__() -> list[str]:
    return __all__
