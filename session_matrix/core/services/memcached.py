"""memcached: a server of its own for every run, started on a free loopback port.

``cache.clear()`` is ``flush_all``, which empties a whole memcached, so runs cannot share
one. ``MEMCACHED`` names the binary (default: ``memcached`` on the PATH); without it the
column is *not run*. The server is stopped on every exit path; a server that died during
the run is ``ServiceLost``.

The free port is found before memcached binds it, so another run may take it in between:
a server is ours only if the ``pid`` its ``stats`` report is our process's; on a port
someone else took, ours cannot bind, and the run starts one on another port.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import ClassVar

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceLost,
    ServiceUnavailable,
    die_with_parent,
)

__all__ = ["PROVIDER", "Memcached", "flush", "free_port", "server_command", "stats"]

_ATTEMPTS = 3


class _PortTaken(ServiceUnavailable):
    """Another server holds the port we chose: try another one."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
        for attempt in range(1, _ATTEMPTS + 1):
            port = free_port()
            process = subprocess.Popen(
                server_command(binary, port, memory_mb),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=die_with_parent(),  # one prctl call, no locks taken
            )
            try:
                pid = self._wait(process, port)
                break
            except _PortTaken:
                _stop(process)
                if attempt == _ATTEMPTS:
                    raise
            except BaseException:
                _stop(process)
                raise
        try:
            version = stats(port).get("version", "")

            def check() -> None:
                try:
                    now = stats(port).get("pid")
                except OSError as exc:
                    msg = f"the private memcached on port {port} died during the run ({exc})"
                    raise ServiceLost(msg) from exc
                if now != pid:
                    msg = f"the private memcached on port {port} restarted during the run"
                    raise ServiceLost(msg)

            yield Given(
                values={"memcached_location": f"127.0.0.1:{port}"},
                version=version,
                reset=lambda: flush(port),
                check=check,
            )
        finally:
            _stop(process)

    def _wait(self, process: subprocess.Popen[bytes], port: int) -> str:
        """The pid of our server once it answers on ``port``; ``_PortTaken`` if another
        server holds the port (its answers are never taken for ours)."""
        deadline = time.monotonic() + 10
        taken = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = (process.stderr.read() if process.stderr else b"").decode().strip()
                msg = f"memcached did not start on port {port}: {error or process.returncode}"
                if taken or "already in use" in error:
                    raise _PortTaken(msg)
                raise ServiceUnavailable(msg)
            with contextlib.suppress(OSError, KeyError):
                pid = stats(port)["pid"]
                if pid == str(process.pid):
                    return pid
                taken = True  # another run's server: ours cannot bind this port
            time.sleep(0.02)
        msg = f"memcached did not answer on port {port} within 10 s"
        raise (_PortTaken if taken else ServiceUnavailable)(msg)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PROVIDER = Memcached()


def __dir__() -> list[str]:
    return __all__
