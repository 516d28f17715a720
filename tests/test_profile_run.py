"""The engine profile, for real: the project in a worker process, a profile run through
gunicorn and wrk, and the signals that must stop every process it started.

Configurations are chosen from the records by what they are (a database-backed engine, the
signed-cookie engine, a Redis-backed cache), never by a hard-coded list. No test asserts a
time: speed is what ``nox -s profile`` measures and prints."""

import contextlib
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from session_matrix.core import config, overlay, records, schemas, services
from session_matrix.profile.measures import MIXES
from session_matrix.profile.model import PlannedConfiguration
from session_matrix.profile.model.published import Method
from session_matrix.profile.running import guarantees_served, orchestrate, targets, throughput
from session_matrix.profile.running.guarantees_cache import storage_guarantee
from session_matrix.profile.running.throughput import figure_of, unchecked_reason
from session_matrix.profile.servers import djangoproc, serving
from session_matrix.profile.servers.load_generator import Pool, Wrk
from session_matrix.profile.worker.process import WorkerProcess
from tests.helpers import ROOT, backend, undocumented


def record_where(predicate):
    found = [r for r in records.load_all() if predicate(r)]
    assert found, "no record of that kind: the test derives its configurations from engines/"
    return found[0]


DATABASE = record_where(lambda r: backend(r) == "db" and not r.needs and not r.requires)
COOKIE = record_where(lambda r: backend(r) == "signed_cookies" and not r.requires)


def cache_backend(record):
    return record.settings.get("CACHES", {}).get("default", {}).get("BACKEND", "")


LOCAL_CACHE = record_where(
    lambda r: backend(r) == "cache" and not r.needs and cache_backend(r).endswith("LocMemCache")
)
REDIS_CACHE = record_where(
    lambda r: backend(r) == "cache" and tuple(r.needs) == ("redis",) and not r.requires
)


def python_for(record, served=False):
    """The tests' own interpreter, or for a record that requires packages of its own (or
    ``served``: behind gunicorn, which the profile's group brings) the environment the
    profile measures it in (newest Django, built as ``nox -s profile`` builds it)."""
    if not record.requires and not served:
        return sys.executable
    python, reason = orchestrate.environment(
        config.newest_release().version,
        record,
        orchestrate.dependency_group("matrix"),
        orchestrate.dependency_group("profile"),
    )
    if not python:
        pytest.skip(reason)
    return python


def start_worker(record, tmp_path, bundle):
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = djangoproc.environment(
        record.name,
        overlay.Provided.of(record.name, bundle),
        {"mode": "create", "sqlite": str(tmp_path / "db.sqlite3")},
    )
    worker = WorkerProcess(python_for(record), env, tmp_path / f"{record.name}.log")
    worker.hello(timeout=120)
    return worker


def measure(record, tmp_path, *calls):
    with services.provision(record.needs, label=f"test-profile-{record.name}") as bundle:
        worker = start_worker(record, tmp_path, bundle)
        try:
            return [worker.call(op, **arguments) for op, arguments in calls]
        finally:
            worker.close()


def block(kind, size, count):
    """The worker's command for ``count`` requests of ``kind`` on a ``size``-byte session."""
    return ("block", {"kind": kind, "size": size, "count": count})


def samples(answer, name):
    assert "error" not in answer, answer
    rows = answer[name]
    assert all(row[5] == 200 for row in rows), rows
    return rows


def test_a_database_session_costs_queries_and_no_cache_command(tmp_path):
    read, write = measure(
        DATABASE,
        tmp_path,
        block("read", 100, 5),
        block("write", 100, 5),
    )
    assert all(row[1] >= 1 and row[2] == 0 for row in samples(read, "read"))
    assert all(row[3] > 0 for row in samples(write, "write")), "a write sends Set-Cookie"


def test_a_signed_cookie_session_travels_in_the_cookie(tmp_path):
    small, large, login = measure(
        COOKIE,
        tmp_path,
        block("read", 100, 3),
        block("read", 4096, 3),
        block("auth", 100, 3),
    )
    assert all(row[1] == 0 and row[2] == 0 for row in samples(small, "read"))
    cookie_small = samples(small, "read")[0][4]
    cookie_large = samples(large, "read")[0][4]
    assert cookie_large > cookie_small + 4000
    assert len(samples(login, "login")) == 3
    assert len(samples(login, "logout")) == 3


