"""The noxfile as users see it: `nox -l --json` lists every cell with readable ids and tags."""

import json

import pytest

from harness import config, engines, nox_cells


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
