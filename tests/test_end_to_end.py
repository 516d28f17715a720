"""Real columns through nox, as a user runs them: the seed's facts, and a missing service.

Each test runs `nox` in a subprocess with results in a temporary directory, sharing the
project's column environments (.nox/columns: one per Django version).
"""

import io
import os
import signal
import subprocess
import sys
import tarfile
import time

import pytest
import redis

from session_matrix.core.model import read_raw
from session_matrix.core.services.redis import LEASE_PREFIX
from tests.helpers import NEWEST, ROOT, nox
from tests.started import started_env, wait_for

pytestmark = pytest.mark.slow_harness

SEED = "matrix_tests/test_before_request.py::SeedTests"


@pytest.fixture(scope="module")
def seed_cells(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    nox(
        results,
        "-s",
        f"matrix(db-dj{NEWEST})",
        f"matrix(signed_cookies-dj{NEWEST})",
        "--",
        "-k",
        "SeedTests",
    )
    return [
        read_raw(results / "raw" / f"{name}-dj{NEWEST}.json") for name in ("db", "signed_cookies")
    ]


def test_the_naive_save_passes_on_db_and_fails_on_signed_cookies(seed_cells):
    db, signed = seed_cells
    assert db.tests[f"{SEED}::test_naive_save"].outcome == "passed"
    naive = signed.tests[f"{SEED}::test_naive_save"]
    assert (naive.outcome, naive.exception, naive.message) == ("failed", "KeyError", "'foo'")


def test_the_cookie_update_passes_on_both(seed_cells):
    for raw in seed_cells:
        assert raw.tests[f"{SEED}::test_save_then_update_cookie"].outcome == "passed"


def test_the_columns_record_where_and_on_what_they_ran(seed_cells):
    for raw in seed_cells:
        assert raw.last_run.status == "ok"
        assert raw.results.environment["django"].startswith(f"{NEWEST}.")
        assert raw.results.environment["python"]
        assert raw.results.fingerprint
        assert raw.results.seed is not None


def test_without_redis_redis_columns_are_not_run_and_others_still_run(tmp_path):
    nox(
        tmp_path,
        "-s",
        f"matrix(cache-dj{NEWEST})",
        f"matrix(file-dj{NEWEST})",
        "--",
        "-k",
        "naive",
        env={"REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    cache = read_raw(tmp_path / "raw" / f"cache-dj{NEWEST}.json")
    assert cache.last_run.status == "not_run"
    assert cache.last_run.reason.startswith("not run: no Redis at redis://127.0.0.1:1/0")
    assert read_raw(tmp_path / "raw" / f"file-dj{NEWEST}.json").last_run.status == "ok"


def run_record(tmp_path, name, text, check=True):
    """Run the newest column of a record of the test's own; (nox's result, the raw file)."""
    engines = tmp_path / "engines"
    engines.mkdir()
    (engines / f"{name}.toml").write_text(text)
    results = tmp_path / "results"
    done = nox(
        results,
        "-s",
        f"matrix({name}-dj{NEWEST})",
        check=check,
        env={"SESSION_MATRIX_ENGINES_DIR": str(engines)},
    )
    path = results / "raw" / f"{name}-dj{NEWEST}.json"
    return done, read_raw(path) if path.exists() else None


def test_a_requirement_that_rejects_this_django_reads_not_available(tmp_path):
    """A third-party package that cannot be installed beside this Django: not available,
    with the installer's reason; never a crash or a column of failures."""
    _, raw = run_record(tmp_path, "db-old", 'extends = "db"\nrequires = ["Django<4"]\n')
    assert raw.last_run.status == "unavailable"
    assert raw.last_run.reason.lower().startswith("not available: django 3.")
    assert f"does not support Django {NEWEST}" in raw.last_run.reason
    assert raw.tests == {}


def test_a_requirement_that_does_not_build_here_reads_not_run_not_unavailable(tmp_path):
    """A package that resolves but fails to build from source (pylibmc without
    libmemcached's headers) is this machine's lack, not the package rejecting Django: the
    column reads not run, with the build's last line. The package is a real sdist whose
    build fails, found by the installer through UV_FIND_LINKS."""
    name = "session-matrix-needs-header"
    root = "session_matrix_needs_header-1.0"
    metadata = f"Metadata-Version: 2.2\nName: {name}\nVersion: 1.0\n"
    files = {
        "PKG-INFO": metadata,
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\n'
            'backend-path = ["."]\n'
            f'[project]\nname = "{name}"\nversion = "1.0"\n'
        ),
        "backend.py": (
            "def build_wheel(*args, **kwargs):\n"
            "    raise SystemExit('fatal error: needs/header.h: No such file or directory')\n"
            "build_editable = build_sdist = build_wheel\n"
        ),
    }
    links = tmp_path / "links"
    links.mkdir()
    with tarfile.open(links / f"{root}.tar.gz", "w:gz") as sdist:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{path}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))
    engines = tmp_path / "engines"
    engines.mkdir()
    (engines / "db-unbuilt.toml").write_text(f'extends = "db"\nrequires = ["{name}"]\n')
    results = tmp_path / "results"
    env = {"SESSION_MATRIX_ENGINES_DIR": str(engines), "UV_FIND_LINKS": str(links)}
    nox(results, "-s", f"matrix(db-unbuilt-dj{NEWEST})", env=env)
    raw = read_raw(results / "raw" / f"db-unbuilt-dj{NEWEST}.json")
    assert raw.last_run.status == "not_run", raw.last_run.reason
    assert raw.last_run.reason.startswith(f"not run: {name} 1.0 did not build here (")
    assert "needs/header.h" in raw.last_run.reason
    assert raw.tests == {}


