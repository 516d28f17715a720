"""Starting and stopping the processes of a profile run, and the guarantee that they stop.

Every process is started with ``spawn``: on Linux the kernel sends it SIGTERM if the
process that started it dies (``PR_SET_PDEATHSIG``), so nothing outlives a killed run; an
orderly exit (also on Ctrl-C or SIGTERM) stops each one with ``stop``, through the
``ExitStack`` that registered it. Servers listen on 127.0.0.1 only (``wait_port``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from session_matrix.core import paths

__all__ = ["harness_env", "log_lines", "spawn", "stop", "wait_port"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        pr_set_pdeathsig = 1
        ctypes.CDLL(libc_name).prctl(pr_set_pdeathsig, signal.SIGTERM)


def spawn(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    stdin: int | None = None,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.DEVNULL,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command``; it gets SIGTERM if this process dies first. The signal follows
    the thread that started it: from a thread other than the main one (``targets.each``),
    stop the process before that job ends, as the jobs that start any do."""
    return subprocess.Popen(
        list(command),
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        preexec_fn=_die_with_parent,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 5) -> None:
    """Stop ``process``: ``sig``, then SIGKILL after ``timeout`` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the process on port {port} exited with code {process.returncode}"
            raise RuntimeError(msg)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    msg = f"nothing answered on 127.0.0.1:{port} within {seconds:.0f} s"
    raise RuntimeError(msg)


def log_lines(path: Path) -> list[str]:
    """The lines of a process's log so far ([] if it cannot be read), for error messages."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def harness_env(**variables: str) -> dict[str, str]:
    """This process's environment with the harness importable (this checkout first on
    ``PYTHONPATH``) and ``variables`` set: what every process of a run is started with."""
    path = os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")]))
    return dict(os.environ) | variables | {"PYTHONPATH": path}


def __dir__() -> list[str]:
    return __all__
