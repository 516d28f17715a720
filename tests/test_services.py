"""Providers: each run gets a private namespace on the real service, released on every exit."""

import functools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from session_matrix.core import services
from session_matrix.core.services.redis import BASES_KEY, LEASE_PREFIX
from tests.helpers import ROOT


def provision_fails(needs, match):
    """Provisioning ``needs`` is refused with a message matching ``match``."""
    with pytest.raises(services.ServiceUnavailable, match=match), services.provision(needs, "x"):
        pass


@pytest.fixture
def redis_url(private_redis, monkeypatch):
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    return private_redis.url


def test_two_runs_at_once_get_databases_of_their_own(redis_url):
    with (
        services.provision(["redis"], "one") as first,
        services.provision(["redis"], "two") as second,
    ):
        one, two = first.values["redis_url"], second.values["redis_url"]
        assert one != two
        assert redis_url not in (one, two)
        other = redis.Redis.from_url(two)
        other.set("session", "kept")
        redis.Redis.from_url(one).flushdb()  # what django-redis' cache.clear() does
        assert other.get("session") == b"kept"
        assert first.versions["redis"]
    base = redis.Redis.from_url(redis_url)
    assert not base.keys(f"{LEASE_PREFIX}*"), "every lease is released"
    assert redis.Redis.from_url(two).dbsize() == 0, "and the database left empty"


def test_a_lease_left_by_a_dead_process_is_reclaimed(redis_url):
    base = redis.Redis.from_url(redis_url)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    import platform

    for db in range(1, 16):
        base.set(f"{LEASE_PREFIX}{db}", f"{platform.node()}:{dead}:stale", ex=3600)
    with services.provision(["redis"], "reclaim") as given:
        assert given.values["redis_url"].endswith("/1")
    assert not base.exists(f"{LEASE_PREFIX}1")


def test_leases_held_by_live_processes_leave_the_column_not_run(redis_url):
    base = redis.Redis.from_url(redis_url)
    import platform

    for db in range(1, 16):
        base.set(f"{LEASE_PREFIX}{db}", f"{platform.node()}:{os.getpid()}:busy", ex=60)
    provision_fails(["redis"], "no free Redis database")


