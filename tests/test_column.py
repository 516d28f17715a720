"""The column runner: what it writes for each kind of run, and the faults a run can meet.

Most tests here run real columns (``python -m session_matrix.matrix.column``) on the installed
Django, with a private redis-server that a test may kill, and real signals.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import django
import pytest
import redis

from session_matrix.core import pytest_run, selection, services
from session_matrix.core.model import read_matrix, read_raw
from session_matrix.core.services.redis import LEASE_PREFIX
from session_matrix.matrix import column
from tests.helpers import ROOT, row, snapshot
from tests.started import DEADLINE, go, started_env, wait_for

DJANGO = ".".join(django.get_version().split(".")[:2])
REDIS_RECORD = "cache"  # the default configuration of the cache engine


def test_repeated_runs_that_disagree_keep_every_outcome_and_the_failure():
    first = {"t.py::x": row(), "t.py::y": row()}
    second = {"t.py::x": row("failed", "KeyError", "'foo'"), "t.py::y": row()}
    combined = pytest_run.combine_runs([first, second])
    assert combined["t.py::x"].runs == ["passed", "failed"]
    assert combined["t.py::x"].exception == "KeyError"
    assert combined["t.py::x"].outcome == "passed"
    assert combined["t.py::y"].runs == ["passed", "passed"]


def test_a_single_run_carries_no_runs_list():
    assert pytest_run.combine_runs([{"t.py::x": row()}])["t.py::x"].runs == []


def test_a_selection_updates_its_rows_and_a_full_run_replaces_the_column():
    old = {"a": row(), "b": row()}
    new = {"b": row("failed"), "c": row()}
    assert column.merge_rows(old, new, complete=False) == {
        "a": old["a"],
        "b": new["b"],
        "c": new["c"],
    }
    assert column.merge_rows(old, new, complete=True) == new


@pytest.mark.parametrize(
    ("args", "narrowed"),
    [
        ([], []),
        (["-p", "no:randomly", "-v", "--tb=long"], []),
        (["-k", "naive"], ["-k", "naive"]),
        (["-knaive"], ["-knaive"]),
        (["-m", "auth", "-x"], ["-m", "auth", "-x"]),
        (["--maxfail=2"], ["--maxfail=2"]),
        (["matrix_tests/test_auth.py"], ["matrix_tests/test_auth.py"]),
        # pytest's short options cluster: these stop early or deselect all the same.
        (["-vx"], ["-vx"]),
        (["-xq"], ["-xq"]),
        (["-vk", "naive"], ["-vk", "naive"]),
        (["-qknaive"], ["-qknaive"]),
        (["-vm", "auth"], ["-vm", "auth"]),
        (["-rx", "-p", "no:randomly"], []),
        # A -k expression longer than a file name may be (ENAMETOOLONG) is no path.
        (["-k", " or ".join(f"test_pattern_{n}" for n in range(40))], None),
    ],
)
def test_which_arguments_make_a_selection(args, narrowed):
    assert selection.narrowing(args, ROOT) == (args if narrowed is None else narrowed)


def test_a_path_after_the_separator_replaces_the_whole_catalogue():
    assert "matrix_tests" in pytest_run.pytest_arguments([], 1)
    command = pytest_run.pytest_arguments(["matrix_tests/test_auth.py"], 1)
    assert "matrix_tests" not in command
    assert command[-1] == "matrix_tests/test_auth.py"
    assert "--randomly-seed=1" in command


# ------------------------------------------------------------------ real columns


def run(configuration, *pytest_args, results, env=None, check_code=None):
    command = [
        sys.executable,
        "-m",
        "session_matrix.matrix.column",
        "--configuration",
        configuration,
        "--django",
        DJANGO,
        "--seed",
        "1",
        "--",
        *pytest_args,
    ]
    environment = os.environ | {"SESSION_MATRIX_RESULTS": str(results)} | (env or {})
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    if check_code is not None:
        assert done.returncode == check_code, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def raw(results, configuration):
    return read_raw(results / "raw" / f"{configuration}-dj{DJANGO}.json")


def start_leased(pytest_args, results, redis_server, env):
    """Start a column in the background and return once it has leased its Redis database."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "session_matrix.matrix.column",
            "--configuration",
            REDIS_RECORD,
            "--django",
            DJANGO,
            "--",
            *pytest_args,
        ],
        cwd=ROOT,
        env=os.environ | env | {"SESSION_MATRIX_RESULTS": str(results)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + DEADLINE
    while not base.keys(f"{LEASE_PREFIX}*"):
        assert time.monotonic() < deadline
        assert process.poll() is None
        time.sleep(0.01)
    return process, base


@pytest.fixture
def good_cache(results_dir, private_redis):
    """A cache column with results from a good run (two seed idioms)."""
    env = {"REDIS_URL": private_redis.url}
    run(REDIS_RECORD, "-k", "naive", results=results_dir, env=env, check_code=0)
    before = raw(results_dir, REDIS_RECORD)
    assert before.last_run.status == "ok"
    assert before.tests
    return before, env


@pytest.mark.fault
@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        ("kill", "not run: no Redis at redis://127.0.0.1:"),
        ("malformed", "not run: no Redis at nonsense"),
        ("exhaust", "not run: no free Redis database"),
    ],
)
def test_a_column_that_cannot_run_keeps_its_good_results(
    good_cache, results_dir, private_redis, break_it, reason
):
    before, env = good_cache
    if break_it == "kill":
        private_redis.kill()
    elif break_it == "malformed":
        env = env | {"REDIS_URL": "nonsense"}
    else:
        import platform

        base = redis.Redis.from_url(private_redis.url)
        for db in range(1, 16):  # every database leased by a live process
            base.set(f"{LEASE_PREFIX}{db}", f"{platform.node()}:{os.getpid()}:other", ex=60)
    run(REDIS_RECORD, "-k", "naive", results=results_dir, env=env, check_code=0)
    after = raw(results_dir, REDIS_RECORD)
    assert after.last_run.status == "not_run"
    assert after.last_run.reason.startswith(reason)
    assert after.tests == before.tests
    assert after.results == before.results


