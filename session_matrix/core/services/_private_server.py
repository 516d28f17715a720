"""A server of a run's own (memcached, valkey-server): started on a free loopback port,
recognised as ours, checked for loss, and stopped on every exit path.

The free port is found before the server binds it, so another run may take it in between:
a server is ours only if the process id it reports is our process's; on a port someone
else took, ours cannot bind, and the run starts one on another port (three tries). A
server that stops answering during the run *died*; one that answers with another identity
(memcached's ``pid``, Valkey's ``run_id``) *restarted*: both are ``ServiceLost``.

Each kind of server says, in a ``ServerKind``, how to start it and how to ask it who it
is; this module holds everything else, once.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from session_matrix.core.services import ServiceLost, ServiceUnavailable, die_with_parent

__all__ = [
    "STDERR_LOG",
    "Running",
    "ServerKind",
    "free_port",
    "last_line",
    "lost_check",
    "running",
]

ATTEMPTS = 3
STARTUP_SECONDS = 10
STDERR_LOG = "stderr.log"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerKind(Protocol):
    """How to start one kind of server and ask it who it is."""

    name: str  # the service's name ("memcached", "valkey"): its temporary directory's
    program: str  # the binary's name ("memcached", "valkey-server"): named in messages
    pid_key: str  # the field of ``facts`` holding the server's process id
    identity_key: str  # the field that changes when the server restarts
    probe_errors: tuple[type[BaseException], ...]  # what ``facts`` raises on a dead port

    def argv(self, binary: str, port: int, directory: Path) -> list[str]:
        """The command line: listen on 127.0.0.1:``port``, files (if any) in ``directory``."""
        ...

    def facts(self, port: int) -> dict[str, str]:
        """What the server on ``port`` says about itself (its version, pid, identity)."""
        ...

    def startup_error(self, directory: Path) -> str:
        """The reason a server that exited at startup gave, read from ``directory``."""
        ...


@dataclass(frozen=True)
class Running:
    """A started server of ours."""

    port: int
    facts: dict[str, str]


def last_line(path: Path) -> str:
    """The last non-empty line of ``path`` ("" if there is none)."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


class _PortTaken(ServiceUnavailable):
    """Another server holds the port we chose: try another one."""


@contextlib.contextmanager
def running(
    kind: ServerKind, binary: str, label: str, ports: Callable[[], int] = free_port
) -> Iterator[Running]:
    """Start a ``kind`` server of ours (on a port from ``ports``), yield it, stop it; its
    temporary directory (logs) goes with it."""
    directory = Path(tempfile.mkdtemp(prefix=f"session-matrix-{kind.name}-{label}-"))
    try:
        for attempt in range(1, ATTEMPTS + 1):
            port = ports()
            with (directory / STDERR_LOG).open("wb") as stderr:
                process = subprocess.Popen(
                    kind.argv(binary, port, directory),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    preexec_fn=die_with_parent(),  # one prctl call, no locks taken
                )
            try:
                facts = _wait(kind, process, port, directory)
                break
            except _PortTaken:
                _stop(process)
                if attempt == ATTEMPTS:
                    raise
            except BaseException:
                _stop(process)
                raise
        try:
            yield Running(port=port, facts=facts)
        finally:
            _stop(process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def lost_check(kind: ServerKind, server: Running) -> Callable[[], None]:
    """A ``Given.check``: ``ServiceLost`` if the server died or restarted since it started."""
    identity = server.facts.get(kind.identity_key)

    def check() -> None:
        try:
            now = kind.facts(server.port).get(kind.identity_key)
        except kind.probe_errors as exc:
            msg = f"the private {kind.program} on port {server.port} died during the run ({exc})"
            raise ServiceLost(msg) from exc
        if now != identity:
            msg = f"the private {kind.program} on port {server.port} restarted during the run"
            raise ServiceLost(msg)

    return check


def _wait(
    kind: ServerKind, process: subprocess.Popen[bytes], port: int, directory: Path
) -> dict[str, str]:
    """Our server's facts once it answers on ``port``; ``_PortTaken`` if another server holds
    the port (its answers are never taken for ours)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    taken = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = kind.startup_error(directory) or f"exit code {process.returncode}"
            msg = f"{kind.program} did not start on port {port}: {error}"
            if taken or "already in use" in error:
                raise _PortTaken(msg)
            raise ServiceUnavailable(msg)
        with contextlib.suppress(*kind.probe_errors, KeyError):
            facts = kind.facts(port)
            if facts[kind.pid_key] == str(process.pid):
                return facts
            taken = True  # another run's server: ours cannot bind this port
        time.sleep(0.02)
    msg = f"{kind.program} did not answer on port {port} within {STARTUP_SECONDS} s"
    raise (_PortTaken if taken else ServiceUnavailable)(msg)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def __dir__() -> list[str]:
    return __all__
