"""The project's own settings, read from ``[tool.session-matrix]`` in ``pyproject.toml``.

Standard library only.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["PYPROJECT", "django_versions", "themes"]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@functools.cache
def _table() -> dict[str, Any]:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return data["tool"]["session-matrix"]


def django_versions() -> dict[str, str]:
    """Django version -> the Python versions it supports (a PEP 440 specifier)."""
    return dict(_table()["django"])


def themes() -> dict[str, str]:
    """Theme marker name -> its title in the report, in report order."""
    return dict(_table()["themes"])


def __dir__() -> list[str]:
    return __all__