@pytest.mark.fault
def test_a_restart_of_redis_during_the_run_is_a_broken_run(
    good_cache, results_dir, private_redis, tmp_path
):
    before, env = good_cache
    marker = tmp_path / "started"
    process, _ = start_leased(
        ["-k", "sleep"], results_dir, private_redis, env | started_env(marker)
    )
    wait_for(marker, process)  # a pattern is running on the leased database
    private_redis.kill()
    private_redis.start()
    go(marker)
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 1, output[-2000:]
    after = raw(results_dir, REDIS_RECORD)
    assert after.last_run.status == "error"
    assert "Redis" in after.last_run.reason
    assert after.tests == before.tests, "the good rows stay"


def test_a_selection_that_matches_nothing_writes_nothing(results_dir):
    run("db", "-k", "naive", results=results_dir, check_code=0)
    before = snapshot(results_dir)
    done = run("db", "-k", "no_such_pattern_anywhere", results=results_dir, check_code=2)
    assert "matches no pattern" in done.stderr
    assert "nothing written" in done.stderr
    assert snapshot(results_dir) == before


def test_rejected_pytest_arguments_write_nothing(results_dir):
    done = run("db", "--no-such-option", results=results_dir, check_code=2)
    assert "nothing written" in done.stderr
    assert not list((results_dir / "raw").glob("*.json"))


def test_an_unknown_record_is_one_line_and_nothing_written(results_dir):
    done = run("mongo", results=results_dir, check_code=2)
    assert done.stderr.strip().count("\n") == 0
    assert "unknown configuration 'mongo'" in done.stderr
    assert not list((results_dir / "raw").glob("*.json"))


