"""Raw results: one JSON file per cell under ``results/raw/``, written atomically.

A raw file is what one run of one cell (engine x Django version) produced. Its shape::

    {
      "format": 1,
      "cell": {"id": "db-dj6.1", "engine": "db", "django": "6.1"},
      "status": "ok" | "not_run" | "error",   # the run itself, not the patterns
      "reason": "...",                          # why not_run / error ("" when ok)
      "finished": "2026-11-25T08:00:00+00:00",
      "fingerprint": "sha256 of the patterns, project and engine record it ran",
      "selection": ["-k", "naive"],             # extra pytest arguments, [] for a full run
      "origin": {"host": "...", "platform": "Linux x86_64", "ci_run": "<GitHub run URL or ''>"},
      "environment": {"django": "6.1.3", "python": "3.13.0", "engine": {...record...},
                      "services": {"redis": "7.0.15", "sqlite": "3.40.1"}},
      "timings": {"setup": 0.3,     # nox: environment creation/install before the runner
                  "startup": 1.2,   # interpreter, pytest, Django, collection, test database
                  "tests": 0.9,     # sum of the patterns' own durations
                  "total": 2.5},
      "tests": {"<pytest node id>": {"outcome": "passed" | "failed" | "error" | "skipped"
                                      | "unavailable", "phase": "call", "exception": "KeyError",
                                      "message": "'foo'", "reason": "", "duration": 0.01,
                                      "runs": ["passed", "failed"]}}   # runs: only with --repeat
    }

Standard library only: the noxfile writes "not run" records with it.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "CELL_STATUSES",
    "FORMAT",
    "OUTCOMES",
    "RawError",
    "cell_id",
    "new_record",
    "now",
    "path_for",
    "read",
    "results_dir",
    "write_atomic",
]

FORMAT = 1
CELL_STATUSES = ("ok", "not_run", "error")
OUTCOMES = ("passed", "failed", "error", "skipped", "unavailable")
ROOT = Path(__file__).resolve().parent.parent


class RawError(ValueError):
    """A raw result file that cannot be used; the message names the file and the fix."""


def cell_id(engine: str, django: str) -> str:
    """A cell's name in nox, in file names and in the report: ``<engine>-dj<version>``."""
    return f"{engine}-dj{django}"


def results_dir() -> Path:
    """Where results go: ``SESSION_MATRIX_RESULTS`` if set (tests use it), else ``results/``."""
    return Path(os.environ.get("SESSION_MATRIX_RESULTS") or ROOT / "results")


def path_for(cell_id: str, directory: Path | None = None) -> Path:
    """The raw file of one cell."""
    return (directory or results_dir()) / "raw" / f"{cell_id}.json"


def now() -> str:
    """The current time, as stored in raw files."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_record(
    *, cell_id: str, engine: str, django: str, status: str = "ok", reason: str = ""
) -> dict[str, Any]:
    """An empty record for one cell; the runner fills in tests, environment and timings."""
    if status not in CELL_STATUSES:
        msg = f"cell status must be one of {CELL_STATUSES}, not {status!r}"
        raise ValueError(msg)
    return {
        "format": FORMAT,
        "cell": {"id": cell_id, "engine": engine, "django": django},
        "status": status,
        "reason": reason,
        "finished": now(),
        "fingerprint": "",
        "selection": [],
        "environment": {},
        "timings": {},
        "tests": {},
    }


def write_atomic(path: Path, data: dict[str, Any] | str) -> None:
    """Write JSON (or text) so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, indent=1, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results are for everyone
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read(path: Path) -> dict[str, Any]:
    """Load and check one raw file; ``RawError`` says what is wrong and how to redo it."""
    redo = "re-run that cell (nox -s matrix -- see README) or delete the file"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: unreadable ({exc.strerror}); {redo}"
        raise RawError(msg) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: not valid JSON, probably truncated ({exc}); {redo}"
        raise RawError(msg) from exc
    problem = _problem(data)
    if problem:
        msg = f"{path}: {problem}; {redo}"
        raise RawError(msg)
    return data


def _problem(data: Any) -> str:
    if not isinstance(data, dict):
        return "not a raw result (expected a JSON object)"
    if data.get("format") != FORMAT:
        return f"raw format {data.get('format')!r}, this harness reads format {FORMAT}"
    cell = data.get("cell")
    if not isinstance(cell, dict) or not {"id", "engine", "django"} <= set(cell):
        return "missing its cell (id, engine, django)"
    if data.get("status") not in CELL_STATUSES:
        return f"unknown status {data.get('status')!r}"
    tests = data.get("tests")
    if not isinstance(tests, dict):
        return "missing its tests"
    for node_id, test in tests.items():
        if not isinstance(test, dict) or test.get("outcome") not in OUTCOMES:
            return f"test {node_id!r} has no valid outcome"
    return ""


def __dir__() -> list[str]:
    return __all__
