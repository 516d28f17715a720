"""``suite`` explains by evidence: the idiom's detector matches the test's code and the
test's outcomes agree with the idiom's in the published matrix; the exception decides
nothing. Against the real results/matrix.json and the catalogue's own Detect: lines."""

from __future__ import annotations

import textwrap

import pytest

from session_matrix.core import paths, records
from session_matrix.suite.explain import CODE_AND_ENGINES, CODE_ONLY, Observed, explain_by_code
from session_matrix.suite.idioms import load_catalogue
from session_matrix.suite.traceback import first_lines

DEFAULTS = {record.name: record.engine for record in records.load_all() if record.default}
NEWEST = "6.1"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(paths.PUBLISHED / "matrix.json")


def _observed(failing, exception="AssertionError", message="assert 403 == 302"):
    return {
        name: Observed("failed", exception, message) if name in failing else Observed("passed")
        for name in DEFAULTS
    }


def _write(tmp_path, source):
    path = tmp_path / "test_theirs.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


NAIVE = """
from django.test import TestCase


class LoginTests(TestCase):
    def test_redirects(self):
        s = self.client.session
        s["next"] = "/home/"
        s.save()
        response = self.client.get("/login/")
        self.assertEqual(response.status_code, 302)
"""


def test_the_naive_save_failing_with_an_assertion_is_explained(tmp_path, catalogue):
    path = _write(tmp_path, NAIVE)
    found = explain_by_code(
        "test_theirs.py::LoginTests::test_redirects",
        _observed({"signed_cookies"}),
        DEFAULTS,
        (str(path), 6),
        catalogue,
        NEWEST,
    )
    assert found["pattern"].endswith("SeedTests::test_naive_save")
    assert found["confidence"] == CODE_AND_ENGINES
    assert found["line"] == f"{path}:9"
    assert found["code"] == "s.save()"
    assert "fails on signed_cookies" in found["because"]


def test_the_same_code_failing_elsewhere_is_code_only(tmp_path, catalogue):
    path = _write(tmp_path, NAIVE)
    found = explain_by_code(
        "test_theirs.py::LoginTests::test_redirects",
        _observed({"db"}),
        DEFAULTS,
        (str(path), 6),
        catalogue,
        NEWEST,
    )
    assert found["confidence"] == CODE_ONLY


def test_the_session_model_read_is_explained_though_it_also_uses_sessionstore(tmp_path, catalogue):
    path = _write(
        tmp_path,
        """
        from importlib import import_module

        from django.conf import settings
        from django.contrib.sessions.models import Session


        def test_session_row(client):
            client.post("/cart/", {"item": 1})
            key = client.cookies[settings.SESSION_COOKIE_NAME].value
            store = import_module(settings.SESSION_ENGINE).SessionStore(key)
            assert store.exists(key) or True
            assert Session.objects.get(session_key=key).get_decoded()["cart"]
        """,
    )
    observed = _observed(
        {"cache", "file", "signed_cookies"},
        "DoesNotExist",
        "Session matching query does not exist.",
    )
    found = explain_by_code(
        "test_theirs.py::test_session_row", observed, DEFAULTS, (str(path), 8), catalogue, NEWEST
    )
    assert found["pattern"].endswith("test_session_model_get_decoded")
    assert found["confidence"] == CODE_AND_ENGINES


def test_code_no_detector_matches_is_not_explained_by_code(tmp_path, catalogue):
    path = _write(tmp_path, "def test_x(client):\n    assert client.get('/').status_code\n")
    assert (
        explain_by_code(
            "test_theirs.py::test_x",
            _observed({"signed_cookies"}),
            DEFAULTS,
            (str(path), 1),
            catalogue,
            NEWEST,
        )
        is None
    )


def test_the_first_lines_of_a_failure_in_pytest_output():
    output = textwrap.dedent(
        """\
        ================================= FAILURES =================================
        ________________________ LoginTests.test_redirects _________________________

        self = <LoginTests testMethod=test_redirects>

            def test_redirects(self):
        >       self.assertEqual(response.status_code, 302)
        E       AssertionError: 403 != 302

        tests/test_login.py:12: AssertionError
        ________________________ LoginTests.test_other _____________________________
        E       AssertionError: other
        """
    )
    lines = first_lines(output, "tests/test_login.py::LoginTests::test_redirects")
    assert "E       AssertionError: 403 != 302" in lines
    assert "tests/test_login.py:12: AssertionError" in lines
    assert "E       AssertionError: other" not in lines
    assert first_lines(output, "tests/test_login.py::LoginTests::test_gone") == []


def test_a_flagged_test_is_re_run_where_it_failed_naming_the_failure_before_it():
    from session_matrix.core.model import Row
    from session_matrix.core.recorder import Recording
    from session_matrix.core.vocabulary import Outcome
    from session_matrix.suite.alone import flagged
    from session_matrix.suite.runs import RAN, Run

    every = {record.name: record for record in records.load_all()}
    names = list(DEFAULTS)

    def run(name, outcomes):
        tests = {node: Row(outcome=Outcome(outcome)) for node, outcome in outcomes}
        return Run(every[name], status=RAN, recording=Recording(tests=tests))

    runs = [
        run(names[0], [("t::a", "passed"), ("t::b", "passed"), ("t::c", "passed")]),
        run(names[1], [("t::a", "failed"), ("t::b", "passed"), ("t::c", "failed")]),
    ]
    found = flagged(runs)
    assert {node: (seen.record.name, after) for node, (seen, after) in found.items()} == {
        "t::a": (names[1], ""),
        "t::c": (names[1], "t::a"),
    }
