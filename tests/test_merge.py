"""Raw results + the catalogue -> the matrix: columns, cells, verdicts, where results came from."""

import pytest

from session_matrix.core import config, records
from session_matrix.core.catalogue import read_catalogue
from session_matrix.core.model import LastRun
from session_matrix.core.vocabulary import CellStatus, RunStatus, Verdict
from session_matrix.matrix.merge import build_matrix, verdict
from tests.helpers import (
    DEFAULTS,
    RESOURCES,
    SAMPLE,
    fixture_matrix,
    fixture_raws,
    raw_record,
    row,
)

VERSIONS = [d.version for d in config.django_versions()]


def build(raws, **fingerprints):
    every = records.load_all()
    return build_matrix(
        raws=raws,
        catalogue=read_catalogue(RESOURCES / "patterns", config.themes()),
        configurations=every,
        django=config.django_versions(),
        themes=config.themes(),
        fingerprints={r.name: fingerprints.get(r.name, "") for r in every},
    )


def test_every_configuration_on_every_django_version_is_a_column():
    matrix = fixture_matrix()
    expected = [f"{r.name}-dj{v}" for r in records.load_all() for v in VERSIONS]
    assert [c.id for c in matrix.columns] == expected
    assert all(set(cells) == set(expected) for cells in matrix.cells.values())


def test_verdicts_over_the_default_configurations():
    S = CellStatus
    assert verdict({"a": [S.PASSED], "b": [S.PASSED]}) == Verdict.PORTABLE
    assert verdict({"a": [S.FAILED], "b": [S.ERROR]}) == Verdict.FAILS_EVERYWHERE
    assert verdict({"a": [S.PASSED], "b": [S.FAILED]}) == Verdict.DIFFERS
    assert verdict({"a": [S.PASSED], "b": [S.NOT_RUN]}) == Verdict.UNKNOWN


def test_a_row_that_fails_on_one_engine_differs_and_names_its_kind_and_twin():
    matrix = fixture_matrix()
    row = next(p for p in matrix.patterns if p.id == f"{SAMPLE}::test_key_error")
    assert row.verdict == Verdict.DIFFERS
    assert row.differs_by == ["engine"]
    assert row.kind == "mistake"
    assert row.twin == f"{SAMPLE}::test_passes"
    assert row.twin_differs == [DEFAULTS[-1]]


def test_a_column_that_never_ran_says_why_in_every_cell():
    matrix = fixture_matrix()
    column = matrix.column(DEFAULTS[0], VERSIONS[0])
    assert (column.status, column.reason) == ("not_run", "not run: no Redis at redis://x")
    cell = matrix.cells[f"{SAMPLE}::test_passes"][column.id]
    assert (cell.status, cell.reason) == (CellStatus.NOT_RUN, "not run: no Redis at redis://x")


def test_a_column_whose_last_run_failed_shows_its_earlier_outcomes_and_says_so():
    column_id = f"{DEFAULTS[0]}-dj{VERSIONS[-1]}"
    good = raw_record(column_id, {f"{SAMPLE}::test_passes": row()})
    good.last_run = LastRun(
        status=RunStatus.NOT_RUN,
        reason="not run: no Redis at redis://y",
        finished="2026-11-26T09:00:00+00:00",
    )
    matrix = build({column_id: good})
    column = next(c for c in matrix.columns if c.id == column_id)
    assert column.status == "ok"
    assert column.note == (
        "last run 2026-11-26: not run: no Redis at redis://y; showing results from 2026-11-25"
    )
    assert matrix.cells[f"{SAMPLE}::test_passes"][column_id].status == CellStatus.PASSED


@pytest.mark.parametrize(
    ("selection", "shown"),
    [
        (["-k", "a"], "the newest run (-k a)"),
        (["-vx", "--tb=long"], "the newest run (-vx)"),
        # pytest said it ran less than it collected, in words the parser does not know
        (["-o", "addopts=-x"], "the newest run (-o addopts=-x)"),
    ],
)
def test_a_selection_says_how_much_of_the_column_it_updated(selection, shown):
    column_id = f"{DEFAULTS[0]}-dj{VERSIONS[-1]}"
    record = raw_record(
        column_id, {"a": row(), f"{SAMPLE}::test_passes": row(at="2026-11-20T00:00:00+00:00")}
    )
    record.results.selection = selection
    matrix = build({column_id: record})
    note = next(c for c in matrix.columns if c.id == column_id).note
    assert note == f"{shown} updated 1 of 2 patterns; 1 kept from earlier runs (2026-11-20)"


def test_a_staleness_run_says_how_many_cells_it_kept_and_from_when():
    column_id = f"{DEFAULTS[0]}-dj{VERSIONS[-1]}"
    record = raw_record(
        column_id,
        {
            "a": row(),
            "b": row(at="2026-11-20T00:00:00+00:00"),
            "c": row(at="2026-11-22T00:00:00+00:00"),
        },
    )
    record.results.selection = [f"{SAMPLE}::test_passes"]
    note = next(c for c in build({column_id: record}).columns if c.id == column_id).note
    assert note == (
        "the newest run (1 named pattern) updated 1 of 3 patterns; "
        "2 kept from earlier runs (2026-11-20 to 2026-11-22)"
    )


def test_flaky_when_repeats_disagree():
    column_id = f"{DEFAULTS[0]}-dj{VERSIONS[-1]}"
    record = raw_record(column_id, {f"{SAMPLE}::test_passes": row(runs=["passed", "failed"])})
    matrix = build({column_id: record})
    assert matrix.cells[f"{SAMPLE}::test_passes"][column_id].status == CellStatus.FLAKY


def test_stale_when_the_fingerprint_moved():
    column_id = f"{DEFAULTS[0]}-dj{VERSIONS[-1]}"
    record = raw_record(column_id, {f"{SAMPLE}::test_passes": row()}, fingerprint="old")
    matrix = build({column_id: record}, **{DEFAULTS[0]: "new"})
    assert next(c for c in matrix.columns if c.id == column_id).stale


def test_configurations_of_one_engine_that_disagree_are_marked():
    variants = [r for r in records.load_all() if not r.default]
    if not variants:
        return
    variant = variants[0]
    raws = fixture_raws()
    for version in VERSIONS:
        raws[f"{variant.name}-dj{version}"].tests[f"{SAMPLE}::test_passes"] = row(
            "failed", "TypeError"
        )
    matrix = build(raws)
    passes = next(p for p in matrix.patterns if p.id == f"{SAMPLE}::test_passes")
    assert "configuration" in passes.differs_by
    assert passes.verdict == Verdict.PORTABLE, "verdicts are over the defaults"


def test_the_summary_counts_the_newest_version_that_ran():
    counts = {c.configuration: c for c in fixture_matrix().summary()}
    odd = counts[DEFAULTS[-1]]
    assert odd.django == VERSIONS[-1]
    assert odd.fails == odd.everywhere + 1