@pytest.mark.fault
@pytest.mark.parametrize("stop", [["-x"], ["-vx"], ["--maxfail=1"]])
def test_stopping_early_with_x_keeps_the_rows_it_did_not_reach(results_dir, stop):
    """`-vx` once replaced the whole column with the rows it reached before stopping."""
    run("signed_cookies", "-k", "naive or update or delete", results=results_dir, check_code=0)
    before = raw(results_dir, "signed_cookies")
    run("signed_cookies", *stop, results=results_dir, check_code=0)
    after = raw(results_dir, "signed_cookies")
    assert set(after.tests) >= set(before.tests)
    newer = [node for node, r in after.tests.items() if r.at == after.last_run.finished]
    assert 0 < len(newer) < len(after.tests), f"{stop} stopped early; the rest is kept"
    assert [r.outcome for r in after.tests.values() if r.at == after.last_run.finished].count(
        "failed"
    ) == 1


def test_a_selection_after_the_patterns_changed_leaves_the_column_stale(
    results_dir, tmp_path, monkeypatch
):
    """A selection once stamped the current fingerprint on the whole column, so rows kept
    from a run of older patterns no longer read stale."""
    from session_matrix.core import records
    from session_matrix.matrix.fingerprint import fingerprint

    engines = tmp_path / "engines"
    engines.mkdir()
    record = engines / "db-fp.toml"
    record.write_text('extends = "db"\n')
    env = {"SESSION_MATRIX_ENGINES_DIR": str(engines)}
    monkeypatch.setenv("SESSION_MATRIX_ENGINES_DIR", str(engines))
    run("db-fp", "-k", "naive or update", results=results_dir, env=env, check_code=0)
    first = raw(results_dir, "db-fp").results.fingerprint
    # A change of what it runs (a comment alone leaves every cell's inputs as they were).
    record.write_text('extends = "db"\n[settings]\nSESSION_COOKIE_AGE = 600\n')
    assert fingerprint(records.load("db-fp")) != first
    run("db-fp", "-k", "naive", results=results_dir, env=env, check_code=0)
    assert raw(results_dir, "db-fp").results.fingerprint == first, "still stale"
    run("db-fp", "-k", "naive or update", results=results_dir, env=env, check_code=0)
    after = raw(results_dir, "db-fp")
    assert after.results.fingerprint == fingerprint(records.load("db-fp")), "every row re-ran"


@pytest.mark.parametrize("spelling", [["-vk", "naive"], ["-qknaive"]])
def test_a_clustered_k_is_a_selection_that_keeps_the_other_rows(results_dir, spelling):
    """`nox -- -vk naive` once replaced the whole column with the 2 rows it ran."""
    run("db", "-k", "naive or update", results=results_dir, check_code=0)
    before = raw(results_dir, "db")
    run("db", *spelling, results=results_dir, check_code=0)
    after = raw(results_dir, "db")
    assert set(after.tests) == set(before.tests)
    newer = {node for node, r in after.tests.items() if r.at == after.last_run.finished}
    assert newer
    assert all("naive" in node for node in newer)
    assert len(newer) < len(after.tests)


@pytest.mark.parametrize("path", ["tests/test_drift.py", "/etc", "matrix_tests/../tests"])
def test_a_path_outside_the_patterns_is_bad_input_and_writes_nothing(results_dir, path):
    """`nox -- tests/test_drift.py` once recorded the harness's own tests as 6 of the db
    column's patterns, and the report said the run had updated them."""
    run("db", "-k", "naive", results=results_dir, check_code=0)
    before = snapshot(results_dir)
    done = run("db", path, results=results_dir, check_code=2)
    assert done.stderr.strip().count("\n") == 0
    assert f"{path}: a path after -- must be under matrix_tests/" in done.stderr
    assert snapshot(results_dir) == before


