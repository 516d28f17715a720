"""The Django project is an ordinary one: a user's pytest-django tests run unchanged on it."""

import os
import shutil
import subprocess
import sys

import pytest

from session_matrix import engines
from tests.conftest import RESOURCES, ROOT


@pytest.mark.parametrize("engine", engines.names())
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


def test_an_unknown_engine_stops_django_with_the_fix():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ
        | {"DJANGO_SETTINGS_MODULE": "project.settings", "SESSION_MATRIX_ENGINE": "mongo"},
    )
    assert done.returncode != 0
    assert (
        "unknown engine 'mongo': choose one of cache, cached_db, db, file, signed_cookies"
        in done.stderr
    )
