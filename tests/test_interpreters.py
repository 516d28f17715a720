"""Interpreters are found once per run: what the parent nox found, its column children
inherit (``SESSION_MATRIX_PYTHONS``); anything unusable there is found again."""

import json
import sys
from pathlib import Path

import pytest

from session_matrix.core import config, interpreters
from session_matrix.matrix import nox_columns

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"  # this interpreter's X.Y


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """Each test starts with nothing found in this process and nothing inherited."""
    monkeypatch.delenv(interpreters.SHARED_VAR, raising=False)
    interpreters._executable.cache_clear()
    yield
    interpreters._executable.cache_clear()


def shared():
    import os

    return json.loads(os.environ[interpreters.SHARED_VAR])


def test_what_a_process_finds_it_passes_on():
    found = interpreters.find(f"=={HERE}.*")
    assert found is not None
    assert found[0] == HERE
    assert shared()[HERE] == found[1]


def test_an_inherited_interpreter_is_used_as_it_is(monkeypatch, tmp_path):
    # An executable python-discovery would never propose: only the inherited value names it.
    inherited = tmp_path / "python"
    inherited.write_text("")
    monkeypatch.setenv(interpreters.SHARED_VAR, json.dumps({HERE: str(inherited)}))
    assert interpreters.find(f"=={HERE}.*") == (HERE, str(inherited))


@pytest.mark.parametrize(
    "inherited",
    [
        "{not json",
        '["3.13"]',
        json.dumps({HERE: 7}),
        json.dumps({HERE: "/nowhere/python"}),  # gone since (a pyenv version uninstalled)
    ],
    ids=["not-json", "not-a-mapping", "not-a-path", "missing-file"],
)
def test_an_unusable_inherited_value_is_found_again(monkeypatch, inherited):
    monkeypatch.setenv(interpreters.SHARED_VAR, inherited)
    found = interpreters.find(f"=={HERE}.*")
    assert found is not None
    assert Path(found[1]).is_file()
    assert shared()[HERE] == found[1]


def test_no_interpreter_is_passed_on_as_none():
    # Python 3.8 is past its end of life: not installed here, and said so to the children.
    assert interpreters.find("==3.8.*") is None
    assert shared()["3.8"] is None


@pytest.mark.parametrize(
    ("argv", "shares"),
    [
        ([], True),  # plain `nox`
        (["-t", "cache"], True),
        (["-s", "matrix(db-dj6.1)"], True),
        (["--session=check"], True),
        (["-s", "lint", "tests"], False),
        (["-l"], False),
        (["-l", "--json"], False),
        (["-s", "matrix(db-dj6.1)", "--parallel-worker"], False),
        (["-s", "lint", "--", "-s", "matrix"], False),  # after --: pytest's arguments
    ],
)
def test_the_parent_nox_finds_them_only_when_it_starts_columns(monkeypatch, argv, shares):
    asked = []
    monkeypatch.setattr(interpreters, "share", lambda supported: asked.append(list(supported)))
    nox_columns.share_interpreters(argv)
    expected = [[django.python for django in config.django_versions()]] if shares else []
    assert asked == expected
