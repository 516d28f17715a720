"""Reading patterns and their docstrings without importing them."""

import json

import pytest

from session_matrix.catalogue import base_id, parse_docstring, read_catalogue
from session_matrix.config import themes
from session_matrix.merge import NOT_HELD
from tests.conftest import RESOURCES, ROOT


def test_docstring_fields():
    texts = parse_docstring(
        """s = client.session; s.save()

        Expect: the view sees it.
        Why: signed_cookies changes the key
            on every save.
        Fix: write the key back.
        """
    )
    assert texts["idiom"] == "s = client.session; s.save()"
    assert texts["expect"] == "the view sees it."
    assert texts["why"] == "signed_cookies changes the key on every save."
    assert texts["fix"] == "write the key back."
    assert texts["source"] == ""


def test_patterns_are_found_with_theme_version_and_code():
    catalogue = read_catalogue(RESOURCES / "patterns", themes())
    failing = catalogue["patterns/test_sample.py::test_key_error"]
    assert failing.theme == "before_request"
    assert failing.why == "nothing stored it."
    assert "def test_key_error" in failing.code
    future = catalogue["patterns/test_sample.py::test_from_the_future"]
    assert (future.since_django, future.since_reason) == ("99.0", "from the future")
    assert future.code.startswith("@pytest.mark.since_django")
    method = catalogue["patterns/test_sample.py::TestGrouped::test_method"]
    assert method.theme == "auth", "the class marker is closer than the module's"


def test_parametrized_ids_map_to_their_function():
    assert base_id("m.py::test_x[a-b]") == "m.py::test_x"


def test_every_real_pattern_states_idiom_expectation_and_theme():
    catalogue = read_catalogue(ROOT / "matrix_tests", themes())
    assert catalogue
    missing = [
        pattern_id
        for pattern_id, pattern in catalogue.items()
        if not (pattern.idiom and pattern.expect and pattern.theme)
    ]
    assert missing == []


def test_every_pattern_that_fails_somewhere_says_why_and_the_fix():
    published = ROOT / "results" / "matrix.json"
    if not published.exists():
        pytest.skip("no results/matrix.json yet: run `nox` first")
    matrix = json.loads(published.read_text())
    catalogue = read_catalogue(ROOT / "matrix_tests", themes())
    failing = {
        base_id(pattern["id"])
        for pattern in matrix["patterns"]
        if any(cell["status"] in NOT_HELD for cell in matrix["cells"][pattern["id"]].values())
    }
    explained = {pid for pid, pattern in catalogue.items() if pattern.why and pattern.fix}
    unexplained = sorted(failing - explained)
    assert unexplained == []
