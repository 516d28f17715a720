"""The project's own settings: ``[tool.session-matrix]`` in ``pyproject.toml``.

``django`` lists the matrix's Django versions, oldest first; each is a table:

    "4.2" = { python = ">=3.8,<3.13", support = "end-of-life", note = "..." }
    "6.2" = { python = ">=3.12", support = "pre-release" }

``support`` is ``supported`` (the default), ``end-of-life`` (kept because it is widely
deployed; the report says so) or ``pre-release`` (installed with ``--pre``; marked so).
``themes`` maps each theme marker to its title, in report order. Standard library only.
"""

from __future__ import annotations

import functools
import tomllib
from typing import Any

from session_matrix.core.model import DjangoVersion
from session_matrix.core.paths import ROOT
from session_matrix.core.vocabulary import Support

__all__ = ["PYPROJECT", "django_versions", "newest_release", "themes"]

PYPROJECT = ROOT / "pyproject.toml"
SUPPORT = tuple(standing.value for standing in Support)


@functools.cache
def _table() -> dict[str, Any]:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    table: dict[str, Any] = data["tool"]["session-matrix"]
    return table


def django_versions() -> list[DjangoVersion]:
    """The matrix's Django versions, oldest first, with the Pythons each supports."""
    found = []
    for version, entry in _table()["django"].items():
        support = entry.get("support", Support.SUPPORTED.value)
        if support not in SUPPORT:
            msg = (
                f"{PYPROJECT}: tool.session-matrix.django.{version}.support: {support!r} "
                f"is not one of {', '.join(SUPPORT)}"
            )
            raise ValueError(msg)
        found.append(
            DjangoVersion(
                version=version,
                python=entry["python"],
                support=Support(support),
                note=entry.get("note", ""),
            )
        )
    return found


def newest_release() -> DjangoVersion:
    """The newest Django version that is not a pre-release: what "the newest" means for the
    profile and the harness's own end-to-end tests."""
    released = [d for d in django_versions() if d.support != Support.PRE_RELEASE]
    return (released or django_versions())[-1]


def themes() -> dict[str, str]:
    """Theme marker name -> its title in the report, in report order."""
    return dict(_table()["themes"])


def __dir__() -> list[str]:
    return __all__
