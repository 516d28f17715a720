"""Fixtures for the harness's own tests (helpers live in tests/helpers.py)."""

import os
import shutil
import subprocess
import sys

import pytest

from session_matrix.core import envs, interpreters
from tests.helpers import ROOT, redis_server
from tests.started import take_sigint

pytest_plugins = ["pytester"]
collect_ignore_glob = ["resources/*"]


def pytest_configure(config):
    take_sigint()  # the fault tests' Ctrl-C must reach their children, however we started
    # Each test's nox is a run of its own: none reuses what the nox around `nox -s tests` found.
    os.environ.pop(envs.RUN_VAR, None)
    os.environ.pop(interpreters.SHARED_VAR, None)


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """An empty results directory that the harness writes to instead of results/."""
    directory = tmp_path / "results"
    (directory / "raw").mkdir(parents=True)
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(directory))
    return directory


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


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, on a free port (it may kill it)."""
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is not installed: the fault suite needs it "
            "(apt-get install redis-server)"
        )
    with redis_server() as server:
        yield server
