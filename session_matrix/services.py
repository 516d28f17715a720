"""The real services a cell needs, made private to that cell and cleaned up after it.

Redis: the server named by ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Each cell
leases a whole database number of its own, because django-redis' ``cache.clear()`` is
``FLUSHDB``: a key prefix would not keep two runs apart. Leases are keys in the base
database (the one in ``REDIS_URL``), with a TTL so that a killed run frees its database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "DEFAULT_REDIS_URL",
    "Provisioned",
    "ServiceLost",
    "ServiceUnavailable",
    "provision",
    "public_url",
    "redis_url",
]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LEASE_PREFIX = "django-session-matrix:lease:"
LEASE_SECONDS = 3600


class ServiceUnavailable(RuntimeError):
    """A service the engine needs does not answer; the cell is *not run*."""


class ServiceLost(RuntimeError):
    """A service stopped answering during the run: its outcomes cannot be trusted."""


@dataclass
class Provisioned:
    """What a cell was given: values for the engine's placeholders, and service versions."""

    redis_url: str = ""
    file_dir: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    _resets: list[Callable[[], None]] = field(default_factory=list)
    _checks: list[Callable[[], None]] = field(default_factory=list)

    def reset(self) -> None:
        """Empty every private store, so that a repeated run starts as the first did."""
        for reset in self._resets:
            reset()

    def check(self) -> None:
        """Raise ``ServiceLost`` if a service stopped answering since the run started."""
        for check in self._checks:
            check()


def redis_url() -> str:
    """``REDIS_URL`` or the default."""
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def public_url(url: str) -> str:
    """``url`` without credentials, fit for messages and reports."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def _with_db(url: str, db: int) -> str:
    """``url`` pointing at database ``db`` (a ``?db=`` query would win over the path)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"]
    if parts.scheme == "unix":  # the path is the socket: the database goes in the query
        return f"unix://{parts.netloc}{parts.path}?{urlencode([*query, ('db', str(db))])}"
    return urlunsplit(parts._replace(path=f"/{db}", query=urlencode(query)))


def _lease(base: Any, count: int, token: str) -> int | None:
    for db in range(count):
        if db != base.connection_pool.connection_kwargs.get("db", 0) and base.set(
            f"{LEASE_PREFIX}{db}", token, nx=True, ex=LEASE_SECONDS
        ):
            return db
    return None


@contextlib.contextmanager
def _leased_redis(url: str, given: Provisioned) -> Iterator[None]:
    import redis

    shown = public_url(url)
    token = uuid.uuid4().hex
    try:
        base = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        version = str(base.info("server")["redis_version"])
        try:
            count = int(base.config_get("databases").get("databases", 16))
        except redis.RedisError:  # CONFIG may be disabled; 16 is Redis' default
            count = 16
        db = _lease(base, count, token)
    except (redis.RedisError, OSError, ValueError) as exc:
        msg = f"no Redis at {shown} ({exc.__class__.__name__}: {exc}); start one or set REDIS_URL"
        raise ServiceUnavailable(msg) from exc
    if db is None:
        msg = f"no free Redis database at {shown}: other runs lease all of them; retry later"
        raise ServiceUnavailable(msg)
    private = redis.Redis.from_url(_with_db(url, db), socket_connect_timeout=2, socket_timeout=5)

    def check() -> None:
        try:
            private.ping()
        except (redis.RedisError, OSError) as exc:
            msg = f"Redis at {shown} stopped answering during the run ({exc})"
            raise ServiceLost(msg) from exc

    try:
        private.flushdb()
        given.redis_url, given.versions["redis"] = _with_db(url, db), version
        given._resets.append(private.flushdb)
        given._checks.append(check)
        yield
    finally:
        with contextlib.suppress(redis.RedisError, OSError):
            private.flushdb()
        with contextlib.suppress(redis.RedisError, OSError):
            if base.get(f"{LEASE_PREFIX}{db}") == token.encode():
                base.delete(f"{LEASE_PREFIX}{db}")
        private.close()
        base.close()


def _empty(directory: str) -> None:
    for path in Path(directory).iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def provision(needs: tuple[str, ...], *, file_dir: bool) -> Iterator[Provisioned]:
    """Give a cell its private services; raise ``ServiceUnavailable`` if one is missing."""
    given = Provisioned(versions={"sqlite": sqlite3.sqlite_version})
    with contextlib.ExitStack() as stack:
        if "redis" in needs:
            stack.enter_context(_leased_redis(redis_url(), given))
        if file_dir:
            given.file_dir = tempfile.mkdtemp(prefix="session-matrix-files-")
            stack.callback(shutil.rmtree, given.file_dir, ignore_errors=True)
            given._resets.append(lambda: _empty(given.file_dir))
        yield given


def __dir__() -> list[str]:
    return __all__
