"""pyproject's [tool.session-matrix]: Django versions with their standing, themes."""

import pytest

from session_matrix.core import column_env, config, envs, records
from session_matrix.core.model import read_raw
from session_matrix.core.vocabulary import RunStatus, Support
from session_matrix.matrix import nox_columns
from tests.helpers import NEWEST


@pytest.fixture
def table(monkeypatch):
    """Replace the table read from pyproject.toml for one test."""

    def use(django):
        monkeypatch.setattr(config, "_table", lambda: {"django": django, "themes": {}})

    return use


def test_a_pre_release_is_one_line_and_is_installed_as_such(table):
    pre = {"python": ">=3.12", "support": Support.PRE_RELEASE.value}
    table({NEWEST: {"python": ">=3.12"}, "9.9": pre})
    versions = config.django_versions()
    assert [(d.version, d.support) for d in versions] == [
        (NEWEST, Support.SUPPORTED),
        ("9.9", Support.PRE_RELEASE),
    ]
    assert config.newest_release().version == NEWEST, "a pre-release is never the newest"
    spec = column_env.env_spec("9.9", records.load("db"), ["pytest"])
    if isinstance(spec, str):
        pytest.skip(spec)
    assert spec.pre
    assert spec.requirements[0] == "django>=9.9a0,<9.9.99"


def test_an_unknown_standing_is_an_error_naming_the_key(table):
    table({"4.2": {"python": ">=3.8", "support": "ancient"}})
    with pytest.raises(ValueError, match=r"tool.session-matrix.django.4.2.support: 'ancient'"):
        config.django_versions()


def test_the_matrix_marks_django_versions_past_their_support():
    standing = {d.version: d for d in config.django_versions()}
    past = [d for d in standing.values() if d.support == Support.END_OF_LIFE]
    assert all(d.note for d in past)


class _Stopped(Exception):
    pass


class _Session:
    """What nox_columns asks of a nox session: skip and error stop it."""

    def skip(self, reason):
        raise _Stopped("skip", reason)

    def error(self, reason):
        raise _Stopped("error", reason)


def test_a_django_line_with_no_release_yet_is_not_run_not_a_broken_column(
    table, tmp_path, monkeypatch
):
    """A pre-release line added before its first alpha reaches PyPI (the real index says
    so): its columns are not run, naming what the index has, and nothing is broken."""
    pre = {"python": ">=3.12", "support": Support.PRE_RELEASE.value}
    table({NEWEST: {"python": ">=3.12"}, "99.9": pre})
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path))
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    record = records.load("db")
    if isinstance(column_env.env_spec("99.9", record, []), str):
        pytest.skip("no Python >= 3.12 here")
    with pytest.raises(_Stopped) as stopped:
        nox_columns._environment(_Session(), "99.9", record, ["pytest"])
    kind, reason = stopped.value.args
    assert kind == "skip", reason
    assert reason.startswith("not run: no Django 99.9 release on the package index (")
    raw = read_raw(tmp_path / "raw" / "db-dj99.9.json")
    assert raw.last_run.status == RunStatus.NOT_RUN
    assert raw.last_run.reason == reason


def _stopped_reason(django, name):
    with pytest.raises(_Stopped) as stopped:
        nox_columns._environment(_Session(), django, records.load(name), ["pytest"])
    return stopped.value.args[1]


def test_a_run_tries_an_environment_and_asks_the_index_once(table, tmp_path, monkeypatch):
    """The columns of a Django line with no release share one environment: in one run, the
    first column's failed install and the index's answer serve the others; the next run
    asks again."""
    pre = {"python": ">=3.12", "support": Support.PRE_RELEASE.value}
    table({NEWEST: {"python": ">=3.12"}, "99.9": pre})
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path))
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    if isinstance(column_env.env_spec("99.9", records.load("db"), []), str):
        pytest.skip("no Python >= 3.12 here")
    monkeypatch.setenv(envs.RUN_VAR, "one-run")
    first = _stopped_reason("99.9", "db")
    assert first.startswith("not run: no Django 99.9 release on the package index (")
    # From here the index cannot be reached: only the first column's answers, kept for
    # this run, can tell the second column the same.
    for name in ("UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/simple")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    assert _stopped_reason("99.9", "cache") == first
    monkeypatch.setenv(envs.RUN_VAR, "the-next-run")  # the control: asks, and cannot
    assert _stopped_reason("99.9", "file") != first
