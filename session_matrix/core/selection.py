"""Which extra pytest arguments narrow a run to some patterns, and which only change how it runs.

A run with a narrowing argument (``-k``, ``-m``, ``-x``, a path...) is a *selection*: it
updates the rows it ran and keeps the column's others. ``-p no:randomly``, ``-v`` or
``--tb=long`` change nothing about which patterns run, so such a run is still complete.
Short options may be clustered as pytest allows (``-vx``, ``-vk naive``, ``-qknaive``).
The column runner does not rely on this alone: the recorder also reports when pytest
deselected or stopped early (``Recording.partial``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["narrowing", "outside", "paths_in"]

# Options that take a value and narrow the run, and flags that stop it early.
_NARROW_WITH_VALUE = ("-k", "-m", "--deselect", "--ignore", "--ignore-glob", "--maxfail")
_NARROW_FLAGS = ("-x", "--exitfirst", "--lf", "--last-failed", "--sw", "--stepwise")
# pytest's short options that take a value (the rest of a cluster, or the next argument).
_SHORT_WITH_VALUE = "kmpcrWo"


def _is_path(arg: str, root: Path) -> bool:
    """Whether ``arg`` names an existing file or folder under ``root``. A ``-k`` expression
    longer than the system's name limit is not a path (``exists()`` raised ENAMETOOLONG)."""
    try:
        return (root / arg.split("::")[0]).exists()
    except OSError:
        return False


def paths_in(args: list[str], root: Path) -> list[str]:
    """The arguments that name a path or node id under ``root`` (``matrix_tests/x.py::t``)."""
    return [a for a in args if not a.startswith("-") and _is_path(a, root)]


def outside(args: list[str], root: Path, folder: str) -> list[str]:
    """The paths in ``args`` that are not under ``root / folder``: a column runs patterns
    only, never the harness's own tests or files elsewhere."""
    allowed = (root / folder).resolve()
    return [
        arg
        for arg in paths_in(args, root)
        if not (root / arg.split("::")[0]).resolve().is_relative_to(allowed)
    ]


def _short_cluster(arg: str) -> tuple[bool, bool]:
    """For ``-vx``, ``-vk``, ``-knaive``: (does it narrow, does it take the next argument)."""
    for index, letter in enumerate(arg[1:], start=1):
        if letter == "x":
            return True, False
        if letter in _SHORT_WITH_VALUE:
            takes_next = index == len(arg) - 1
            return letter in "km", takes_next
    return False, False


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
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            narrows, taking_next = _short_cluster(arg)  # -vx, -vk naive, -knaive
            if narrows:
                found.append(arg)
                taking = taking_next
    return found + paths_in(args, root)
