"""A cell is stale when anything that can change its outcome changed, and only then: one test
per way (pattern, conftest, project view, record, package version, service version)."""

import dataclasses
import shutil
import subprocess

import pytest

from session_matrix.core import envs, records
from session_matrix.core.model import read_raw, to_json
from session_matrix.matrix import probes, rerun, staleness
from tests.helpers import ROOT, raw_record, row

PATTERN = "matrix_tests/test_before_request.py::test_naive_save_pytest"
NEIGHBOUR = "matrix_tests/test_before_request.py::test_save_then_update_cookie_pytest"


@pytest.fixture
def tree(tmp_path):
    """A copy of the checkout's patterns, project, records and pytest configuration."""
    root = tmp_path / "tree"
    for folder in ("matrix_tests", "project", "engines"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture
def venv(tmp_path):
    """An environment's files as uv lays them out: pyvenv.cfg and one dist-info per package."""
    prefix = tmp_path / "venv"
    site = prefix / "lib" / "python3.13" / "site-packages"
    for name in ("django-6.1.3", "redis-7.0.1", "pytest-9.0.1"):
        (site / f"{name}.dist-info").mkdir(parents=True)
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.13.1\n")
    return prefix


@pytest.fixture(autouse=True)
def _fresh_probes():
    probes.version.cache_clear()
    yield
    probes.version.cache_clear()


def _current(tree, venv, name="db"):
    return staleness.current(records.load(name, [tree / "engines"]), venv, tree)


def _changed(before, after):
    return {node for node in before if before[node] != after.get(node)}


def test_fingerprints_are_known_for_every_pattern_and_stable(tree, venv):
    before = _current(tree, venv)
    assert PATTERN in before
    assert all(before.values()), "every input readable: every cell has a fingerprint"
    assert _current(tree, venv) == before


def test_editing_one_pattern_makes_only_it_stale_and_a_docstring_nothing(tree, venv):
    before = _current(tree, venv)
    module = tree / "matrix_tests" / "test_before_request.py"
    text = module.read_text()
    start = 'def test_naive_save_pytest(client):\n    """'
    reworded = text.replace(start, start + "Reworded, and\n    a line longer: ", 1)
    assert reworded != text
    module.write_text(reworded)
    assert _current(tree, venv) == before, "a reworded docstring changes no outcome"
    module.write_text(
        text.replace(
            "def test_naive_save_pytest(client):\n",
            "def test_naive_save_pytest(client):\n    assert True\n",
        )
    )
    assert _changed(before, _current(tree, venv)) == {PATTERN}


def test_a_module_level_change_makes_its_module_stale(tree, venv):
    before = _current(tree, venv)
    module = tree / "matrix_tests" / "test_before_request.py"
    module.write_text(module.read_text() + "\nCONSTANT = 1\n")
    changed = _changed(before, _current(tree, venv))
    assert {PATTERN, NEIGHBOUR} <= changed
    assert all(node.startswith("matrix_tests/test_before_request.py::") for node in changed)


def test_a_conftest_change_makes_every_cell_stale(tree, venv):
    before = _current(tree, venv)
    conftest = tree / "matrix_tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + "\n\ndef helper():\n    return 1\n")
    assert _changed(before, _current(tree, venv)) == set(before)


def test_a_project_view_change_makes_every_cell_stale(tree, venv):
    before = _current(tree, venv)
    views = tree / "project" / "sessions_app" / "views.py"
    views.write_text(views.read_text() + "\n# a view changed\n")
    assert _changed(before, _current(tree, venv)) == set(before)


def test_a_record_change_makes_its_cells_stale_and_its_description_does_not(tree, venv):
    variant = tree / "engines" / "db-variant.toml"
    variant.write_text('extends = "db"\ndescription = "one"\n')
    before = _current(tree, venv, "db-variant")
    variant.write_text('extends = "db"\ndescription = "two"\n')
    assert _current(tree, venv, "db-variant") == before
    variant.write_text(
        'extends = "db"\ndescription = "two"\n[settings]\nSESSION_SAVE_EVERY_REQUEST = true\n'
    )
    assert _changed(before, _current(tree, venv, "db-variant")) == set(before)


def test_a_base_record_change_reaches_its_variants(tree, venv):
    variant = tree / "engines" / "db-variant.toml"
    variant.write_text('extends = "db"\n')
    before = _current(tree, venv, "db-variant")
    base = tree / "engines" / "db.toml"
    base.write_text(base.read_text() + "SESSION_COOKIE_AGE = 600\n")
    assert _changed(before, _current(tree, venv, "db-variant")) == set(before)


def test_a_package_version_change_makes_every_cell_stale(tree, venv):
    before = _current(tree, venv)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "redis-7.0.1.dist-info").rename(site / "redis-7.0.2.dist-info")
    assert _changed(before, _current(tree, venv)) == set(before)


