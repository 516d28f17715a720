"""The processes a profile run starts, and the guarantee that they stop.

Every process is started with ``spawn``: on Linux the kernel sends it SIGTERM if the
process that started it dies (``PR_SET_PDEATHSIG``), so nothing outlives a killed run; an
orderly exit (also on Ctrl-C or SIGTERM) stops each one through the ``ExitStack`` that
registered it. Servers listen on 127.0.0.1 only; the load generator runs for a bounded time
and is killed if it overstays.

- ``Gunicorn``: the project behind gunicorn's sync workers (``session_matrix.profile.wsgi``);
- ``Wrk``: the load generator (Debian's ``wrk``), with a Lua script per mix;
- ``PrivateRedis`` and ``PrivateMemcached``: cache servers of the run's own, which it may
  flush, restart and fill up (the shared Redis is never touched that way).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from session_matrix.services.memcached import free_port, stats

__all__ = [
    "Gunicorn",
    "PrivateMemcached",
    "PrivateRedis",
    "Wrk",
    "gunicorn_options",
    "spawn",
    "stop",
    "wait_port",
]


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
    """Start ``command``; it gets SIGTERM if this process dies first. Call from the main
    thread only (the signal follows the thread that started it)."""
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


def gunicorn_options(python: str) -> tuple[str, tuple[str, ...]]:
    """(gunicorn's version in ``python``'s environment or "", the options every server
    gets): ``--no-control-socket`` where gunicorn has one (27+), else parallel servers
    share ``~/.gunicorn/gunicorn.ctl`` and the file outlives them."""
    done = subprocess.run(
        [python, "-m", "gunicorn", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        return "", ()
    version = (done.stdout or done.stderr).strip().rpartition(" ")[2].strip("()")
    helped = subprocess.run(
        [python, "-m", "gunicorn", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
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
            "session_matrix.profile.wsgi:application",
        ]
        self.process = spawn(command, env=self.env, stdout=self._log, stderr=self._log)
        return self

    def ready(self, seconds: float = 60) -> None:
        """Wait until every worker can answer (the port opens before they have booted)."""
        assert self.process is not None
        wait_port(self.port, self.process, seconds)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, signal.SIGTERM, timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join(lines[-3:])


_LUA = """
-- generated by session_matrix.profile: one request per call, from a pool of sessions
local cookies = %(cookies)s
local tokens = %(tokens)s
local write_share = %(write_share)s
local header = "%(header)s"
local counter = 0
math.randomseed(%(seed)d)

request = function()
  local i = math.random(#cookies)
  counter = counter + 1
  if math.random() < write_share then
    local headers = {}
    headers["Cookie"] = cookies[i]
    headers[header] = tokens[i]
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", "/session/n/", headers, "value=" .. counter)
  end
  local headers = {}
  headers["Cookie"] = cookies[i]
  return wrk.format("GET", "/session/n/", headers, nil)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "mean_us": %%.1f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua_list(values: Sequence[str]) -> str:
    return "{" + ", ".join(json.dumps(value) for value in values) + "}"


class Wrk:
    """The load generator, bounded in time; the run stops it if it overstays."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or shutil.which(os.environ.get("WRK", "wrk")) or ""

    def version(self) -> str:
        if not self.binary:
            return ""
        done = subprocess.run(
            [self.binary, "-v"], capture_output=True, text=True, timeout=10, check=False
        )
        first = (done.stdout or done.stderr).splitlines()
        return first[0].split(" [")[0] if first else "wrk"

    def script(
        self,
        path: Path,
        cookies: Sequence[str],
        tokens: Sequence[str],
        write_share: float,
        header: str,
        seed: int = 12,
    ) -> Path:
        path.write_text(
            _LUA
            % {
                "cookies": _lua_list(cookies),
                "tokens": _lua_list(tokens),
                "write_share": repr(write_share),
                "header": header,
                "seed": seed,
            },
            encoding="utf-8",
        )
        return path

    def run(self, port: int, script: Path, seconds: float, connections: int) -> dict[str, Any]:
        """One bounded run against 127.0.0.1:``port``: what wrk's ``done`` reported."""
        command = [
            self.binary,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ]
        process = spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = process.communicate(timeout=seconds + 20)
        finally:
            stop(process, signal.SIGKILL, timeout=2)
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            msg = f"wrk exited {process.returncode}: {err.decode().strip()[-300:]}"
            raise RuntimeError(msg)
        result: dict[str, Any] = json.loads(lines[-1])
        return result


class PrivateRedis:
    """A redis-server of the run's own on a free port: no persistence (a cache), so a
    restart empties it, as it empties a Redis run as a cache."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which(os.environ.get("REDIS_SERVER", "redis-server")) or ""
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        if not self.binary:
            msg = "no redis-server (apt-get install redis-server, or set REDIS_SERVER)"
            raise RuntimeError(msg)
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = spawn(command)
        wait_port(self.port, self.process, 10)
        return self

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def version(self) -> str:
        with contextlib.closing(self.client()) as client:
            return str(client.info("server")["redis_version"])

    def used_memory(self) -> int:
        with contextlib.closing(self.client()) as client:
            return int(client.info("memory")["used_memory"])

    def flush(self) -> None:
        with contextlib.closing(self.client()) as client:
            client.flushall()

    def limit(self, megabytes: int, policy: str = "allkeys-lru") -> str:
        with contextlib.closing(self.client()) as client:
            client.flushall()
            client.config_set("maxmemory", f"{megabytes}mb")
            client.config_set("maxmemory-policy", policy)
        return f"Redis maxmemory {megabytes} MB, maxmemory-policy {policy}"

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class PrivateMemcached:
    """A memcached of the run's own on a free port, ``-m`` megabytes of memory."""

    def __init__(self, memory_mb: int = 64) -> None:
        self.binary = shutil.which(os.environ.get("MEMCACHED", "memcached")) or ""
        self.memory_mb = memory_mb
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def location(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> PrivateMemcached:
        if not self.binary:
            msg = "no memcached (apt-get install memcached, or set MEMCACHED)"
            raise RuntimeError(msg)
        command = [self.binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-t", "1"]
        command += ["-m", str(self.memory_mb)]
        if os.geteuid() == 0:  # memcached refuses to run as root unless told which user
            command += ["-u", "root"]
        self.process = spawn(command)
        wait_port(self.port, self.process, 10)
        return self

    def version(self) -> str:
        return stats(self.port).get("version", "")

    def used_memory(self) -> int:
        return int(stats(self.port)["bytes"])

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"flush_all\r\n")
            conn.recv(64)

    def limit(self, megabytes: int) -> str:
        self.memory_mb = megabytes
        self.restart()
        return f"memcached -m {megabytes} (MB), its LRU"

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def __dir__() -> list[str]:
    return __all__
