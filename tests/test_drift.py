"""session_matrix/drift.py: which outcomes changed since the committed matrix (``nox -s check``)."""

import copy
import json

import pytest

from session_matrix import drift
from tests.resources import html_fixture
from tests.resources.html_fixture import ASYNC, MISTAKE, NAIVE, REPLAY, copy_raw, fixture_matrix

BASE = fixture_matrix()


@pytest.fixture
def new():
    return copy.deepcopy(BASE)


def column(matrix, column_id):
    return next(c for c in matrix["columns"] if c["id"] == column_id)


def test_an_unchanged_run_is_no_drift(new):
    result = drift.compare(BASE, new)
    assert result.changes == []
    assert result.broken == {}
    assert result.compared > 0
    assert result.exit_code == 0
    assert "check: no drift" in drift.render(result)


def test_timings_dates_durations_and_messages_never_count(new):
    for col in new["columns"]:
        col["finished"] = "2030-01-01T00:00:00+00:00"
        col["timings"] = {"startup": 9.0, "tests": 9.0, "total": 18.0}
        col["environment"] = col.get("environment", {}) | {"django": "9.9.9"}
        col["fingerprint"] = "different"
    for cells in new["cells"].values():
        for cell in cells.values():
            if "duration" in cell:
                cell["duration"] = 12.5
                cell["message"] = "a different message, same exception"
    result = drift.compare(BASE, new)
    assert result.changes == []
    assert result.exit_code == 0


def test_a_flipped_outcome_is_drift_and_is_printed(new):
    new["cells"][NAIVE]["db-dj6.1"] |= {"status": "failed", "exception": "AssertionError"}
    result = drift.compare(BASE, new)
    assert result.changes == [drift.Change(NAIVE, "db-dj6.1", "passed", "failed (AssertionError)")]
    assert result.exit_code == 1
    text = drift.render(result)
    assert f"{NAIVE}  db-dj6.1: passed -> failed (AssertionError)" in text
    assert "check: FAILED" in text


def test_a_different_exception_type_is_drift(new):
    new["cells"][MISTAKE]["db-dj4.2"]["exception"] = "AttributeError"
    [change] = drift.compare(BASE, new).changes
    assert (change.old, change.new) == ("failed (KeyError)", "failed (AttributeError)")


def test_becoming_flaky_or_unavailable_is_drift(new):
    new["cells"][REPLAY]["db-dj5.2"] |= {"status": "flaky", "runs": ["passed", "failed"]}
    new["cells"][ASYNC]["db-dj5.2"]["status"] = "unavailable"
    changes = {(c.pattern, c.new) for c in drift.compare(BASE, new).changes}
    assert changes == {(REPLAY, "flaky"), (ASYNC, "unavailable")}


def test_a_column_not_run_in_the_check_is_reported_not_drift(new):
    reason = "not run: no Redis at redis://127.0.0.1:6379/0"
    column(new, "db-dj6.1").update(status="not_run", reason=reason)
    for cells in new["cells"].values():
        cells["db-dj6.1"] = {"status": "not_run", "reason": reason}
    result = drift.compare(BASE, new)
    assert result.changes == []
    assert result.exit_code == 0
    assert "no Redis" in result.not_compared["db-dj6.1"]
    assert "not compared: db-dj6.1: not run in this check" in drift.render(result)


def test_a_column_the_baseline_could_not_run_is_not_compared(new):
    column(new, "cache-dj6.1").update(status="ok", reason="")
    for cells in new["cells"].values():
        cells["cache-dj6.1"] = copy.deepcopy(cells["db-dj6.1"])
    result = drift.compare(BASE, new)
    assert "the baseline has no outcome (not_run" in result.not_compared["cache-dj6.1"]
    # The fixture's cache-dj4.2 run broke in the baseline too: no change, nothing to compare.
    assert "the baseline has no outcome either" in result.not_compared["cache-dj4.2"]
    assert result.broken == {}
    assert result.exit_code == 0


