"""Which extra pytest arguments narrow a run to some patterns, and which only change how it runs.

A run with a narrowing argument (``-k``, ``-m``, ``-x``, a path...) is a *selection*: it
updates the rows it ran and keeps the column's others. ``-p no:randomly``, ``-v`` or
``--tb=long`` change nothing about which patterns run, so such a run is still complete.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["narrowing", "paths_in"]

# Options that take a value and narrow the run, and flags that stop it early.
_NARROW_WITH_VALUE = ("-k", "-m", "--deselect", "--ignore", "--ignore-glob", "--maxfail")
_NARROW_FLAGS = ("-x", "--exitfirst", "--lf", "--last-failed", "--sw", "--stepwise")


def paths_in(args: list[str], root: Path) -> list[str]:
    """The arguments that name a path or node id under ``root`` (``matrix_tests/x.py::t``)."""
    return [a for a in args if not a.startswith("-") and (root / a.split("::")[0]).exists()]


def narrowing(args: list[str], root: Path) -> list[str]:
    """The arguments (with their values) that make the run a selection; [] for a full run."""
    found: list[str] = []
    taking = False
    for arg in args:
        if taking:
            found.append(arg)
            taking = False
        elif arg in _NARROW_WITH_VALUE:
            found.append(arg)
            taking = True
        elif arg in _NARROW_FLAGS or arg.startswith(tuple(f"{o}=" for o in _NARROW_WITH_VALUE)):
            found.append(arg)
        elif arg[:2] in ("-k", "-m") and len(arg) > 2 and not arg.startswith("--"):
            found.append(arg)  # -knaive
    return found + paths_in(args, root)
