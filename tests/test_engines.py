"""Engine records: every record loads; bad names and bad records fail in one clear line."""

import re

import pytest

from session_matrix import engines

BUILT_IN = ["cache", "cached_db", "db", "file", "signed_cookies"]


def test_the_five_built_in_engines_have_records():
    assert set(BUILT_IN) <= set(engines.names())


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_record_loads_and_fills_its_placeholders(name):
    engine = engines.load(name)
    settings = engine.django_settings(redis_url="redis://r:1/7", file_dir="/tmp/x")
    assert settings["SESSION_ENGINE"] == f"django.contrib.sessions.backends.{name}"
    assert "{redis_url}" not in repr(settings)
    assert "{file_dir}" not in repr(settings)
    assert engine.description


def test_cache_engines_need_redis_and_use_the_leased_url():
    for name in ("cache", "cached_db"):
        engine = engines.load(name)
        assert engine.needs == ("redis",)
        settings = engine.django_settings(redis_url="redis://r:1/7")
        assert settings["CACHES"]["default"]["LOCATION"] == "redis://r:1/7"


def test_file_engine_uses_its_private_directory():
    assert engines.load("file").uses("file_dir")
    assert not engines.load("db").uses("file_dir")


def test_unknown_engine_names_the_valid_ones_in_one_line():
    with pytest.raises(engines.EngineError) as raised:
        engines.load("redis")
    message = str(raised.value)
    assert "\n" not in message
    assert "unknown engine 'redis'" in message
    assert "signed_cookies" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not = [toml", "not valid TOML"),
        ('colour = "blue"\n[settings]\nSESSION_ENGINE = "x"', "unknown key(s) colour"),
        ('description = "x"', "needs a [settings] table with SESSION_ENGINE"),
        ('needs = ["memcached"]\n[settings]\nSESSION_ENGINE = "x"', "unknown service(s)"),
    ],
)
def test_bad_records_say_what_to_fix(tmp_path, text, expected):
    (tmp_path / "broken.toml").write_text(text)
    with pytest.raises(engines.EngineError, match=re.escape(expected)):
        engines.load("broken", tmp_path)


def test_unknown_placeholder_is_an_engine_error(tmp_path):
    (tmp_path / "odd.toml").write_text('[settings]\nSESSION_ENGINE = "x"\nLOCATION = "{nope}"')
    with pytest.raises(engines.EngineError, match=r"unknown placeholder \{nope\}"):
        engines.load("odd", tmp_path).django_settings()


def test_a_new_record_is_picked_up_with_no_other_change(tmp_path):
    (tmp_path / "locmem.toml").write_text('[settings]\nSESSION_ENGINE = "x"')
    assert engines.names(tmp_path) == ["locmem"]
