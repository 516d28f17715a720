"""`session-matrix suite`, piece by piece: finding the user's settings, laying a record's
session settings over them, and the rules an explanation must pass. The end-to-end runs
(a fresh virtualenv, the sample project, bad input, a third-party suite) are in
test_suite_end_to_end.py and test_suite_third_party.py."""

import argparse
import json
import textwrap
from pathlib import Path

import pytest

from session_matrix.core import overlay, records, schemas, services
from session_matrix.core.vocabulary import Outcome
from session_matrix.suite import settings as suite_settings
from session_matrix.suite.classify import classify, headline, together
from session_matrix.suite.discovery import find_settings
from session_matrix.suite.explain import ENGINES_ONLY, Observed, explain, telling
from session_matrix.suite.idioms import Catalogue, Idiom
from session_matrix.suite.page import html_page
from session_matrix.suite.runs import BROKEN, NOT_RUN, RAN, BadInput, Plan, Run, outcome_word
from session_matrix.suite.scratch import DIR_VAR, SETTINGS_ERROR
from session_matrix.suite.source import SESSION_TERMS, fix_terms, session_terms
from session_matrix.suite.summary import summary

EVERY = records.load_all()


def _engine(suffix):
    """The first record whose SESSION_ENGINE ends with ``suffix`` (a Django backend name)."""
    return next(r for r in EVERY if r.settings["SESSION_ENGINE"].endswith(suffix))


# ----------------------------------------------------------------------------- the settings


@pytest.fixture
def no_settings_env(monkeypatch):
    # pytest-django exports the harness's own settings module: a user's shell would not.
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pytest.ini", "[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n"),
        ("pytest.ini", "[pytest]\naddopts = -ra --ds=shop.settings\n"),
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "shop.settings"\n',
        ),
        ("pyproject.toml", '[tool.pytest]\naddopts = ["--ds", "shop.settings"]\n'),
        ("tox.ini", "[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n"),
        ("setup.cfg", "[tool:pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n"),
    ],
)
def test_settings_found_where_pytest_django_looks(tmp_path, no_settings_env, name, text):
    (tmp_path / name).write_text(text)
    (tmp_path / "app").mkdir()
    assert find_settings(tmp_path / "app", None) == ("shop.settings", str(tmp_path / name))


def test_settings_from_manage_py_and_precedence(tmp_path, no_settings_env, monkeypatch):
    (tmp_path / "manage.py").write_text(
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    assert find_settings(tmp_path, None) == ("mysite.settings", str(tmp_path / "manage.py"))
    # A pytest configuration without the setting does not hide manage.py...
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-ra'\n")
    assert find_settings(tmp_path, None)[0] == "mysite.settings"
    # ...the environment wins over both, and --settings over everything.
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "from_env.settings")
    assert find_settings(tmp_path, None) == ("from_env.settings", "DJANGO_SETTINGS_MODULE")
    assert find_settings(tmp_path, "given.settings") == ("given.settings", "--settings")


def test_no_django_project_is_one_line_naming_the_fix(tmp_path, no_settings_env):
    with pytest.raises(BadInput) as caught:
        find_settings(tmp_path, None)
    message = str(caught.value)
    assert "\n" not in message
    assert "no Django project" in message
    assert "--settings" in message


@pytest.fixture
def provided(monkeypatch):
    """Run the overlay as the runner would: the record named, its services' values given
    (every placeholder any service fills, as a recognisable string)."""

    def given(record):
        values = {name: f"<{name}>" for name in services.placeholders()}
        monkeypatch.setenv(overlay.ENGINE_VAR, record.name)
        monkeypatch.setenv(overlay.PROVIDED_VAR, overlay.Provided(record.name, values).to_env())
        return values

    return given


THEIRS = {
    "SECRET_KEY": "theirs",
    "INSTALLED_APPS": ["django.contrib.auth", "shop"],
    "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware"],
    "DATABASES": {
        "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"},
        "memory": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3"},
    },
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 7},
        "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    },
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "SESSION_COOKIE_AGE": 60,
}


