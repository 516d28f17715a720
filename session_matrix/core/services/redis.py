"""Redis: a whole database of its own for every run, leased from the server in ``REDIS_URL``.

A key prefix would not keep two runs apart: django-redis' ``cache.clear()`` is ``FLUSHDB``.
So each run leases a database number. The lease is a key in database 0 of the server
(``LEASE_DB``, whatever database ``REDIS_URL`` names: two checkouts configured with ``…/0``
and ``…/1`` share one set of leases, and never flush each other's) holding
``host:pid:token``, with a short expiry that a heartbeat renews while the run lives.
Database 0 is never leased, nor the database in ``REDIS_URL`` of any run in progress (each
run registers its own in ``BASES_KEY``, renewed by the same heartbeat). A lease whose process is
gone (same host, pid not alive) is reclaimed at once; one from another host expires on its
own.

The leased database is flushed before and after the run. A restart of the server during
the run (its ``run_id`` changes) or the lease vanishing is ``ServiceLost``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import threading
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    gone_from_this_host,
    public_url,
)

__all__ = ["BASES_KEY", "LEASE_DB", "LEASE_PREFIX", "LEASE_SECONDS", "Redis", "with_db"]

LEASE_DB = 0  # where every lease key lives, for every checkout using the server
LEASE_PREFIX = "django-session-matrix:lease:"
BASES_KEY = "django-session-matrix:bases"  # the base databases of the runs in progress
LEASE_SECONDS = 60
_HEARTBEAT_SECONDS = 15
# Delete a lease only if it still holds the value we read (another run may have taken it).
_DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


def with_db(url: str, db: int) -> str:
    """``url`` pointing at database ``db`` (a ``?db=`` query would win over the path)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"]
    if parts.scheme == "unix":  # the path is the socket: the database goes in the query
        return f"unix://{parts.netloc}{parts.path}?{urlencode([*query, ('db', str(db))])}"
    return urlunsplit(parts._replace(path=f"/{db}", query=urlencode(query)))


def _holder_is_dead(value: bytes) -> bool:
    """A lease held by a process of this host that no longer exists."""
    host, _, rest = value.decode(errors="replace").partition(":")
    pid_text = rest.partition(":")[0]
    return pid_text.isdigit() and gone_from_this_host(host, int(pid_text))


def _expiry(client: Any) -> float:
    """The server's clock plus ``LEASE_SECONDS`` (one clock for every host)."""
    seconds, micros = client.time()
    return float(seconds) + float(micros) / 1e6 + LEASE_SECONDS


class _Lease:
    """One leased database number, and the run's base database registered as in use (a
    member of ``BASES_KEY``), both kept alive by a heartbeat until released."""

    def __init__(self, base: Any, db: int, value: str, registered: str) -> None:
        self.base, self.db, self.value, self.registered = base, db, value, registered
        self.key = f"{LEASE_PREFIX}{db}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{db}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(_HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):
                if self.base.get(self.key) == self.value.encode():
                    self.base.expire(self.key, LEASE_SECONDS)
                self.base.zadd(BASES_KEY, {self.registered: _expiry(self.base)})

    def held(self) -> bool:
        return bool(self.base.get(self.key) == self.value.encode())

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with contextlib.suppress(Exception):
            self.base.eval(_DELETE_IF, 1, self.key, self.value)
            self.base.zrem(BASES_KEY, self.registered)


def _bases_in_use(leases: Any, own: int, value: str) -> tuple[set[int], str]:
    """Register ``own`` as a base database in use; every base database in use (of any
    checkout on this server) and our member of ``BASES_KEY``. Members of processes that are
    gone, or not renewed, are dropped."""
    registered = f"{own}:{value}"
    expiry = _expiry(leases)
    leases.zremrangebyscore(BASES_KEY, "-inf", expiry - LEASE_SECONDS)
    leases.zadd(BASES_KEY, {registered: expiry})
    bases = set()
    for member in leases.zrange(BASES_KEY, 0, -1):
        db_text, _, holder = member.decode(errors="replace").partition(":")
        if _holder_is_dead(holder.encode()):
            leases.zrem(BASES_KEY, member)
        elif db_text.isdigit():
            bases.add(int(db_text))
    return bases, registered