def test_no_redis_is_not_run_with_the_address(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    provision_fails(["redis"], re.escape("no Redis at redis://127.0.0.1:1/0"))


@pytest.mark.fault
def test_a_restart_during_the_run_is_service_lost(private_redis, monkeypatch):
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    with services.provision(["redis"], "blink") as given:
        given.check()
        private_redis.kill()
        private_redis.start()
        with pytest.raises(services.ServiceLost, match="restarted during the run"):
            given.check()


def test_a_repeated_run_starts_from_empty_stores(redis_url):
    with services.provision(["redis", "files"], "repeat") as given:
        redis.Redis.from_url(given.values["redis_url"]).set("k", "v")
        directory = Path(given.values["file_dir"])
        (directory / "sessionidabc").touch()
        given.reset()
        assert redis.Redis.from_url(given.values["redis_url"]).dbsize() == 0
        assert list(directory.iterdir()) == []
        given.check()
    assert not directory.exists()


def test_memcached_is_private_and_stopped(tmp_path):
    from session_matrix.core.services.memcached import stats

    provider = services.registry()["memcached"]
    if provider.address() == "memcached" and not any(
        (Path(p) / "memcached").exists() for p in os.environ["PATH"].split(os.pathsep)
    ):
        pytest.fail("memcached is not installed (apt-get install memcached): .ci/run installs it")
    with provider.provide("mc") as given:
        port = int(given.values["memcached_location"].rsplit(":", 1)[1])
        assert stats(port)["version"] == given.version
        given.check()
    with pytest.raises(ConnectionRefusedError):
        stats(port)


@pytest.mark.fault
def test_a_port_another_memcached_took_is_never_shared(monkeypatch):
    """The free port is chosen before memcached binds it: if another run's memcached took it
    in between, its answers are not taken for ours (a flush_all would empty the other run's
    sessions); the run starts its own server on another port."""
    import shutil

    from session_matrix.core.services import memcached
    from tests.helpers import free_port

    binary = shutil.which(services.registry()["memcached"].address())
    if binary is None:
        pytest.fail("memcached is not installed (apt-get install memcached): .ci/run installs it")
    taken = free_port()
    command = [binary, "-l", "127.0.0.1", "-p", str(taken), "-U", "0", "-t", "1"]
    other = subprocess.Popen(command + (["-u", "root"] if os.geteuid() == 0 else []))
    try:
        for _ in range(200):
            try:
                memcached.stats(taken)
                break
            except OSError:
                time.sleep(0.02)
        ports = iter([taken])
        real_free_port = memcached.free_port
        monkeypatch.setattr(memcached, "free_port", lambda: next(ports, None) or real_free_port())
        with services.provision(["memcached"], "mc") as given:
            port = int(given.values["memcached_location"].rsplit(":", 1)[1])
            assert port != taken
            assert memcached.stats(port)["pid"] != memcached.stats(taken)["pid"]
            given.reset()
            given.check()
        assert memcached.stats(taken)["pid"] == str(other.pid)  # the other server lives on
    finally:
        other.terminate()
        other.wait(timeout=10)


def test_no_memcached_binary_is_not_run(monkeypatch):
    monkeypatch.setenv("MEMCACHED", "/nonexistent/memcached")
    with (
        pytest.raises(
            services.ServiceUnavailable, match="no memcached at '/nonexistent/memcached'"
        ),
        services.provision(["memcached"], "none"),
    ):
        pass


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_a_database_server_gives_a_private_test_database(name):
    with services.provision([name], f"db-{name}") as given:
        (database,) = (
            given.values.values()
            if len(given.values) == 1
            else [given.values[p] for p in services.registry()[name].placeholders]
        )
        assert database["NAME"].startswith("sm_db_")
        assert database["TEST"]["NAME"] == f"test_{database['NAME']}"
        assert given.versions[name]
        given.check()


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_the_same_column_run_twice_at_once_gets_two_databases(name):
    """Two checkouts running the same column at the same time on one server."""
    placeholder = services.registry()[name].placeholders[0]
    with (
        services.provision([name], f"db-{name}-dj6.1") as one,
        services.provision([name], f"db-{name}-dj6.1") as two,
    ):
        first, second = one.values[placeholder], two.values[placeholder]
        assert first["NAME"] != second["NAME"]
        assert first["TEST"]["NAME"] != second["TEST"]["NAME"]


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_an_absent_database_server_is_not_run(name, monkeypatch):
    provider = services.registry()[name]
    monkeypatch.setenv(provider.env_var, f"{provider.default.split('://')[0]}://u@127.0.0.1:1/x")
    provision_fails([name], re.escape("127.0.0.1:1"))


@pytest.mark.parametrize(
    ("name", "variable", "url", "refusal"),
    [
        (
            "postgres",
            "POSTGRES_URL",
            "postgresql://sm_no_such_role@127.0.0.1:5432/test",
            'role "sm_no_such_role" does not exist',
        ),
        ("mysql", "MYSQL_URL", "mysql://root:sm-wrong@127.0.0.1:3306/test", "Access denied"),
    ],
)
def test_wrong_credentials_are_not_run_with_the_servers_refusal(
    name, variable, url, refusal, monkeypatch
):
    """The real server, a user or password it rejects: not run, saying the server is there
    and what to check, never "no server at" (nor "start one")."""
    monkeypatch.setenv(variable, url)
    with pytest.raises(services.ServiceUnavailable) as caught, services.provision([name], "x"):
        pass
    reason = str(caught.value)
    assert " rejected the connection (" in reason
    assert refusal in reason
    assert "check the user and password" in reason or "check the user, password" in reason
    assert not reason.startswith("no ")
    assert "sm-wrong" not in reason  # the password stays out of messages


@pytest.mark.fault
def test_sigterm_releases_the_lease_and_removes_the_directory(redis_url, tmp_path):
    """A process killed politely (nox sends SIGTERM after Ctrl-C) cleans up after itself."""
    script = (
        "import signal, sys, time\n"
        "from session_matrix.core import services\n"
        "from session_matrix.core.runner import Interrupted\n"
        "def stop(*_): raise Interrupted\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "try:\n"
        "    with services.provision(['redis', 'files'], 'term') as given:\n"
        "        print(given.values['file_dir'], flush=True)\n"
        "        time.sleep(60)\n"
        "except Interrupted:\n"
        "    sys.exit(130)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"REDIS_URL": redis_url},
    )
    directory = Path(process.stdout.readline().strip())
    base = redis.Redis.from_url(redis_url)
    assert directory.is_dir()
    assert base.keys(f"{LEASE_PREFIX}*")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 130
    assert not directory.exists()
    assert not base.keys(f"{LEASE_PREFIX}*")


def test_a_server_older_than_django_supports_is_not_run_with_djangos_minimum():
    from session_matrix.core.services.postgres import too_old

    reason = too_old((12,), (15,), "PostgreSQL", "postgresql://u@h:5432/x")
    assert reason.startswith("PostgreSQL 12 at postgresql://u@h:5432/x is too old for Django ")
    assert reason.endswith("(needs 15+)")
    assert too_old((15,), (15,), "PostgreSQL", "x") == ""


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_the_real_server_below_djangos_minimum_is_not_run(name, monkeypatch):
    """The real server's reported version against a minimum raised above it (no old server is
    at hand): not run, with the server's version and Django's minimum; for MariaDB, the
    minimum Django states for MariaDB, not MySQL's."""
    if name == "postgres":
        from django.db.backends.postgresql.features import DatabaseFeatures

        monkeypatch.setattr(DatabaseFeatures, "minimum_database_version", (99,))
        expected = r"PostgreSQL \d+ at \S+ is too old for Django \S+ \(needs 99\+\)"
    else:
        from django.db.backends.mysql.features import DatabaseFeatures

        def minimum(features):
            return (99, 1) if features.connection.mysql_is_mariadb else (1, 0)

        monkeypatch.setattr(
            DatabaseFeatures, "minimum_database_version", functools.cached_property(minimum)
        )
        expected = r"MariaDB \d+\.\d+ at \S+ is too old for Django \S+ \(needs 99\.1\+\)"
    provision_fails([name], expected)


def test_the_records_guide_names_every_provider_as_it_is():
    """engines/README.md's services table: a row per provider, with its variable, its default
    address and its placeholders as the provider defines them."""
    text = (ROOT / "engines" / "README.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in text.splitlines()
        if line.startswith("| `")
    }
    for name, provider in services.registry().items():
        row = rows.get(name, "")
        assert row, f"engines/README.md: no row for the {name} service"
        assert f"`{provider.env_var}`" in row, row
        assert f"`{provider.default}`" in row or not provider.default, row
        assert all(f"`{{{p}}}`" in row for p in provider.placeholders), row


def test_checkouts_with_different_base_databases_share_their_leases(private_redis, monkeypatch):
    """Leases lived in the base database: a checkout on …/0 and one on …/1 each leased
    database 2, and flushed each other's sessions."""
    from session_matrix.core.services.redis import with_db

    monkeypatch.setenv("REDIS_URL", with_db(private_redis.url, 1))
    with services.provision(["redis"], "one") as first:
        monkeypatch.setenv("REDIS_URL", with_db(private_redis.url, 0))
        with services.provision(["redis"], "zero") as second:
            dbs = {given.values["redis_url"].rsplit("/", 1)[1] for given in (first, second)}
            assert len(dbs) == 2, "two runs, two databases"
            assert not dbs & {"0", "1"}, "no base database of a run in progress is leased"
            leases = redis.Redis.from_url(with_db(private_redis.url, 0))
            assert len(leases.keys(f"{LEASE_PREFIX}*")) == 2, "both leases in one place"
    assert not leases.keys(f"{LEASE_PREFIX}*"), "both released"
    assert not leases.zrange(BASES_KEY, 0, -1), "and their base databases"


# --------------------------------------------------------------------- one Chromium per run

_OWNER = """
import sys
from session_matrix.core.services import chromium
chromium.claim_run()
first, second = chromium.shared(sys.argv[1]), chromium.shared(sys.argv[1])
print(first, second, chromium._state(str(chromium.os.getpid())).read_text(), flush=True)
sys.stdin.read()  # until the test lets the run end
"""


def _answers(endpoint):
    """Whether the browser server at ``ws://127.0.0.1:<port>/<id>`` still listens."""
    from urllib.parse import urlsplit

    return services.listening("127.0.0.1", urlsplit(endpoint).port)


def _gone(pid, deadline=60.0):
    """Wait (up to ``deadline`` seconds) for the process ``pid`` to end."""
    import platform

    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if services.gone_from_this_host(platform.node(), pid):
            return True
        time.sleep(0.1)
    return False


def _run_owner():
    """A process that owns a run and asks for its Chromium twice."""
    import json
    import shutil

    executable = shutil.which(os.environ.get("CHROMIUM") or "chromium")
    assert executable, "no Chromium installed (apt-get install chromium, or set CHROMIUM)"
    env = {k: v for k, v in os.environ.items() if k != "SESSION_MATRIX_CHROMIUM_RUN"}
    env.pop("SESSION_MATRIX_SHARED_CHROMIUM", None)
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, executable],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    first, second, state = owner.stdout.readline().split(" ", 2)
    return owner, first, second, json.loads(state)


def test_a_run_starts_one_chromium_and_stops_it_as_it_ends():
    owner, first, second, state = _run_owner()
    assert first == second, "the second column connects to the first one's Chromium"
    assert first.startswith("ws://127.0.0.1:")
    assert _answers(first)
    owner.communicate("")  # the run ends: its atexit stops the Chromium
    assert owner.returncode == 0
    assert _gone(state["watcher"]), "the run's Chromium outlived it"
    assert not _answers(first)


@pytest.mark.fault
def test_a_run_killed_outright_leaves_no_chromium_behind():
    owner, first, _, state = _run_owner()
    owner.kill()  # no atexit: the watcher notices its run is gone
    owner.wait()
    assert _gone(state["watcher"]), "the run's Chromium outlived it"
    assert not _answers(first)


def test_outside_a_run_a_column_launches_its_own(monkeypatch):
    from session_matrix.core.services import chromium

    monkeypatch.delenv(chromium.RUN_VAR, raising=False)
    assert chromium.shared("/usr/bin/chromium") is None
    monkeypatch.setenv(chromium.SHARED_VAR, "0")
    chromium.claim_run()  # one Chromium per column, as asked
    assert chromium.RUN_VAR not in os.environ
