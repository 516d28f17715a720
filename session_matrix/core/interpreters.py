"""Which Python runs each Django version: the newest installed one that Django supports.

Found at run time with python-discovery (what nox itself uses), so nothing here names a
path. Runs in the nox process only; ``packaging`` and ``python_discovery`` come with nox.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["CANDIDATES", "find"]

# Newest first: a column runs on the newest Python its Django version supports.
CANDIDATES = ("3.14", "3.13", "3.12", "3.11", "3.10", "3.9", "3.8")


@functools.cache
def _executable(version: str) -> str | None:
    import platformdirs
    from python_discovery import DiskCache, get_interpreter

    cache = DiskCache(Path(platformdirs.user_cache_dir("nox")) / "python-discovery")
    try:
        found = get_interpreter(version, cache=cache)
    except OSError:
        found = get_interpreter(version)
    return str(found.executable) if found is not None else None


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


def __dir__() -> list[str]:
    return __all__
