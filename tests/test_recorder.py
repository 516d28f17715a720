"""The recorder plugin, run the way the column runner runs it: a real pytest subprocess."""

import json
import shutil

import django
import pytest

from session_matrix.core.recorder import Recording
from tests.helpers import RESOURCES, ROOT


@pytest.fixture
def recorded(pytester, monkeypatch, tmp_path):
    shutil.copy(RESOURCES / "patterns" / "test_sample.py", pytester.path / "test_sample.py")
    pytester.makeini("[pytest]\nmarkers =\n    before_request\n    auth\n    since_django\n")
    rows_path = tmp_path / "rows.json"
    monkeypatch.setenv("SESSION_MATRIX_ROWS", str(rows_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    provided = {"lost_on": ["builtins.ConnectionResetError"]}
    monkeypatch.setenv("SESSION_MATRIX_PROVIDED", json.dumps(provided))
    result = pytester.runpytest_subprocess(
        "-p",
        "session_matrix.core.recorder",
        "-p",
        "no:django",
        "-p",
        "randomly",
        "--randomly-seed=7",
    )
    return result, Recording.read(rows_path)


def test_each_outcome_is_told_apart(recorded):
    result, recording = recorded
    tests = recording.tests
    assert result.ret == 1
    assert tests["test_sample.py::test_passes"].outcome == "passed"
    failed = tests["test_sample.py::test_key_error"]
    assert (failed.outcome, failed.exception, failed.message) == ("failed", "KeyError", "'foo'")
    error = tests["test_sample.py::test_setup_error"]
    assert (error.outcome, error.phase, error.exception) == ("error", "setup", "RuntimeError")
    assert error.message == "fixture exploded"
    skipped = tests["test_sample.py::test_skips_itself"]
    assert (skipped.outcome, skipped.reason) == ("skipped", "not today")


def test_a_missing_browser_is_not_run_never_a_silent_skip(recorded):
    row = recorded[1].tests["test_sample.py::test_not_run_here"]
    assert row.outcome == "not_run"
    assert row.reason == "not run: no Chromium at 'chromium' (apt-get install chromium)"


def test_an_exception_of_a_lost_service_is_recorded_as_such(recorded):
    recording = recorded[1]
    assert recording.lost == {
        "test_sample.py::test_service_went_away": (
            "builtins.ConnectionResetError: connection reset by peer"
        )
    }
    assert "test_sample.py::test_key_error" not in recording.lost


def test_a_newer_django_idiom_is_unavailable_not_failed(recorded):
    row = recorded[1].tests["test_sample.py::test_from_the_future"]
    assert row.outcome == "unavailable"
    assert f"not available in Django {django.get_version()}: needs Django 99.0+" in row.reason
    assert "from the future" in row.reason


def test_the_run_reports_its_versions_seed_and_class_node_ids(recorded):
    recording = recorded[1]
    assert recording.django == django.get_version()
    assert recording.seed == 7
    assert recording.exit_code == 1
    assert recording.collection_errors == []
    assert "pytest" in recording.packages
    assert "test_sample.py::TestGrouped::test_method" in recording.tests


def test_collection_errors_are_recorded(pytester, monkeypatch, tmp_path):
    pytester.makepyfile(test_broken="import not_a_module_anywhere\n")
    monkeypatch.setenv("SESSION_MATRIX_ROWS", str(tmp_path / "rows.json"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.runpytest_subprocess("-p", "session_matrix.core.recorder", "-p", "no:django")
    recording = Recording.read(tmp_path / "rows.json")
    assert recording.exit_code == 2
    assert "test_broken.py" in recording.collection_errors[0]
    assert "not_a_module_anywhere" in recording.collection_errors[0]


def test_without_rows_path_the_plugin_stays_silent(pytester, monkeypatch):
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    monkeypatch.delenv("SESSION_MATRIX_ROWS", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "session_matrix.core.recorder", "-p", "no:django")
    assert result.ret == 0


@pytest.mark.parametrize(
    ("args", "partial"),
    [
        ((), ""),
        (("-k", "passes"), "deselected"),
        (("-x", "-p", "no:randomly"), "stopped early"),
    ],
)
def test_a_run_that_ran_less_than_it_collected_says_so(
    pytester, monkeypatch, tmp_path, args, partial
):
    """However the arguments are spelled, pytest itself tells a selection from a whole run."""
    pytester.makepyfile(
        test_few="def test_fails():\n    assert False\n\ndef test_passes():\n    pass\n"
    )
    rows_path = tmp_path / "rows.json"
    monkeypatch.setenv("SESSION_MATRIX_ROWS", str(rows_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.runpytest_subprocess("-p", "session_matrix.core.recorder", "-p", "no:django", *args)
    recording = Recording.read(rows_path)
    if partial:
        assert partial in recording.partial
        assert len(recording.tests) == 1
    else:
        assert recording.partial == ""
        assert len(recording.tests) == 2