def test_a_column_whose_run_broke_in_the_check_fails_it(new):
    column(new, "db-dj5.2").update(status="error", reason="collection failed: boom")
    result = drift.compare(BASE, new)
    assert "boom" in result.broken["db-dj5.2"]
    assert "BROKEN: db-dj5.2: the run broke in this check: collection failed: boom" in (
        drift.render(result)
    )


def test_new_and_removed_patterns_are_listed_not_compared(new):
    gone = new["patterns"].pop(0)
    del new["cells"][gone["id"]]
    added = copy.deepcopy(new["patterns"][0]) | {"id": "matrix_tests/test_new.py::test_new"}
    new["patterns"].append(added)
    new["cells"][added["id"]] = copy.deepcopy(new["cells"][new["patterns"][0]["id"]])
    result = drift.compare(BASE, new)
    assert result.added == [added["id"]]
    assert result.removed == [gone["id"]]
    assert result.changes == []
    text = drift.render(result)
    assert "new patterns, no outcome in results/matrix.json yet (1):" in text
    assert "patterns gone since results/matrix.json (1):" in text


def test_deselected_cells_are_skipped(new):
    for cells in new["cells"].values():
        cells["db-dj6.1"] = {"status": "absent", "reason": "not in this column's last run"}
    result = drift.compare(BASE, new)
    assert result.changes == []
    assert result.without_outcome >= len(new["patterns"])


def test_nothing_compared_is_its_own_verdict(new):
    empty = {"columns": [], "patterns": [], "cells": {}}
    assert drift.compare(empty, new).exit_code == 2
    assert drift.compare(empty, new).compared == 0


def test_outcome_ignores_everything_but_status_and_exception():
    assert drift.outcome({"status": "passed", "exception": "", "duration": 3}) == "passed"
    assert (
        drift.outcome({"status": "error", "exception": "RuntimeError"}) == "error (RuntimeError)"
    )
    assert drift.outcome({"status": "skipped", "exception": "Skipped"}) == "skipped"
    assert drift.outcome({"status": "not_run", "reason": "no Redis"}) is None
    assert drift.outcome(None) is None


@pytest.fixture
def fixture_build(monkeypatch):
    """``report.build`` on the fixture's engines and patterns instead of the tree's."""
    monkeypatch.setattr("session_matrix.report.build", html_fixture.build)


def test_main_compares_a_fresh_run_with_the_baseline(tmp_path, capsys, fixture_build):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(BASE))
    check = tmp_path / "check"
    raw = copy_raw(check)
    code = drift.main(["--results", str(check), "--baseline", str(baseline)])
    out = capsys.readouterr().out
    assert code == 0
    assert "DRIFT" not in out
    assert "check: no drift" in out
    assert (check / "matrix.json").is_file()

    record = json.loads((raw / "db-dj6.1.json").read_text())
    record["tests"][NAIVE] |= {"outcome": "failed", "exception": "AssertionError"}
    (raw / "db-dj6.1.json").write_text(json.dumps(record))
    (raw / "cache-dj4.2.json").unlink()  # not run in this check
    code = drift.main(["--results", str(check), "--baseline", str(baseline)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{NAIVE}  db-dj6.1: passed -> failed (AssertionError)" in out
    assert "not compared: cache-dj4.2: not run in this check: no raw result yet" in out


def test_main_without_a_baseline_says_so(tmp_path, capsys):
    code = drift.main(["--results", str(tmp_path), "--baseline", str(tmp_path / "none.json")])
    assert code == 2
    assert "no usable baseline" in capsys.readouterr().err


def test_a_new_patch_release_under_a_column_is_named_but_is_not_drift(new):
    old_env = column(BASE, "db-dj6.1").get("environment", {})
    column(new, "db-dj6.1")["environment"] = old_env | {"django": "6.1.99"}
    result = drift.compare(BASE, new)
    assert result.exit_code == 0
    assert result.versions["db-dj6.1"] == f"django {old_env['django']} -> 6.1.99"
    assert f"under db-dj6.1: django {old_env['django']} -> 6.1.99" in drift.render(result)
