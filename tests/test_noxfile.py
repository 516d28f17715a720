"""The noxfile as users see it: one session per column, derived from the records."""

import json
import os
import subprocess
import sys

import pytest

from session_matrix.core import column_env, config, records
from tests.helpers import ROOT

VERSIONS = [d.version for d in config.django_versions()]


@pytest.fixture(scope="module")
def listed(nox_listing):
    return json.loads(nox_listing)


def test_every_configuration_on_every_django_version_is_a_session(listed):
    columns = {s["session"] for s in listed if s["name"] == "matrix"}
    expected = {f"matrix({r.name}-dj{v})" for r in records.load_all() for v in VERSIONS}
    assert columns == expected


def test_columns_are_tagged_by_configuration_engine_version_and_default(listed):
    for record in records.load_all():
        session = next(
            s for s in listed if s["session"] == f"matrix({record.name}-dj{VERSIONS[-1]})"
        )
        assert {record.name, record.engine, f"dj{VERSIONS[-1]}"} <= set(session["tags"])
        assert ("default" in session["tags"]) == record.default
        assert session["call_spec"] == {"django": VERSIONS[-1], "configuration": record.name}


def test_plain_nox_runs_the_matrix_then_the_report(listed):
    selected = [s["name"] for s in listed]
    assert "report" in selected
    assert "tests" not in selected
    assert selected.index("report") > max(i for i, s in enumerate(selected) if s == "matrix")


def test_a_new_variant_record_is_a_new_column_with_no_other_change(tmp_path):
    (tmp_path / "cache-extra.toml").write_text(
        'extends = "cache"\n[settings.CACHES.default]\n'
        'BACKEND = "django.core.cache.backends.redis.RedisCache"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"SESSION_MATRIX_ENGINES_DIR": str(tmp_path)},
        check=True,
    )
    sessions = {s["session"]: s for s in json.loads(done.stdout)}
    new = sessions[f"matrix(cache-extra-dj{VERSIONS[-1]})"]
    assert set(new["tags"]) >= {"cache", "cache-extra"}
    assert "default" not in new["tags"]


def test_a_bad_record_stops_nox_with_one_line(tmp_path):
    (tmp_path / "broken.toml").write_text('extends = "nowhere"\n')
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-l"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"SESSION_MATRIX_ENGINES_DIR": str(tmp_path)},
    )
    assert done.returncode != 0
    assert "broken.toml: extends unknown record 'nowhere'" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_django_version_without_interpreter_is_a_stated_not_run(monkeypatch):
    monkeypatch.setattr(column_env.interpreters, "find", lambda supported: None)
    reason = column_env.env_spec(VERSIONS[-1], records.load_all()[0], [])
    assert reason.startswith(f"not run: Django {VERSIONS[-1]} needs Python ")


def test_columns_of_one_django_version_share_an_environment():
    specs = {
        column_env.env_spec(VERSIONS[-1], record, ["pytest"]).name
        for record in records.load_all()
        if not record.requires
    }
    assert specs == {f"dj{VERSIONS[-1]}"}


def test_job_slots_are_one_more_than_the_cores_unless_given(monkeypatch):
    """A third of a column is sleep (the real-clock twins): one more slot fills it."""
    import os

    from session_matrix.matrix.nox_columns import JOBS_VAR, job_slots

    monkeypatch.delenv(JOBS_VAR, raising=False)
    assert job_slots() == (os.cpu_count() or 1) + 1
    monkeypatch.setenv(JOBS_VAR, "5")
    assert job_slots() == 5
    monkeypatch.setenv(JOBS_VAR, "0")
    assert job_slots() == (os.cpu_count() or 1) + 1
