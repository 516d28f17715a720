"""A digest of what a cell ran: the patterns, the project, the engine record, the pytest
configuration and the recorder that classifies outcomes.

A raw result whose fingerprint differs from the current tree's is *stale*: the report flags
it instead of silently mixing old outcomes with new patterns. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

__all__ = ["ROOT", "fingerprint"]

ROOT = Path(__file__).resolve().parent.parent


def _files(engine: str, root: Path) -> list[Path]:
    files = [
        path
        for folder in ("matrix_tests", "project")
        for path in (root / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    for path in (root / "engines" / f"{engine}.toml", root / "session_matrix" / "recorder.py"):
        if path.is_file():
            files.append(path)
    return sorted(files)


def _pytest_config(root: Path) -> bytes:
    """The ``[tool.pytest.ini_options]`` table: the rest of pyproject.toml changes nothing."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return b""
    table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("pytest", {})
    return json.dumps(table, sort_keys=True).encode()


def fingerprint(engine: str, root: Path = ROOT) -> str:
    """sha256 over the relative paths and contents that decide a cell's outcomes."""
    digest = hashlib.sha256()
    for path in _files(engine, root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(_pytest_config(root))
    return digest.hexdigest()[:16]


def __dir__() -> list[str]:
    return __all__
