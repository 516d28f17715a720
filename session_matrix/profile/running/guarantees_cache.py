"""Phase 4 of a run: guarantees that need cache servers of the run's own, which it may flush,
restart and fill up: the storage 10,000 sessions take, a session across a flush and across a
restart of the cache server, and live sessions evicted from a full cache.

Each configuration gets a twin: a second worker on the same database, with its cache servers
replaced by private ones (``cache_servers``); a configuration that needs no cache server is
its own twin, and flushes and fills whatever cache Django has.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from session_matrix.core.vocabulary import Guarantee
from session_matrix.profile.measures import SIZES, STORAGE_SESSIONS
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.running.targets import Target, each, log, ready
from session_matrix.profile.servers.cache_servers import (
    PrivateMemcached,
    PrivateRedis,
    PrivateServer,
    PrivateValkey,
)
from session_matrix.profile.worker.process import WorkerFailed, WorkerProcess

__all__ = ["CACHE_LIMIT_MB", "GUARANTEES", "phase_private_guarantees", "storage_guarantee"]

GUARANTEES = (
    Guarantee.STORAGE_PER_10000,
    Guarantee.SURVIVES_CACHE_FLUSH,
    Guarantee.SURVIVES_CACHE_RESTART,
    Guarantee.EVICTION_WHEN_FULL,
)
LIVE_SESSIONS = 50
FULL_SESSION_BYTES = 4096
CACHE_LIMIT_MB = 4


@contextlib.contextmanager
def _private(target: Target, rundir: Path) -> Iterator[tuple[Target, list[PrivateServer]]]:
    """The target with its cache servers replaced by servers of the run's own (a second
    worker on the same database), or itself when it needs no cache server."""
    needs = [need for need in target.record.needs if need in ("redis", "valkey", "memcached")]
    if not needs:
        yield target, []
        return
    assert target.provided is not None
    values = dict(target.provided.values)
    started: list[PrivateServer] = []
    try:
        for need in needs:
            if need == "redis":
                redis_server = PrivateRedis(rundir).start()
                started.append(redis_server)
                values["redis_url"] = redis_server.url
            elif need == "valkey":
                valkey_server = PrivateValkey(rundir).start()
                started.append(valkey_server)
                values["valkey_url"] = valkey_server.url
            else:
                memcached = PrivateMemcached().start()
                started.append(memcached)
                values["memcached_location"] = memcached.location
        provided = dataclasses.replace(target.provided, values=values)
        twin = Target(target.record, target.python, provided=provided, info=target.info)
        twin.worker = WorkerProcess(
            target.python,
            twin.env(target.use_database(), provided),
            rundir / f"{target.name}-private.log",
        )
        try:
            twin.worker.hello()
            yield twin, started
        finally:
            twin.worker.close()
    finally:
        for server in started:
            server.stop()


def phase_private_guarantees(targets: list[Target], rundir: Path) -> None:
    """Two configurations at a time (nothing here is timed: counts and bytes only), each
    with cache servers and a worker of its own."""
    log("guarantees with cache servers of the run's own: storage, flush, restart, a full cache")

    def measure(target: Target) -> None:
        try:
            with _private(target, rundir) as (twin, servers):
                _storage(target, twin, servers)
                _flush_and_restart(target, twin, servers)
                _full(target, twin, servers)
        except (WorkerFailed, RuntimeError, OSError) as exc:
            for name in GUARANTEES:
                target.guarantees.setdefault(name, Found(error=str(exc)))
        log(f"  {target.name}: done")

    each(ready(targets), measure)


def _storage(target: Target, twin: Target, servers: list[PrivateServer]) -> None:
    for server in servers:
        server.flush()
    before = sum(server.used_memory() for server in servers)
    answer = twin.call("storage", count=STORAGE_SESSIONS, size=SIZES[0])
    if "error" in answer:
        target.unmeasured(Guarantee.STORAGE_PER_10000, answer["error"])
        return
    cache: int | None
    if servers:
        cache = sum(server.used_memory() for server in servers) - before
    else:
        cache = answer.get("local_cache_bytes")
    target.guarantees[Guarantee.STORAGE_PER_10000] = storage_guarantee(answer, cache)


def storage_guarantee(answer: dict[str, Any], cache: int | None) -> Found:
    """The guarantee from the worker's ``storage`` answer and what the cache grew by (None:
    not measured). A store that holds the sessions (``server_side``) while nothing measured
    grew kept them where the run did not look: its storage is unknown, never 0 B."""
    parts = {
        "database tables": answer["database_bytes"],
        "files": answer["files_allocated_bytes"],
        "cache": cache,
    }
    grown = sum(part for part in parts.values() if part is not None and part > 0)
    if answer["server_side"] and not grown:
        looked = ", ".join(name for name, part in parts.items() if part is not None)
        return Found(
            error="the store holds the sessions, but nothing measured grew "
            f"(measured: {looked or 'nothing'})"
        )
    return Found(
        value=grown,
        server_side=answer["server_side"],
        database_bytes=answer["database_bytes"],
        files_bytes=answer["files_bytes"],
        files_allocated_bytes=answer["files_allocated_bytes"],
        cache_bytes=cache,
        cookie_bytes_each=answer["cookie_bytes"],
        session_bytes=SIZES[0],
        sessions=STORAGE_SESSIONS,
        kept=answer.get("kept"),
        kept_newest=answer.get("kept_newest"),
    )


def _flush_and_restart(target: Target, twin: Target, servers: list[PrivateServer]) -> None:
    twin.call("canary_write", name="flush")
    if servers:
        for server in servers:
            server.flush()
        how = "FLUSHALL / flush_all on the cache server"
    else:
        cleared = twin.call("cache_clear")
        how = "cache.clear() in the app" + (f" ({cleared['error']})" if "error" in cleared else "")
    answer = twin.call("canary_read", name="flush")
    target.guarantees[Guarantee.SURVIVES_CACHE_FLUSH] = Found(value=answer["present"], how=how)
    if not servers:
        target.guarantees[Guarantee.SURVIVES_CACHE_RESTART] = Found(
            reason="no cache server: the configuration needs none"
        )
        return
    twin.call("canary_write", name="restart")
    for server in servers:
        server.restart()
    answer = twin.call("canary_read", name="restart")
    target.guarantees[Guarantee.SURVIVES_CACHE_RESTART] = Found(
        value=answer["present"],
        how="the cache server stopped and started again (no persistence, as a cache runs)",
        errors=answer["errors"],
    )


def _full(target: Target, twin: Target, servers: list[PrivateServer]) -> None:
    cache = twin.info.cache if twin.info else None
    if servers:
        limit = "; ".join(server.limit(CACHE_LIMIT_MB) for server in servers)
        flood = 3 * CACHE_LIMIT_MB * 1024 * 1024 // FULL_SESSION_BYTES
    elif cache and cache.max_entries:
        limit = f"{cache.backend} MAX_ENTRIES {cache.max_entries} (Django culls beyond it)"
        flood = max(1000, 3 * cache.max_entries)
    else:
        limit = "no cache in the session path"
        flood = 1000
    made = twin.call("live", count=LIVE_SESSIONS, size=FULL_SESSION_BYTES)
    if "error" in made:
        target.unmeasured(Guarantee.EVICTION_WHEN_FULL, made["error"])
        return
    flooded = twin.call("flood", count=flood, size=FULL_SESSION_BYTES)
    checked = twin.call("live_check", size=FULL_SESSION_BYTES)
    lost = checked["lost"]
    errors = checked["errors"] + flooded.get("errors", 0)
    target.guarantees[Guarantee.EVICTION_WHEN_FULL] = Found(
        value=lost,
        lost=lost,
        of=checked["live"],
        errors=errors,
        silent=lost > 0 and errors == 0,
        flood_sessions=flood,
        session_bytes=FULL_SESSION_BYTES,
        limit=limit,
        first_error=flooded.get("first_error") or None,
    )


def __dir__() -> list[str]:
    return __all__
