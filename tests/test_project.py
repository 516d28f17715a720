"""The Django project is an ordinary one: a user's pytest-django tests run unchanged on it."""

import shutil
import subprocess
import sys

import pytest

from session_matrix.core import records
from tests.helpers import RESOURCES, ROOT


@pytest.mark.parametrize("engine", [r.name for r in records.load_all() if r.default])
def test_a_dropped_in_pytest_django_module_runs_unchanged(engine, tmp_path, monkeypatch):
    for name in ("test_dropin.py", "dropin_urls.py"):
        shutil.copy(RESOURCES / "dropin" / name, tmp_path / name)
    monkeypatch.setenv("SESSION_MATRIX_ENGINE", engine)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "5 passed" in done.stdout