def test_a_python_version_change_makes_every_cell_stale(tree, venv):
    before = _current(tree, venv)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.13.2\n")
    assert _changed(before, _current(tree, venv)) == set(before)


def test_an_unreadable_environment_makes_every_cell_stale(tree, venv):
    (venv / "pyvenv.cfg").unlink()
    assert set(_current(tree, venv).values()) == {None}
    assert set(staleness.current(records.load("db", [tree / "engines"]), None, tree).values()) == {
        None
    }


def test_a_service_version_change_makes_its_columns_stale(tree, venv, monkeypatch):
    """A Redis upgrade cannot be caused here: the probe's answer stands in for it. The
    columns that do not need Redis keep their fingerprints."""
    redis_before = _current(tree, venv, "cache")
    db_before = _current(tree, venv)
    monkeypatch.setitem(probes.PROBES, "redis", lambda: "redis 99.0.0")
    probes.version.cache_clear()
    assert _changed(redis_before, _current(tree, venv, "cache")) == set(redis_before)
    assert _current(tree, venv) == db_before


def test_a_service_that_does_not_answer_its_probe_leaves_its_cells_stale(tree, venv, monkeypatch):
    """A real probe of a port nothing listens on: never fresh."""
    from session_matrix.core.services.memcached import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert set(_current(tree, venv, "cache").values()) == {None}


def test_only_the_browser_patterns_depend_on_chromium(tree, venv, monkeypatch):
    before = _current(tree, venv)
    monkeypatch.setitem(probes.PROBES, "chromium", lambda: "Chromium 999")
    probes.version.cache_clear()
    changed = _changed(before, _current(tree, venv))
    assert changed, "the browser patterns use Chromium"
    assert all(node.startswith("matrix_tests/test_browser.py::") for node in changed)
    assert len(changed) < len([n for n in before if n.startswith("matrix_tests/test_browser.py")])


@pytest.mark.parametrize("name", ["redis", "postgres", "mysql", "memcached", "chromium"])
def test_every_service_answers_its_probe(name):
    """The real services of this machine (see .ci/run) answer with a version."""
    assert probes.version(name)


def test_the_redis_probe_reports_what_the_provider_does():
    from session_matrix.core import services

    with services.provision(["redis"], "probe-test") as bundle:
        provided = bundle.versions["redis"]
    assert probes.version("redis").endswith(f" {provided}")


# --------------------------------------------------------------------- what a run selects


def _stamped(fingerprints, at="2026-11-25T08:00:00+00:00", **extra):
    return {node: row(fingerprint=fp or "", at=at, **extra) for node, fp in fingerprints.items()}


def test_stale_selects_new_changed_and_unknown_cells_and_too_few_repeats():
    current = {"a": "1", "b": "2", "c": None, "d": "4"}
    raw = raw_record(
        "db-dj6.1",
        {"a": row(fingerprint="1"), "b": row(fingerprint="old"), "c": row(fingerprint="")},
    )
    assert staleness.stale(raw, current) == ["b", "c", "d"]
    assert staleness.stale(None, current) == ["a", "b", "c", "d"]
    assert staleness.stale(raw, current, repeat=3) == ["a", "b", "c", "d"]


def test_a_parametrized_pattern_is_stale_if_any_of_its_rows_is():
    raw = raw_record(
        "db-dj6.1", {"t.py::x[1]": row(fingerprint="f"), "t.py::x[2]": row(fingerprint="old")}
    )
    assert staleness.stale(raw, {"t.py::x": "f"}) == ["t.py::x"]