def test_cache_commands_are_counted_on_the_wire(tmp_path):
    try:
        (read,) = measure(REDIS_CACHE, tmp_path, block("read", 100, 5))
    except services.ServiceUnavailable as exc:
        pytest.skip(str(exc))
    assert all(row[2] >= 1 and row[1] == 0 for row in samples(read, "read"))


def test_revocation_is_measured_not_assumed(tmp_path):
    (cookie,) = measure(COOKIE, tmp_path / "c", ("replay", {}))
    (database,) = measure(DATABASE, tmp_path / "d", ("replay", {}))
    assert cookie == {"authenticated_after_logout": True}
    assert database == {"authenticated_after_logout": False}


def test_the_largest_session_a_browser_keeps(tmp_path):
    (cookie,) = measure(COOKIE, tmp_path / "c", ("largest", {"cap": 16384}))
    (database,) = measure(DATABASE, tmp_path / "d", ("largest", {"cap": 16384}))
    assert cookie["largest_browser_keeps_bytes"] < 4096 < database["largest_browser_keeps_bytes"]
    assert cookie["cookie_bytes_at_largest_browser"] <= 4096
    assert not cookie["browser_capped"]
    assert database["capped"]
    assert database["browser_capped"]  # it stopped at the cap, not at a limit it found
    assert database["largest_round_trip_bytes"] == 16384


IN_DATABASE = [r for r in records.load_all() if r.engine in ("db", "cached_db")]


@pytest.mark.slow_harness
@pytest.mark.parametrize("record", IN_DATABASE, ids=lambda r: r.name)
def test_storage_is_measured_in_the_table_the_engine_writes(record, tmp_path):
    """Every database-backed record, third-party stores included (django-user-sessions'
    has no get_model_class): its sessions' table grows, and the storage is never 0 B."""
    try:
        (answer,) = measure(record, tmp_path, ("storage", {"count": 300, "size": 100}))
    except services.ServiceUnavailable as exc:
        pytest.skip(str(exc))
    assert "error" not in answer, answer
    assert answer["server_side"] is True
    assert answer["kept"] == 300
    assert answer["database_bytes"] > 0
    assert storage_guarantee(answer, None).value >= answer["database_bytes"]


def test_a_cookie_store_holds_nothing_server_side(tmp_path):
    (answer,) = measure(COOKIE, tmp_path, ("storage", {"count": 20, "size": 100}))
    assert answer["server_side"] is False
    assert answer["kept"] is None
    found = storage_guarantee(answer, None)
    assert found.value == 0
    assert found.cookie_bytes_each > 100


def test_storage_nobody_saw_grow_is_unknown_not_zero():
    answer = {
        "server_side": True,
        "database_bytes": None,
        "files_bytes": None,
        "files_allocated_bytes": None,
        "cookie_bytes": 42,
        "kept": 10000,
    }
    found = storage_guarantee(answer, None)
    assert found.value is None
    assert found.error.endswith("(measured: nothing)")
    assert storage_guarantee(answer | {"database_bytes": 0}, None).value is None
    assert storage_guarantee(answer | {"database_bytes": 4096}, 100).value == 4196


# ----------------------------------------------------------------------------- whole runs


def profile_command(out, *options):
    return [sys.executable, "-m", "session_matrix", "profile", "--out", str(out), *options]


QUICK = ["--requests", "20", "--warmup", "5", "--rounds", "2", "--throughput-rounds", "1"]


