"""`session-matrix suite` as a user runs it: a fresh virtualenv with Django and pytest-django,
this checkout pip-installed into it, and the command run inside a Django project
(tests/resources/sample_project, copied) on every default configuration.

Which tests fail where is derived from each record's SESSION_ENGINE, never from a list of
engine names: a new record only has to behave like the backend it names."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from session_matrix.core import paths, records
from session_matrix.suite.idioms import load_catalogue
from tests.helpers import (
    DEFAULTS,
    RESOURCES,
    backend,
    free_port,
    make_venv,
    output,
    read_json,
    suite,
)

SAMPLE = RESOURCES / "sample_project"
RECORDS = {record.name: record for record in records.load_all()}
CATALOGUE = {idiom.id: idiom for idiom in load_catalogue(paths.PUBLISHED / "matrix.json").idioms}

SEEDED = "tests/test_cart.py::CheckoutTests::test_checkout_with_a_seeded_cart"
CACHE_CLEARED = "tests/test_cart.py::test_cart_survives_clearing_the_cache"
NO_QUERIES = "tests/test_pages.py::HomeQueryTests::test_home_page_needs_no_database"
WELCOME = "tests/test_pages.py::test_home_says_welcome"
# Fails on signed_cookies with a KeyError shaped like the seed idiom's, for another reason (a
# job filed under a session key that changes with the data): no idiom may be claimed for it.
EXPORT = "tests/test_export.py::test_export_status_after_starting"
# The same job, shown as an assertion failure by a test that reads client.session: reaching
# the session is no sign of the idiom that keeps a session handle across a request.
EXPORT_PAGE = "tests/test_export.py::test_export_page_after_starting"
PORTABLE = [
    "tests/test_cart.py::CheckoutTests::test_checkout_with_a_seeded_cart_and_cookie",
    "tests/test_cart.py::test_add_then_view_cart",
    "tests/test_pages.py::test_account_after_force_login",
    "tests/test_pages.py::test_home_counts_visits",
]
SEED_IDIOM = "matrix_tests/test_before_request.py::SeedTests::test_naive_save"
CACHE_CLEAR_IDIOM = "matrix_tests/test_isolation.py::test_cache_clear_keeps_sessions"


@pytest.fixture(scope="session")
def venv(tmp_path_factory):
    return make_venv(tmp_path_factory.mktemp("suite") / "venv", "[redis]")


@pytest.fixture
def project(tmp_path):
    """A copy of the sample project (the report is written into it)."""
    return Path(
        shutil.copytree(SAMPLE, tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    )


def test_sample_project_reports_exactly_the_engine_dependent_tests(venv, project):
    done = suite(venv, project, "--engines", ",".join(DEFAULTS), "--", "tests")
    assert done.returncode == 0, output(done)
    report = read_json(project / "session-matrix-report" / "suite.json")

    assert report["configurations"] == DEFAULTS
    assert {name: run["status"] for name, run in report["runs"].items()} == dict.fromkeys(
        DEFAULTS, "ran"
    )
    failing = {
        SEEDED: {n for n in DEFAULTS if backend(n) == "signed_cookies"},
        CACHE_CLEARED: {n for n in DEFAULTS if backend(n) == "cache"},
        NO_QUERIES: {n for n in DEFAULTS if backend(n) in ("db", "cached_db")},
        EXPORT: {n for n in DEFAULTS if backend(n) == "signed_cookies"},
        EXPORT_PAGE: {n for n in DEFAULTS if backend(n) == "signed_cookies"},
    }
    assert report["engine_dependent"] == sorted(failing)
    for node, where in failing.items():
        outcomes = report["tests"][node]
        assert {n for n, outcome in outcomes.items() if outcome == "failed"} == where, node
        assert {n for n, outcome in outcomes.items() if outcome == "passed"} == set(
            DEFAULTS
        ) - where
    for node in (SEEDED, EXPORT):
        assert {name: text.split(":")[0] for name, text in report["failures"][node].items()} == (
            dict.fromkeys(failing[node], "KeyError")
        ), node
    assert report["fails_everywhere"] == [WELCOME]
    assert report["passes_everywhere"] == PORTABLE
    assert report["skipped_everywhere"] == []

    # Explained: the seed's idiom and the cache.clear() idiom, with the catalogue's own
    # texts and a link to their rows; the query count is nobody's idiom, and the export's
    # KeyError is the seed's only in shape.
    explanations = report["explanations"]
    assert set(explanations) == set(failing)
    assert explanations[NO_QUERIES] is None
    assert explanations[EXPORT] is None
    assert explanations[EXPORT_PAGE] is None
    for node, idiom in ((SEEDED, SEED_IDIOM), (CACHE_CLEARED, CACHE_CLEAR_IDIOM)):
        found = explanations[node]
        assert found["pattern"] == idiom
        assert (found["why"], found["fix"]) == (CATALOGUE[idiom].why, CATALOGUE[idiom].fix)
        assert found["why"]
        assert found["fix"]
        assert found["url"].endswith(f"#{CATALOGUE[idiom].anchor}")
    written = project / "session-matrix-report"
    assert f'id="{CATALOGUE[SEED_IDIOM].anchor}"' in (written / "matrix.html").read_text()
    page = (written / "index.html").read_text()
    for node in [*failing, WELCOME]:
        assert node in page
    for name in DEFAULTS:
        assert (written / "logs" / f"{name}.txt").read_text().strip()

    # The terminal: each configuration's start and end, then the headline and the why.
    for name in DEFAULTS:
        assert f"\n{name}: started\n" in done.stdout
        assert f"\n{name}: " in done.stdout.split(f"{name}: started", 1)[1]
    assert f"of {len(DEFAULTS)} done)" in done.stdout
    assert "Depends on the engine: 5 of 10 tests" in done.stdout
    assert CATALOGUE[SEED_IDIOM].fix.split(",")[0] in done.stdout
    # The seed's explanation rests on the test's code (the detectors the published matrix
    # carries) and on the engines agreeing; the terminal wraps it, so read it unwrapped.
    said = " ".join(done.stdout.split())
    assert "because it matches the idiom's code at line" in said
    assert "fails on signed_cookies and passes on" in said
    assert "no catalogued idiom matches" in done.stdout


def test_a_missing_service_makes_only_its_configurations_not_run(venv, project):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    narrow = ["--", "tests/test_pages.py", "-k", "counts_visits"]
    done = suite(
        venv, project, "--engines", ",".join(DEFAULTS), *narrow, env={"REDIS_URL": closed}
    )
    assert done.returncode == 0, output(done)
    report = read_json(project / "session-matrix-report" / "suite.json")
    for name in DEFAULTS:
        run = report["runs"][name]
        if "redis" in RECORDS[name].needs:
            assert run["status"] == "not_run", name
            assert f"no Redis at {closed}" in run["reason"]
        else:
            assert run["status"] == "ran", (name, run)
    ran = sorted(n for n in DEFAULTS if "redis" not in RECORDS[n].needs)
    assert report["tests"] == {
        "tests/test_pages.py::test_home_counts_visits": dict.fromkeys(ran, "passed")
    }
    assert any("redis" in RECORDS[n].needs for n in DEFAULTS)  # else this proves nothing


def test_without_the_redis_package_cache_configurations_are_not_run(tmp_path_factory, project):
    bare = make_venv(tmp_path_factory.mktemp("bare") / "venv")  # no [redis] extra
    needing = [n for n in DEFAULTS if "redis" in RECORDS[n].needs]
    other = next(n for n in DEFAULTS if not RECORDS[n].needs)
    done = suite(
        bare,
        project,
        "--engines",
        ",".join([*needing, other]),
        "--",
        "tests/test_pages.py",
        "-k",
        "counts_visits",
    )
    assert done.returncode == 0, output(done)
    runs = read_json(project / "session-matrix-report" / "suite.json")["runs"]
    assert runs[other]["status"] == "ran"
    for name in needing:
        assert runs[name]["status"] == "not_run"
        assert "pip install" in runs[name]["reason"]
        assert f"{name}: {runs[name]['reason']}" in done.stdout


def test_collection_failing_under_one_engine_is_a_break_named_by_configuration(venv, project):
    # A module that asks the configured engine for its session model: only the engines that
    # store sessions in the database have one.
    (project / "tests" / "test_session_rows.py").write_text(
        "from importlib import import_module\n\n"
        "from django.conf import settings\n\n"
        "Session = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()\n\n\n"
        "def test_model_is_named():\n"
        "    assert Session.__name__ == 'Session'\n"
    )
    db = next(n for n in DEFAULTS if backend(n) == "db")
    cookies = next(n for n in DEFAULTS if backend(n) == "signed_cookies")
    done = suite(venv, project, "--engines", f"{db},{cookies}", "--", "tests")
    assert done.returncode == 1, output(done)
    assert (
        f"error: collection failed under {cookies}: tests/test_session_rows.py: AttributeError"
        in done.stderr
    )
    runs = read_json(project / "session-matrix-report" / "suite.json")["runs"]
    assert runs[db]["status"] == "ran"
    assert runs[cookies]["status"] == "broken"
    assert runs[cookies]["reason"].startswith(f"collection failed under {cookies}: ")
    # db alone ran: what fails there (the query count) is not "not the engine's doing".
    assert f"cannot tell: only {db} ran, nothing to compare it with" in done.stdout
    assert "not the engine's doing" not in done.stdout


@pytest.mark.parametrize(
    ("where", "args", "says"),
    [
        ("empty", [], "no Django project in"),
        ("shop", ["--settings", "shop.no_such_settings", "--engines", "db"], "does not import"),
        ("shop", ["--engines", "db,no_such_engine"], "unknown configuration 'no_such_engine'"),
        ("shop", ["--engines", "db", "--", "--no-such-option"], "pytest rejected the arguments"),
        ("shop", ["--engines", "db", "--", "tests", "-k", "nothing_is_named_so"], "no tests"),
        # pytest-django takes the last --ds: every configuration would run the same settings.
        # Refused before anything runs (it was found after the runs).
        (
            "shop",
            ["--engines", "db", "--", "tests", "--ds", "shop.settings"],
            "pytest argument --ds would replace your settings with the configuration laid "
            "over them",
        ),
        # Each configuration would stop at its own first failure: the tests after it would
        # read as depending on the engine. Refused before anything runs.
        (
            "shop",
            ["--engines", "db", "--", "tests", "-x"],
            "pytest argument -x stops each configuration at its first failure",
        ),
        # An empty list is no list: it ran the five defaults.
        ("shop", ["--engines", ""], "--engines names no configuration"),
        # Found only once the runs are over, it was a traceback after them.
        ("shop", ["--engines", "db", "--report", "manage.py/out"], "manage.py is a file"),
    ],
    ids=[
        "outside-a-project",
        "settings-do-not-import",
        "unknown-record",
        "pytest-rejects",
        "nothing-collected",
        "settings-replaced",
        "stopped-early",
        "no-engines",
        "report-is-a-file",
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(venv, project, tmp_path, where, args, says):
    cwd = project if where == "shop" else tmp_path / where
    cwd.mkdir(exist_ok=True)
    db = next(n for n in DEFAULTS if backend(n) == "db")
    args = [a.replace("db", db) for a in args]
    says = says.replace("under db", f"under {db}")
    before = sorted(p.relative_to(cwd) for p in cwd.rglob("*") if "__pycache__" not in p.parts)
    done = suite(venv, cwd, *args)
    assert done.returncode == 2, output(done)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0]
    assert lines[0].endswith("; nothing written")
    after = sorted(p.relative_to(cwd) for p in cwd.rglob("*") if "__pycache__" not in p.parts)
    assert after == before


def test_records_of_your_own_from_engines_dir(venv, project):
    """A record of the user's own: the Redis cache engine with the sessions under an alias
    of their own (the catalogue's fix for cache.clear()); the default cache stays theirs."""
    base = next(n for n in DEFAULTS if backend(n) == "cache" and "CACHES" in RECORDS[n].settings)
    write_through = next(n for n in DEFAULTS if backend(n) == "cached_db")
    cache = RECORDS[base].settings["CACHES"][
        RECORDS[base].settings.get("SESSION_CACHE_ALIAS", "default")
    ]
    engines = project / "my_engines"
    engines.mkdir()
    (engines / "sessions-alias.toml").write_text(
        'description = "The cache engine on a cache alias of its own."\n'
        f'extends = "{base}"\n\n'
        '[settings]\nSESSION_CACHE_ALIAS = "sessions"\n\n'
        "[settings.CACHES.sessions]\n"
        + "".join(f"{key} = {json.dumps(value)}\n" for key, value in cache.items())
    )
    done = suite(
        venv,
        project,
        "--engines-dir",
        "my_engines",
        "--engines",
        f"{base},{write_through},sessions-alias",
        "--",
        "tests/test_cart.py",
    )
    assert done.returncode == 0, output(done)
    report = read_json(project / "session-matrix-report" / "suite.json")
    assert report["runs"]["sessions-alias"]["engine"] == base
    assert report["tests"][CACHE_CLEARED] == {
        base: "failed",
        write_through: "passed",
        "sessions-alias": "passed",
    }
    assert report["engine_dependent"] == [CACHE_CLEARED]
    # Its engine's column confirms the failure, the write-through engine's rules out idioms
    # that also fail there; nothing in the matrix speaks for the alias.
    assert report["explanations"][CACHE_CLEARED]["pattern"] == CACHE_CLEAR_IDIOM


# The test that is interrupted: it stores a session in the configuration's private store,
# then says where (a marker file the fault test waits for), then sleeps.
SLOW_TEST = """\
import os
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings


def test_slow(db):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["cart"] = [1]
    store.save()
    alias = getattr(settings, "SESSION_CACHE_ALIAS", "default")
    location = settings.CACHES.get(alias, {}).get("LOCATION", "")
    Path(os.environ["SUITE_MARKER"]).write_text(str(location))
    time.sleep(120)
"""


def _start_slow_run(venv, project, tmp_path, configuration):
    """A suite run of the slow test; returns it once the test has stored its session and
    written the marker (waiting for that event, never for a time), with the marker."""
    (project / "tests" / "test_slow.py").write_text(SLOW_TEST)
    marker = tmp_path / "started"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SESSION_MATRIX_", "DJANGO_"))
    } | {"SUITE_MARKER": str(marker)}
    process = subprocess.Popen(
        [
            str(venv / "bin" / "session-matrix"),
            "suite",
            "--engines",
            configuration,
            "--",
            "tests/test_slow.py",
        ],
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the slow test never started"
        time.sleep(0.1)
    return process, marker


def _keys(location):
    import redis

    return redis.Redis.from_url(location).dbsize()


@pytest.mark.fault
@pytest.mark.parametrize(
    "signum",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGQUIT],
    ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE", "SIGQUIT"],
)
def test_interrupted_run_writes_nothing_stops_its_pytest_and_leaves_no_keys(
    venv, project, tmp_path, signum
):
    cache = next(n for n in DEFAULTS if backend(n) == "cache" and "redis" in RECORDS[n].needs)
    process, marker = _start_slow_run(venv, project, tmp_path, cache)
    location = marker.read_text()
    assert _keys(location) > 0  # the session the test stored is there, in the leased db
    pytests = [p for p in Path("/proc").glob("[0-9]*") if _runs_in(p, project)]
    assert pytests
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert err.strip().splitlines() == ["interrupted: nothing written"]
    assert not (project / "session-matrix-report").exists()
    deadline = time.monotonic() + 60
    while any(p.exists() for p in pytests) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pytests if p.exists()]
    assert _keys(location) == 0


