"""Which Python runs each Django version: the newest installed one that Django supports.

Found at run time with python-discovery (what nox itself uses), so nothing here names a
path. Runs in the nox process only; ``packaging`` and ``python_discovery`` come with nox.
"""

from __future__ import annotations

import functools

__all__ = ["CANDIDATES", "pick"]

# Newest first: a cell runs on the newest Python its Django version supports.
CANDIDATES = ("3.14", "3.13", "3.12", "3.11", "3.10", "3.9", "3.8")


@functools.cache
def _installed(version: str) -> bool:
    import platformdirs
    from python_discovery import DiskCache, get_interpreter

    cache = DiskCache(platformdirs.user_cache_dir("nox") + "/python-discovery")
    try:
        return get_interpreter(version, cache=cache) is not None
    except OSError:
        return get_interpreter(version) is not None


def pick(supported: str) -> str | None:
    """The newest installed ``X.Y`` inside the specifier ``supported``, or ``None``."""
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(supported)
    for version in CANDIDATES:
        if allowed.contains(f"{version}.0") and _installed(version):
            return version
    return None


def __dir__() -> list[str]:
    return __all__
