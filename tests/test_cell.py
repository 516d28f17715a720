"""The cell runner: repeats, broken runs, missing services and interruptions."""

import json

import django
import pytest

from session_matrix import cell
from tests.conftest import raw_record, row, write_raw

DJANGO = django.get_version().rsplit(".", 1)[0]


def test_repeated_runs_that_disagree_keep_every_outcome_and_the_failure():
    first = {"t.py::x": row(), "t.py::y": row()}
    second = {"t.py::x": row("failed", "KeyError", "'foo'"), "t.py::y": row()}
    combined = cell.combine_runs([first, second])
    assert combined["t.py::x"]["runs"] == ["passed", "failed"]
    assert combined["t.py::x"]["exception"] == "KeyError"
    assert combined["t.py::y"]["runs"] == ["passed", "passed"]


def test_a_single_run_carries_no_runs_list():
    assert "runs" not in cell.combine_runs([{"t.py::x": row()}])["t.py::x"]


def _first(**overrides):
    return {
        "exit_code": 1,
        "django": f"{DJANGO}.3",
        "collection_errors": [],
        "tests": {"t": row()},
    } | overrides


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (_first(), ""),
        (_first(exit_code=0), ""),
        (
            _first(collection_errors=["t.py: ImportError: x"]),
            "collection failed: t.py: ImportError",
        ),
        (_first(django="3.2.1"), f"has Django 3.2.1, the cell is for Django {DJANGO}"),
        (_first(exit_code=5, tests={}), "no tests collected"),
        (_first(exit_code=3), "pytest internal error"),
    ],
)
def test_a_broken_run_is_told_apart_from_failing_patterns(first, expected):
    reason = cell._classify([first], DJANGO, [])
    assert (expected in reason) if expected else reason == ""


def _fake_runs(monkeypatch, outcome):
    def fake(args, env):
        if outcome == "interrupt":
            raise cell.Interrupted
        return {
            "exit_code": 1,
            "wall": 1.0,
            "django": f"{DJANGO}.1",
            "python": "3.x",
            "collection_errors": [],
            "tests": {"t.py::x": row(outcome)},
        }

    monkeypatch.setattr(cell, "_pytest_once", fake)


def test_failing_patterns_are_data_and_the_cell_succeeds(results_dir, monkeypatch, capsys):
    _fake_runs(monkeypatch, "failed")
    assert cell.main(["--engine", "db", "--django", DJANGO]) == 0
    record = json.loads((results_dir / "raw" / f"db-dj{DJANGO}.json").read_text())
    assert record["status"] == "ok"
    assert record["tests"]["t.py::x"]["outcome"] == "failed"
    assert record["origin"]["host"]
    assert f"db-dj{DJANGO}: 1 failed" in capsys.readouterr().out


def test_an_interrupted_run_leaves_the_previous_result_alone(results_dir, monkeypatch):
    previous = write_raw(results_dir, raw_record(f"db-dj{DJANGO}", {"t.py::x": row()}))
    before = previous.read_text()
    _fake_runs(monkeypatch, "interrupt")
    assert cell.main(["--engine", "db", "--django", DJANGO]) == 130
    assert previous.read_text() == before


def test_unknown_engine_is_a_one_line_error_and_writes_nothing(results_dir, capsys):
    assert cell.main(["--engine", "memcache", "--django", DJANGO]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown engine 'memcache': choose one of cache,")
    assert "\n" not in err
    assert list((results_dir / "raw").iterdir()) == []


def test_without_redis_the_cache_cell_is_not_run(results_dir, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", "redis://user:secret@127.0.0.1:1/0")
    assert cell.main(["--engine", "cache", "--django", DJANGO]) == 0
    record = json.loads((results_dir / "raw" / f"cache-dj{DJANGO}.json").read_text())
    assert record["status"] == "not_run"
    assert record["reason"].startswith("not run: no Redis at redis://127.0.0.1:1/0")
    assert "secret" not in record["reason"]
    assert record["tests"] == {}


def test_a_crash_of_the_harness_is_recorded_as_the_cells_error(results_dir, monkeypatch):
    def crash(args, env):
        raise RuntimeError("boom")

    monkeypatch.setattr(cell, "_pytest_once", crash)
    assert cell.main(["--engine", "db", "--django", DJANGO]) == 1
    record = json.loads((results_dir / "raw" / f"db-dj{DJANGO}.json").read_text())
    assert (record["status"], record["reason"]) == (
        "error",
        "the harness crashed: RuntimeError: boom",
    )


def test_arguments_pytest_rejects_are_bad_input_and_write_nothing(results_dir, capsys):
    previous = write_raw(results_dir, raw_record(f"db-dj{DJANGO}", {"t.py::x": row()}))
    before = previous.read_text()
    assert cell.main(["--engine", "db", "--django", DJANGO, "--", "--no-such-option"]) == 2
    assert previous.read_text() == before
    assert "error: pytest rejected ['--no-such-option']" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["abc", "0"])
def test_a_bad_repeat_count_is_a_one_line_error(value, monkeypatch, capsys):
    monkeypatch.setenv("SESSION_MATRIX_REPEAT", value)
    with pytest.raises(SystemExit) as exited:
        cell.main(["--engine", "db", "--django", DJANGO])
    assert exited.value.code == 2
    assert f"must be a whole number of runs, 1 or more, not '{value}'" in capsys.readouterr().err


def test_pytest_failing_before_any_pattern_says_so():
    reason = cell._classify([_first(exit_code=1, tests={})], DJANGO, [])
    assert reason.startswith("pytest failed before recording any pattern (exit code 1)")
