"""Configuration records: every record loads; variants resolve; bad records fail in one line."""

import re

import pytest

from session_matrix.core import records, schemas, services
from tests.helpers import ROOT


def test_every_record_loads_with_a_description_and_an_engine():
    every = records.load_all()
    assert every
    for record in every:
        assert record.description
        assert record.settings["SESSION_ENGINE"]
        assert records.load(record.engine).default


def test_each_engine_has_one_default_listed_before_its_variants():
    every = records.load_all()
    for index, record in enumerate(every):
        if not record.default:
            base = [r.name for r in every[:index]]
            assert record.engine in base


def test_a_variant_is_its_base_with_the_keys_it_changes(tmp_path):
    (tmp_path / "cache.toml").write_text((ROOT / "engines" / "cache.toml").read_text())
    (tmp_path / "cache-locmem.toml").write_text(
        'extends = "cache"\nneeds = []\n'
        '[settings.CACHES.default]\nBACKEND = "django.core.cache.backends.locmem.LocMemCache"\n'
        'LOCATION = "x"\n'
    )
    base, variant = records.load("cache", [tmp_path]), records.load("cache-locmem", [tmp_path])
    assert variant.engine == "cache"
    assert not variant.default
    assert variant.settings["SESSION_ENGINE"] == base.settings["SESSION_ENGINE"]
    assert variant.settings["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert variant.description == base.description
    assert variant.files == (tmp_path / "cache-locmem.toml", tmp_path / "cache.toml")


def _bad(tmp_path, name, text):
    (tmp_path / f"{name}.toml").write_text(text)
    with pytest.raises(schemas.InvalidInput) as raised:
        records.load(name, [tmp_path])
    message = str(raised.value)
    assert "\n" not in message
    assert f"{name}.toml" in message or "unknown configuration" in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not = [toml", "not valid TOML"),
        ('colour = "blue"\n[settings]\nSESSION_ENGINE = "a.b"', "colour"),
        ('description = "x"', "settings.SESSION_ENGINE is missing"),
        (
            'description = "x"\n[settings]\nSESSION_ENGINE = 42',
            "settings.SESSION_ENGINE: 42 is not of type 'string'",
        ),
        (
            'description = "x"\n[settings]\nSESSION_ENGINE = "not a path"',
            "settings.SESSION_ENGINE: 'not a path' does not match",
        ),
        (
            'description = "x"\n[settings]\nSESSION_ENGINE = "a.b"\n'
            "[settings.CACHES.default]\nBACKEND = 7",
            "settings.CACHES.default.BACKEND: 7 is not of type 'string'",
        ),
        ('extends = "nowhere"', "extends unknown record 'nowhere'"),
        (
            'description = "x"\nneeds = ["mongodb"]\n[settings]\nSESSION_ENGINE = "a.b"',
            "needs unknown service(s) mongodb",
        ),
        (
            'description = "x"\n[settings]\nSESSION_ENGINE = "a.b"\nX = "{nope}"',
            "unknown placeholder {nope}",
        ),
        (
            'description = "x"\n[settings]\nSESSION_ENGINE = "a.b"\nX = "{redis_url}"',
            'add "redis" to needs',
        ),
        (
            'description = "x"\nrequires = ["not a requirement!"]\n'
            '[settings]\nSESSION_ENGINE = "a.b"',
            "requires.0",
        ),
    ],
)
def test_a_bad_record_is_one_line_naming_the_field(tmp_path, text, expected):
    assert expected in _bad(tmp_path, "broken", text)


def test_a_cycle_of_extends_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b"')
    (tmp_path / "b.toml").write_text('extends = "a"')
    with pytest.raises(schemas.InvalidInput, match="break the cycle"):
        records.load("a", [tmp_path])


def test_an_unknown_name_lists_the_records():
    with pytest.raises(schemas.InvalidInput) as raised:
        records.load("mongo")
    assert re.search(r"unknown configuration 'mongo': choose one of .*", str(raised.value))
    assert records.names()[0] in str(raised.value)


