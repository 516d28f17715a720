"""The project in a measurement process: Django set up on one configuration, and counters.

Both the in-process worker and the gunicorn app (``wsgi``) start here, in a process started
with ``environment(...)``. The settings are the
real project's (``project.settings``, with the record laid over it by ``overlay.apply``);
only the database is the run's own: a file in the run's directory for SQLite, ``test_<NAME>``
on PostgreSQL or MariaDB (the name the provider drops when the run ends), created and
migrated once by the first worker and used as it is by every later process.

Counting, in this process only:

- SQL queries: every statement Django sends through a cursor (``execute_wrapper`` on every
  connection), transactions' savepoints included; connecting is not counted.
- cache commands: at the client library, on the wire: each Redis command redis-py packs (a
  pipeline counts each of its commands), each memcached command pymemcache sends (a
  ``get_many`` is one command); for Django's own cache backends, which have no wire
  (local memory, files, a database table, dummy), each outermost call of the cache API.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from session_matrix.core import overlay
from session_matrix.profile.servers.processes import harness_env

__all__ = ["COUNTS", "DB_VAR", "Counts", "environment", "setup"]

DB_VAR = "SESSION_MATRIX_PROFILE_DB"


class Counts:
    """What the requests of this process sent to the database and the cache."""

    def __init__(self) -> None:
        self.queries = 0
        self.cache_commands = 0
        self._depth = 0

    def snapshot(self) -> tuple[int, int]:
        return self.queries, self.cache_commands


COUNTS = Counts()


def _count_queries(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
) -> Any:
    COUNTS.queries += 1
    return execute(sql, params, many, context)


def _count_redis() -> str:
    """Count each command redis-py packs, whichever serializer it uses."""
    try:
        import redis.connection as connection
    except ImportError:
        return ""
    patched = []
    for name in ("PythonRespSerializer", "HiredisRespSerializer"):
        serializer = getattr(connection, name, None)
        if serializer is None or getattr(serializer.pack, "_counted", False):
            continue
        original = serializer.pack

        @functools.wraps(original)
        def pack(self: Any, *args: Any, __original: Any = original) -> Any:
            COUNTS.cache_commands += 1
            return __original(self, *args)

        pack._counted = True  # type: ignore[attr-defined]
        serializer.pack = pack
        patched.append(name)
    if not patched:  # an older redis-py: count where commands are packed
        base: Any = connection.Connection
        original_one: Any = base.pack_command
        original_many: Any = base.pack_commands

        def pack_command(self: Any, *args: Any) -> Any:
            COUNTS.cache_commands += 1
            return original_one(self, *args)

        def pack_commands(self: Any, commands: Any) -> Any:
            commands = list(commands)
            COUNTS.cache_commands += len(commands)
            return original_many(self, commands)

        base.pack_command = pack_command
        base.pack_commands = pack_commands
    return "redis-py"


def _count_pymemcache() -> str:
    try:
        client: Any = importlib.import_module("pymemcache.client.base").Client
    except ImportError:
        return ""

    def counting(original: Callable[..., Any], size: Callable[[tuple[Any, ...]], int]) -> Any:
        @functools.wraps(original)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            COUNTS.cache_commands += size(args)
            return original(self, *args, **kwargs)

        return wrapper

    # _fetch_cmd(name, keys, ...): one command for any number of keys;
    # _store_cmd(name, {key: value}, ...): one command per key; _misc_cmd(cmds, ...).
    client._fetch_cmd = counting(client._fetch_cmd, lambda args: 1)
    client._store_cmd = counting(client._store_cmd, lambda args: len(args[1]))
    client._misc_cmd = counting(client._misc_cmd, lambda args: len(list(args[0])))
    return "pymemcache"


_API = (
    "add", "get", "set", "touch", "delete", "get_many", "set_many", "delete_many",
    "has_key", "incr", "decr", "clear", "get_or_set",
)  # fmt: skip


def _count_django_caches() -> None:
    """Django's caches without a wire: count each outermost call of the cache API."""
    from django.core.cache.backends import db, dummy, filebased, locmem

    for cls in (locmem.LocMemCache, filebased.FileBasedCache, db.DatabaseCache, dummy.DummyCache):
        for name in _API:
            original = getattr(cls, name, None)
            if original is None or getattr(original, "_counted", False):
                continue

            def wrapper(self: Any, *args: Any, __original: Any = original, **kw: Any) -> Any:
                outermost = COUNTS._depth == 0
                if outermost:
                    COUNTS.cache_commands += 1
                COUNTS._depth += 1
                try:
                    return __original(self, *args, **kw)
                finally:
                    COUNTS._depth -= 1

            wrapper._counted = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapper)


