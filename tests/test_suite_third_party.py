"""`session-matrix suite` on code nobody here wrote: the test suite django-axes ships in its
PyPI sdist (351 tests of login, lockout and logging through the test client), run as its
maintainers run it (`pytest`, settings from its pyproject.toml) on every default
configuration, in a fresh virtualenv.

What it finds (django-axes 8.3.1, Django 5.2, Python 3.11): 348 tests pass everywhere,
none fails everywhere, 3 depend on the engine, and none of them is a catalogued idiom:

- ``tests/test_logging.py::AccessLogTestCase::test_access_log_on_logout`` fails on
  signed_cookies (``AssertionError: unexpectedly None``): axes files a login's AccessLog
  under ``sha256(session.session_key)`` and closes it on logout under the same hash; a
  signed-cookie session's key is its signed data, which the login changed, so the logout
  finds no AccessLog and its ``logout_time`` is never set. In production too.
- ``tests/test_login.py::CacheLoginTestCase::test_reset_on_success_false`` and
  ``..._true`` fail on cache and cached_db (``AttributeError: 'RedisCache' object has no
  attribute '_cache'``): they count lockout attempts by reaching into the default cache's
  LocMemCache internals, and those configurations make the default cache (the sessions')
  a private Redis database, as switching to them by Django's documentation does.

Where each one fails is derived from the records (their engine backend and the cache they
put at the session cache alias), never from a list of engine names.
"""

import hashlib
import json
import tarfile
import urllib.request

from session_matrix.core import records
from tests.helpers import DEFAULTS, backend, make_venv, output, read_json, suite

PACKAGE, VERSION = "django-axes", "8.3.1"
# What its tox environments install beside Django (requirements.txt, without the linters).
TEST_REQUIREMENTS = ["django>=5.2,<5.3", "pytest-subtests", "django-ipware>=3"]
RECORDS = {record.name: record for record in records.load_all()}


def sdist(directory):
    """The package's sdist from PyPI's simple index (the API pip uses), checked against the
    digest the index publishes, and unpacked."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{PACKAGE}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    name = f"{PACKAGE.replace('-', '_')}-{VERSION}.tar.gz"
    found = next(f for f in files if f["filename"] == name)
    archive = directory / name
    with urllib.request.urlopen(found["url"], timeout=120) as response:
        archive.write_bytes(response.read())
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == found["hashes"]["sha256"]
    with tarfile.open(archive) as tar:
        tar.extractall(directory, filter="data")
    return directory / name.removesuffix(".tar.gz")


def session_cache_is_locmem(name):
    settings = RECORDS[name].settings
    alias = settings.get("SESSION_CACHE_ALIAS", "default")
    backend = settings.get("CACHES", {}).get(alias, {}).get("BACKEND", "locmem.LocMemCache")
    return backend.endswith("locmem.LocMemCache")


def test_django_axes_suite_on_every_default_configuration(tmp_path):
    project = sdist(tmp_path)
    venv = make_venv(tmp_path / "venv", "[redis]", *TEST_REQUIREMENTS)
    # Its pyproject's addopts asks for coverage, which is not the question here.
    done = suite(venv, project, "--engines", ",".join(DEFAULTS), "--", "-o", "addopts=")
    assert done.returncode == 0, output(done)
    report = read_json(project / "session-matrix-report" / "suite.json")

    assert {name: run["status"] for name, run in report["runs"].items()} == dict.fromkeys(
        DEFAULTS, "ran"
    )
    assert len(report["tests"]) == 351
    signed = {n for n in DEFAULTS if backend(RECORDS[n]) == "signed_cookies"}
    not_locmem = {n for n in DEFAULTS if not session_cache_is_locmem(n)}
    failing = {
        "tests/test_logging.py::AccessLogTestCase::test_access_log_on_logout": signed,
        "tests/test_login.py::CacheLoginTestCase::test_reset_on_success_false": not_locmem,
        "tests/test_login.py::CacheLoginTestCase::test_reset_on_success_true": not_locmem,
    }
    assert report["engine_dependent"] == sorted(failing)
    for node, where in failing.items():
        assert where
        assert {n for n, o in report["tests"][node].items() if o != "passed"} == where, node
    assert report["explanations"] == dict.fromkeys(failing)  # no catalogued idiom: none claimed
    assert report["fails_everywhere"] == []
    assert len(report["passes_everywhere"]) == 351 - len(failing)
    # A run this long shows how far along each configuration is while it runs.
    assert "running: " in done.stdout
    assert "/351" in done.stdout
