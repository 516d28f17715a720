"""A record laid over a settings module: tables merged, lists edited, placeholders filled."""

import json
import os
import subprocess
import sys

import pytest

from session_matrix.core import overlay, records, services
from tests.helpers import ROOT


def test_apply_merges_tables_edits_lists_and_fills_placeholders(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(
        'description = "x"\nneeds = ["files"]\n'
        '[settings]\nSESSION_ENGINE = "django.contrib.sessions.backends.file"\n'
        'SESSION_FILE_PATH = "{file_dir}"\n'
        '[settings.DATABASES.default.TEST]\nNAME = "{file_dir}/test.sqlite3"\n'
        '[lists.INSTALLED_APPS]\nreplace = {"django.contrib.sessions" = "my.sessions"}\n'
        'append = ["extra"]\n'
    )
    monkeypatch.setenv("SESSION_MATRIX_ENGINES_DIR", str(tmp_path))
    monkeypatch.setenv(overlay.PROVIDED_VAR, overlay.Provided("mine", {"file_dir": "/d"}).to_env())
    namespace = {
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}},
        "INSTALLED_APPS": ["django.contrib.auth", "django.contrib.sessions"],
    }
    record = overlay.apply(namespace, "mine")
    assert record.name == "mine"
    assert namespace["SESSION_FILE_PATH"] == "/d"
    assert namespace["DATABASES"]["default"] == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "db",
        "TEST": {"NAME": "/d/test.sqlite3"},
    }
    assert namespace["INSTALLED_APPS"] == ["django.contrib.auth", "my.sessions", "extra"]


@pytest.mark.parametrize("name", [r.name for r in records.load_all() if not r.needs])
def test_project_settings_load_every_serviceless_record_by_hand(name):
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "project.settings", overlay.ENGINE_VAR: name},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == records.load(name).settings["SESSION_ENGINE"]


def test_by_hand_a_redis_record_leases_a_database_not_the_lease_database():
    """By hand, a Redis configuration never uses the database that holds the lease keys."""
    record = next((r for r in records.load_all() if "redis" in r.needs), None)
    if record is None:
        pytest.skip("no record needs Redis")
    script = (
        "import json, os; from django.conf import settings; "
        "print(json.dumps([settings.CACHES, os.environ['SESSION_MATRIX_PROVIDED']]))"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "project.settings",
        overlay.ENGINE_VAR: record.name,
    }
    env.pop(overlay.PROVIDED_VAR, None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    caches, provided = json.loads(done.stdout)
    url = json.loads(provided)["values"]["redis_url"]
    base = services.registry()["redis"].address()
    assert url != base
    assert url.rsplit("/", 1)[1] != base.rsplit("/", 1)[1]
    assert url in json.dumps(caches)


def test_an_unknown_record_stops_django_with_the_fix():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ
        | {"DJANGO_SETTINGS_MODULE": "project.settings", overlay.ENGINE_VAR: "mongo"},
    )
    assert done.returncode != 0
    assert "unknown configuration 'mongo': choose one of" in done.stderr
