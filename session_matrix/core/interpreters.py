"""Which Python runs each Django version: the newest installed one that Django supports.

Found at run time with python-discovery (what nox itself uses), so nothing here names a
path. Runs in the nox process only; ``packaging`` and ``python_discovery`` come with nox.

Finding them is slow where the interpreters are pyenv's shims: python-discovery asks each
shim for its version through a subprocess, about 0.9 s per nox process on this project's
machine. What a process found is kept in ``SESSION_MATRIX_PYTHONS`` (JSON, version to
executable), so the nox children a parallel run starts for its columns inherit it instead
of finding it again; ``share`` has the parent find them before it starts any.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["CANDIDATES", "SHARED_VAR", "find", "share"]

# Newest first: a column runs on the newest Python its Django version supports.
CANDIDATES = ("3.14", "3.13", "3.12", "3.11", "3.10", "3.9", "3.8")
SHARED_VAR = "SESSION_MATRIX_PYTHONS"
_EXPORT = threading.Lock()  # ``share`` finds versions in threads


def _shared() -> dict[str, str | None]:
    """What this process inherited or found: anything unreadable is found again."""
    try:
        found = json.loads(os.environ.get(SHARED_VAR) or "{}")
    except json.JSONDecodeError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {
        version: executable
        for version, executable in found.items()
        if version in CANDIDATES and (executable is None or isinstance(executable, str))
    }


def _discover(version: str) -> str | None:
    import platformdirs
    from python_discovery import DiskCache, get_interpreter

    cache = DiskCache(Path(platformdirs.user_cache_dir("nox")) / "python-discovery")
    try:
        found = get_interpreter(version, cache=cache)
    except OSError:
        found = get_interpreter(version)
    return str(found.executable) if found is not None else None


@functools.cache
def _executable(version: str) -> str | None:
    shared = _shared()
    if version in shared:
        executable = shared[version]
        if executable is None or Path(executable).is_file():
            return executable
    executable = _discover(version)
    with _EXPORT:
        os.environ[SHARED_VAR] = json.dumps(_shared() | {version: executable}, sort_keys=True)
    return executable


def find(supported: str) -> tuple[str, str] | None:
    """``(X.Y, executable)`` of the newest installed Python inside ``supported``, or None."""
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(supported)
    for version in CANDIDATES:
        if allowed.contains(f"{version}.0"):
            executable = _executable(version)
            if executable:
                return version, executable
    return None


def share(supported: Iterable[str]) -> None:
    """Find the interpreter for each of ``supported`` now, all at once, so that the processes
    this one starts inherit them (``SESSION_MATRIX_PYTHONS``)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(find, supported))


def __dir__() -> list[str]:
    return __all__