def _write(results, record):
    path = results / "raw" / f"{record.column.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(record))
    return path


def test_the_plan_starts_nothing_when_nothing_changed_and_only_the_stale_otherwise(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    record = records.load("db")
    current = {"m.py::a": "1", "m.py::b": "2"}
    monkeypatch.setattr(staleness, "current", lambda *args, **kwargs: current)
    results = tmp_path / "results"
    _write(results, raw_record("db-dj6.1", _stamped(current)))
    plan = rerun.plan(record, "6.1", [], None, results)
    assert plan.args is None
    assert "2 cells kept, run 2026-11-25" in plan.message
    current["m.py::b"] = "changed"
    assert rerun.plan(record, "6.1", [], None, results).args == ["m.py::b"]
    assert rerun.plan(record, "6.1", ["--fresh"], None, results).args == []
    assert rerun.plan(record, "6.1", ["-k", "naive"], None, results).args == ["-k", "naive"]
    monkeypatch.setenv(rerun.FRESH_VAR, "1")
    assert rerun.plan(record, "6.1", [], None, results).args == []


def test_a_damaged_raw_result_reruns_every_cell_and_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    results = tmp_path / "results"
    path = _write(results, raw_record("db-dj6.1", {"m.py::a": row(fingerprint="1")}))
    path.write_text(path.read_text().replace('"outcome": "passed"', '"outcome": "maybe"'))
    plan = rerun.plan(records.load("db"), "6.1", [], None, results)
    assert plan.args == []
    assert "damaged" in plan.message
    assert str(path) in plan.message


def _verdict_setup(tmp_path, monkeypatch, answer):
    """db-dj6.2 last stopped as *not run* before its patterns; the index answers ``answer``."""
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path / "results"))
    staleness._index_answer.cache_clear()
    monkeypatch.setattr(envs, "resolves", lambda *args, **kwargs: answer[0])
    record = records.load("db")
    spec = envs.EnvSpec("6.2", "/usr/bin/python3", ("django>=6.2a0,<6.2.99",), pre=True)
    raw = raw_record("db-dj6.2", status="not_run", reason="not run: no Django 6.2 release")
    _write(tmp_path / "results", raw)
    rerun.remember(record, raw, spec, None)
    return record, spec


def test_a_verdict_before_the_patterns_is_not_started_again_while_its_inputs_hold(
    tmp_path, monkeypatch
):
    answer = [(False, "only django<=6.1.3 is available")]
    record, spec = _verdict_setup(tmp_path, monkeypatch, answer)
    kept = rerun.plan(record, "6.2", [], None, spec=spec)
    assert kept.args is None
    assert kept.message.startswith("unchanged since 2026-11-25: not run: no Django 6.2")
    assert rerun.plan(record, "6.2", ["--fresh"], None, spec=spec).args == []
    # The index now has a release: the column starts (every cell, it has none yet).
    staleness._index_answer.cache_clear()
    answer[0] = (True, "django==6.2a1\n")
    assert rerun.plan(record, "6.2", [], None, spec=spec).args == []


def test_a_verdict_is_rechecked_when_its_record_raw_file_or_index_answer_changed(
    tmp_path, monkeypatch
):
    answer = [(False, "only django<=6.1.3 is available")]
    record, spec = _verdict_setup(tmp_path, monkeypatch, answer)
    # No release for this line: the record's settings cannot change that (its requires are
    # in the environment's specification).
    edited = dataclasses.replace(record, settings=record.settings | {"SESSION_COOKIE_AGE": 5})
    assert rerun.plan(edited, "6.2", [], None, spec=spec).args is None
    # A raw file written by another run (CI) is not the one the verdict was remembered for.
    raw = raw_record("db-dj6.2", status="not_run", reason="not run: no Django 6.2 release")
    raw.last_run.finished = "2026-12-01T00:00:00+00:00"
    _write(tmp_path / "results", raw)
    assert rerun.plan(record, "6.2", [], None, spec=spec).args == []
    # An index that does not answer in time: unknown, so the column starts.
    rerun.remember(record, raw, spec, None)
    assert rerun.plan(record, "6.2", [], None, spec=spec).args is None
    staleness._index_answer.cache_clear()

    def silent(*args, **kwargs):
        raise subprocess.TimeoutExpired("uv", staleness.INDEX_TIMEOUT)

    monkeypatch.setattr(envs, "resolves", silent)
    assert rerun.plan(record, "6.2", [], None, spec=spec).args == []


