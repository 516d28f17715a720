"""``nox -s check``: outcomes compared cell by cell; a check that cannot see fails closed."""

import copy
import os
import subprocess
import sys

from session_matrix.core.model import LastRun
from session_matrix.core.vocabulary import CellStatus, RunStatus
from session_matrix.matrix.drift import compare, render, split_check_args
from tests.helpers import DEFAULTS, ROOT, SAMPLE, fixture_matrix

KEY_ERROR = f"{SAMPLE}::test_key_error"


def _not_run_everywhere(matrix):
    """The fixture's one column that was not run, found by its status."""
    return next(column for column in matrix.columns if column.status == RunStatus.NOT_RUN)


def test_an_unchanged_matrix_has_no_drift_but_a_column_it_cannot_see_fails_it():
    old, new = fixture_matrix(), fixture_matrix()
    # The check could not run a column the baseline has outcomes for.
    seen = new.column(DEFAULTS[-1], new.django_versions[-1])
    seen.status, seen.reason = RunStatus.NOT_RUN, "not run: no Redis at redis://127.0.0.1:1"
    result = compare(old, new)
    assert result.changes == []
    assert result.compared > 0
    assert list(result.not_compared) == [seen.id]
    assert result.exit_code == 1
    assert "could not be compared" in render(result)
    allowed = compare(old, new, allow_missing=True)
    assert allowed.exit_code == 0
    assert "check: no drift" in render(allowed)


def test_a_column_with_outcomes_on_neither_side_fails_nothing():
    """Not run in the table and in the check alike (a Django line with no release yet):
    nothing was claimed, so nothing needs vouching for; it is still named."""
    old, new = fixture_matrix(), fixture_matrix()
    column = _not_run_everywhere(new)
    result = compare(old, new)
    assert result.neither == {column.id: str(RunStatus.NOT_RUN)}
    assert result.not_compared == {}
    assert result.exit_code == 0
    assert "1 column(s) with no outcomes in results/matrix.json or the check (1 not_run)" in (
        render(result)
    )
    # The control: the same column read "not available" in the check, a claim the table
    # never made, and could not be compared.
    _not_run_everywhere(new).status = RunStatus.UNAVAILABLE
    differs = compare(old, new)
    assert column.id in differs.not_compared
    assert differs.exit_code == 1


def test_a_changed_outcome_is_drift_with_its_exception():
    old, new = fixture_matrix(), fixture_matrix()
    column = new.column(DEFAULTS[-1], new.django_versions[-1]).id
    cell = new.cells[KEY_ERROR][column]
    cell.status, cell.exception = CellStatus.PASSED, ""
    result = compare(old, new, allow_missing=True)
    assert [(c.pattern, c.column, c.old, c.new) for c in result.changes] == [
        (KEY_ERROR, column, "failed (KeyError)", "passed")
    ]
    assert result.exit_code == 1
    assert "DRIFT: 1 cell(s) changed" in render(result)


def test_a_message_or_a_timing_is_not_drift():
    old, new = fixture_matrix(), fixture_matrix()
    column = new.column(DEFAULTS[-1], new.django_versions[-1]).id
    new.cells[KEY_ERROR][column].message = "another message"
    new.cells[KEY_ERROR][column].duration = 9.0
    assert compare(old, new, allow_missing=True).changes == []


def test_a_column_whose_check_run_broke_is_not_compared_and_fails():
    old, new = fixture_matrix(), fixture_matrix()
    column = new.column(DEFAULTS[-1], new.django_versions[-1])
    column.last_run = LastRun(
        status=RunStatus.ERROR, reason="Redis restarted during the run", finished="x"
    )
    result = compare(old, copy.deepcopy(new))
    assert column.id in result.not_compared
    assert "did not finish (error: Redis restarted" in result.not_compared[column.id]
    assert result.exit_code == 1


def test_nothing_compared_is_its_own_verdict():
    old, new = fixture_matrix(), fixture_matrix()
    for column in new.columns:
        column.status = "not_run"
    result = compare(old, new, allow_missing=True)
    assert result.exit_code == 2
    assert "NOTHING COMPARED" in render(result)


def test_the_checks_own_flag_is_told_from_pytest_arguments():
    assert split_check_args(["--allow-missing", "-m", "auth"]) == (
        ["--allow-missing"],
        ["-m", "auth"],
    )


def _session_matrix(*args, results, redis_url):
    env = os.environ | {"SESSION_MATRIX_RESULTS": str(results), "REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "-m", "session_matrix", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_check_run_without_redis_fails_closed(tmp_path, private_redis):
    """`nox -s check` with no Redis once listed the Redis columns as not compared, printed
    "no drift" and exited 0. Real columns run into a baseline and into the check's scratch
    directory (the second with no Redis), then the check itself compares them."""
    import django

    django_version = ".".join(django.get_version().split(".")[:2])
    baseline, scratch = tmp_path / "baseline", tmp_path / "scratch"
    for results, redis_url in ((baseline, private_redis.url), (scratch, "redis://127.0.0.1:1/0")):
        for configuration in ("db", "cache"):
            done = _session_matrix(
                "column",
                "--configuration",
                configuration,
                "--django",
                django_version,
                "--",
                "-k",
                "naive",
                results=results,
                redis_url=redis_url,
            )
            assert done.returncode == 0, done.stderr[-2000:]
    done = _session_matrix("report", "--no-readme", results=baseline, redis_url="")
    assert done.returncode == 0, done.stderr
    check = ("check", "--results", str(scratch), "--baseline", str(baseline / "matrix.json"))
    done = _session_matrix(*check, results=baseline, redis_url="")
    assert done.returncode == 1, done.stdout
    assert f"NOT COMPARED: cache-dj{django_version}: the check's run has no outcomes" in (
        done.stdout
    )
    assert "no Redis at redis://127.0.0.1:1/0" in done.stdout
    assert "check: FAILED" in done.stdout
    assert "no drift" not in done.stdout
    done = _session_matrix(*check, "--allow-missing", results=baseline, redis_url="")
    assert done.returncode == 0, done.stdout
    assert "check: no drift" in done.stdout
