"""Refresh the generated table in ``README.md`` between its two markers."""

from __future__ import annotations

from pathlib import Path

from session_matrix.paths import write_atomic

__all__ = ["END", "START", "ReadmeError", "refresh", "splice"]

START = "<!-- matrix:start -->"
END = "<!-- matrix:end -->"


class ReadmeError(ValueError):
    """The README cannot take the table; the message says how to fix it."""


def splice(text: str, block: str, where: Path) -> str:
    """``text`` with ``block`` between its markers; ``ReadmeError`` if they are not right."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        msg = f"{where}: needs exactly one '{START}' line followed by one '{END}' line"
        raise ReadmeError(msg)
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block.strip()}\n{END}{tail}"


def refresh(path: Path, block: str) -> bool:
    """Put ``block`` between the markers in ``path``; return whether the file changed."""
    text = path.read_text(encoding="utf-8")
    new = splice(text, block, path)
    if new == text:
        return False
    write_atomic(path, new)
    return True


def __dir__() -> list[str]:
    return __all__