def _take(leases: Any, own: int, count: int, value: str) -> _Lease | None:
    """Lease a free database other than ``LEASE_DB`` and any checkout's base database;
    ``leases`` is the client of ``LEASE_DB``, where the lease keys live."""
    bases, registered = _bases_in_use(leases, own, value)
    for db in range(count):
        if db == LEASE_DB or db in bases:
            continue
        key = f"{LEASE_PREFIX}{db}"
        if leases.set(key, value, nx=True, ex=LEASE_SECONDS):
            return _Lease(leases, db, value, registered)
        holder = leases.get(key)
        if holder is not None and _holder_is_dead(holder):
            leases.eval(_DELETE_IF, 1, key, holder)
            if leases.set(key, value, nx=True, ex=LEASE_SECONDS):
                return _Lease(leases, db, value, registered)
    leases.zrem(BASES_KEY, registered)
    return None


class Redis(EnvAddress):
    name: ClassVar[str] = "redis"
    env_var: ClassVar[str] = "REDIS_URL"
    default: ClassVar[str] = "redis://127.0.0.1:6379/0"
    placeholders: ClassVar[tuple[str, ...]] = ("redis_url",)
    lost_on: ClassVar[tuple[str, ...]] = (
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
    )
    optional: ClassVar[bool] = False

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        import redis

        url = self.address()
        shown = public_url(url)
        try:
            base = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
            server = base.info("server")
            try:
                count = int(str(base.config_get("databases").get("databases") or 16))
            except redis.RedisError:  # CONFIG may be disabled; 16 is Redis' default
                count = 16
            leases = redis.Redis.from_url(
                with_db(url, LEASE_DB), socket_connect_timeout=2, socket_timeout=5
            )
            value = f"{platform.node()}:{os.getpid()}:{uuid.uuid4().hex}"
            own = int(base.connection_pool.connection_kwargs.get("db") or 0)
            lease = _take(leases, own, count, value)
        except (redis.RedisError, OSError, ValueError) as exc:
            msg = (
                f"no Redis at {shown} ({type(exc).__name__}: {exc}); "
                f"start one or set {self.env_var}"
            )
            raise ServiceUnavailable(msg) from exc
        if lease is None:
            base.close()
            leases.close()
            msg = f"no free Redis database at {shown}: other runs lease all of them; retry later"
            raise ServiceUnavailable(msg)
        private_url = with_db(url, lease.db)
        private = redis.Redis.from_url(private_url, socket_connect_timeout=2, socket_timeout=5)
        run_id = server.get("run_id")

        def check() -> None:
            try:
                now_id = base.info("server").get("run_id")
                held = lease.held()
            except (redis.RedisError, OSError) as exc:
                msg = f"Redis at {shown} stopped answering during the run ({exc})"
                raise ServiceLost(msg) from exc
            if now_id != run_id:
                msg = f"Redis at {shown} restarted during the run (run_id changed)"
                raise ServiceLost(msg)
            if not held:
                msg = f"the lease on Redis database {lease.db} at {shown} vanished during the run"
                raise ServiceLost(msg)

        def reset() -> None:
            try:
                private.flushdb()
            except (redis.RedisError, OSError) as exc:
                msg = f"Redis at {shown} stopped answering during the run ({exc})"
                raise ServiceLost(msg) from exc

        try:
            reset()
            yield Given(
                values={"redis_url": private_url},
                version=str(server["redis_version"]),
                reset=reset,
                check=check,
            )
        finally:
            with contextlib.suppress(redis.RedisError, OSError):
                private.flushdb()
            lease.release()
            private.close()
            base.close()
            leases.close()


PROVIDER = Redis()


def __dir__() -> list[str]:
    return __all__