def test_a_not_available_verdict_is_rechecked_when_its_record_changes(tmp_path, monkeypatch):
    """*Not available* came from importing the record's paths: a record edit rechecks it."""
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path / "results"))
    record = records.load("cache-valkey")
    spec = envs.EnvSpec("4.2", "/usr/bin/python3", ("django~=4.2.0", *record.requires))
    why = "not available: django-valkey 0.4.1 does not support Django 4.2.30 (ImportError)"
    raw = raw_record("cache-valkey-dj4.2", status="unavailable", reason=why)
    _write(tmp_path / "results", raw)
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.12" / "site-packages" / "django_valkey-0.4.1.dist-info").mkdir(
        parents=True
    )
    (venv / "pyvenv.cfg").write_text("version_info = 3.12.1\n")
    rerun.remember(record, raw, spec, venv)
    assert rerun.plan(record, "4.2", [], venv, spec=spec).args is None
    edited = dataclasses.replace(record, settings=record.settings | {"SESSION_COOKIE_AGE": 5})
    assert rerun.plan(edited, "4.2", [], venv, spec=spec).args == []
    # A newer django-valkey in the environment: rechecked too.
    (venv / "lib" / "python3.12" / "site-packages" / "django_valkey-0.5.0.dist-info").mkdir()
    assert rerun.plan(record, "4.2", [], venv, spec=spec).args == []


def test_a_verdict_without_an_interpreter_holds_until_the_reason_changes(tmp_path, monkeypatch):
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path / "results"))
    record = records.load("db")
    why = "not run: Django 6.2 needs Python 3.14; none is installed"
    raw = raw_record("db-dj6.2", status="not_run", reason=why)
    _write(tmp_path / "results", raw)
    rerun.remember(record, raw, why, None)
    assert rerun.plan(record, "6.2", [], None, spec=why).args is None
    found = envs.EnvSpec("6.2", "/usr/bin/python3.14", ("django>=6.2a0,<6.2.99",), pre=True)
    monkeypatch.setattr(envs, "resolves", lambda *args, **kwargs: (False, "no 6.2"))
    staleness._index_answer.cache_clear()
    assert rerun.plan(record, "6.2", [], None, spec=found).args == []


def test_an_outcome_or_a_passing_not_run_forgets_the_verdict(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path / "results"))
    record = records.load("db")
    why = "not run: no interpreter"
    raw = raw_record("db-dj6.2", status="not_run", reason=why)
    rerun.remember(record, raw, why, None)
    assert rerun.verdict_path("db-dj6.2").exists()
    rerun.remember(record, raw_record("db-dj6.2", {"m.py::a": row()}), why, None)
    assert not rerun.verdict_path("db-dj6.2").exists()
    # `nox -s check` writes into a scratch directory: its verdicts are its own.
    assert rerun.verdict_path("db-dj6.2", tmp_path / "scratch") != rerun.verdict_path("db-dj6.2")


# --------------------------------------------------------------------- through nox


@pytest.mark.slow_harness
def test_a_second_run_with_nothing_changed_starts_no_column_and_keeps_the_file(tmp_path):
    """A real column through nox, twice: the second is skipped as up to date, its raw file
    left byte for byte; --fresh starts it again."""
    from tests.helpers import NEWEST, nox

    column = f"matrix(file-dj{NEWEST})"
    nox(tmp_path, "-s", column)
    path = tmp_path / "raw" / f"file-dj{NEWEST}.json"
    first = path.read_bytes()
    rows = read_raw(path).tests
    assert rows, "the first run ran every pattern"
    assert all(row.fingerprint for row in rows.values()), "every cell stamped"
    done = nox(tmp_path, "-s", column)
    assert "skipped: up to date" in done.stdout + done.stderr
    assert path.read_bytes() == first
    done = nox(tmp_path, "-s", column, "--", "--fresh", "-k", "naive_save_pytest")
    assert read_raw(path).last_run.selection == ["-k", "naive_save_pytest"]