@pytest.mark.parametrize(
    "record", [r for r in EVERY if "CACHES" in r.settings], ids=lambda r: r.name
)
def test_cache_records_lay_their_session_cache_and_nothing_else(provided, record):
    values = provided(record)
    namespace = json.loads(json.dumps(THEIRS))
    laid = suite_settings.lay(namespace)
    assert laid.name == record.name
    filled = records.fill(record.settings, values)
    alias = filled.get("SESSION_CACHE_ALIAS", "default")
    for key, value in filled.items():
        if key.startswith("SESSION_"):
            assert namespace[key] == value
    # The session cache is the record's, whole (none of the user's TIMEOUT merged in);
    # the user's other caches, their own settings and their databases stay theirs.
    assert namespace["CACHES"][alias] == filled["CACHES"][alias]
    for other in set(THEIRS["CACHES"]) - {alias}:
        assert namespace["CACHES"][other] == THEIRS["CACHES"][other]
    assert namespace["SESSION_COOKIE_AGE"] == 60
    assert namespace["SECRET_KEY"] == "theirs"
    assert namespace["DATABASES"]["default"]["NAME"] == "shop"
    assert namespace["DATABASES"]["default"]["ENGINE"] == THEIRS["DATABASES"]["default"]["ENGINE"]


def test_db_engine_adds_the_sessions_app_and_suffixes_test_databases(provided):
    record = _engine(".db")
    provided(record)
    namespace = json.loads(json.dumps(THEIRS))
    suite_settings.lay(namespace)
    assert namespace["SESSION_ENGINE"] == record.settings["SESSION_ENGINE"]
    assert namespace["INSTALLED_APPS"] == [
        "django.contrib.auth",
        "shop",
        "django.contrib.sessions",
    ]
    # Configurations run in parallel: a server's test database gets the configuration's
    # name; an SQLite test database in memory is private to its process already.
    assert namespace["DATABASES"]["default"]["TEST"]["NAME"] == f"test_shop_{record.name}"
    assert "NAME" not in namespace["DATABASES"]["memory"]["TEST"]
    assert THEIRS["DATABASES"]["default"].get("TEST") is None  # their dict is left alone


def test_signed_cookies_needs_no_sessions_app(provided):
    record = _engine(".signed_cookies")
    provided(record)
    namespace = json.loads(json.dumps(THEIRS))
    namespace["INSTALLED_APPS"] = ["shop"]
    suite_settings.lay(namespace)
    assert namespace["INSTALLED_APPS"] == ["shop"]


