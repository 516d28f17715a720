"""Refresh the generated blocks in ``README.md``: each sits between two marker lines,
``<!-- <name>:start -->`` and ``<!-- <name>:end -->`` (``matrix``, ``profile``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ReadmeError", "markers", "splice"]


class ReadmeError(ValueError):
    """The README cannot take a block; the message says how to fix it."""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def splice(text: str, block: str, where: Path, name: str = "matrix") -> str:
    """``text`` with ``block`` between the ``name`` markers; ``ReadmeError`` if they are not
    there exactly once, in order."""
    start, end = markers(name)
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        msg = f"{where}: needs exactly one '{start}' line followed by one '{end}' line"
        raise ReadmeError(msg)
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block.strip()}\n{end}{tail}"


def __dir__() -> list[str]:
    return __all__