def _install_query_counter() -> None:
    from django.db import connections

    for alias in connections:
        wrappers = connections[alias].execute_wrappers
        if _count_queries not in wrappers:
            wrappers.append(_count_queries)


def setup() -> dict[str, Any]:
    """Set Django up on the configuration in the environment; the database named by
    ``SESSION_MATRIX_PROFILE_DB`` (``{"mode": "create"|"use", "sqlite": path, "name": ...}``)
    is created and migrated, or used as it is. Returns what the run needs to know."""
    import django
    from django.conf import settings

    wanted = json.loads(os.environ.get(DB_VAR) or '{"mode": "none"}')
    database = settings.DATABASES["default"]
    sqlite = str(database.get("ENGINE", "")).endswith("sqlite3")
    # Connections persist across requests, as a deployment sets them: with Django's default
    # (CONN_MAX_AGE = 0) every request would connect anew, and connecting (measured apart,
    # below) would swamp what the session engine costs. A record that sets it keeps its own.
    if not database.get("CONN_MAX_AGE"):
        database["CONN_MAX_AGE"] = None
    if wanted["mode"] == "use":
        database["NAME"] = wanted["name"]
    elif wanted["mode"] == "create" and sqlite:
        database.setdefault("TEST", {})["NAME"] = wanted["sqlite"]
    clients = [name for name in (_count_redis(), _count_pymemcache()) if name]
    django.setup()
    _count_django_caches()
    name = str(database["NAME"])
    if wanted["mode"] == "create":
        from django.db import connection

        with contextlib.redirect_stdout(sys.stderr):
            name = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
    _install_query_counter()
    return {
        "django": django.get_version(),
        "database": {"vendor": _vendor(), "name": name, "connect_us": _connect_us()},
        "site": site_settings(),
        "session_engine": settings.SESSION_ENGINE,
        "clients": clients,
    }


def _connect_us(times: int = 5) -> float:
    """The median time to open a database connection, microseconds (what every request pays
    with ``CONN_MAX_AGE = 0``)."""
    import statistics
    import time

    from django.db import connection

    spent = []
    for _ in range(times):
        connection.close()
        started = time.perf_counter_ns()
        connection.ensure_connection()
        spent.append((time.perf_counter_ns() - started) / 1000)
    return round(statistics.median(spent), 1)


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def site_settings() -> dict[str, Any]:
    from django.conf import settings

    header = str(settings.CSRF_HEADER_NAME).removeprefix("HTTP_").replace("_", "-")
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_header": header,
        "csrf_use_sessions": bool(settings.CSRF_USE_SESSIONS),
    }


def environment(
    configuration: str, provided: overlay.Provided, database: dict[str, Any]
) -> dict[str, str]:
    """What a process that calls ``setup()`` is started with: the configuration, what its
    services gave, and its database (``{"mode": "create", "sqlite": path}`` for the first
    process, ``{"mode": "use", "name": ...}`` for every later one)."""
    return harness_env(
        DJANGO_SETTINGS_MODULE="project.settings",
        **{
            overlay.ENGINE_VAR: configuration,
            overlay.PROVIDED_VAR: provided.to_env(),
            DB_VAR: json.dumps(database),
        },
    )


def __dir__() -> list[str]:
    return __all__
