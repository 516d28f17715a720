"""Real cells through nox, as a user runs them: the seed's facts, and the faults of a run.

Each test runs `nox` in a subprocess with results redirected to a temporary directory, reusing
the project's `.nox/` environments (a cold run creates them with uv in a second or two each).
"""

import json
import os
import subprocess
import sys

import pytest

from session_matrix import config
from tests.conftest import ROOT

pytestmark = pytest.mark.slow_harness

CURRENT = list(config.django_versions())[-1]
SEED = "matrix_tests/test_before_request.py::SeedTests"


def nox(results, *sessions, **env):
    command = [sys.executable, "-m", "nox", "-s", *sessions]
    environment = os.environ | {"SESSION_MATRIX_RESULTS": str(results)} | env
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def raw(results, cell):
    return json.loads((results / "raw" / f"{cell}.json").read_text())


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    nox(results, f"matrix(db-dj{CURRENT})", f"matrix(signed_cookies-dj{CURRENT})")
    return results


@pytest.fixture(scope="module")
def seed_cells(seed_results):
    return raw(seed_results, f"db-dj{CURRENT}"), raw(seed_results, f"signed_cookies-dj{CURRENT}")


def test_the_naive_save_passes_on_db_and_fails_on_signed_cookies(seed_cells):
    db, signed = seed_cells
    assert db["tests"][f"{SEED}::test_naive_save"]["outcome"] == "passed"
    naive = signed["tests"][f"{SEED}::test_naive_save"]
    assert (naive["outcome"], naive["exception"], naive["message"]) == (
        "failed",
        "KeyError",
        "'foo'",
    )


def test_the_cookie_update_passes_on_both(seed_cells):
    for record in seed_cells:
        assert record["tests"][f"{SEED}::test_save_then_update_cookie"]["outcome"] == "passed"


def test_the_cells_record_where_and_on_what_they_ran(seed_cells):
    for record in seed_cells:
        assert record["status"] == "ok"
        assert record["environment"]["django"].startswith(f"{CURRENT}.")
        assert record["environment"]["python"]
        assert record["fingerprint"]


def test_without_redis_cache_cells_are_not_run_and_others_still_run(tmp_path):
    nox(
        tmp_path,
        f"matrix(cache-dj{CURRENT})",
        f"matrix(file-dj{CURRENT})",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    cache = raw(tmp_path, f"cache-dj{CURRENT}")
    assert cache["status"] == "not_run"
    assert cache["reason"].startswith("not run: no Redis at redis://127.0.0.1:1/0")
    assert raw(tmp_path, f"file-dj{CURRENT}")["status"] == "ok"


def test_a_django_version_without_interpreter_is_not_run(tmp_path):
    # With pyenv, PYENV_VERSION=system hides the pyenv interpreters that Django 6.x needs.
    done = nox(tmp_path, f"matrix(db-dj{CURRENT})", PYENV_VERSION="system")
    record = raw(tmp_path, f"db-dj{CURRENT}")
    if record["status"] == "ok":
        pytest.skip("a 3.12+ interpreter is visible without pyenv; nothing to check here")
    assert record["status"] == "not_run"
    assert f"not run: Django {CURRENT} needs Python" in record["reason"]
    assert "skipped" in done.stdout + done.stderr


def test_rerunning_one_cell_leaves_the_other_results_intact(seed_results):
    other = seed_results / "raw" / f"db-dj{CURRENT}.json"
    before = other.read_bytes()
    nox(seed_results, f"matrix(signed_cookies-dj{CURRENT})")
    nox(seed_results, "report", "--", "--no-readme")
    assert other.read_bytes() == before
    matrix = json.loads((seed_results / "matrix.json").read_text())
    ran = {c["id"] for c in matrix["columns"] if c["status"] == "ok"}
    assert ran == {f"db-dj{CURRENT}", f"signed_cookies-dj{CURRENT}"}