@pytest.mark.slow_harness
def test_a_profile_run_measures_and_says_what_it_could_not(tmp_path):
    out = tmp_path / "profile.json"
    names = [DATABASE.name, COOKIE.name, REDIS_CACHE.name]
    done = subprocess.run(
        profile_command(out, "--configurations", ",".join(names), *QUICK, "--seconds", "1"),
        cwd=ROOT,
        env=os.environ | {"REDIS_URL": "redis://127.0.0.1:1/0"},  # nothing listens there
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    schemas.validate(document, "profile", out)
    assert undocumented(schemas.schema("profile"), document) == []
    configurations = document["configurations"]
    assert configurations[REDIS_CACHE.name]["status"] == "not_run"
    assert configurations[REDIS_CACHE.name]["reason"].startswith("not run: no Redis")
    database, cookie = configurations[DATABASE.name], configurations[COOKIE.name]
    assert database["status"] == cookie["status"] == "ok"
    assert database["request"]["read"]["queries"] >= 1
    assert cookie["request"]["read"]["queries"] == 0
    assert min(c["request"]["read"]["ratio"] for c in (database, cookie)) == 1.0
    assert cookie["guarantees"]["replay_after_logout"]["value"] is True
    assert database["guarantees"]["replay_after_logout"]["value"] is False
    assert database["guarantees"]["survives_app_restart"]["value"] is True
    assert database["guarantees"]["storage_per_10000"]["value"] > 0
    assert cookie["guarantees"]["storage_per_10000"]["value"] == 0
    assert database["guarantees"]["clearsessions"]["value"] == 0
    lost = database["guarantees"]["lost_updates"]
    assert lost["writes"] == 50
    assert lost["of"] + lost["failed_writes"] == 50
    assert lost["mechanism"] == "server_session"
    assert lost["sequential"]["lost"] == 0
    cookie_lost = cookie["guarantees"]["lost_updates"]
    assert (cookie_lost["mechanism"], cookie_lost["structural"]) == ("client_cookie", True)
    for entry in (database, cookie):
        assert entry["guarantees"]["across_processes"]["value"] is True
    if document["method"]["throughput"]["load_generator"]:
        for entry in (database, cookie):
            assert entry["throughput"]["status"] == "ok", entry["throughput"]
            for mix in MIXES:
                for workers in ("1", "2"):
                    figure = entry["throughput"][mix][workers]
                    assert figure["requests"] > 0
                    assert figure["checked"] > 0
                    assert figure["wrong"] == 0, figure
    else:
        assert "wrk" in database["throughput"]["reason"]
    assert "ratio to the fastest" in done.stdout


def descendants(pid):
    """Every process below ``pid``, now."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.fault
@pytest.mark.slow_harness
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_servers_and_load_generator_stop_on_a_signal(tmp_path, how):
    if not any((Path(p) / "wrk").exists() for p in os.environ["PATH"].split(os.pathsep)):
        pytest.skip("no wrk on the PATH (apt-get install wrk)")
    out = tmp_path / "profile.json"
    command = profile_command(out, "--configurations", DATABASE.name, *QUICK, "--seconds", "5")
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    seen = set()
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            below = descendants(process.pid)
            seen.update(below)
            lines = [command_line(pid) for pid in below]
            if any("gunicorn" in line for line in lines) and any(
                line.startswith("wrk ") or "/wrk " in line for line in lines
            ):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run never got to the load generator")
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            process.send_signal(signal.SIGTERM)  # what nox or CI does
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert code == 130
    assert not out.exists()
    deadline = time.monotonic() + 60  # every process gone: an event, with a deadline
    while time.monotonic() < deadline and [pid for pid in seen if alive(pid)]:
        time.sleep(0.2)
    left = {pid: command_line(pid) for pid in seen if alive(pid)}
    assert not left, f"still running after the run stopped: {left}"


def test_clearsessions_on_a_store_that_holds_nothing_says_so(tmp_path):
    (made, cleared) = measure(
        COOKIE, tmp_path, ("expiring", {"count": 2, "seconds": 1}), ("clearsessions", {})
    )
    assert made == {"created": 2}
    assert cleared["server_side"] is False
    (made, cleared) = measure(
        DATABASE, tmp_path / "d", ("expiring", {"count": 2, "seconds": 1}), ("clearsessions", {})
    )
    assert cleared["server_side"] is True
    assert cleared["stored_before"] == 2  # not expired yet: the database still holds them


def test_a_full_cache_loses_live_sessions_silently_and_a_database_does_not(tmp_path):
    calls = [
        ("live", {"count": 20, "size": 4096}),
        ("flood", {"count": 1000, "size": 4096}),  # past LocMemCache's MAX_ENTRIES (300)
        ("live_check", {"size": 4096}),
    ]
    *_, cache = measure(LOCAL_CACHE, tmp_path / "c", *calls)
    *_, database = measure(DATABASE, tmp_path / "d", *calls)
    assert cache == {"live": 20, "present": 0, "lost": 20, "errors": 0}
    assert database == {"live": 20, "present": 20, "lost": 0, "errors": 0}


class _Sessions(http.server.BaseHTTPRequestHandler):
    """The project's ``/session/<key>/`` view over HTTP, its sessions kept by cookie, with
    a store that may be wrong: ``forget`` answers a write 200 with the value but keeps
    only every other one (the next read is stale); ``garbage`` answers 200 with a body
    that does not say what the session holds."""

    protocol_version = "HTTP/1.1"
    sessions: ClassVar[dict[str, dict[str, str]]] = {}
    forget: ClassVar[bool] = False
    garbage: ClassVar[bool] = False
    writes: ClassVar[list[int]] = [0]

    def log_message(self, *args):
        pass

    def answer(self, key, found):
        body = (
            b"<html>fine</html>"
            if self.garbage
            else json.dumps(
                {"key": key, "present": found is not None, "value": found, "type": "str"}
            ).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def session(self):
        found = re.search(r"sessionid=(\w+)", self.headers.get("Cookie", ""))
        return self.sessions.setdefault(found.group(1) if found else "", {})

    def do_GET(self):
        key = self.path.strip("/").split("/")[-1]
        self.answer(key, self.session().get(key))

    def do_POST(self):
        key = self.path.strip("/").split("/")[-1]
        value = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())["value"]
        self.writes[0] += 1
        if not (self.forget and self.writes[0] % 2):
            self.session()[key] = value[0]
        self.answer(key, value[0])


def _wrk_against(handler, tmp_path):
    wrk = Wrk()
    if not wrk.binary:
        pytest.skip("no wrk on the PATH (apt-get install wrk)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    keys = tuple(f"s{n}" for n in range(1, 9))
    pool = Pool(keys, keys, ("",) * 8, ("t",) * 8, "sessionid", "X-CSRFToken", False)
    try:
        script = wrk.script(tmp_path / "mix.lua", pool, 0.5)
        return wrk.run(server.server_address[1], script, 1, 2)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("forget", [False, True])
def test_the_load_generator_checks_every_answer(forget, tmp_path):
    handler = type("Store", (_Sessions,), {"sessions": {}, "forget": forget, "writes": [0]})
    result = _wrk_against(handler, tmp_path)
    assert result.checked == result.requests > 0
    assert unchecked_reason([result]) == ""
    figure = figure_of([result])
    if forget:  # answered 200 every time, and wrong: reads after a forgotten write are stale
        assert figure.stale > 0
        assert figure.wrong == figure.stale + figure.absent + figure.new_session
        assert figure.errors == 0
    else:  # a store that keeps every write: not one answer counted wrong
        assert figure.wrong == 0


def test_answers_that_cannot_be_checked_make_the_throughput_an_error(tmp_path):
    handler = type("Store", (_Sessions,), {"sessions": {}, "garbage": True})
    result = _wrk_against(handler, tmp_path)
    assert result.unchecked > 0
    reason = unchecked_reason([result])
    assert reason.startswith("answers could not be checked: ")
    assert "fine" in reason


@pytest.mark.slow_harness
def test_a_per_process_store_answers_wrong_through_two_processes(tmp_path):
    """A cache private to each process (LocMemCache) behind two gunicorn processes: reads
    through the other process come back absent, and its 2-worker throughput has wrong
    answers; a database-backed store has none, nor has either with 1 worker."""
    chosen = [LOCAL_CACHE, DATABASE]
    plan = [PlannedConfiguration(r.name, python=python_for(r, served=True)) for r in chosen]
    with contextlib.ExitStack() as stack:
        local, database = targets.start(plan, tmp_path, stack)
        assert local.ok, local.reason
        assert database.ok, database.reason
        wrk, served = serving.start([local, database], tmp_path, stack, Method())
        assert len(served) == 4, (local.throughput, database.throughput)
        if wrk.binary:
            throughput.measure(wrk, served, 1, 1)
            for mix in MIXES:
                assert local.throughput.mixes[mix]["1"].wrong == 0
                assert database.throughput.mixes[mix]["1"].wrong == 0
                assert database.throughput.mixes[mix]["2"].wrong == 0
            assert local.throughput.mixes["read_heavy"]["2"].wrong > 0
        guarantees_served.across_processes_on(served)
        serving.stop(served)
    across = local.guarantees["across_processes"]
    assert across.value is False
    assert across.absent > 0
    assert database.guarantees["across_processes"].value is True
    assert database.guarantees["across_processes"].reads > 0
