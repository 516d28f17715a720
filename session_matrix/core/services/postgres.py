"""PostgreSQL: a test database of its own for every run, on the server in ``POSTGRES_URL``.

The run gets ``DATABASES["default"]`` through ``{postgres_database}``, with a ``NAME``
unique to the run (its column, its host and process, and a random token), so parallel runs,
and two checkouts running the same column, never collide. pytest-django creates and drops
``test_<NAME>``; the provider drops it too, after the run, in case the run died first. A run
killed outright (SIGKILL) cannot: the next run on the same host drops the databases whose
process is gone (``left_behind``). A server older than the installed Django supports is
*not run*, with Django's own minimum in the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    gone_from_this_host,
    listening,
    public_url,
)

__all__ = [
    "Postgres",
    "connection_settings",
    "database_name",
    "left_behind",
    "too_old",
    "unreachable",
]


def _host_tag(host: str) -> str:
    return hashlib.sha256(host.encode()).hexdigest()[:6]


def database_name(label: str, prefix: str = "sm") -> str:
    """A database name unique to one run, ``sm_<label>_<host>_<pid>_<token>``, at most 58
    characters (``test_`` in front stays within MySQL's 64)."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:24]
    owner = f"{_host_tag(platform.node())}_{os.getpid()}"
    return f"{prefix}_{slug}_{owner}_{uuid.uuid4().hex[:8]}"


_OWNED = re.compile(r"(?:test_)?sm_\w*_([0-9a-f]{6})_(\d+)_[0-9a-f]{8}")


def left_behind(names: Iterable[str]) -> list[str]:
    """The databases among ``names`` that a run on this host made and whose process is gone."""
    here = platform.node()
    found = []
    for name in names:
        owned = _OWNED.fullmatch(name)
        if owned and owned[1] == _host_tag(here) and gone_from_this_host(here, int(owned[2])):
            found.append(name)
    return sorted(found)


def too_old(server: tuple[int, ...], minimum: tuple[int, ...], what: str, shown: str) -> str:
    """The reason a server is too old for the installed Django, or ``""``."""
    if server >= minimum:
        return ""
    import django

    need = ".".join(map(str, minimum))
    have = ".".join(map(str, server))
    return f"{what} {have} at {shown} is too old for Django {django.get_version()} (needs {need}+)"


def unreachable(
    what: str, url: str, port: int, exc: BaseException, env_var: str, credentials: str
) -> ServiceUnavailable:
    """Why the database server in ``url`` gave no connection: nothing listens there (start
    one), or something does and refused us (check the ``credentials`` in ``env_var``)."""
    shown = public_url(url)
    reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    where = connection_settings(url)
    if listening(where["HOST"], int(where["PORT"] or port)):
        return ServiceUnavailable(
            f"{what} at {shown} rejected the connection ({reason}); check the {credentials} "
            f"in {env_var}"
        )
    return ServiceUnavailable(f"no {what} at {shown} ({reason}); start one or set {env_var}")


def connection_settings(url: str) -> dict[str, Any]:
    """``postgresql://user:password@host:port/db`` as Django's DATABASES keys."""
    parts = urlsplit(url)
    return {
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "NAME": parts.path.lstrip("/") or "postgres",
    }


class Postgres(EnvAddress):
    name: ClassVar[str] = "postgres"
    env_var: ClassVar[str] = "POSTGRES_URL"
    default: ClassVar[str] = "postgresql://postgres@127.0.0.1:5432/test"
    placeholders: ClassVar[tuple[str, ...]] = ("postgres_database",)
    lost_on: ClassVar[tuple[str, ...]] = ("psycopg.OperationalError",)
    optional: ClassVar[bool] = False

    def _connect(self, url: str) -> Any:
        import psycopg

        return psycopg.connect(url, connect_timeout=3, autocommit=True)

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        url = self.address()
        shown = public_url(url)
        try:
            import psycopg
        except ImportError as exc:
            msg = f"no PostgreSQL driver (psycopg) in this environment ({exc})"
            raise ServiceUnavailable(msg) from exc
        try:
            with self._connect(url) as conn:
                version = str(conn.execute("SHOW server_version").fetchone()[0])
                started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
                number = conn.info.server_version  # e.g. 150020
        except psycopg.Error as exc:
            raise unreachable(
                "PostgreSQL", url, 5432, exc, self.env_var, "user, password and database"
            ) from exc
        from django.db.backends.postgresql.features import DatabaseFeatures

        old = too_old(
            (number // 10000,), DatabaseFeatures.minimum_database_version, "PostgreSQL", shown
        )
        if old:
            raise ServiceUnavailable(old)
        with contextlib.suppress(psycopg.Error), self._connect(url) as conn:
            listed = conn.execute("SELECT datname FROM pg_database").fetchall()
            for db in left_behind(row[0] for row in listed):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        name = database_name(label)
        database = {"ENGINE": "django.db.backends.postgresql", **connection_settings(url)}
        database |= {"NAME": name, "TEST": {"NAME": f"test_{name}"}}

        def check() -> None:
            try:
                with self._connect(url) as conn:
                    now = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
            except psycopg.Error as exc:
                msg = f"PostgreSQL at {shown} stopped answering during the run ({exc})"
                raise ServiceLost(msg) from exc
            if now != started:
                msg = f"PostgreSQL at {shown} restarted during the run"
                raise ServiceLost(msg)

        try:
            yield Given(
                values={"postgres_database": database}, version=version.split()[0], check=check
            )
        finally:
            with contextlib.suppress(psycopg.Error), self._connect(url) as conn:
                for db in (f"test_{name}", name):
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


PROVIDER = Postgres()


def __dir__() -> list[str]:
    return __all__
