"""The recorder plugin, run the way the cell runner runs it: a real pytest subprocess."""

import json
import shutil

import django
import pytest

from tests.conftest import RESOURCES, ROOT


@pytest.fixture
def recorded(pytester, monkeypatch, tmp_path):
    shutil.copy(RESOURCES / "patterns" / "test_sample.py", pytester.path / "test_sample.py")
    pytester.makeini("[pytest]\nmarkers =\n    before_request\n    auth\n    since_django\n")
    rows_path = tmp_path / "rows.json"
    monkeypatch.setenv("SESSION_MATRIX_ROWS", str(rows_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "session_matrix.recorder", "-p", "no:django")
    return result, json.loads(rows_path.read_text())


def test_each_outcome_is_told_apart(recorded):
    result, rows = recorded
    tests = rows["tests"]
    assert result.ret == 1
    assert tests["test_sample.py::test_passes"]["outcome"] == "passed"
    failed = tests["test_sample.py::test_key_error"]
    assert (failed["outcome"], failed["exception"], failed["message"]) == (
        "failed",
        "KeyError",
        "'foo'",
    )
    error = tests["test_sample.py::test_setup_error"]
    assert (error["outcome"], error["phase"], error["exception"]) == (
        "error",
        "setup",
        "RuntimeError",
    )
    assert error["message"] == "fixture exploded"
    skipped = tests["test_sample.py::test_skips_itself"]
    assert (skipped["outcome"], skipped["reason"]) == ("skipped", "not today")


def test_a_newer_django_idiom_is_unavailable_not_failed(recorded):
    _, rows = recorded
    row = rows["tests"]["test_sample.py::test_from_the_future"]
    assert row["outcome"] == "unavailable"
    assert f"not available in Django {django.get_version()}: needs Django 99.0+" in row["reason"]
    assert "from the future" in row["reason"]


def test_the_run_reports_its_versions_and_class_node_ids(recorded):
    _, rows = recorded
    assert rows["django"] == django.get_version()
    assert rows["exit_code"] == 1
    assert rows["collection_errors"] == []
    assert "test_sample.py::TestGrouped::test_method" in rows["tests"]


def test_collection_errors_are_recorded(pytester, monkeypatch, tmp_path):
    pytester.makepyfile(test_broken="import not_a_module_anywhere\n")
    monkeypatch.setenv("SESSION_MATRIX_ROWS", str(tmp_path / "rows.json"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.runpytest_subprocess("-p", "session_matrix.recorder", "-p", "no:django")
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert rows["exit_code"] == 2
    assert "test_broken.py" in rows["collection_errors"][0]
    assert "not_a_module_anywhere" in rows["collection_errors"][0]


def test_without_rows_path_the_plugin_stays_silent(pytester, monkeypatch):
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    monkeypatch.delenv("SESSION_MATRIX_ROWS", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "session_matrix.recorder", "-p", "no:django")
    assert result.ret == 0