def test_a_path_restricts_the_run_to_it(results_dir):
    run("db", "matrix_tests/test_auth.py", results=results_dir, check_code=0)
    tests = raw(results_dir, "db").tests
    assert tests
    assert all(node.startswith("matrix_tests/test_auth.py::") for node in tests)


@pytest.mark.fault
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_column_keeps_its_rows_and_releases_everything(
    good_cache, results_dir, private_redis, sig, tmp_path
):
    before, env = good_cache
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    marker = tmp_path / "started"
    process, base = start_leased(
        ["-k", "sleep"],
        results_dir,
        private_redis,
        env | {"TMPDIR": str(tmp)} | started_env(marker),
    )
    wait_for(marker, process)  # a pattern's body has started, and is held there
    process.send_signal(sig)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 130, output[-2000:]
    after = raw(results_dir, REDIS_RECORD)
    assert after.last_run.status == "interrupted"
    assert after.tests == before.tests
    assert not base.keys(f"{LEASE_PREFIX}*"), "the lease is released"
    assert [p.name for p in tmp.iterdir()] == [], "no temporary directory is left behind"


def _alive(pid):
    """A process that exists and is not a zombie (this container's init may not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.mark.fault
def test_a_column_killed_outright_takes_its_memcached_and_patterns_with_it(results_dir, tmp_path):
    """SIGKILL (the OOM killer) cannot be handled: the private memcached was left running
    for good, and pytest ran on against services nobody held any more."""
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "session_matrix.matrix.column",
            "--configuration",
            "cache-memcached",
            "--django",
            DJANGO,
        ],
        cwd=ROOT,
        env=os.environ | {"SESSION_MATRIX_RESULTS": str(results_dir)} | started_env(marker),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children = _children(process, {"memcached", "python"})
    wait_for(marker, process)  # the patterns are running
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [name for name, pid in children.items() if _alive(pid)], "left running"


def _children(process, names):
    """Once ``process`` runs a child of each name (``python`` is its pytest run, not the short
    ``python -c`` checks the runner makes first): name -> pid."""
    deadline = time.monotonic() + DEADLINE
    found = {}
    while not names <= set(found):
        assert time.monotonic() < deadline, found
        assert process.poll() is None, process.communicate()[0]
        listed = subprocess.run(
            ["pgrep", "-P", str(process.pid), "-a"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
        found = {}
        for line in listed:
            pid, _, command = line.partition(" ")
            program = Path(command.split(" ", 1)[0]).name
            name = "python" if program.startswith("python") else program
            if name != "python" or " -m pytest " in command:
                found[name] = int(pid)
        time.sleep(0.05)
    return found


def _start(configuration, results, *pytest_args, marker=None):
    command = [
        sys.executable,
        "-m",
        "session_matrix.matrix.column",
        "--configuration",
        configuration,
    ]
    return subprocess.Popen(
        [*command, "--django", DJANGO, "--seed", "1", "--", *pytest_args],
        cwd=ROOT,
        env=os.environ
        | {"SESSION_MATRIX_RESULTS": str(results)}
        | (started_env(marker) if marker else {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class _Database:
    """The test database a running column's pytest uses, on the real server."""

    QUERIES = {  # noqa: RUF012
        "postgres": (
            "SELECT pid FROM pg_stat_activity WHERE datname = %s",
            "SELECT pg_terminate_backend(%s)",
            "SELECT datname FROM pg_database WHERE datname = %s",
        ),
        "mysql": (
            "SELECT id FROM information_schema.processlist WHERE db = %s",
            "KILL %s",
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = %s",
        ),
    }

    def __init__(self, service, pytest_pid):
        environ = Path(f"/proc/{pytest_pid}/environ").read_bytes().split(b"\0")
        variables = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
        provided = json.loads(variables["SESSION_MATRIX_PROVIDED"])
        placeholder = services.registry()[service].placeholders[0]
        self.name = provided["values"][placeholder]["TEST"]["NAME"]
        self.service = service

    def _rows(self, query, value):
        provider = services.registry()[self.service]
        with contextlib.closing(provider._connect(provider.address())) as conn:
            cursor = conn.cursor()
            cursor.execute(query, (value,))
            return [row[0] for row in cursor.fetchall()]

    def connections(self):
        return self._rows(self.QUERIES[self.service][0], self.name)

    def cut(self):
        """Close every connection to it from the server's side (a lost connection)."""
        for connection in self.connections():
            self._rows(self.QUERIES[self.service][1], connection)

    def exists(self):
        return bool(self._rows(self.QUERIES[self.service][2], self.name))


