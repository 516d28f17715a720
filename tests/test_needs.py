"""The needs grid (render.needs), what changed between Django versions (render.changes),
and one symbol per meaning across the outputs."""

import itertools
import re

import pytest

from session_matrix.core.vocabulary import CellStatus, NeedStatus, legend
from session_matrix.matrix.render.changes import changes, changes_markdown
from session_matrix.matrix.render.html import html_report
from session_matrix.matrix.render.needs import grid, readme_grid
from tests.helpers import DEFAULTS, fixture_matrix


@pytest.fixture(scope="module")
def matrix():
    return fixture_matrix()


def profile_of(guarantees_by_config, status="ok"):
    return {
        "django": "6.1.3",
        "django_series": "6.1",
        "configurations": {
            name: {"status": status, "reason": "no Redis at redis://x", "guarantees": found}
            for name, found in guarantees_by_config.items()
        },
    }


def cells(data, need):
    row = next(r for r in data["rows"] if r["id"] == need)
    return {c["config"]: c for c in row["cells"]}


def test_a_guarantee_reads_met_not_met_or_does_not_apply(matrix):
    first, second, third = DEFAULTS[:3]
    data = grid(
        profile_of(
            {
                first: {"replay_after_logout": {"value": False}},
                second: {"replay_after_logout": {"value": True}},
                third: {"survives_cache_restart": {"value": None, "reason": "no cache server"}},
            }
        ),
        matrix,
    )
    revocable = cells(data, "revocable")
    assert revocable[first]["status"] == NeedStatus.MEETS
    assert revocable[second]["status"] == NeedStatus.FAILS
    assert revocable[third]["status"] == NeedStatus.NOT_MEASURED
    assert cells(data, "cache-restart")[third]["status"] == NeedStatus.DOES_NOT_APPLY


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"error": "Redis went away"}, "the measurement broke: Redis went away"),
        ({"value": None, "reason": "not run: no second server"}, "not run: no second server"),
    ],
)
def test_missing_or_broken_data_is_not_measured_never_a_verdict(matrix, entry, why):
    name = DEFAULTS[0]
    data = grid(profile_of({name: {"lost_updates": entry}}), matrix)
    cell = cells(data, "lost-writes")[name]
    assert cell["status"] == NeedStatus.NOT_MEASURED
    assert cell["why"] == why
    # a configuration the profile did not measure at all
    other = cells(data, "lost-writes")[DEFAULTS[1]]
    assert other["status"] == NeedStatus.NOT_MEASURED
    assert other["why"] == "not in this profile"


def test_a_configuration_the_profile_could_not_run_is_not_measured(matrix):
    name = DEFAULTS[0]
    data = grid(profile_of({name: {"lost_updates": {"value": 0}}}, status="not_run"), matrix)
    cell = cells(data, "lost-writes")[name]
    assert cell["status"] == NeedStatus.NOT_MEASURED
    assert "no Redis" in cell["why"]


def test_a_guarantee_the_grid_does_not_know_appears_as_a_need(matrix):
    name = DEFAULTS[0]
    found = {"value": False, "reads": 40, "absent": 20, "stale": 0, "how": "two servers"}
    data = grid(
        profile_of({name: {"across_processes": found, "brand_new": {"value": True}}}), matrix
    )
    ids = [row["id"] for row in data["rows"]]
    assert ids[0] == "processes"
    assert "brand_new" in ids
    assert "20 of 40 reads wrong" in cells(data, "processes")[name]["text"]
    assert cells(data, "brand_new")[name]["status"] == NeedStatus.MEETS
    assert data["rows"][0]["conditions"] == ["two servers"]


def test_a_page_without_a_profile_has_no_grid_and_says_so(matrix):
    page = html_report(matrix)
    assert 'id="needs-grid"' not in page
    assert "No engine profile" in page
    page = html_report(matrix, profile=profile_of({DEFAULTS[0]: {"lost_updates": {"value": 0}}}))
    assert 'id="needs-grid"' in page