def test_settings_module_is_theirs_with_the_record_laid(provided, monkeypatch, tmp_path):
    """The module Django imports: every name of theirs Django would read (``__all__`` or
    not), the record's configuration, and none of its own upper-case names."""
    record = _engine(".file")
    values = provided(record)
    (tmp_path / "their_settings.py").write_text(
        textwrap.dedent(
            """
            SECRET_KEY = "theirs"
            SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
            _PRIVATE = 1
            _private = 2
            __all__ = ["SECRET_KEY"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = suite_settings._settings("their_settings")
    upper = {k for k in settings if k.isupper()}
    assert upper == {
        "SECRET_KEY",
        "_PRIVATE",
        "SESSION_MATRIX_CONFIGURATION",
        *(k for k in records.fill(record.settings, values) if k.startswith("SESSION_")),
    }
    assert settings["SESSION_MATRIX_CONFIGURATION"] == record.name
    assert (
        settings["SESSION_FILE_PATH"] == records.fill(record.settings, values)["SESSION_FILE_PATH"]
    )
    assert "_private" not in settings  # Django reads only isupper() names
    assert not [name for name in vars(suite_settings) if name.isupper()]


def test_settings_that_do_not_import_leave_one_line_for_the_runner(monkeypatch, tmp_path):
    monkeypatch.setenv(DIR_VAR, str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        suite_settings._settings("no_such_package_here.settings")
    line = (tmp_path / SETTINGS_ERROR).read_text()
    assert line == "ModuleNotFoundError: No module named 'no_such_package_here'"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "SECRET_KEY = 'x'\nDEBUG = = True\n",
            "(SyntaxError: invalid syntax, at {site}/settings.py line 2); "
            "fix your settings module",
        ),
        (
            "SECRET_KEY = 'x'\n\nimport no_such_dependency_here\n",
            "(ModuleNotFoundError: No module named 'no_such_dependency_here', at "
            "{site}/settings.py line 3); fix your settings module",
        ),
        (
            "raise RuntimeError('SECRET_KEY is not set')\n",
            "(RuntimeError: SECRET_KEY is not set, at {site}/settings.py line 1); fix your",
        ),
    ],
    ids=["syntax-error", "missing-dependency", "raises"],
)
def test_settings_failing_inside_name_their_line_and_the_fix(
    monkeypatch, tmp_path, request, text, says
):
    """Settings that exist but fail to import are not the wrong module: the line says where
    they fail and to fix them, not to pass another --settings."""
    site = f"site_{request.node.callspec.id.replace('-', '_')}"
    (tmp_path / site).mkdir()
    (tmp_path / site / "__init__.py").write_text("")
    (tmp_path / site / "settings.py").write_text(text)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(DIR_VAR, str(scratch))
    with pytest.raises((SyntaxError, ImportError, RuntimeError)):
        suite_settings._settings(f"{site}.settings")
    run = Run(_engine(".db"), scratch=scratch)
    with pytest.raises(BadInput) as caught:
        classify(run, 1, Plan(tmp_path, f"{site}.settings", [], [], None))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"your settings module '{site}.settings' does not import (")
    assert says.format(site=site) in message
    assert "--settings" not in message


def test_settings_that_are_not_there_name_the_fix(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for missing in ("shop", "shop.settings_local"):
        line = f"ModuleNotFoundError: No module named '{missing}'"
        (scratch / SETTINGS_ERROR).write_text(line)
        plan = Plan(tmp_path, "shop.settings_local", [], [], None)
        with pytest.raises(BadInput) as caught:
            classify(Run(_engine(".db"), scratch=scratch), 1, plan)
        assert str(caught.value).endswith(
            f"({line}); pass --settings with the module your tests use, or run this where it "
            "imports"
        )


# ----------------------------------------------------------------------------- explanations


SEED_CODE = """
def test_naive_save(self):
    \"\"\"The idiom.\"\"\"
    s = self.client.session
    s["foo"] = 2
    s.save()
    response = self.client.get("/counter/")
"""
FORCE_CODE = SEED_CODE.replace("def test_naive_save(self):", "def test_f(self, user):").replace(
    "s = self.client.session", "self.client.force_login(user)\n    s = self.client.session"
)
FIX = "after save(), client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key."


def _idiom(node, code, fix=FIX):
    return Idiom(
        node, f"idiom of {node}", f"why {node}", fix, node, session_terms(code), fix_terms(fix)
    )


def _catalogue(cells, idioms):
    """A matrix with two configurations, ``a`` and ``b``, on one Django version."""
    return Catalogue(
        idioms=idioms,
        configurations={"a", "b"},
        versions=["4.2", "5.2"],
        cells={
            idiom: {
                f"{config}-dj{version}": dict(
                    zip(("status", "exception", "message"), cell, strict=True)
                )
                for config, cell in by.items()
                for version in ("4.2", "5.2")
            }
            for idiom, by in cells.items()
        },
    )


SEED = _idiom("m/test_before.py::SeedTests::test_naive_save", SEED_CODE)
SEED_PYTEST = _idiom("m/test_before.py::test_naive_save_pytest", SEED_CODE)
FORCE = _idiom("m/test_auth.py::test_force_login_then_edit", FORCE_CODE)
KEYERROR_ON_B = {"a": ("passed", "", ""), "b": ("failed", "KeyError", "'foo'")}
CATALOGUE = _catalogue(
    {SEED.id: KEYERROR_ON_B, SEED_PYTEST.id: KEYERROR_ON_B, FORCE.id: KEYERROR_ON_B},
    [SEED_PYTEST, SEED, FORCE],
)
ENGINES = {"a": "a", "b": "b", "b_variant": "b", "c": "c"}
FAILS_ON_B = {"a": Observed("passed"), "b": Observed("failed", "KeyError", "'cart'")}
TEST_SOURCE = """
def test_checkout(self):
    session = self.client.session
    session["cart"] = ["apple"]
    session.save()
    self.client.get("/checkout/")
"""


def _explain(observed=FAILS_ON_B, source=TEST_SOURCE, catalogue=CATALOGUE, node="t.py::T::test"):
    return explain(node, observed, ENGINES, source, catalogue, "5.2.3")


def test_the_idiom_with_the_same_outcomes_and_calls_explains():
    found = _explain()
    assert found["pattern"] == SEED.id  # same style (a TestCase method) wins the tie
    assert found["why"] == SEED.why
    assert found["fix"] == SEED.fix
    assert found["url"].endswith(f"#{SEED.anchor}")
    assert found["confidence"] == ENGINES_ONLY  # no detector here: the engines and the calls
    assert "fails on b and passes on a, as this idiom does" in found["because"]
    assert _explain(node="t.py::test")["pattern"] == SEED_PYTEST.id


def test_the_exception_type_decides_nothing():
    """A real test of the naive save fails with an AssertionError (403 != 302), the idiom
    with ``KeyError: 'foo'``: the engines agree and the test makes the idiom's calls. The
    same type on the wrong engines explains nothing."""
    for exception, message in (("AssertionError", "assert 403 == 302"), ("TypeError", "x")):
        observed = {"a": Observed("passed"), "b": Observed("failed", exception, message)}
        found = _explain(observed)
        assert found["pattern"] == SEED.id, exception
        assert exception not in found["because"]
    same_type_other_engine = {
        "a": Observed("failed", "KeyError", "'foo'"),
        "b": Observed("passed"),
    }
    assert _explain(same_type_other_engine) is None


def test_the_idiom_with_most_of_the_tests_calls_wins():
    source = TEST_SOURCE.replace(
        "session = self", "self.client.force_login(u)\n    session = self"
    )
    assert _explain(source=source)["pattern"] == FORCE.id


def test_a_variant_is_matched_on_its_engines_column():
    observed = {"a": Observed("passed"), "b_variant": Observed("failed", "KeyError", "'x'")}
    assert _explain(observed=observed)["pattern"] == SEED.id


def test_a_configuration_the_matrix_lacks_confirms_but_never_contradicts():
    # b_variant (engine b) has no column: where it fails, b's column confirms the failure;
    # where it passes, the variant may be what fixes it, so b's failure does not count.
    passes_on_variant = {
        "b": Observed("failed", "KeyError", "'x'"),
        "b_variant": Observed("passed"),
    }
    assert _explain(passes_on_variant)["pattern"] == SEED.id
    passes_on_b = {"b": Observed("passed"), "b_variant": Observed("failed", "KeyError", "'x'")}
    assert _explain(passes_on_b) is None


def test_no_explanation_when_the_outcomes_disagree_with_the_matrix():
    # The other engine failing, or no failure confirmed at all.
    assert _explain({"a": Observed("failed", "KeyError", "'x'"), "b": Observed("passed")}) is None
    assert _explain({"c": Observed("failed", "KeyError", "'x'"), "a": Observed("passed")}) is None
    # Where the test passes, the idiom must not fail.
    both = {"a": Observed("failed", "KeyError", "'x'"), "b": Observed("failed", "KeyError", "'y'")}
    assert _explain({**both, "c": Observed("passed")}) is None


def test_no_explanation_when_the_test_already_writes_the_fix():
    fixed = (
        TEST_SOURCE
        + "    self.client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key\n"
    )
    assert _explain(source=fixed) is None


def test_an_assertion_needs_the_idioms_calls_in_the_test():
    cells = {"a": ("passed", "", ""), "b": ("failed", "AssertionError", "assert 1 == 2")}
    catalogue = _catalogue({SEED.id: cells}, [SEED])
    failing = {"a": Observed("passed"), "b": Observed("failed", "AssertionError", "assert 1 == 2")}
    assert _explain(failing, catalogue=catalogue)["pattern"] == SEED.id
    assert (
        _explain(failing, source="def test_x(client):\n    client.get('/')\n", catalogue=catalogue)
        is None
    )
    assert _explain(failing, source=None, catalogue=catalogue) is None


HANDLE_CODE = """
def test_session_handle_kept_across_a_request(client):
    session = client.session
    client.post("/colour/", {"value": "blue"})
    assert session["colour"] == "blue"
"""


def test_reaching_the_session_is_no_sign_of_an_idiom():
    """Every idiom reaches a session: one whose only call is ``client.session`` says nothing
    about a test that reads ``client.session`` too and fails with an assertion on the same
    engine (a view losing a job filed under the session key)."""
    handle = _idiom("m/test_after.py::test_session_handle_kept_across_a_request", HANDLE_CODE)
    assert handle.terms == {"session"}
    cells = {"a": ("passed", "", ""), "b": ("failed", "AssertionError", "assert 'red' == 'blue'")}
    catalogue = _catalogue({handle.id: cells}, [handle])
    failing = {"a": Observed("passed"), "b": Observed("failed", "AssertionError", "assert 1")}
    reads = "def test_x(client):\n    client.post('/x/')\n    assert client.session['x']\n"
    assert _explain(failing, source=reads, catalogue=catalogue, node="t.py::test_x") is None
    assert _explain(failing, source=HANDLE_CODE, catalogue=catalogue, node="t.py::t") is None


NO_SESSION = ("AttributeError", "'WSGIRequest' object has no attribute 'session'")


def test_other_exceptions_match_on_the_message_shape_without_the_code():
    cells = {"a": ("passed", "", ""), "b": ("failed", "AttributeError", NO_SESSION[1])}
    catalogue = _catalogue({SEED.id: cells, SEED_PYTEST.id: cells}, [SEED_PYTEST, SEED])
    failing = {
        "a": Observed("passed"),
        "b": Observed("failed", NO_SESSION[0], "'ASGIRequest' object has no attribute 'session'"),
    }
    found = _explain(failing, source=None, catalogue=catalogue)
    assert found["pattern"] == SEED.id  # no code: the style, then the catalogue's order
    assert "same message shape" in found["because"]
    test_function = _explain(failing, source=None, catalogue=catalogue, node="t.py::test")
    assert test_function["pattern"] == SEED_PYTEST.id
    other_shape = {"a": Observed("passed"), "b": Observed("failed", "AttributeError", "no")}
    assert _explain(other_shape, source=None, catalogue=catalogue) is None


def test_a_bare_key_names_no_cause():
    """``KeyError: 'cart'`` has the shape of the seed's ``KeyError: 'foo'``, and so has every
    missing key, whatever lost it: a view that files data under the session key, which
    signed_cookies changes with the data, fails so too. The message alone claims nothing;
    the idiom's calls in the test still do."""
    job = "def test_job(client):\n    client.get('/job/')\n    client.get('/job/status/')\n"
    assert _explain(source=None) is None
    assert _explain(source=job) is None
    assert _explain()["pattern"] == SEED.id
    assert not telling("'eyJqb2IiOjF9:1xZ5MK:fk25yBRnB'")
    assert not telling("42")
    assert telling(NO_SESSION[1])
    # An assertion's comparison, whatever the values, names no cause either.
    assert not telling("assert 403 == 302")
    assert not telling("assert 'red' == 'blue'")
    assert not telling("assert None is not None")
    assert telling("Object of type Decimal is not JSON serializable")


def test_only_what_reads_as_code_in_a_fix_counts():
    assert fix_terms(FIX) == {"save", "cookies", "SESSION_COOKIE_NAME", "session_key"}
    assert fix_terms("keep large data out of a cookie session, and log in again") == set()


def test_docstrings_are_not_code():
    code = 'def test_x(client):\n    """SESSION_CACHE_ALIAS and session_key in words"""\n'
    assert session_terms(code) == {"client"} & SESSION_TERMS


def test_the_suite_schema_speaks_the_vocabulary():
    schema = schemas.schema("suite")
    outcomes = {outcome_word(outcome) for outcome in Outcome}
    assert set(schema["$defs"]["outcome"]["enum"]) == outcomes
    statuses = schema["properties"]["runs"]["additionalProperties"]["properties"]["status"]
    assert set(statuses["enum"]) == {RAN, NOT_RUN, BROKEN}


# ----------------------------------------------------------------------------- the page


def _run(description="Sessions in the database."):
    return {
        "status": "ran",
        "reason": "",
        "engine": "db",
        "label": "x",
        "description": description,
        "seconds": 1.0,
        "counts": {"failed": 1},
        "django": "5.2",
        "log": "",
    }


def _report(runs, tests, failures, **groups):
    report = {
        "format": 1,
        "generated_by": "t",
        "finished": "now",
        "project": {
            "root": "/x",
            "settings": "s",
            "pytest_args": [],
            "django": "5.2",
            "python": "3.11",
        },
        "catalogue": {"source": "", "django": ""},
        "configurations": list(runs),
        "runs": runs,
        "tests": tests,
        "failures": failures,
        "engine_dependent": [],
        "fails_everywhere": [],
        "passes_everywhere": [],
        "skipped_everywhere": [],
        "explanations": {},
    } | groups
    schemas.validate(report, "suite", "report")
    return report


def test_page_shows_test_output_as_text():
    hostile = "<script>alert(1)</script>"
    node = f"t.py::test[{hostile}]"
    report = _report(
        {"db": _run(hostile)},
        {node: {"db": "failed"}},
        {node: {"db": f"ValueError: {hostile}"}},
        fails_everywhere=[node],
    )
    page = html_page(report)
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script-src 'none'" in page


def test_one_configuration_compares_nothing():
    """What fails on the one configuration that ran may be its engine's doing: neither the
    terminal nor the page calls it "not the engine's doing" or "every configuration"."""
    tests = {"t.py::test_a": {"db": "failed"}, "t.py::test_b": {"db": "passed"}}
    failures = {"t.py::test_a": {"db": "AssertionError: 4 != 0"}}
    groups = {"fails_everywhere": ["t.py::test_a"], "passes_everywhere": ["t.py::test_b"]}
    broken = _run() | {"status": "broken", "reason": "collection failed under file: x"}
    alone = _report({"db": _run(), "file": broken}, tests, failures, **groups)
    text = summary(alone, Path("r"))
    assert "Depends on the engine: cannot tell: only db ran, nothing to compare it with" in text
    assert "Fails on db, the only configuration that ran: 1" in text
    assert "Passes on db, the only configuration that ran: 1" in text
    assert "not the engine's doing" not in text
    assert "every configuration" not in text
    assert 'id="nothing-compared"' in html_page(alone)
    assert "only db ran" in html_page(alone)

    both = {node: by | {"file": by["db"]} for node, by in tests.items()}
    two = _report({"db": _run(), "file": _run()}, both, failures, **groups)
    text = summary(two, Path("r"))
    assert "Fails on every configuration (not the engine's doing): 1" in text
    assert "compared across db, file" in text
    assert 'id="nothing-compared"' not in html_page(two)


# ----------------------------------------------------------------------------- your records


def test_a_record_of_yours_may_not_take_a_built_in_name(tmp_path, monkeypatch, capsys):
    """It would replace the built-in record, and the report would read its outcomes against
    the matrix's column of that name: one line, nothing written; renamed, it runs."""
    from session_matrix import suite

    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "my_engines"
    mine.mkdir()
    builtin = _engine(".db").name
    engine = _engine(".db").settings["SESSION_ENGINE"]
    (mine / f"{builtin}.toml").write_text(
        f'description = "mine"\n[settings]\nSESSION_ENGINE = "{engine}"\n'
    )
    args = ["--settings", "shop.settings", "--engines-dir", "my_engines", "--engines", builtin]
    assert suite.main(args) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"error: --engines-dir my_engines: {builtin}.toml has the name of a built-in record; "
        f'rename it (e.g. mine.toml, with extends = "<that record>" to start from it); '
        "nothing written"
    ]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([mine.name, f"{builtin}.toml"])

    (mine / f"{builtin}.toml").rename(mine / "mine.toml")
    parsed = argparse.Namespace(engines_dir=Path("my_engines"), engines="mine", all=False)
    assert [record.name for record in suite._records(parsed)] == ["mine"]


def test_a_break_shared_by_configurations_is_said_once_naming_them():
    reasons = {
        "cache": "collection failed under cache: tests/test_x.py: ImportError: no x",
        "db": "collection failed under db: tests/test_x.py: ImportError: no x",
        "file": "collection failed under file: tests/test_y.py: ImportError: no y",
        "cache_redis": "cache_redis: a lost worker",
        "signed_cookies": "signed_cookies: a lost worker",
        "valkey": "interrupted",
    }
    assert together(reasons) == [
        (["cache", "db"], "collection failed under cache, db: tests/test_x.py: ImportError: no x"),
        (["file"], "collection failed under file: tests/test_y.py: ImportError: no y"),
        (["cache_redis", "signed_cookies"], "cache_redis, signed_cookies: a lost worker"),
        (["valkey"], "interrupted"),
    ]
    # A configuration's name inside the message is not the configuration it broke under.
    assert together(
        {
            "db": "collection failed under db: tests/db.py: x",
            "file": "collection failed under file: tests/db.py: x",
        }
    ) == [(["db", "file"], "collection failed under db, file: tests/db.py: x")]
    # As each run ends, only the first words: the error follows once, after the report.
    run = Run(_engine(".db"))
    run.status, run.reason = BROKEN, reasons["db"]
    assert headline(run) == "collection failed (the error follows the report)"
    run.status, run.reason = NOT_RUN, "not run: no Redis at redis://x"
    assert headline(run) == "not run: no Redis at redis://x"
