"""Each service's version, asked cheaply: no client library, no private database, no server
started. The staleness check runs these in the nox process (which has none of the column's
clients), and the column runner runs the same ones, so both sides spell a version alike.

- Redis (and Valkey): ``INFO server`` over RESP, at ``REDIS_URL``;
- PostgreSQL: the startup handshake at ``POSTGRES_URL`` reports ``server_version``;
- MariaDB/MySQL: the server's greeting at ``MYSQL_URL`` carries its version, before any login;
- memcached and Chromium: the binary's ``-V`` / ``--version`` (each column starts its own
  memcached from that binary).

A probe that gets no answer returns None: the cells that need the service are then stale,
never fresh. Standard library only.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import socket
import struct
import subprocess
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from session_matrix.core import services

__all__ = ["PROBES", "version"]

_TIMEOUT = 3.0


def _address(name: str) -> str:
    return services.registry()[name].address()


def _connect(url: str, default_port: int) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(_TIMEOUT)
        conn.connect(parts.path)
        return conn
    return socket.create_connection(
        (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=_TIMEOUT
    )


def _resp(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _redis() -> str | None:
    url = _address("redis")
    parts = urlsplit(url)
    with _connect(url, 6379) as conn:
        if parts.password is not None:
            auth = [unquote(parts.username)] if parts.username else []
            conn.sendall(_resp("AUTH", *auth, unquote(parts.password)))
            if not conn.recv(1024).startswith(b"+OK"):
                return None
        conn.sendall(_resp("INFO", "server"))
        data = b""
        while b"redis_version:" not in data or not data.endswith(b"\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    text = data.decode(errors="replace")
    found = re.search(r"^(valkey|redis)_version:(\S+)", text, re.MULTILINE)
    return f"{found.group(1)} {found.group(2)}" if found else None


def _pg_message(conn: socket.socket) -> tuple[bytes, bytes]:
    head = _recv_exactly(conn, 5)
    length = struct.unpack("!I", head[1:])[0]
    return head[:1], _recv_exactly(conn, length - 4)


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def _postgres() -> str | None:
    """``server_version`` from the startup handshake: trust, password or md5 logins (a
    SCRAM login needs a client library: the answer is then None, and the cells stale)."""
    url = _address("postgres")
    parts = urlsplit(url)
    user = unquote(parts.username or "postgres")
    database = parts.path.lstrip("/") or user
    body = struct.pack("!I", 196608) + b"".join(
        key.encode() + b"\0" + value.encode() + b"\0"
        for key, value in (("user", user), ("database", database))
    )
    with _connect(url, 5432) as conn:
        conn.sendall(struct.pack("!I", len(body) + 5) + body + b"\0")
        while True:
            kind, payload = _pg_message(conn)
            if kind == b"R":
                code = struct.unpack("!I", payload[:4])[0]
                password = unquote(parts.password or "")
                if code == 3:
                    reply = password.encode() + b"\0"
                elif code == 5:
                    inner = hashlib.md5((password + user).encode()).hexdigest()
                    reply = (
                        b"md5" + hashlib.md5(inner.encode() + payload[4:8]).hexdigest().encode()
                    )
                    reply += b"\0"
                elif code == 0:
                    continue
                else:
                    return None
                conn.sendall(b"p" + struct.pack("!I", len(reply) + 4) + reply)
            elif kind == b"S":
                name, value, _ = payload.split(b"\0", 2)
                if name == b"server_version":
                    conn.sendall(b"X" + struct.pack("!I", 4))
                    return value.decode()
            elif kind in (b"E", b"Z"):
                return None


def _mysql() -> str | None:
    """The version in the server's greeting (protocol 10), sent before any login."""
    with _connect(_address("mysql"), 3306) as conn:
        head = _recv_exactly(conn, 4)
        payload = _recv_exactly(conn, int.from_bytes(head[:3], "little"))
    if not payload or payload[0] != 10:
        return None
    return payload[1:].split(b"\0", 1)[0].decode(errors="replace")


def _binary(name: str, flag: str) -> str | None:
    path = shutil.which(_address(name))
    if path is None:
        return None
    done = subprocess.run([path, flag], capture_output=True, text=True, timeout=30, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return lines[0].strip() if done.returncode == 0 and lines else None


PROBES: dict[str, Callable[[], str | None]] = {
    "redis": _redis,
    "postgres": _postgres,
    "mysql": _mysql,
    "memcached": lambda: _binary("memcached", "-V"),
    "chromium": lambda: _binary("chromium", "--version"),
}


@functools.cache
def version(name: str) -> str | None:
    """The service's version; "" for a service with nothing to ask (a directory); None when
    it does not answer."""
    probe = PROBES.get(name)
    if probe is None:
        return ""
    try:
        return probe()
    except (OSError, ValueError, struct.error, subprocess.SubprocessError):
        return None


def __dir__() -> list[str]:
    return __all__
