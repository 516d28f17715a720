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
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "DEFAULT_REDIS_URL",
    "Provisioned",
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


@dataclass
class Provisioned:
    """What a cell was given: values for the engine's placeholders, and service versions."""

    redis_url: str = ""
    file_dir: str = ""
    versions: dict[str, str] = field(default_factory=dict)


def redis_url() -> str:
    """``REDIS_URL`` or the default."""
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def public_url(url: str) -> str:
    """``url`` without credentials, fit for messages and reports."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


@contextlib.contextmanager
def _leased_redis(url: str) -> Iterator[tuple[str, str]]:
    import redis

    shown = public_url(url)
    try:
        base = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        version = str(base.info("server")["redis_version"])
    except (redis.RedisError, OSError) as exc:
        msg = f"no Redis at {shown} ({exc.__class__.__name__}: {exc}); start one or set REDIS_URL"
        raise ServiceUnavailable(msg) from exc
    base_db = int(base.connection_pool.connection_kwargs.get("db", 0))
    try:
        count = int(base.config_get("databases").get("databases", 16))
    except redis.RedisError:
        count = 16
    token = uuid.uuid4().hex
    for db in range(count):
        if db != base_db and base.set(f"{LEASE_PREFIX}{db}", token, nx=True, ex=LEASE_SECONDS):
            break
    else:
        msg = f"all {count - 1} Redis databases at {shown} are leased by other runs; retry later"
        raise ServiceUnavailable(msg)
    private = redis.Redis.from_url(_with_db(url, db))
    private.flushdb()
    try:
        yield _with_db(url, db), version
    finally:
        private.flushdb()
        private.close()
        if base.get(f"{LEASE_PREFIX}{db}") == token.encode():
            base.delete(f"{LEASE_PREFIX}{db}")
        base.close()


@contextlib.contextmanager
def provision(needs: tuple[str, ...], *, file_dir: bool) -> Iterator[Provisioned]:
    """Give a cell its private services; raise ``ServiceUnavailable`` if one is missing."""
    given = Provisioned(versions={"sqlite": sqlite3.sqlite_version})
    with contextlib.ExitStack() as stack:
        if "redis" in needs:
            given.redis_url, given.versions["redis"] = stack.enter_context(
                _leased_redis(redis_url())
            )
        if file_dir:
            given.file_dir = tempfile.mkdtemp(prefix="session-matrix-files-")
            stack.callback(shutil.rmtree, given.file_dir, ignore_errors=True)
        yield given


def __dir__() -> list[str]:
    return __all__