@pytest.mark.fault
def test_a_column_stopped_before_its_runner_moves_an_unreadable_raw_file_aside(tmp_path):
    """nox's side of a column (no interpreter, an install that fails) once overwrote an
    unreadable raw file; the column runner moves it aside, and now so does it."""
    raw_dir = tmp_path / "results" / "raw"
    raw_dir.mkdir(parents=True)
    (raw_dir / f"db-old-dj{NEWEST}.json").write_text('{"format": 2, "column": {')
    _, raw = run_record(tmp_path, "db-old", 'extends = "db"\nrequires = ["Django<4"]\n')
    assert raw.last_run.status == "unavailable"
    (kept,) = raw_dir.glob(f"db-old-dj{NEWEST}.json.invalid-*")
    assert kept.read_text() == '{"format": 2, "column": {'


def test_a_required_package_whose_engine_does_not_import_reads_not_available(tmp_path):
    text = 'extends = "db"\nrequires = ["six"]\n[settings]\nSESSION_ENGINE = "six.moves.nope"\n'
    _, raw = run_record(tmp_path, "db-six", text)
    assert raw.last_run.status == "unavailable"
    assert raw.last_run.reason.startswith("not available: six ")
    # The first line of the import error names what did not import.
    assert "nope" in raw.last_run.reason


def test_a_dotted_path_that_does_not_import_is_a_bad_record_and_writes_nothing(tmp_path):
    text = 'extends = "db"\n[settings]\nSESSION_ENGINE = "django.contrib.sessions.backends.dbb"\n'
    done, raw = run_record(tmp_path, "db-typo", text, check=False)
    assert done.returncode != 0
    assert "SESSION_ENGINE 'django.contrib.sessions.backends.dbb' does not import" in (
        done.stdout + done.stderr
    )
    assert raw is None


def test_the_eviction_patterns_evict_a_third_party_cached_db_engines_copy(tmp_path):
    """django-qsessions keeps its cache copy under a prefix of its own (qsessions.q_cached_db):
    the patterns that evict the copy must evict that one, or the qsessions column reads as if
    it never lost its cache entry. Evicted, it behaves as cached_db does."""
    nox(
        tmp_path,
        "-s",
        f"matrix(cached_db-qsessions-dj{NEWEST})",
        "--",
        "-k",
        "after_cache_eviction and (secret_key or async_view)",
    )
    raw = read_raw(tmp_path / "raw" / f"cached_db-qsessions-dj{NEWEST}.json")
    rows = {node.rpartition("::")[2]: row for node, row in raw.tests.items()}
    rotation = rows["test_secret_key_rotation_without_fallback_after_cache_eviction"]
    assert rotation.outcome == "passed"  # the signed row was read: the rotation ended it
    sync_read = rows["test_async_view_reads_session_synchronously_after_cache_eviction"]
    assert (sync_read.outcome, sync_read.exception) == ("failed", "SynchronousOnlyOperation")


def test_a_required_package_whose_app_does_not_set_up_reads_not_available(tmp_path):
    """django-qsessions 0.5 installs beside the newest Django and its engine imports, but its
    models import ugettext_lazy (removed in Django 4.0), so Django's setup fails: that is
    the package not supporting this Django, never a broken column."""
    text = 'extends = "cached_db-qsessions"\nrequires = ["django-qsessions<1.0"]\n'
    _, raw = run_record(tmp_path, "cached_db-oldq", text)
    assert raw.last_run.status == "unavailable"
    assert raw.last_run.reason.startswith("not available: django-qsessions 0.")
    assert f"does not support Django {NEWEST}" in raw.last_run.reason
    assert "cannot import name 'ugettext_lazy'" in raw.last_run.reason
    assert "site-packages" not in raw.last_run.reason  # no path of the machine that ran it
    assert raw.tests == {}


@pytest.mark.fault
def test_sigterm_to_nox_is_an_interrupted_column_that_releases_its_lease(tmp_path, private_redis):
    """`kill <nox>` (a cancelled CI job, `timeout`) once killed nox alone: the column ran on
    and recorded the broken pipe under it as a broken run ("pytest internal error")."""
    results = tmp_path / "results"
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, "-m", "nox", "-s", f"matrix(cache-dj{NEWEST})"],
        cwd=ROOT,
        env=os.environ
        | {"SESSION_MATRIX_RESULTS": str(results), "REDIS_URL": private_redis.url}
        | started_env(marker),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = redis.Redis.from_url(private_redis.url)
    deadline = time.monotonic() + 600  # the column's environment may be built first
    while not base.keys(f"{LEASE_PREFIX}*"):
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    wait_for(marker, process, deadline=600)  # the patterns are running
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=120)[0]
    assert process.returncode != 0, output[-3000:]
    raw = read_raw(results / "raw" / f"cache-dj{NEWEST}.json")
    assert raw.last_run.status == "interrupted", raw.last_run.reason
    assert not base.keys(f"{LEASE_PREFIX}*"), "the lease is released"
