"""Reading test code for the rules: the files under the paths given, each test in them, and
every rule whose detector matches it (and that fails on a configuration asked about)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from session_matrix.core import detect
from session_matrix.lint.rules import Rules

__all__ = ["Finding", "Unreadable", "files_under", "scan"]

# Folders that hold other people's code, never the suite's own tests.
_SKIP = {".git", ".hg", ".nox", ".tox", ".venv", "venv", "node_modules", "site-packages", "build"}


@dataclass(frozen=True)
class Finding:
    """One test that matches an idiom known to fail on some of the configurations."""

    path: str
    line: int
    col: int
    test: str
    code: str
    pattern: str
    idiom: str
    fix: str
    why: str
    engines: tuple[str, ...]


@dataclass(frozen=True)
class Unreadable:
    """A file that could not be read or parsed."""

    path: str
    line: int
    col: int
    reason: str


def files_under(path: Path) -> Iterator[Path]:
    """``path`` itself, or every ``*.py`` under it (other people's code left out)."""
    if path.is_file():
        yield path
        return
    for found in sorted(path.rglob("*.py")):
        parts = found.relative_to(path).parts[:-1]
        if not any(part in _SKIP or part.startswith(".") for part in parts):
            yield found


def _show(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def scan(paths: Iterable[Path], rules: Rules) -> Iterator[Finding | Unreadable]:
    """Findings and unreadable files, in file order."""
    detectors = {p: r.detector for p, r in rules.rules.items() if r.fails}
    for root in paths:
        for path in files_under(root):
            shown = _show(path)
            try:
                tree = ast.parse(path.read_bytes(), filename=shown)
            except SyntaxError as exc:
                yield Unreadable(shown, exc.lineno or 1, exc.offset or 1, f"{exc.msg}")
                continue
            except (OSError, ValueError) as exc:
                yield Unreadable(shown, 1, 1, str(exc))
                continue
            for code in detect.tests_in(tree, path.resolve()):
                for pattern, found in detect.find(code, detectors):
                    rule = rules.rules[pattern]
                    engines = tuple(c for c in rules.configurations if c in rule.fails)
                    yield Finding(
                        shown,
                        found.line,
                        found.col,
                        code.name,
                        rule.code,
                        pattern,
                        rule.idiom,
                        rule.fix,
                        rule.why,
                        engines,
                    )


def __dir__() -> list[str]:
    return __all__
