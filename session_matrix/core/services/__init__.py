"""Services as providers: the real servers and resources a configuration needs, one per name.

A provider knows:

- its environment variable and default address (``REDIS_URL``, ``redis://127.0.0.1:6379/0``);
- how to probe the service, and its version;
- how to give one run a private namespace (a Redis database, a test database, a memcached
  of its own, a directory) and clean it up on every exit path;
- which ``{placeholders}`` of an engine record it fills;
- which exceptions mean the service went away during a run (``lost_on``);
- what the process loading the settings must do first (``prepare_process``);
- whether it is optional: offered to every column, and the patterns that use it read
  *not run* when it is missing (Chromium, for the browser patterns).

``provision(needs)`` enters the providers a record needs (plus the optional ones) and
yields a ``Bundle``: the placeholder values, the versions, ``reset()`` between repeated
runs and ``check()`` after them. A missing service raises ``ServiceUnavailable`` (the
column is *not run*); one that restarted or vanished raises ``ServiceLost`` from ``check()``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import importlib
import os
import pkgutil
import platform
import shutil
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit, urlunsplit

# Defined with the runner's other errors; the providers raise them.
from session_matrix.core.errors import ServiceLost, ServiceUnavailable

__all__ = [
    "Bundle",
    "EnvAddress",
    "Given",
    "Provider",
    "ServiceLost",
    "ServiceUnavailable",
    "die_with_parent",
    "gone_from_this_host",
    "listening",
    "optional",
    "placeholders",
    "provision",
    "public_url",
    "registry",
]


def gone_from_this_host(host: str, pid: int) -> bool:
    """Whether ``pid`` was a process of this host (``host`` is ``platform.node()``) that no
    longer exists: what it held (a lease, a test database) can be reclaimed at once. Another
    host's processes are never judged from here."""
    if host != platform.node():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when this process dies (Linux), so a
    column killed outright (SIGKILL, the OOM killer) leaves no private server or pattern run
    behind; elsewhere None. Only a signal handler can clean up after SIGINT and SIGTERM."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return preexec


@dataclass
class Given:
    """What one provider gave one run."""

    values: dict[str, Any]
    version: str = ""
    reset: Callable[[], None] = lambda: None
    check: Callable[[], None] = lambda: None


class Provider(Protocol):
    """One kind of service. Implementations live in this package, one module each."""

    name: ClassVar[str]
    env_var: ClassVar[str]
    default: ClassVar[str]
    placeholders: ClassVar[tuple[str, ...]]
    lost_on: ClassVar[tuple[str, ...]]
    optional: ClassVar[bool]

    def address(self) -> str: ...

    def provide(self, label: str) -> contextlib.AbstractContextManager[Given]: ...

    def prepare_process(self) -> None: ...


class EnvAddress:
    """``address()`` for providers configured by one environment variable."""

    env_var: ClassVar[str] = ""
    default: ClassVar[str] = ""

    def address(self) -> str:
        return (os.environ.get(self.env_var) if self.env_var else "") or self.default

    def prepare_process(self) -> None:
        """Anything the process that loads the settings must do first (most need nothing)."""

    def binary(self, what: str, package: str, install: str = "") -> str:
        """The program ``address()`` names, found on the PATH; ``ServiceUnavailable`` saying
        how to get one when it is not there (``install``, else ``apt-get install package``)."""
        found = shutil.which(self.address())
        if found is None:
            msg = (
                f"no {what} at {self.address()!r} ({install or f'apt-get install {package}'}, "
                f"or set {self.env_var} to its path)"
            )
            raise ServiceUnavailable(msg)
        return found


@dataclass
class Bundle:
    """Everything one run was given: placeholder values, versions, and what is missing."""

    values: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # optional service -> why
    lost_on: list[str] = field(default_factory=list)
    _given: list[tuple[str, Given]] = field(default_factory=list)

    def reset(self) -> None:
        """Empty every private store, so that a repeated run starts as the first did."""
        for _, given in self._given:
            given.reset()

    def check(self) -> None:
        """Raise ``ServiceLost`` if any service restarted or stopped answering."""
        for _, given in self._given:
            given.check()


def public_url(url: str) -> str:
    """``url`` without its password, fit for messages and reports."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))


def listening(host: str, port: int) -> bool:
    """Whether a server accepts TCP connections at ``host:port``: told apart, a refused login
    (wrong user or password: a server is there) is not reported as no server at all."""
    if not host or host.startswith("/"):  # a Unix socket: no port to knock on
        return False
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@functools.cache
def registry() -> dict[str, Provider]:
    """Every provider, by service name: each module of this package names its ``PROVIDER``,
    so a new service is one new module (``_private_server``, a part two providers share,
    is none: a module named with a leading underscore is not a provider)."""
    providers: dict[str, Provider] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        provider: Provider = importlib.import_module(f"{__name__}.{module.name}").PROVIDER
        providers[provider.name] = provider
    return providers


def placeholders() -> dict[str, str]:
    """Placeholder name -> the service that fills it."""
    return {
        placeholder: provider.name
        for provider in registry().values()
        for placeholder in provider.placeholders
    }


def optional() -> list[str]:
    """The services offered to every column (their patterns read *not run* without them)."""
    return [name for name, provider in registry().items() if provider.optional]


@contextlib.contextmanager
def provision(needs: Sequence[str], label: str) -> Iterator[Bundle]:
    """Give one run (``label``: the column id) its private services, cleaned up on exit."""
    providers = registry()
    bundle = Bundle()
    with contextlib.ExitStack() as stack:
        for name in [*needs, *(n for n in optional() if n not in needs)]:
            provider = providers[name]
            try:
                given = stack.enter_context(provider.provide(label))
            except ServiceUnavailable as exc:
                if name in needs:
                    raise
                bundle.missing[name] = str(exc)
                continue
            bundle.values |= given.values
            if given.version:
                bundle.versions[name] = given.version
            bundle.lost_on += provider.lost_on
            bundle._given.append((name, given))
        yield bundle


def __dir__() -> list[str]:
    return __all__
