"""A digest of what a column ran: the patterns, the project, the configuration record (after
``extends``), the pytest configuration and the recorder that classifies outcomes.
Patterns count by their code, not their docstrings: rewording a Why changes no outcome.

A column whose fingerprint differs from the current tree's is *stale*: the report flags it
instead of silently mixing old outcomes with new patterns. Standard library only.
"""

from __future__ import annotations

import ast
import hashlib
import json
import tomllib
from pathlib import Path

from session_matrix.core.paths import PACKAGE, PATTERNS_DIR, ROOT
from session_matrix.core.records import Record

__all__ = ["docstring_lines", "fingerprint", "pytest_config", "resolved"]


def _files(record: Record, root: Path) -> list[Path]:
    files = [
        path
        for folder in (PATTERNS_DIR, "project")
        for path in (root / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    return sorted([*files, PACKAGE / "core" / "recorder.py"])


def resolved(record: Record) -> str:
    """The record after ``extends``, as far as it decides outcomes: its description, label
    and comments do not."""
    fields = {
        "settings": record.settings,
        "lists": record.lists,
        "needs": list(record.needs),
        "requires": list(record.requires),
    }
    return json.dumps(fields, sort_keys=True, default=str)


def pytest_config(root: Path) -> bytes:
    """The ``[tool.pytest.ini_options]`` table: the rest of pyproject.toml changes nothing."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return b""
    table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("pytest", {})
    return json.dumps(table, sort_keys=True).encode()


def _content(path: Path, root: Path) -> bytes:
    """A file's bytes; for a pattern module, its source with the docstrings' lines cut out
    (found by position, so the digest is the same whichever Python computes it; dropped, not
    blanked, so a docstring that grows a line changes nothing either)."""
    if path.suffix != ".py" or not path.is_relative_to(root / PATTERNS_DIR):
        return path.read_bytes()
    lines = path.read_text(encoding="utf-8").splitlines()
    docstrings = docstring_lines(ast.parse("\n".join(lines)))
    return "\n".join(line for n, line in enumerate(lines) if n not in docstrings).encode()


def docstring_lines(tree: ast.Module) -> set[int]:
    """The lines (0-based) of every docstring in ``tree``: the module's, classes', functions'."""
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.update(range(first.lineno - 1, first.end_lineno or first.lineno))
    return docstrings


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def fingerprint(record: Record, root: Path = ROOT) -> str:
    """sha256 over the relative paths and contents that decide a column's outcomes."""
    digest = hashlib.sha256()
    for path in _files(record, root):
        digest.update(_name(path, root).encode())
        digest.update(b"\0")
        digest.update(_content(path, root))
        digest.update(b"\0")
    digest.update(pytest_config(root))
    digest.update(resolved(record).encode())
    return digest.hexdigest()[:16]


def __dir__() -> list[str]:
    return __all__
