"""The project behind a real server: gunicorn's sync workers on 127.0.0.1, serving
``session_matrix.profile.servers.wsgi:application``, started and stopped through ``processes``."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from session_matrix.core.services.memcached import free_port
from session_matrix.profile.servers.processes import log_lines, spawn, stop

__all__ = ["Gunicorn", "gunicorn_options"]


def _ask(python: str, option: str) -> subprocess.CompletedProcess[str]:
    """``python -m gunicorn <option>``, its output captured."""
    command = [python, "-m", "gunicorn", option]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def gunicorn_options(python: str) -> tuple[str, tuple[str, ...]]:
    """(gunicorn's version in ``python``'s environment or "", the options every server
    gets): ``--no-control-socket`` where gunicorn has one (27+), else parallel servers
    share ``~/.gunicorn/gunicorn.ctl`` and the file outlives them."""
    done = _ask(python, "--version")
    if done.returncode != 0:
        return "", ()
    version = (done.stdout or done.stderr).strip().rpartition(" ")[2].strip("()")
    helped = _ask(python, "--help")
    options = ("--no-control-socket",) if "--no-control-socket" in helped.stdout else ()
    return version, options


class Gunicorn:
    """The project behind gunicorn (sync workers) on 127.0.0.1."""

    def __init__(
        self,
        python: str,
        workers: int,
        env: dict[str, str],
        log: Path,
        options: Sequence[str] = (),
    ) -> None:
        self.python, self.workers, self.env, self.log = python, workers, env, log
        self.options = tuple(options)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[Any] | None = None

    def start(self) -> Gunicorn:
        self._log = self.log.open("ab")
        command = [
            self.python,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--graceful-timeout",
            "2",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            *self.options,
            "session_matrix.profile.servers.wsgi:application",
        ]
        self.process = spawn(command, env=self.env, stdout=self._log, stderr=self._log)
        return self

    def again(self) -> Gunicorn:
        """Another server like this one (same interpreter, workers, settings, log), on
        another port, not started yet: the app server restarted."""
        return Gunicorn(self.python, self.workers, self.env, self.log, self.options)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, signal.SIGTERM, timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self) -> str:
        return " | ".join(log_lines(self.log)[-3:])


def __dir__() -> list[str]:
    return __all__
