"""Merging raw results into the matrix: every pattern x every column, each with a status."""

import pytest

from session_matrix.catalogue import Pattern
from session_matrix.merge import build_matrix, engine_summary, verdict
from tests.conftest import raw_record, row

NAIVE = "matrix_tests/test_x.py::test_naive"
FIX = "matrix_tests/test_x.py::test_fix"
NEW = "matrix_tests/test_x.py::test_new"


def catalogue(*ids):
    return {
        i: Pattern(id=i, theme="before_request", idiom=i.rsplit("::", 1)[1], path="x", line=n)
        for n, i in enumerate(ids)
    }


def build(records, ids=(NAIVE, FIX), fingerprints=None):
    return build_matrix(
        records={r["cell"]["id"]: r for r in records},
        catalogue=catalogue(*ids),
        engines=[{"name": "db"}, {"name": "signed_cookies"}],
        django_versions=["5.2", "6.1"],
        themes={"before_request": "Before"},
        fingerprints=fingerprints or {},
    )


@pytest.fixture
def matrix():
    naive_fails = {NAIVE: row("failed", "KeyError", "'foo'"), FIX: row()}
    both_pass = {NAIVE: row(), FIX: row()}
    return build(
        [
            raw_record("db-dj5.2", both_pass),
            raw_record("db-dj6.1", both_pass),
            raw_record("signed_cookies-dj5.2", naive_fails),
            raw_record("signed_cookies-dj6.1", naive_fails),
        ]
    )


def test_every_pattern_has_every_column(matrix):
    columns = [c["id"] for c in matrix["columns"]]
    assert columns == ["db-dj5.2", "db-dj6.1", "signed_cookies-dj5.2", "signed_cookies-dj6.1"]
    assert all(set(cells) == set(columns) for cells in matrix["cells"].values())


def test_failures_keep_exception_and_message(matrix):
    cell = matrix["cells"][NAIVE]["signed_cookies-dj6.1"]
    assert (cell["status"], cell["exception"], cell["message"]) == ("failed", "KeyError", "'foo'")


def test_verdicts_and_what_the_outcome_depends_on(matrix):
    patterns = {p["id"]: p for p in matrix["patterns"]}
    assert patterns[FIX]["verdict"] == "portable"
    assert patterns[NAIVE]["verdict"] == "differs"
    assert patterns[NAIVE]["differs_by"] == ["engine"]


def test_columns_that_did_not_run_say_why_in_every_cell():
    matrix = build(
        [
            raw_record("db-dj6.1", status="not_run", reason="not run: no Redis at redis://x"),
            raw_record("db-dj5.2", status="error", reason="collection failed: boom"),
        ]
    )
    assert matrix["cells"][NAIVE]["db-dj6.1"] == {
        "status": "not_run",
        "reason": "not run: no Redis at redis://x",
    }
    assert matrix["cells"][NAIVE]["db-dj5.2"]["status"] == "harness_error"
    assert matrix["cells"][NAIVE]["signed_cookies-dj6.1"]["status"] == "absent"
    assert {p["verdict"] for p in matrix["patterns"]} == {"unknown"}


def test_a_new_pattern_reads_absent_in_columns_that_ran_before_it():
    matrix = build([raw_record("db-dj6.1", {NAIVE: row()})], ids=(NAIVE, NEW))
    assert matrix["cells"][NEW]["db-dj6.1"]["status"] == "absent"
    assert "not in this column's last run" in matrix["cells"][NEW]["db-dj6.1"]["reason"]


def test_disagreeing_repeats_are_flaky():
    record = raw_record("db-dj6.1", {NAIVE: row("failed", runs=["passed", "failed"])})
    assert build([record])["cells"][NAIVE]["db-dj6.1"]["status"] == "flaky"


def test_a_column_run_on_other_patterns_is_stale():
    matrix = build(
        [raw_record("db-dj6.1", {NAIVE: row()}, fingerprint="old")], fingerprints={"db": "new"}
    )
    column = next(c for c in matrix["columns"] if c["id"] == "db-dj6.1")
    assert column["stale"] is True


def test_verdicts_need_every_engine_and_ignore_what_did_not_run():
    assert verdict({"db": ["unavailable", "passed"], "file": ["passed"]}) == "portable"
    assert verdict({"db": ["failed", "error"], "file": ["failed"]}) == "mistake"
    assert verdict({"db": ["not_run", "absent"], "file": ["not_run"]}) == "unknown"


def test_an_engine_that_did_not_run_leaves_portable_and_mistake_undecided():
    # Without Redis, an idiom failing on db and file but working on cache is no "mistake".
    assert verdict({"cache": ["not_run"], "db": ["failed"], "file": ["failed"]}) == "unknown"
    assert verdict({"cache": ["not_run"], "db": ["passed"], "file": ["failed"]}) == "differs"


def test_engine_summary_counts_the_newest_column_that_ran(matrix):
    summary = {row["engine"]: row for row in engine_summary(matrix)}
    assert summary["signed_cookies"] | {"engine": ""} == {
        "engine": "",
        "django": "6.1",
        "works": 1,
        "fails": 1,
        "mistakes": 0,
        "flaky": 0,
        "ran": 2,
        "total": 2,
    }


def test_a_parametrized_pattern_is_its_parameter_rows():
    rows = {f"{NAIVE}[a]": row(), f"{NAIVE}[b]": row("failed")}
    matrix = build([raw_record("db-dj6.1", rows)], ids=(NAIVE,))
    assert [p["id"] for p in matrix["patterns"]] == [f"{NAIVE}[a]", f"{NAIVE}[b]"]
    assert matrix["patterns"][1]["idiom"] == "test_naive"
