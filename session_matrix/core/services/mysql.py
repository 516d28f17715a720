"""MariaDB (or MySQL): a test database of its own for every run, on the server in ``MYSQL_URL``.

The driver is mysqlclient where it is installed; otherwise PyMySQL, installed as
``MySQLdb`` (``prepare_process``) in the process that loads the settings, because
mysqlclient needs C headers to build and PyMySQL installs anywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    public_url,
)
from session_matrix.core.services.postgres import (
    connection_settings,
    database_name,
    left_behind,
    too_old,
    unreachable,
)

__all__ = ["MariaDB"]


def _driver() -> None:
    """Make ``import MySQLdb`` work: mysqlclient if installed, else PyMySQL in its place."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        import pymysql

        pymysql.install_as_MySQLdb()


class MariaDB(EnvAddress):
    name: ClassVar[str] = "mysql"
    env_var: ClassVar[str] = "MYSQL_URL"
    default: ClassVar[str] = "mysql://root@127.0.0.1:3306/test"
    placeholders: ClassVar[tuple[str, ...]] = ("mysql_database",)
    lost_on: ClassVar[tuple[str, ...]] = (
        "MySQLdb.OperationalError",
        "pymysql.err.OperationalError",
    )
    optional: ClassVar[bool] = False

    def prepare_process(self) -> None:
        _driver()

    def _connect(self, url: str) -> Any:
        _driver()
        import MySQLdb

        settings = connection_settings(url)
        return MySQLdb.connect(
            host=settings["HOST"],
            port=int(settings["PORT"] or 3306),
            user=settings["USER"],
            password=settings["PASSWORD"],
            connect_timeout=3,
            autocommit=True,
        )

    def _status(self, url: str) -> tuple[str, int]:
        with contextlib.closing(self._connect(url)) as conn:
            cursor = conn.cursor()
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            cursor.execute(
                "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE FROM "
                "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'"
            )
            started = int(cursor.fetchone()[0])
        return version, started

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        url = self.address()
        shown = public_url(url)
        try:
            _driver()
            import MySQLdb
        except ImportError as exc:
            msg = f"no MySQL driver (mysqlclient or PyMySQL) in this environment ({exc})"
            raise ServiceUnavailable(msg) from exc
        try:
            version, started = self._status(url)
        except MySQLdb.Error as exc:
            raise unreachable(
                "MariaDB/MySQL", url, 3306, exc, self.env_var, "user and password"
            ) from exc
        number = tuple(int(part) for part in version.split("-")[0].split(".")[:2])
        mariadb = "mariadb" in version.lower()
        from django.db.backends.mysql.features import DatabaseFeatures

        # A (cached) property that asks the connection whether it is MariaDB: ask it with a
        # stand-in, so the minimum comes from the installed Django, never from here.
        prop = DatabaseFeatures.__dict__["minimum_database_version"]
        getter = getattr(prop, "func", None) or prop.fget
        probe = type("Probe", (), {"connection": type("C", (), {"mysql_is_mariadb": mariadb})()})
        minimum = getter(probe())
        old = too_old(number, tuple(minimum[:2]), "MariaDB" if mariadb else "MySQL", shown)
        if old:
            raise ServiceUnavailable(old)
        with (
            contextlib.suppress(MySQLdb.Error),
            contextlib.closing(self._connect(url)) as conn,
        ):
            cursor = conn.cursor()
            cursor.execute("SELECT schema_name FROM information_schema.schemata")
            for db in left_behind(row[0] for row in cursor.fetchall()):
                cursor.execute(f"DROP DATABASE IF EXISTS `{db}`")
        name = database_name(label)
        database = {"ENGINE": "django.db.backends.mysql", **connection_settings(url)}
        database |= {"NAME": name, "TEST": {"NAME": f"test_{name}", "CHARSET": "utf8mb4"}}
        database["OPTIONS"] = {"charset": "utf8mb4"}

        def check() -> None:
            try:
                _, now = self._status(url)
            except MySQLdb.Error as exc:
                msg = f"MariaDB at {shown} stopped answering during the run ({exc})"
                raise ServiceLost(msg) from exc
            if abs(now - started) > 2:  # uptime-based: a second of rounding either way
                msg = f"MariaDB at {shown} restarted during the run"
                raise ServiceLost(msg)

        try:
            yield Given(values={"mysql_database": database}, version=version, check=check)
        finally:
            with (
                contextlib.suppress(MySQLdb.Error),
                contextlib.closing(self._connect(url)) as conn,
            ):
                cursor = conn.cursor()
                for db in (f"test_{name}", name):
                    cursor.execute(f"DROP DATABASE IF EXISTS `{db}`")


PROVIDER = MariaDB()


def __dir__() -> list[str]:
    return __all__
