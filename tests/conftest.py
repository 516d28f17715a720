"""Shared helpers for the harness's own tests."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
collect_ignore_glob = ["resources/*"]

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path(__file__).resolve().parent / "resources"


def raw_record(cell_id, tests=None, *, status="ok", reason="", fingerprint="", **extra):
    """A raw result as the cell runner writes it."""
    engine, _, django = cell_id.rpartition("-dj")
    record = {
        "format": 1,
        "cell": {"id": cell_id, "engine": engine, "django": django},
        "status": status,
        "reason": reason,
        "finished": "2026-11-25T08:00:00+00:00",
        "fingerprint": fingerprint,
        "selection": [],
        "environment": {"django": f"{django}.1", "python": "3.13.0", "services": {}},
        "timings": {"startup": 1.0, "tests": 0.5, "total": 1.6},
        "tests": tests or {},
    }
    return record | extra


def row(outcome="passed", exception="", message="", **extra):
    """One pattern's row in a raw result."""
    return {
        "outcome": outcome,
        "phase": "call",
        "exception": exception,
        "message": message,
        "reason": "",
        "duration": 0.01,
    } | extra


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """An empty results directory that the harness writes to instead of results/."""
    directory = tmp_path / "results"
    (directory / "raw").mkdir(parents=True)
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(directory))
    return directory


def write_raw(directory, record):
    path = directory / "raw" / f"{record['cell']['id']}.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def nox_listing():
    """What `nox -l --json` prints for this noxfile (the default selection)."""
    return subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
