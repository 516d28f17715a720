"""The coordinator's end of a worker process (``commands``): started with ``spawn``, one JSON
command per line on its stdin, one JSON answer per line from its stdout (read with a
deadline), its stderr in a log whose last lines explain a failure."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from session_matrix.core import paths
from session_matrix.profile.client import Site
from session_matrix.profile.servers.processes import log_lines, spawn, stop

__all__ = ["Hello", "SessionCache", "WorkerFailed", "WorkerProcess"]


@dataclass(frozen=True, kw_only=True)
class SessionCache:
    """The cache a session engine uses: its backend, Django's ``MAX_ENTRIES`` when it has
    one, and whether it is one of Django's own in-process or database caches (``local``)."""

    backend: str
    max_entries: int | None = None
    local: bool = False


@dataclass(frozen=True, kw_only=True)
class Hello:
    """The worker's first line: Django's version, its database (the name later processes
    use, the vendor, the cost of connecting), what a client must know (``Site``), and where
    the engine keeps sessions."""

    django: str
    database_name: str
    vendor: str
    connect_us: float | None
    site: Site
    cache: SessionCache | None = None  # the engine's cache, when it uses one

    @classmethod
    def of(cls, answer: dict[str, Any]) -> Hello:
        database, store = answer["database"], answer.get("store", {})
        cache = store.get("cache")
        return cls(
            django=str(answer["django"]),
            database_name=str(database["name"]),
            vendor=str(database.get("vendor", "")),
            connect_us=database.get("connect_us"),
            site=Site.from_json(answer["site"]),
            cache=SessionCache(**cache) if cache else None,
        )


class WorkerFailed(RuntimeError):
    """The worker did not answer, exited, or could not start; the message says which."""


class WorkerProcess:
    """A worker process and its line protocol."""

    def __init__(self, python: str, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log: IO[Any] = log_path.open("ab")
        self.process = spawn(
            [python, "-m", "session_matrix.profile.worker.commands"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=paths.ROOT,
        )
        self._buffer = b""

    def tail(self) -> str:
        lines = [line for line in log_lines(self.log_path) if line.strip()]
        return " | ".join(lines[-3:])[-500:]

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                msg = f"the worker did not answer within {timeout:.0f} s"
                raise WorkerFailed(msg)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self.process.wait(timeout=5)
                msg = f"the worker exited ({self.process.returncode}): {self.tail()}"
                raise WorkerFailed(msg)
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def hello(self, timeout: float = 300) -> Hello:
        answer = self._line(timeout)
        if "error" in answer:
            msg = f"the worker could not start: {answer['error']}"
            raise WorkerFailed(msg)
        return Hello.of(answer)

    def call(self, op: str, timeout: float = 600, **arguments: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps({"op": op, **arguments}) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            msg = f"the worker is gone: {self.tail()}"
            raise WorkerFailed(msg) from exc
        return self._line(timeout)

    def close(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.write(b'{"op": "quit"}\n')
                self.process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=3)
        stop(self.process)
        self._log.close()


def __dir__() -> list[str]:
    return __all__
