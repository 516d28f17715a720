"""One configuration under pytest, inside its services: the one way every feature runs one.

``run(record, label, body, settings=...)`` provisions the services the record needs (a
private Redis database, a directory, ...), builds the environment that lays the record over
the settings (``ENGINE_VAR``, ``PROVIDED_VAR``, ``DJANGO_SETTINGS_MODULE``), calls ``body``
with it, which starts pytest with the recorder (``pytest``) and reads its ``Recording``
back, then checks that no service went away meanwhile. It returns a ``Ran``, or raises one
of the family in ``errors``: ``BadInput``, ``ServiceUnavailable`` (a missing client library
too), ``ServiceLost``, ``Interrupted``.

The column (``matrix.column``: the patterns, repeated) and the suite (``suite.runner``: a
user's tests, several configurations at once) both run through it; each turns the errors
into its own words. ``interruptible()`` turns SIGTERM into ``Interrupted`` for every entry
point.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Generic, TypeVar

from session_matrix.core import overlay, records, services
from session_matrix.core.errors import (
    BadInput,
    Interrupted,
    RunError,
    ServiceLost,
    ServiceUnavailable,
)
from session_matrix.core.recorder import ROWS_VAR, Recording

__all__ = [
    "RECORDER",
    "BadInput",
    "Interrupted",
    "Ran",
    "RunError",
    "ServiceLost",
    "ServiceUnavailable",
    "environment",
    "interruptible",
    "pytest",
    "run",
]

RECORDER = "session_matrix.core.recorder"  # the plugin every run loads (``-p``)
T = TypeVar("T")


@dataclass(frozen=True)
class Ran(Generic[T]):
    """What a run came to: ``body``'s answer, the versions of the services it ran in, and
    the environment it ran with."""

    value: T
    versions: dict[str, str]
    env: dict[str, str]


def environment(
    record: records.Record,
    bundle: services.Bundle,
    settings: str,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """This process's environment with ``record`` laid over ``settings`` in ``bundle``'s
    services, and ``extra`` on top."""
    return (
        dict(os.environ)
        | {
            "DJANGO_SETTINGS_MODULE": settings,
            overlay.ENGINE_VAR: record.name,
            overlay.PROVIDED_VAR: overlay.Provided.of(record.name, bundle).to_env(),
        }
        | dict(extra or {})
    )


def run(
    record: records.Record,
    label: str,
    body: Callable[[dict[str, str], services.Bundle], T],
    *,
    settings: str,
    extra: Mapping[str, str] | None = None,
) -> Ran[T]:
    """Provision ``record``'s services under ``label``, call ``body`` with the environment
    (``environment``) and the services, then check that none went away.

    Raises ``ServiceUnavailable`` when a service (or its client library) is missing,
    ``ServiceLost`` when one went away during ``body``; ``BadInput`` and ``Interrupted``
    pass through from ``body``."""
    with contextlib.ExitStack() as stack:
        try:
            bundle = stack.enter_context(services.provision(record.needs, label))
        except ImportError as exc:  # a service's client library (redis) is not installed
            package = exc.name or str(exc)
            msg = f"needs the Python package {package}: pip install {package}"
            raise ServiceUnavailable(msg) from exc
        env = environment(record, bundle, settings, extra)
        value = body(env, bundle)
        bundle.check()
        return Ran(value, dict(bundle.versions), env)
    raise AssertionError  # pragma: no cover  (ExitStack never swallows)


def pytest(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path,
    output: Path | None = None,
    rows: Path | None = None,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> tuple[int, Recording | None]:
    """pytest with the recorder on ``args``, in ``env``: its exit code and the
    ``Recording`` it wrote (None when it wrote none). ``output`` takes pytest's output
    (else it goes to this process's), ``rows`` the recorder's (else a temporary file);
    ``started`` is told the process (to stop it)."""
    command = [sys.executable, "-m", "pytest", "-p", RECORDER, *args]
    # Killed outright, the runner takes its pytest with it: an orphan would go on using a
    # Redis database whose lease is free to be taken again. Only from the main thread: the
    # parent-death signal follows the thread that started the child, not the process.
    main = threading.current_thread() is threading.main_thread()
    with contextlib.ExitStack() as stack:
        if rows is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="session-matrix-rows-"))
            rows = Path(tmp) / "rows.json"
        log = stack.enter_context(output.open("wb")) if output is not None else None
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) | {ROWS_VAR: str(rows)},
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            preexec_fn=services.die_with_parent() if main else None,  # one prctl call
        )
        if started is not None:
            started(process)
        try:
            code = process.wait()
        except BaseException:  # Ctrl-C, SIGTERM: pytest goes too, as subprocess.call does
            process.kill()
            process.wait()
            raise
        return code, Recording.read(rows) if rows.exists() else None
    raise AssertionError  # pragma: no cover


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


@contextlib.contextmanager
def interruptible(*names: str) -> Iterator[None]:
    """While inside, SIGTERM (and the signals ``names``, such as ``"SIGHUP"``) raises
    ``Interrupted``: the run unwinds as Ctrl-C does, its services released. nox sends SIGTERM
    0.3 s after Ctrl-C; a CI job cancelled or ``timeout`` sends it alone. Outside the main
    thread (where Python cannot catch signals) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [getattr(signal, name) for name in ("SIGTERM", *names) if hasattr(signal, name)]
    previous = {number: signal.signal(number, _interrupt) for number in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def __dir__() -> list[str]:
    return __all__