def test_plain_nox_lists_only_the_columns_with_a_stale_cell(monkeypatch):
    """Plain `nox` starts no session for an up-to-date column; told what to run, it runs it."""
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    stale_one = f"{records.load_all()[0].name}-dj6.1"

    def plan(record, django, posargs, prefix, results=None, codes=None, spec=None):
        todo = [] if f"{record.name}-dj{django}" == stale_one else None
        return rerun.Plan(todo, "")

    monkeypatch.setattr(rerun, "plan", plan)
    assert rerun.default_sessions([], []) == [f"matrix({stale_one})", "report"]
    for argv in (["-s", "matrix"], ["-t", "dj6.1"], ["-l"], ["--", "--fresh"], ["--", "-k", "x"]):
        assert rerun.default_sessions(argv, []) == ["matrix", "report"], argv
    monkeypatch.setenv(rerun.FRESH_VAR, "1")
    assert rerun.default_sessions([], []) == ["matrix", "report"]


def test_a_damaged_raw_result_moved_aside_is_named_in_the_report(tmp_path):
    """The runner moves a damaged raw file aside and reruns its column; matrix.md names it."""
    from session_matrix.core.model import ColumnKey, previous_raw
    from session_matrix.matrix import report

    results = tmp_path / "results"
    path = _write(results, raw_record("db-dj6.1", {"m.py::a": row(fingerprint="1")}))
    path.write_text(path.read_text().replace('"outcome": "passed"', '"outcome": "maybe"'))
    assert previous_raw(ColumnKey.of("db", "6.1"), results) is None  # moved aside
    assert "it has not run again" in report.damaged(results, {})[0]
    _write(results, raw_record("db-dj6.1", {"m.py::a": row(fingerprint="1")}))
    raws, _ = report.load_raws(results)
    lines = report.damaged(results, raws)
    assert len(lines) == 1
    assert lines[0].startswith("- db-dj6.1: its raw result was damaged and moved aside on ")
    assert "(results/raw/db-dj6.1.json.invalid-" in lines[0]
    assert "it ran again 2026-11-25, every cell" in lines[0]
    markdown = report.render(report.build(raws), damaged_raws=lines)["matrix.md"]
    assert "**Raw results found damaged** (their columns ran again in full):" in markdown
    assert lines[0] in markdown


def test_plain_nox_asks_the_index_once_for_every_remembered_verdict(tmp_path, monkeypatch):
    """The nox process asks the index about the columns whose verdict it remembers, in one
    batch, and starts none of them while their verdicts hold."""
    monkeypatch.delenv(rerun.FRESH_VAR, raising=False)
    monkeypatch.delenv("SESSION_MATRIX_UPGRADE", raising=False)
    monkeypatch.setenv("SESSION_MATRIX_ENVDIR", str(tmp_path / "envs"))
    monkeypatch.setattr(envs, "ready", lambda spec: None)  # nothing built
    remembered = ["db-dj6.1", "file-dj6.1"]
    for column in remembered:
        rerun.verdict_path(column).parent.mkdir(parents=True, exist_ok=True)
        rerun.verdict_path(column).write_text("{}")
    batches = []
    monkeypatch.setattr(staleness, "ask_index", lambda specs: batches.append(list(specs)))
    given = {}

    def plan(record, django, posargs, prefix, results=None, codes=None, spec=None):
        given[f"{record.name}-dj{django}"] = spec
        return rerun.Plan(None, "")

    monkeypatch.setattr(rerun, "plan", plan)
    assert rerun.default_sessions([], []) == ["report"]
    assert len(batches) == 1
    assert sorted(spec.requirements for spec in batches[0]) == sorted(
        given[column].requirements for column in remembered
    )
    assert all(spec is not None for spec in given.values()), "every plan sees its spec"
