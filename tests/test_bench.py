"""The benchmark's arithmetic and its progress; its figures come from `nox -s bench`, never
from a test."""

import contextlib
import os
import shutil
import tomllib

from session_matrix.matrix import bench
from tests.helpers import ROOT


def _run(name, wall, tests):
    return bench.Run(name, wall, jobs=2, columns={"db-dj6.1": {"tests": tests}}, ok=1)


def test_ratios_and_targets_are_read_against_the_floor():
    floor = _run("floor", 100.0, 150.0)
    text = bench.table([_run("cold", 350.0, 150.0), _run("warm", 120.0, 150.0)], floor, 1, 0.3)
    assert "target cold <= 3.0x floor: MISSED (3.50x)" in text
    assert "target warm <= 1.2x floor: met (1.20x)" in text
    # outside = wall x jobs - the parts inside the columns: 2 x 120 - 150
    assert "warm - floor = +20.0s wall: outside +20.0" in text


def test_a_round_says_each_run_as_it_ends(monkeypatch, capsys, tmp_path):
    """A round takes minutes per run at full size: each run is printed when it ends."""
    said, how = [], {}

    def run_nox(name, columns, work, env, jobs, select=None, *, fresh=True, plain=False):
        said.append(capsys.readouterr().out)
        how[name] = (fresh, plain)
        return _run(name, 2.0, 1.0)

    def run_floor(columns, env, jobs):
        said.append(capsys.readouterr().out)
        return _run("floor", 1.0, 1.0)

    monkeypatch.setattr(bench, "run_nox", run_nox)
    monkeypatch.setattr(bench, "run_floor", run_floor)
    monkeypatch.setattr(bench, "_touched", lambda path, edit: contextlib.nullcontext())
    runs = bench._round([bench.Listed("s", "file", "6.1")], tmp_path, {}, 2, [])
    assert [run.name for run in runs] == [
        "cold",
        "warm",
        "own",
        "no-op",
        "pattern",
        "record",
        "floor",
    ]
    assert said[1] == "  cold: 2.0s, 1/1 columns ok\n"  # before warm started
    assert said[2] == "  warm: 2.0s, 1/1 columns ok\n"
    assert capsys.readouterr().out == "  floor: 1.0s, 1/1 columns ok\n"
    # The whole table: the incremental runs are plain `nox`, as a user runs it.
    assert how["cold"] == how["warm"] == how["own"] == (True, False)
    assert how["no-op"] == how["pattern"] == how["record"] == (False, True)
    bench._round([bench.Listed("s", "file", "6.1")], tmp_path, {}, 2, ["-t", "dj6.1"])
    assert how["no-op"] == (False, False), "a selection runs only its columns"


def test_touching_a_pattern_changes_one_pattern_s_code(tmp_path):
    from session_matrix.matrix import staleness

    shutil.copytree(ROOT / "matrix_tests", tmp_path / "matrix_tests")
    module = tmp_path / "matrix_tests" / "test_before_request.py"
    before = staleness.pattern_codes(tmp_path)
    module.write_text(bench.touch_pattern(module.read_text()))
    after = staleness.pattern_codes(tmp_path)
    assert len([node for node in before if before[node] != after[node]]) == 1


def test_touching_a_record_changes_its_resolved_settings_only_by_a_default():
    assert 'SESSION_COOKIE_NAME = "sessionid"' in bench.touch_record('extends = "db"\n')
    text = bench.touch_record('label = "x"\n\n[settings]\nSESSION_ENGINE = "e"\n')
    assert text.count("[settings]") == 1
    assert tomllib.loads(text)["settings"]["SESSION_COOKIE_NAME"] == "sessionid"


def test_the_goals_read_started_columns_and_seconds():
    runs = {
        name: bench.Run(name, wall, jobs=2, started=started)
        for name, wall, started in [
            ("cold", 400.0, 4),
            ("warm", 200.0, 4),
            ("own", 250.0, 4),
            ("no-op", 10.0, 0),
            ("pattern", 50.0, 4),
            ("record", 20.0, 2),
        ]
    }
    columns = [bench.Listed("s", name, v) for name in ("file", "db") for v in ("6.0", "6.1")]
    runs["warm"].cpu = 100.0 * (os.cpu_count() or 1)  # a CPU floor of 100 s
    text = bench.goals(runs, _run("floor", 180.0, 1.0), columns, "file", every=92)
    assert "goal no-op: <= 30s and 0 columns started: met (10.0s, 0 started)" in text
    assert "goal record: only file's 2 columns started: met" in text
    assert "no-op      10.0s   0.05x   0.06x     0.0s          -      0/4" in text
    assert "full fresh run: 200.0s with one Chromium per run, 250.0s with one per column" in text
    assert "goal cpu-floor: warm <= 1.2x its CPU floor" in text
    assert "MISSED (2.00x)" in text
    assert "(the goals are for all 92 columns; this run measured 4)" in text
    runs["warm"].not_run = {"file-dj6.1": "not_run: no Django 6.1 release on the index"}
    runs["record"].started = 1
    text = bench.goals(runs, _run("floor", 180.0, 1.0), columns, "file", every=92)
    assert "goal record: only file's 1 columns started: met" in text, "the one it can run"


def _raw(results, column, status, reason=""):
    from session_matrix.core.model import ColumnKey, LastRun, RawRecord, write_raw
    from session_matrix.core.vocabulary import RunStatus

    key = ColumnKey(id=column.id, configuration=column.configuration, django=column.django)
    finished = "2026-12-05T21:00:00+00:00"
    last_run = LastRun(status=RunStatus(status), reason=reason, finished=finished)
    record = RawRecord(column=key, last_run=last_run)
    write_raw(record, results)


def test_a_column_the_index_cannot_serve_is_said_and_a_broken_one_is_a_problem(tmp_path):
    """A Django line with no release is not the run's fault: printed, never a warning. A
    broken column, or one that wrote nothing, is."""
    no_memcached, unreleased, broken, silent = (
        bench.Listed("s", "db", version) for version in ("6.1", "6.2", "6.0", "5.2")
    )
    _raw(tmp_path, unreleased, "not_run", "no Django 6.2 release on the index")
    _raw(tmp_path, broken, "error", "pytest internal error")
    _raw(tmp_path, no_memcached, "not_run", "no memcached at 127.0.0.1:11211")
    _, ok, not_run = bench._raw_times(tmp_path, [no_memcached, unreleased])
    run = bench.Run("warm", 1.0, 2, ok=ok, not_run=not_run)
    assert bench._problem(run, 2, 0, "log") == ""
    assert "2 x" not in bench._not_run_line(run)
    assert "1 x not_run: no Django 6.2 release on the index" in bench._not_run_line(run)
    _, ok, not_run = bench._raw_times(tmp_path, [no_memcached, unreleased, broken, silent])
    run = bench.Run("warm", 1.0, 2, ok=ok, not_run=not_run)
    assert bench._problem(run, 4, 1, "log") == "2 of 4 columns broke or wrote nothing; see log"
