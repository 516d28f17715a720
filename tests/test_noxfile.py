"""The noxfile as users see it: `nox -l --json` lists every cell with readable ids and tags."""

import json

import nox.command
import pytest

from session_matrix import config, engines, nox_cells


@pytest.fixture
def listed(nox_listing):
    return json.loads(nox_listing)


def test_every_engine_on_every_django_version_is_a_session(listed):
    cells = {s["session"] for s in listed if s["name"] == "matrix"}
    expected = {f"matrix({e}-dj{d})" for e in engines.names() for d in config.django_versions()}
    assert cells == expected


def test_cells_are_tagged_by_engine_and_django_version(listed):
    session = next(s for s in listed if s["session"] == "matrix(signed_cookies-dj6.1)")
    assert set(session["tags"]) >= {"signed_cookies", "dj6.1"}
    assert session["call_spec"] == {"django": "6.1", "engine": "signed_cookies"}


def test_plain_nox_runs_the_matrix_then_the_report(listed):
    selected = [s["name"] for s in listed]
    assert "report" in selected
    assert "tests" not in selected
    assert selected.index("report") > max(i for i, s in enumerate(selected) if s == "matrix")


def test_a_django_version_without_interpreter_gets_no_environment(monkeypatch):
    monkeypatch.setattr(nox_cells.interpreters, "pick", lambda supported: None)
    params = nox_cells.cell_params()
    assert {p.args[0] for p in params} == {False}


class FakeSession:
    """Just enough of nox.Session for run_cell."""

    python = "3.13"

    def __init__(self, fail_install=False):
        self.posargs = []
        self.fail_install = fail_install
        self.installed = []

    def install(self, *args):
        import nox.command

        self.installed.append(args)
        if self.fail_install:
            raise nox.command.CommandFailed("Returned code 2")

    def run(self, *args, **kwargs):
        raise AssertionError("the cell must not run after a failed install")


def test_a_failed_install_leaves_an_error_rather_than_the_previous_result(results_dir):
    from tests.conftest import raw_record, row, write_raw

    write_raw(results_dir, raw_record("db-dj6.1", {"t.py::x": row()}))
    with pytest.raises(nox.command.CommandFailed):
        nox_cells.run_cell(FakeSession(fail_install=True), "6.1", "db", ["pytest"])
    record = json.loads((results_dir / "raw" / "db-dj6.1.json").read_text())
    assert record["status"] == "error"
    assert record["reason"] == "installing Django 6.1 failed: Returned code 2"
    assert record["tests"] == {}


def test_the_drift_check_upgrades_to_the_newest_patch_release(results_dir, monkeypatch):
    session = FakeSession(fail_install=True)
    with pytest.raises(nox.command.CommandFailed):
        nox_cells.run_cell(session, "6.1", "db", [])
    assert session.installed[-1] == ("django~=6.1.0",)
    monkeypatch.setenv("SESSION_MATRIX_UPGRADE", "1")
    with pytest.raises(nox.command.CommandFailed):
        nox_cells.run_cell(session, "6.1", "db", [])
    assert session.installed[-1] == ("--upgrade", "django~=6.1.0")