@pytest.mark.fault
@pytest.mark.parametrize("service", ["memcached", "postgres", "mysql"])
def test_a_service_lost_during_the_run_is_a_broken_run_not_failures(
    results_dir, service, tmp_path
):
    """A blink of the newer services: the column reads broken (its good rows kept), never
    a column of failures."""
    configuration = {"memcached": "cache-memcached", "postgres": "db-postgres"}.get(
        service, "db-mariadb"
    )
    run(configuration, "-k", "sleep", results=results_dir, check_code=0)
    before = raw(results_dir, configuration)
    marker = tmp_path / "started"
    process = _start(configuration, results_dir, "-k", "sleep", marker=marker)
    if service == "memcached":
        children = _children(process, {"python", "memcached"})
        wait_for(marker, process)  # inside the first pattern
        os.kill(children["memcached"], signal.SIGKILL)
        expected = "memcached on port"
    else:
        database = _Database(service, _children(process, {"python"})["python"])
        wait_for(marker, process)  # inside the first pattern, held there
        assert database.connections()
        database.cut()
        expected = "a service went away during the run"
    go(marker)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 1, output[-2000:]
    after = raw(results_dir, configuration)
    assert after.last_run.status == "error"
    assert expected in after.last_run.reason
    assert after.tests == before.tests, "the good rows stay"


@pytest.mark.fault
@pytest.mark.parametrize("service", ["memcached", "postgres", "mysql"])
def test_an_interrupted_column_drops_its_test_database_and_stops_its_server(
    results_dir, service, tmp_path
):
    configuration = {"memcached": "cache-memcached", "postgres": "db-postgres"}.get(
        service, "db-mariadb"
    )
    marker = tmp_path / "started"
    process = _start(configuration, results_dir, "-k", "sleep", marker=marker)
    names = {"python", "memcached"} if service == "memcached" else {"python"}
    children = _children(process, names)
    database = None
    if service != "memcached":
        database = _Database(service, children["python"])
    wait_for(marker, process)  # a pattern runs: the test database exists
    if database is not None:
        assert database.exists()
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 130, output[-2000:]
    assert raw(results_dir, configuration).last_run.status == "interrupted"
    if database is not None:
        assert not database.exists(), f"{database.name} is left on the server"
    assert not [name for name, pid in children.items() if _alive(pid)], "left running"


@pytest.mark.fault
@pytest.mark.parametrize("service", ["postgres", "mysql"])
def test_a_test_database_left_by_a_killed_column_is_dropped_by_the_next_run(
    results_dir, service, tmp_path
):
    """SIGKILL gives the runner no chance to drop its test database; the next run on this
    host drops it, since the process its name records is gone."""
    configuration = {"postgres": "db-postgres"}.get(service, "db-mariadb")
    marker = tmp_path / "started"
    process = _start(configuration, results_dir, "-k", "sleep", marker=marker)
    database = _Database(service, _children(process, {"python"})["python"])
    wait_for(marker, process)  # a pattern runs: the test database exists
    assert database.exists()
    process.kill()
    process.communicate(timeout=60)
    deadline = time.monotonic() + 10  # its pytest gets SIGTERM as the runner dies
    while database.connections():
        assert time.monotonic() < deadline, "the killed column's pytest is still connected"
        time.sleep(0.1)
    assert database.exists(), "the killed column left nothing: this test proves nothing"
    with services.provision([service], f"{configuration}-dj{DJANGO}"):
        assert not database.exists(), f"{database.name} was not reclaimed"


