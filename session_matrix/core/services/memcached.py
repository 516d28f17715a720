"""memcached: a server of its own for every run, started on a free loopback port.

``cache.clear()`` is ``flush_all``, which empties a whole memcached, so runs cannot share
one. ``MEMCACHED`` names the binary (default: ``memcached`` on the PATH); without it the
column is *not run*. Starting, recognising the server as ours, the loss check and stopping
are ``private_server``'s, shared with Valkey; this module says how memcached is started
and asked who it is (``stats``: its ``pid``).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from session_matrix.core.services import EnvAddress, Given
from session_matrix.core.services import _private_server as private_server
from session_matrix.core.services._private_server import free_port

__all__ = ["PROVIDER", "Memcached", "flush", "free_port", "server_command", "stats"]


def _command(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(line.encode() + b"\r\n")
        data = b""
        while not data.endswith((b"END\r\n", b"OK\r\n", b"ERROR\r\n")):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.decode()


def flush(port: int) -> None:
    """Empty the memcached on ``port``."""
    _command(port, "flush_all")


def server_command(binary: str, port: int, memory_mb: int) -> list[str]:
    """memcached on 127.0.0.1:``port`` only (no UDP, one thread), ``memory_mb`` of memory."""
    command = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "1"]
    command += ["-m", str(memory_mb)]
    if os.geteuid() == 0:  # memcached refuses to run as root unless told which user
        command += ["-u", "root"]
    return command


def stats(port: int) -> dict[str, str]:
    """memcached's ``stats``: name -> value."""
    found = {}
    for line in _command(port, "stats").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == "STAT":
            found[parts[1]] = parts[2]
    return found


class _Kind:
    """memcached for ``private_server``: its ``stats`` name its pid, and a restarted server
    has another pid."""

    name = "memcached"
    program = "memcached"
    pid_key = "pid"
    identity_key = "pid"
    probe_errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb

    def argv(self, binary: str, port: int, directory: Path) -> list[str]:
        return server_command(binary, port, self.memory_mb)

    def facts(self, port: int) -> dict[str, str]:
        return stats(port)

    def startup_error(self, directory: Path) -> str:
        return private_server.last_line(directory / private_server.STDERR_LOG)


class Memcached(EnvAddress):
    name: ClassVar[str] = "memcached"
    env_var: ClassVar[str] = "MEMCACHED"
    default: ClassVar[str] = "memcached"
    placeholders: ClassVar[tuple[str, ...]] = ("memcached_location",)
    lost_on: ClassVar[tuple[str, ...]] = (
        "pymemcache.exceptions.MemcacheUnexpectedCloseError",
        "builtins.ConnectionRefusedError",
        "builtins.ConnectionResetError",
        "builtins.BrokenPipeError",
    )
    optional: ClassVar[bool] = False

    @contextlib.contextmanager
    def provide(self, label: str, memory_mb: int = 64) -> Iterator[Given]:
        binary = self.binary("memcached", "memcached")
        kind = _Kind(memory_mb)
        # ``free_port`` is looked up here, at call time: a test can hand out a taken port.
        with private_server.running(kind, binary, label, ports=free_port) as server:
            yield Given(
                values={"memcached_location": f"127.0.0.1:{server.port}"},
                version=server.facts.get("version", ""),
                reset=lambda: flush(server.port),
                check=private_server.lost_check(kind, server),
            )


PROVIDER = Memcached()


def __dir__() -> list[str]:
    return __all__
