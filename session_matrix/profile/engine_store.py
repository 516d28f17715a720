"""The session engine as the worker reaches it without a request: its ``SessionStore``, the
cache, model or directory it keeps sessions in, and the bytes each of them takes.

Runs in the worker, after ``djangoproc.setup()``; Django is imported where it is needed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

__all__ = [
    "database_bytes",
    "describe",
    "engine",
    "files_bytes",
    "filled_store",
    "local_cache_bytes",
    "new_store",
    "one_transaction",
    "session_cache",
    "session_directory",
    "session_model",
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


def session_model(store_class: Any) -> Any:
    """The model a database-backed store keeps sessions in, or None."""
    getter = getattr(store_class, "get_model_class", None)
    return getter() if getter is not None else None


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
    store_class = engine().SessionStore
    directory = session_directory(store_class)
    return {
        "cache": None
        if cache is None
        else {
            "backend": f"{type(cache).__module__}.{type(cache).__qualname__}",
            "max_entries": getattr(cache, "_max_entries", None),
            "local": type(cache).__module__.startswith("django.core.cache.backends.")
            and not any(w in type(cache).__module__ for w in ("redis", "memcached")),
        },
        "database": session_model(store_class) is not None,
        "files": directory is not None,
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


def database_bytes(model: Any = None, table: str = "") -> int:
    """Bytes a table (the sessions model's, or ``table``) takes, as the database reports it
    (after compacting it, so that freed pages do not hide growth)."""
    if model is None and not table:
        return 0
    from django.db import connection

    table = table or model._meta.db_table
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