# ------------------------------------------------------------ never lost (issue 20)


def test_a_pattern_not_run_keeps_its_earlier_measured_outcome():
    old = {
        "t.py::browser": row("failed", "AssertionError", "x", at="2026-11-30T10:00:00+00:00"),
        "t.py::never": row("not_run", reason="not run: no Chromium"),
    }
    new = {
        "t.py::browser": row("not_run", reason="not run: no Chromium at '/nowhere'"),
        "t.py::never": row("not_run", reason="not run: no Chromium at '/nowhere'"),
        "t.py::client": row(),
    }
    kept = column.keep_measured(old, new, "2026-12-04T21:00:00+00:00")
    assert kept["t.py::browser"].outcome == "failed"
    assert kept["t.py::browser"].exception == "AssertionError"
    assert kept["t.py::browser"].at == old["t.py::browser"].at
    assert kept["t.py::browser"].reason == (
        "last run 2026-12-04: not run: no Chromium at '/nowhere'; "
        "showing the result from 2026-11-30"
    )
    assert kept["t.py::never"] == new["t.py::never"], "nothing measured: nothing to keep"
    assert kept["t.py::client"] == new["t.py::client"]


def test_no_chromium_leaves_every_measured_browser_cell_in_place(results_dir, tmp_path):
    """On a machine without Chromium, `uvx nox` turned 476 measured browser cells into ❔,
    dropped two 🚫 verdicts and changed an advice count."""
    browser = "matrix_tests/test_browser.py"
    run("signed_cookies", browser, results=results_dir, check_code=0)
    before = raw(results_dir, "signed_cookies")
    measured = {n: r.outcome for n, r in before.tests.items() if r.outcome != "not_run"}
    assert any(node.endswith("_in_browser") for node in measured), "Chromium ran nothing"
    done = run(
        "signed_cookies",
        results=results_dir,
        env={"CHROMIUM": str(tmp_path / "no-chromium"), "MEMCACHED": str(tmp_path / "none")},
        check_code=0,
    )
    after = raw(results_dir, "signed_cookies")
    assert after.last_run.status == "ok", done.stderr[-2000:]
    for node, outcome in measured.items():
        assert after.tests[node].outcome == outcome, node
        if node.endswith("_in_browser"):
            assert after.tests[node].reason.startswith(
                f"last run {after.last_run.finished[:10]}: not run: no Chromium"
            )
            assert f"showing the result from {before.last_run.finished[:10]}" in (
                after.tests[node].reason
            )
    published = results_dir / "published"
    (published / "raw").mkdir(parents=True)
    shutil.copy(results_dir / "raw" / f"signed_cookies-dj{DJANGO}.json", published / "raw")
    done = subprocess.run(
        [sys.executable, "-m", "session_matrix", "report", "--no-readme"],
        cwd=ROOT,
        env=os.environ | {"SESSION_MATRIX_RESULTS": str(published)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    matrix = read_matrix(published / "matrix.json")
    shown = f"signed_cookies-dj{DJANGO}"
    for node, outcome in measured.items():
        assert matrix.cells[node][shown].status == outcome, node


@pytest.mark.parametrize("how", ["immutable", "full disk"])
def test_a_run_that_cannot_write_its_raw_file_is_an_error_not_the_old_file(
    results_dir, tmp_path, how
):
    """`chattr -R +i results` or a full disk: the runner exited 0 and nox read the previous
    run's file, status ok, as this run's."""
    run("db", "-k", "naive", results=results_dir, check_code=0)
    results = results_dir
    if how == "immutable":
        if subprocess.run(["chattr", "-R", "+i", str(results)], check=False).returncode:
            pytest.skip("chattr +i is not possible here (needs root and ext4/xfs)")
        undo = ["chattr", "-R", "-i", str(results)]
    else:
        results = tmp_path / "small"
        results.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(results)], check=False
        )
        if mounted.returncode:
            pytest.skip("mounting a small tmpfs is not possible here (needs root)")
        undo = ["umount", str(results)]
        shutil.copytree(results_dir, results, dirs_exist_ok=True)
        free = os.statvfs(results)
        (results / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 2048))
    try:
        before = snapshot(results)
        done = run("db", "-k", "naive or update", results=results)
        after = snapshot(results)
    finally:
        subprocess.run(undo, check=True)
    assert done.returncode == column.CANNOT_RECORD, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: db-dj{DJANGO}: cannot write ")
    fix = "make it writable" if how == "immutable" else "free some space"
    assert fix in lines[0]
    assert after == before, "the previous file is left as it was"


