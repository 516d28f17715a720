"""The pattern catalogue: docstrings are records, and every row says what the table needs."""

import pytest

from session_matrix.core import config, paths
from session_matrix.core.catalogue import base_id, parse_docstring, read_catalogue
from session_matrix.core.model import read_matrix
from session_matrix.core.vocabulary import Kind, Verdict
from tests.helpers import RESOURCES, ROOT


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue(ROOT / paths.PATTERNS_DIR, config.themes())


@pytest.fixture(scope="module")
def published():
    path = paths.PUBLISHED / "matrix.json"
    if not path.exists():
        pytest.fail("no results/matrix.json: run `nox` and commit what it writes")
    return read_matrix(path)


def test_docstring_fields():
    texts = parse_docstring(
        """s = client.session; s.save()

        Expect: the view sees it.
        Why: signed_cookies changes the key
            on every save.
        Fix: write the key back.
        Kind: mistake
        Depends: the test database.
        Twin: test_other
        """
    )
    assert texts["idiom"] == "s = client.session; s.save()"
    assert texts["why"] == "signed_cookies changes the key on every save."
    assert (texts["fix"], texts["kind"], texts["depends"], texts["twin"]) == (
        "write the key back.",
        "mistake",
        "the test database.",
        "test_other",
    )


def test_patterns_are_found_with_theme_version_code_and_twin():
    found = read_catalogue(RESOURCES / "patterns", config.themes())
    failing = found["patterns/test_sample.py::test_key_error"]
    assert failing.theme == "before_request"
    assert failing.twin == "patterns/test_sample.py::test_passes"
    assert "def test_key_error" in failing.code
    future = found["patterns/test_sample.py::test_from_the_future"]
    assert (future.since_django, future.since_reason) == ("99.0", "from the future")
    assert found["patterns/test_sample.py::TestGrouped::test_method"].theme == "auth"


def test_parametrized_ids_map_to_their_function():
    assert base_id("m.py::test_x[a-b]") == "m.py::test_x"


def test_every_pattern_states_idiom_expectation_and_theme(catalogue):
    assert catalogue
    missing = [pid for pid, p in catalogue.items() if not (p.idiom and p.expect and p.theme)]
    assert missing == []


def test_every_kind_is_one_of_the_vocabulary(catalogue):
    kinds = {k.value for k in Kind}
    assert {pid: p.kind for pid, p in catalogue.items() if p.kind and p.kind not in kinds} == {}


def test_every_twin_names_a_pattern(catalogue):
    assert {
        pid: p.twin for pid, p in catalogue.items() if p.twin and p.twin not in catalogue
    } == {}


def test_every_pattern_that_fails_somewhere_says_why_and_the_fix(catalogue, published):
    failing = {
        base_id(row.id)
        for row in published.patterns
        if any(
            cell.status.failed or cell.status == "flaky"
            for cell in published.cells[row.id].values()
        )
    }
    unexplained = sorted(
        p for p in failing if p in catalogue and not (catalogue[p].why and catalogue[p].fix)
    )
    assert unexplained == []


def test_every_pattern_that_fails_everywhere_says_which_kind(catalogue, published):
    everywhere = {
        base_id(r.id) for r in published.patterns if r.verdict == Verdict.FAILS_EVERYWHERE
    }
    assert sorted(p for p in everywhere if p in catalogue and not catalogue[p].kind) == []


def _setup_dependent(matrix):
    """Rows whose outcome changes between configurations of one engine that keep its
    SESSION_ENGINE (another database, cache backend or serializer: the setup, not the
    engine); a third-party engine is another engine."""
    engine_of = {c.name: c.settings["SESSION_ENGINE"] for c in matrix.configurations}
    found = set()
    for row in matrix.patterns:
        for default in matrix.defaults():
            same = [
                default,
                *(
                    v
                    for v in matrix.variants(default.name)
                    if engine_of[v.name] == engine_of[default.name]
                ),
            ]
            for django in matrix.django_versions:
                statuses = {matrix.cells[row.id][f"{c.name}-dj{django}"].status for c in same}
                if len({s.failed for s in statuses if s.ran}) > 1:
                    found.add(base_id(row.id))
    return found


def test_every_row_that_depends_on_the_setup_says_what_it_depends_on(catalogue, published):
    setup = _setup_dependent(published)
    assert sorted(p for p in setup if p in catalogue and not catalogue[p].depends) == []