def test_the_readme_grid_shows_defaults_only_with_symbols(matrix):
    name = DEFAULTS[0]
    text = readme_grid(profile_of({name: {"lost_updates": {"value": 0}}}), matrix)
    header = text.splitlines()[0]
    assert [c.strip(" `") for c in header.split("|")[2:-1]] == DEFAULTS
    assert "index.html" not in text
    assert NeedStatus.MEETS.term.symbol in text


def test_changes_list_each_idiom_whose_outcome_changed_between_neighbouring_versions(matrix):
    versions = matrix.django_versions
    pairs = changes(matrix)
    assert [(old, new) for old, new, _ in pairs] == list(itertools.pairwise(versions))
    for old, new, found in pairs:
        for change in found:
            for (before, after), names in change.transitions.items():
                assert before != after
                for name in names:
                    cells_ = matrix.cells[change.row.id]
                    assert cells_[f"{name}-dj{old}"].status == before
                    assert cells_[f"{name}-dj{new}"].status == after
    text = changes_markdown(matrix)
    assert text.count("## Django ") == len(versions) - 1


def test_one_symbol_per_meaning_across_the_legends(matrix):
    """Every symbol and page glyph in the matrix legend means one status, and a need status
    that shares a symbol with a cell status shares its meaning (works / meets it)."""
    terms = legend()
    for attribute in ("symbol", "glyph"):
        marks = [getattr(term, attribute) for term in terms]
        assert len(marks) == len(set(marks)), attribute
    same_meaning = {
        NeedStatus.MEETS: CellStatus.PASSED,
        NeedStatus.FAILS: CellStatus.FAILED,
        NeedStatus.DOES_NOT_APPLY: CellStatus.UNAVAILABLE,
        NeedStatus.NOT_MEASURED: CellStatus.NOT_RUN,
    }
    by_symbol = {term.symbol: term for term in terms} | {term.glyph: term for term in terms}
    for need in NeedStatus:
        for mark in (need.term.symbol, need.term.glyph):
            if mark in by_symbol:
                assert by_symbol[mark] == same_meaning[need].term, mark
    # ≈ is the profile's "noisy": no cell status uses it.
    assert "≈" not in {t.symbol for t in terms} | {t.glyph for t in terms}


def test_the_page_and_matrix_md_legends_use_the_vocabulary(matrix):
    from session_matrix.matrix.render.markdown import markdown_report

    page = html_report(matrix)
    text = markdown_report(matrix)
    for term in legend():
        assert re.search(rf"tone-{term.tone}\">{re.escape(term.glyph)}</span> ", page), term
        assert f"- {term.symbol} " in text, term


def test_a_guarantee_missing_because_the_servers_did_not_start_says_why(matrix):
    first, second = DEFAULTS[:2]
    profile = profile_of({first: {"across_processes": {"value": True, "reads": 30}}, second: {}})
    profile["configurations"][second]["throughput"] = {
        "status": "error",
        "reason": "gunicorn did not start",
    }
    cell = cells(grid(profile, matrix), "processes")[second]
    assert cell["status"] == NeedStatus.NOT_MEASURED
    assert cell["why"] == "gunicorn did not start"


def test_a_row_failing_on_every_engine_names_the_variant_it_works_on():
    """The verdict is over the engines' defaults; a variant that works is said, and its cell
    is not hatched as "fails on every engine"."""
    import json

    from session_matrix.core import paths
    from session_matrix.core.vocabulary import Verdict
    from session_matrix.matrix import report

    matrix = report.build(report.load_raws(paths.PUBLISHED)[0])
    page = html_report(matrix)
    data = json.loads(page.split('id="matrix-data">')[1].split("</script>")[0])
    for row in matrix.patterns:
        if row.verdict != Verdict.FAILS_EVERYWHERE:
            continue
        found = next(r for r in data["rows"] if r["id"] == row.id)
        for ci, configuration in enumerate(matrix.configurations):
            tone = data["strings"][found["c"][ci][2]]
            if CellStatus.PASSED in matrix.statuses(row.id, configuration.name):
                assert tone != Verdict.FAILS_EVERYWHERE.term.tone
                assert (
                    f"works on {configuration.name}" in page.split(f'id="{row.anchor}"')[1][:2000]
                )