def test_two_selections_of_one_column_at_once_both_land(results_dir):
    """`-- -m auth` and `-- -m expiry` at once: each read the raw file at its start, outside
    the lock, and the later write dropped the other's rows."""
    first = _start("db", results_dir, "-m", "auth")
    second = _start("db", results_dir, "-m", "expiry")
    outputs = [first.communicate(timeout=300)[0], second.communicate(timeout=300)[0]]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    tests = raw(results_dir, "db").tests
    assert any(node.startswith("matrix_tests/test_auth.py::") for node in tests)
    assert any(node.startswith("matrix_tests/test_expiry.py::") for node in tests)


def test_a_record_changed_during_the_run_leaves_its_outcomes_stale(
    results_dir, tmp_path, monkeypatch
):
    """The fingerprint was taken as the run ended: a `git stash` or `git pull` during the run
    published the outcomes of a tree that no longer exists as current."""
    engines = tmp_path / "engines"
    engines.mkdir()
    record = engines / "db-fp.toml"
    record.write_text('extends = "db"\n')
    monkeypatch.setenv("SESSION_MATRIX_ENGINES_DIR", str(engines))
    marker = tmp_path / "started"
    command = [sys.executable, "-m", "session_matrix.matrix.column", "--configuration", "db-fp"]
    process = subprocess.Popen(
        [*command, "--django", DJANGO, "--", "-k", "sleep"],
        cwd=ROOT,
        env=os.environ | {"SESSION_MATRIX_RESULTS": str(results_dir)} | started_env(marker),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(marker, process)
    record.write_text('extends = "db"\n[settings]\nSESSION_COOKIE_AGE = 1234\n')
    go(marker)
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output[-2000:]
    assert "changed during the run" in output
    after = raw(results_dir, "db-fp")
    assert after.results.fingerprint.startswith(column.CHANGED_DURING_RUN)
    from session_matrix.core import records
    from session_matrix.matrix.fingerprint import fingerprint

    assert after.results.fingerprint != fingerprint(records.load("db-fp")), "reads stale"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('SESSION_FILE_PATH = "{file_dir}/missing"', "ImproperlyConfigured"),
    ],
)
def test_settings_django_rejects_make_a_broken_column_not_failures(
    results_dir, tmp_path, monkeypatch, setting, expected
):
    """SESSION_FILE_PATH naming a missing folder was status ok with 12 ❌
    ImproperlyConfigured outcomes."""
    engines = tmp_path / "engines"
    engines.mkdir()
    (engines / "file-missing.toml").write_text(f'extends = "file"\n[settings]\n{setting}\n')
    env = {"SESSION_MATRIX_ENGINES_DIR": str(engines)}
    done = run("file-missing", "-m", "auth", results=results_dir, env=env, check_code=1)
    after = raw(results_dir, "file-missing")
    assert after.last_run.status == "error"
    assert expected in after.last_run.reason, after.last_run.reason
    assert "Django rejects the settings" in after.last_run.reason
    assert after.tests == {}, done.stdout[-2000:]
