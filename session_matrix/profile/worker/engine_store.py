"""The session engine as the worker reaches it without a request: its ``SessionStore``, the
cache, models or directory it keeps sessions in, and the bytes each of them takes.

Runs in the worker, after ``djangoproc.setup()``; Django is imported where it is needed.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Probe",
    "database_bytes",
    "describe",
    "engine",
    "files_bytes",
    "filled_store",
    "local_cache_bytes",
    "new_store",
    "one_transaction",
    "probe",
    "session_cache",
    "session_directory",
]

_ARGUMENTS = {"user_agent": "session-matrix profile", "ip": "127.0.0.1"}


def engine() -> Any:
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE)


def new_store(session_key: str | None = None) -> Any:
    """The engine's ``SessionStore``, also for a third-party store that takes more
    arguments (django-user-sessions: the user agent and the IP)."""
    import inspect

    store_class = engine().SessionStore
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(store_class).parameters.items():
        if name == "session_key" or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        arguments[name] = _ARGUMENTS.get(name)
    return store_class(session_key=session_key, **arguments)


def filled_store(data: str, number: int) -> Any:
    """A new session holding ``data`` (``token``) and ``number`` (``n``), not saved yet."""
    store = new_store()
    store["token"] = data
    store["n"] = number
    return store


def session_cache() -> Any:
    """The cache the session engine keeps sessions in, or None."""
    return getattr(new_store(), "_cache", None)


@dataclass(frozen=True)
class Probe:
    """What saving one session does, seen from outside the engine."""

    server_side: bool  # the store holds the session it saved (a signed cookie's never does)
    models: tuple[Any, ...]  # the models whose tables the save wrote to


_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE)\s+([`\"]?)([^\s`\"(]+)\1", re.IGNORECASE)


@functools.cache
def probe() -> Probe:
    """Save one session through the engine, watching the SQL it sends; ask the store whether
    it now holds it; delete it again. The models come from the tables the SQL wrote to, not
    from the engine's API: django-user-sessions' store keeps sessions in a model of its own
    and has no ``get_model_class``."""
    from django.apps import apps
    from django.db import connections

    written: set[str] = set()

    def watch(execute: Callable[..., Any], sql: Any, *rest: Any) -> Any:
        found = _WRITE.match(str(sql))
        if found:
            written.add(found.group(2))
        return execute(sql, *rest)

    store = filled_store("probe", 0)
    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(watch))
        store.save()
    server_side = bool(new_store().exists(store.session_key))
    store.delete()
    models = tuple(
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in written
    )
    return Probe(server_side, models)


def session_directory(store_class: Any) -> Path | None:
    """The directory a file-backed store keeps sessions in, or None."""
    getter = getattr(store_class, "_get_storage_path", None)
    return Path(getter()) if getter is not None else None


def one_transaction(database: bool) -> contextlib.AbstractContextManager[Any]:
    """One transaction around many sessions stored in a database (a commit each would
    measure the disk's flushes); nothing for any other store."""
    from django.db import transaction

    return transaction.atomic() if database else contextlib.nullcontext()


def describe() -> dict[str, Any]:
    """Where the engine keeps sessions: its cache (backend, ``MAX_ENTRIES``, whether it is
    one of Django's own), a database model, files."""
    cache = session_cache()
    directory = session_directory(engine().SessionStore)
    found = probe()
    return {
        "cache": None
        if cache is None
        else {
            "backend": f"{type(cache).__module__}.{type(cache).__qualname__}",
            "max_entries": getattr(cache, "_max_entries", None),
            "local": type(cache).__module__.startswith("django.core.cache.backends.")
            and not any(w in type(cache).__module__ for w in ("redis", "memcached")),
        },
        "database": bool(found.models),
        "files": directory is not None,
        "server_side": found.server_side,
    }


def local_cache_bytes(cache: Any) -> int | None:
    """What one of Django's own caches holds, or None for a cache server (measured from
    the server's statistics instead): a database cache's table as the database reports it,
    a file cache's files as allocated, a local-memory cache's pickled keys and values."""
    if cache is None:
        return None
    module = type(cache).__module__
    if module == "django.core.cache.backends.db":
        return database_bytes(table=cache._table)
    if module == "django.core.cache.backends.filebased":
        return files_bytes(Path(cache._dir))[1]
    if module == "django.core.cache.backends.locmem":
        with cache._lock:
            return sum(len(str(key)) + len(value) for key, value in cache._cache.items())
    return None


def database_bytes(models: tuple[Any, ...] = (), table: str = "") -> int:
    """Bytes the tables of ``models`` (or ``table``) take, as the database reports it
    (after compacting them, so that freed pages do not hide growth)."""
    tables = [model._meta.db_table for model in models] or ([table] if table else [])
    return sum(_table_bytes(name) for name in tables)


def _table_bytes(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            with contextlib.suppress(Exception):  # dbstat is a compile-time option
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                    [table],
                )
                return int(cursor.fetchone()[0] or 0)
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA freelist_count")
            free = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int((pages - free) * cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute(f'VACUUM FULL "{table}"') if not connection.in_atomic_block else None
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cursor.fetchone()[0])
        if connection.vendor == "mysql":
            if not connection.in_atomic_block:
                cursor.execute(f"OPTIMIZE TABLE `{table}`")
                cursor.fetchall()
            cursor.execute(f"ANALYZE TABLE `{table}`")
            cursor.fetchall()
            cursor.execute(
                "SELECT data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                [table],
            )
            return int(cursor.fetchone()[0])
    return 0


def files_bytes(directory: Path | None) -> tuple[int, int]:
    """(logical bytes, allocated bytes) of the files in ``directory``."""
    if directory is None:
        return 0, 0
    logical = allocated = 0
    for path in directory.iterdir():
        if path.is_file():
            stat = path.stat()
            logical += stat.st_size
            allocated += stat.st_blocks * 512
    return logical, allocated


def __dir__() -> list[str]:
    return __all__
