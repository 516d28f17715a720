"""PostgreSQL: a test database of its own for every run, on the server in ``POSTGRES_URL``.

The run gets ``DATABASES["default"]`` through ``{postgres_database}``, with a ``NAME``
unique to the run (its column and a random token), so parallel runs, and two checkouts
running the same column, never collide. pytest-django creates and drops ``test_<NAME>``;
the provider drops it too, after the run, in case the run died first. A server older than
the installed Django supports is *not run*, with Django's own minimum in the reason.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from session_matrix.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    listening,
    public_url,
)

__all__ = ["Postgres", "database_name", "too_old"]


def database_name(label: str, prefix: str = "sm") -> str:
    """A database name unique to one run: ``sm_<label>_<token>``, at most 50 characters."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30]
    return f"{prefix}_{slug}_{uuid.uuid4().hex[:10]}"


def too_old(server: tuple[int, ...], minimum: tuple[int, ...], what: str, shown: str) -> str:
    """The reason a server is too old for the installed Django, or ``""``."""
    if server >= minimum:
        return ""
    import django

    need = ".".join(map(str, minimum))
    have = ".".join(map(str, server))
    return f"{what} {have} at {shown} is too old for Django {django.get_version()} (needs {need}+)"


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
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            where = connection_settings(url)
            if listening(where["HOST"], int(where["PORT"] or 5432)):
                msg = (
                    f"PostgreSQL at {shown} rejected the connection ({reason}); check the "
                    f"user, password and database in {self.env_var}"
                )
            else:
                msg = f"no PostgreSQL at {shown} ({reason}); start one or set {self.env_var}"
            raise ServiceUnavailable(msg) from exc
        from django.db.backends.postgresql.features import DatabaseFeatures

        old = too_old(
            (number // 10000,), DatabaseFeatures.minimum_database_version, "PostgreSQL", shown
        )
        if old:
            raise ServiceUnavailable(old)
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