def test_every_placeholder_is_filled_by_exactly_one_service():
    every = [p for provider in services.registry().values() for p in provider.placeholders]
    assert len(every) == len(set(every))
    assert set(services.placeholders()) == set(every)


def test_fill_takes_a_whole_value_or_substitutes_text():
    value = {"A": "{postgres_database}", "B": "x-{file_dir}/y", "C": [1, "{file_dir}"]}
    filled = records.fill(value, {"postgres_database": {"NAME": "n"}, "file_dir": "/d"})
    assert filled == {"A": {"NAME": "n"}, "B": "x-/d/y", "C": [1, "/d"]}


def test_records_are_found_in_an_extra_directory_first(tmp_path):
    (tmp_path / "db.toml").write_text(
        'description = "mine"\n[settings]\nSESSION_ENGINE = "my.engine"'
    )
    assert records.load("db", records.directories(tmp_path)).description == "mine"
    assert records.load("db").description != "mine"


def test_the_configurations_listing_names_every_record_in_aligned_columns(capsys):
    """`session-matrix configurations`: one line per record, the kinds in one column even
    when a name is longer than the others (cache-valkey-django_redis once pushed its own)."""
    from session_matrix import cli

    assert cli.main(["configurations"]) == 0
    lines = capsys.readouterr().out.splitlines()
    every = records.load_all()
    assert [line.split()[0] for line in lines] == [record.name for record in every]
    starts = {line.index(" default" if " default " in line else " variant of ") for line in lines}
    assert len(starts) == 1, lines


_FILE = (
    'description = "x"\nneeds = ["files"]\n[settings]\n'
    'SESSION_ENGINE = "django.contrib.sessions.backends.file"\n'
)


@pytest.mark.parametrize("name", ["evil name", "évil-引擎", "Upper", "a--b", "-a"])
def test_a_record_name_must_be_a_slug(tmp_path, name):
    """`evil name` was listed by `nox -l`, ran every pattern, then died with a traceback."""
    message = _bad(tmp_path, name, _FILE + 'SESSION_FILE_PATH = "{file_dir}"\n')
    assert "is not a record name" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('description = "' + "x" * 10_000 + '"', "description"),
        ('label = "' + "x" * 5_000 + '"', "label"),
    ],
)
def test_text_fields_have_limits(tmp_path, text, expected):
    """A 10 MB description grew the README to 5.3 MB and matrix.json to 34 MB."""
    message = _bad(tmp_path, "long", text + '\n[settings]\nSESSION_ENGINE = "a.b"\n')
    assert expected in message
    assert "too long" in message
    assert len(message) < 400


@pytest.mark.parametrize(
    "line",
    [
        'SESSION_FILE_PATH = "/"',
        'SESSION_FILE_PATH = "../../etc"',
        'SESSION_FILE_PATH = "{file_dir}/../.."',
        'MEDIA_ROOT = "/tmp"',
        "[settings.CACHES.default]\n"
        'BACKEND = "django.core.cache.backends.filebased.FileBasedCache"\n'
        'LOCATION = "/var/tmp/cache"',
        '[settings.DATABASES.default.TEST]\nNAME = "/tmp/test.sqlite3"',
    ],
)
def test_a_path_outside_the_runs_own_folder_is_refused(tmp_path, line):
    """`SESSION_FILE_PATH = "/"` was accepted and left 110 session files in `/`."""
    message = _bad(tmp_path, "paths", _FILE + line + "\n")
    assert "is a path outside the run's own folder; use {file_dir}" in message


@pytest.mark.parametrize(
    "line",
    [
        'SESSION_FILE_PATH = "{file_dir}"',
        'SESSION_FILE_PATH = "{file_dir}/sessions"',
        '[settings.DATABASES.default.TEST]\nNAME = "{file_dir}/test.sqlite3"',
    ],
)
def test_a_path_in_the_runs_own_folder_is_accepted(tmp_path, line):
    (tmp_path / "paths.toml").write_text(_FILE + line + "\n")
    assert records.load("paths", [tmp_path]).name == "paths"
