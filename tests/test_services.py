"""Private services per cell: a leased Redis database and a temporary file directory."""

from pathlib import Path

import pytest

from session_matrix import services


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(services.redis_url(), socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {services.public_url(services.redis_url())}")
    return redis


def test_two_runs_at_once_get_databases_of_their_own(redis_client):
    with (
        services.provision(("redis",), file_dir=False) as first,
        services.provision(("redis",), file_dir=False) as second,
    ):
        assert first.redis_url != second.redis_url
        assert services.redis_url() not in (first.redis_url, second.redis_url)
        one = redis_client.Redis.from_url(first.redis_url)
        other = redis_client.Redis.from_url(second.redis_url)
        other.set("session", "kept")
        one.flushdb()  # what django-redis' cache.clear() does
        assert other.get("session") == b"kept"
        assert first.versions["redis"]
    base = redis_client.Redis.from_url(services.redis_url())
    for given in (first, second):
        db = given.redis_url.rsplit("/", 1)[1]
        assert not base.exists(f"{services.LEASE_PREFIX}{db}"), "the lease is released"
        assert redis_client.Redis.from_url(given.redis_url).dbsize() == 0, "and left empty"


def test_a_repeated_run_starts_from_empty_stores(redis_client):
    with services.provision(("redis",), file_dir=True) as given:
        redis_client.Redis.from_url(given.redis_url).set("k", "v")
        (Path(given.file_dir) / "sessionidabc").touch()
        given.reset()
        assert redis_client.Redis.from_url(given.redis_url).dbsize() == 0
        assert list(Path(given.file_dir).iterdir()) == []
        given.check()
    assert not Path(given.file_dir).exists()


def test_no_redis_means_not_run_with_the_url_but_not_the_password(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://me:secret@127.0.0.1:1/0")
    with (
        pytest.raises(services.ServiceUnavailable) as raised,
        services.provision(("redis",), file_dir=False),
    ):
        pass
    assert str(raised.value).startswith("no Redis at redis://127.0.0.1:1/0")
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://h:6379/0", "redis://h:6379/5"),
        ("redis://h:6379/0?db=3&ssl_cert_reqs=none", "redis://h:6379/5?ssl_cert_reqs=none"),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=5"),
    ],
)
def test_the_leased_database_wins_over_any_in_the_url(url, expected):
    assert services._with_db(url, 5) == expected