@pytest.mark.fault
def test_a_run_killed_outright_leaves_its_folder_to_the_next_run(venv, project, tmp_path):
    from session_matrix.suite.runner import SCRATCH_PREFIX, reclaim_scratch

    db = next(n for n in DEFAULTS if backend(n) == "db")
    process, _ = _start_slow_run(venv, project, tmp_path, db)
    left = [
        folder
        for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}suite-{db}-*")
        if f"-{process.pid}-" in folder.name
    ]
    assert left
    process.kill()
    process.communicate(timeout=60)
    pytests = [p for p in Path("/proc").glob("[0-9]*") if _runs_in(p, project)]
    for proc in pytests:  # its pytest, orphaned: what a SIGKILL leaves running
        with contextlib.suppress(OSError):
            os.kill(int(proc.name), signal.SIGKILL)
    assert all(folder.exists() for folder in left)
    removed = reclaim_scratch()
    assert set(left) <= set(removed)
    assert not any(folder.exists() for folder in left)


def _runs_in(proc, project):
    """Whether /proc/<pid> is a pytest of this project's suite run."""
    try:
        return "pytest" in (proc / "cmdline").read_bytes().decode() and (
            (proc / "cwd").resolve() == project.resolve()
        )
    except OSError:
        return False


# A tiny project of its own for the cascade: its sessions live wherever the engine keeps them.
CASCADE_FILES = {
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = site_.settings\n",
    "site_/__init__.py": "",
    "site_/settings.py": (
        'SECRET_KEY = "cascade-insecure-key"\n'
        'ALLOWED_HOSTS = ["testserver"]\n'
        'INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]\n'
        'MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]\n'
        'ROOT_URLCONF = "site_.urls"\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
        'SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"\n'
    ),
    "site_/urls.py": (
        "from django.http import HttpResponse\n"
        "from django.urls import path\n\n\n"
        "def visit(request):\n"
        '    request.session["visits"] = request.session.get("visits", 0) + 1\n'
        '    return HttpResponse(str(request.session["visits"]))\n\n\n'
        'urlpatterns = [path("", visit)]\n'
    ),
    "tests/__init__.py": "",
    # A connects a receiver and dies before disconnecting it; the receiver refuses to save a
    # session row, which only the engines that keep sessions in the database write. Both
    # use the database, so pytest-django keeps them in this order.
    "tests/test_signals.py": (
        "from django.db.models.signals import post_save\n\n\n"
        "def refuse_sessions(sender, **kwargs):\n"
        '    if sender._meta.label == "sessions.Session":\n'
        '        raise RuntimeError("a receiver left connected by an earlier test")\n\n\n'
        "def test_a_connects_a_receiver_and_dies(db):\n"
        "    post_save.connect(refuse_sessions)\n"
        '    raise AssertionError("died before disconnecting its receiver")\n\n\n'
        "def test_b_counts_a_visit(client, db):\n"
        '    assert client.get("/").content == b"1"\n'
    ),
}
DIES = "tests/test_signals.py::test_a_connects_a_receiver_and_dies"
AFTER = "tests/test_signals.py::test_b_counts_a_visit"


def test_a_cascade_is_order_dependent_and_names_the_test_before_it(venv, tmp_path):
    """B fails on db only because A's leaked receiver raises inside it: re-run alone it
    passes, so the report calls it order-dependent, after A, and not an engine difference."""
    for name, text in CASCADE_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    db = next(n for n in DEFAULTS if backend(n) == "db")
    cookies = next(n for n in DEFAULTS if backend(n) == "signed_cookies")
    done = suite(venv, tmp_path, "--engines", f"{db},{cookies}", "--", "tests")
    assert done.returncode == 0, output(done)
    report = read_json(tmp_path / "session-matrix-report" / "suite.json")

    # The full run: B failed on db, from the leaked receiver, and passed on signed_cookies.
    assert report["tests"][AFTER] == {db: "failed", cookies: "passed"}
    assert "a receiver left connected by an earlier test" in report["failures"][AFTER][db]
    assert report["fails_everywhere"] == [DIES]
    # Alone on db it passes: order-dependent, after A; not an engine difference.
    assert report["order_dependent"] == {AFTER: {"configuration": db, "after": DIES}}
    assert report["engine_dependent"] == []
    assert AFTER not in report["explanations"]
    said = " ".join(done.stdout.split())
    assert "Fails only after other tests (order-dependent, not the engine): 1" in said
    assert f"failed on {db} in the full run, after {DIES} failed; passes there alone" in said
    assert "Depends on the engine: 0 of 2 tests" in said


def test_a_collection_error_on_every_configuration_is_said_once(venv, project):
    (project / "tests" / "test_broken.py").write_text("import no_such_module_here\n")
    names = [
        next(n for n in DEFAULTS if backend(n) == "db"),
        next(n for n in DEFAULTS if backend(n) == "signed_cookies"),
    ]
    done = suite(venv, project, "--engines", ",".join(names), "--", "tests")
    assert done.returncode == 1, output(done)
    error = "No module named 'no_such_module_here'"
    said = done.stdout + done.stderr
    assert said.count(error) == 1, output(done)
    assert (
        f"error: collection failed under {', '.join(names)}: tests/test_broken.py: "
        f"ModuleNotFoundError: {error}"
    ) in done.stderr.splitlines()
    for name in names:  # each run's end still says what became of it
        assert f"\n{name}: collection failed (the error follows the report) in " in done.stdout
    runs = read_json(project / "session-matrix-report" / "suite.json")["runs"]
    for name in names:  # the report keeps each configuration's own reason
        assert runs[name]["status"] == "broken"
        assert runs[name]["reason"].startswith(f"collection failed under {name}: ")
