"""One profile run on one Django version: every configuration measured side by side.

    python -m session_matrix.profile.coordinator --django 6.1 --plan PLAN.json --out PART.json

Started by ``session-matrix profile`` (``nox -s profile``) in the column environment of that
Django version; never by hand. The plan lists every configuration with the interpreter of
its column environment, or why it has none. For each configuration the run provisions the
same services the matrix gives a column (``services.provision``) and starts one worker
process (``worker``) on the real project. Then, phase by phase:

1. cost per request, in process: rounds of blocks, every configuration taking its turn in
   each round (the order rotates), so drift on the machine hits all of them alike;
2. through a real server: gunicorn (1 and 2 sync workers) and wrk, bounded in time, the
   configurations again taking turns; two concurrent writers on one session; a restart of
   the app server;
3. guarantees, in process: replay after logout, the largest session, clearsessions;
4. guarantees that need a cache server of the run's own (flush, restart, full memory),
   and the storage 10,000 sessions take.

Every process it starts stops when it ends, also on Ctrl-C or SIGTERM (exit 130, nothing
written) and, through ``PR_SET_PDEATHSIG``, if it is killed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from session_matrix import overlay, paths, records, services
from session_matrix.model import now
from session_matrix.profile import djangoproc
from session_matrix.profile.client import Client, Site, http_transport
from session_matrix.profile.servers import (
    Gunicorn,
    PrivateMemcached,
    PrivateRedis,
    Wrk,
    gunicorn_options,
    spawn,
    stop,
)
from session_matrix.profile.stats import percentile, ratio, spread

__all__ = ["Interrupted", "main"]

SIZES = (100, 4096, 65536)
KINDS = ("anonymous", "read", "write", "auth")  # auth: a login then a logout, each timed
FIGURES = ("anonymous", "read", "write", "login", "logout")
NOISE_BOUND = 0.5  # (max - min) / median of the rounds' medians above this: flagged noisy
THROUGHPUT_NOISE_BOUND = 0.25
MIXES = {"read_heavy": 0.1, "write_heavy": 0.9}  # share of writes
WORKERS = (1, 2)
CONNECTIONS = 4
POOL = 16  # sessions the load generator spreads its requests over
LOST_UPDATE_ROUNDS = 25
EXPIRING = 20
STORAGE_SESSIONS = 10_000
LIVE_SESSIONS = 50
FULL_SESSION_BYTES = 4096
CACHE_LIMIT_MB = 4
LARGEST_CAP = 2 * 1024 * 1024


class Interrupted(BaseException):
    """SIGTERM: unwind like Ctrl-C, stopping every process."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT or SIGTERM unwinds the run; any later one is ignored, so that it
    cannot cut the unwinding short while the servers and workers stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted


_STARTED = time.monotonic()


def log(message: str) -> None:
    elapsed = int(time.monotonic() - _STARTED)
    print(f"profile [{elapsed // 60}:{elapsed % 60:02d}] {message}", flush=True)


# ----------------------------------------------------------------------------- workers


class WorkerFailed(RuntimeError):
    pass


class WorkerProcess:
    """A worker process and its line protocol."""

    def __init__(self, python: str, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log: IO[Any] = log_path.open("ab")
        self.process = spawn(
            [python, "-m", "session_matrix.profile.worker"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=paths.ROOT,
        )
        self._buffer = b""

    def tail(self) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if line.strip()]
        return " | ".join(lines[-3:])[-500:]

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                msg = f"the worker did not answer within {timeout:.0f} s"
                raise WorkerFailed(msg)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self.process.wait(timeout=5)
                msg = f"the worker exited ({self.process.returncode}): {self.tail()}"
                raise WorkerFailed(msg)
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def hello(self, timeout: float = 300) -> dict[str, Any]:
        answer = self._line(timeout)
        if "error" in answer:
            msg = f"the worker could not start: {answer['error']}"
            raise WorkerFailed(msg)
        return answer

    def call(self, op: str, timeout: float = 600, **arguments: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps({"op": op, **arguments}) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            msg = f"the worker is gone: {self.tail()}"
            raise WorkerFailed(msg) from exc
        return self._line(timeout)

    def close(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.write(b'{"op": "quit"}\n')
                self.process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=3)
        stop(self.process)
        self._log.close()


# ----------------------------------------------------------------------------- one configuration


@dataclass(eq=False)
class Target:
    """One configuration in this run."""

    record: records.Record
    python: str
    status: str = "ok"  # ok | not run | error
    reason: str = ""
    provided: overlay.Provided | None = None
    worker: WorkerProcess | None = None
    info: dict[str, Any] = field(default_factory=dict)
    samples: dict[tuple[str, int], list[list[list[int]]]] = field(default_factory=dict)
    throughput: dict[str, Any] = field(default_factory=dict)
    guarantees: dict[str, Any] = field(default_factory=dict)
    spent: float = 0.0  # seconds its timed blocks took, warm-up included

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def fail(self, reason: str) -> None:
        log(f"{self.name}: {reason}")
        self.status, self.reason = "error", reason
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def env(
        self, database: dict[str, Any], provided: overlay.Provided | None = None
    ) -> dict[str, str]:
        given = provided or self.provided
        assert given is not None
        return dict(os.environ) | {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            overlay.ENGINE_VAR: self.name,
            overlay.PROVIDED_VAR: given.to_env(),
            djangoproc.DB_VAR: json.dumps(database),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")])
            ),
        }

    def use_database(self) -> dict[str, Any]:
        return {"mode": "use", "name": self.info["database"]["name"]}

    def site(self) -> Site:
        return Site.from_json(self.info["site"])

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self.worker is not None
        return self.worker.call(op, **arguments)


def _close_worker(target: Target) -> None:
    if target.worker is not None:
        target.worker.close()


def _rotated(items: Sequence[Target], turn: int) -> list[Target]:
    """Each round starts with another configuration, and every other round runs backwards."""
    if not items:
        return []
    shift = turn % len(items)
    order = [*items[shift:], *items[:shift]]
    return order[::-1] if turn % 2 else order


# ----------------------------------------------------------------------------- phase 1


def phase_cost(targets: list[Target], requests: int, warmup: int, rounds: int) -> None:
    block = -(-requests // rounds)
    plan = [(kind, size) for size in SIZES for kind in KINDS]
    log(
        f"cost per request: {len(plan)} kinds x sizes, {block * rounds} requests each after "
        f"{warmup} of warm-up, in {rounds} rounds over {len(targets)} configurations"
    )
    started = time.monotonic()
    for turn in range(-1, rounds):  # turn -1: the warm-up, not recorded
        for kind, size in plan:
            for target in _rotated([t for t in targets if t.ok], turn + 1):
                count = warmup if turn < 0 else block
                began = time.monotonic()
                try:
                    answer = target.call("block", kind=kind, size=size, count=count)
                except WorkerFailed as exc:
                    target.fail(str(exc))
                    continue
                if "error" in answer:
                    target.fail(f"{kind} requests on a {size}-byte session: {answer['error']}")
                    continue
                target.spent += time.monotonic() - began
                if turn < 0:
                    continue
                for name, samples in answer.items():
                    target.samples.setdefault((name, size), []).append(samples)
        label = "warm-up" if turn < 0 else f"round {turn + 1}/{rounds}"
        log(f"  {label} done, {time.monotonic() - started:.0f} s")
    slowest = sorted((t for t in targets if t.ok), key=lambda t: -t.spent)
    log(
        "  time spent per configuration: "
        + ", ".join(f"{t.name} {t.spent:.0f} s" for t in slowest)
    )


def _figure(blocks: list[list[list[int]]]) -> dict[str, Any]:
    samples = [sample for block in blocks for sample in block]
    times = [sample[0] / 1000 for sample in samples]
    medians = [statistics.median(s[0] / 1000 for s in block) for block in blocks if block]
    errors = [sample[5] for sample in samples if sample[5] >= 400]
    figure: dict[str, Any] = {
        "median_us": round(statistics.median(times), 1),
        "p99_us": round(percentile(times, 99), 1),
        "min_us": round(min(times), 1),
        "max_us": round(max(times), 1),
        "queries": statistics.median_low([s[1] for s in samples]),
        "queries_max": max(s[1] for s in samples),
        "cache_commands": statistics.median_low([s[2] for s in samples]),
        "cache_commands_max": max(s[2] for s in samples),
        "set_cookie_bytes": statistics.median_low([s[3] for s in samples]),
        "cookie_bytes": statistics.median_low([s[4] for s in samples]),
        "requests": len(samples),
        "errors": len(errors),
        "spread": round(spread(medians), 3),
    }
    figure["noisy"] = figure["spread"] > NOISE_BOUND
    if errors:
        figure["error_statuses"] = sorted(set(errors))
    return figure


def request_figures(targets: list[Target]) -> None:
    """Every configuration's figures, and each as a ratio to the fastest in this run."""
    for target in targets:
        if not target.ok:
            continue
        request: dict[str, Any] = {}
        for name in FIGURES:
            by_size = {
                str(size): _figure(target.samples[(name, size)])
                for size in SIZES
                if (name, size) in target.samples
            }
            if by_size:
                smallest = by_size[str(SIZES[0])]
                request[name] = {**smallest, "session_bytes": SIZES[0], "by_size": by_size}
        target.info["request"] = request
    for name in FIGURES:
        for size in SIZES:
            figures = [
                t.info["request"][name]["by_size"][str(size)]
                for t in targets
                if t.ok and name in t.info.get("request", {})
            ]
            if not figures:
                continue
            fastest = min(f["median_us"] for f in figures)
            fastest_p99 = min(f["p99_us"] for f in figures)
            for figure in figures:
                figure["ratio"] = ratio(figure["median_us"], fastest)
                figure["p99_ratio"] = ratio(figure["p99_us"], fastest_p99)
        for target in targets:
            if target.ok and name in target.info.get("request", {}):
                entry = target.info["request"][name]
                entry["ratio"] = entry["by_size"][str(SIZES[0])]["ratio"]
                entry["p99_ratio"] = entry["by_size"][str(SIZES[0])]["p99_ratio"]


# ----------------------------------------------------------------------------- phase 2


def _until_ready(client: Client, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            reply = client.request("GET", "/untouched/")
            if reply.status == 200:
                return
            last = f"HTTP {reply.status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    msg = f"the server did not answer within {seconds:.0f} s ({last})"
    raise RuntimeError(msg)


def _pool(port: int, site: Site) -> tuple[list[str], list[str]]:
    cookies, tokens = [], []
    for _ in range(POOL):
        client = Client(http_transport(port), site)
        client.request("GET", f"/token/{SIZES[0]}/")
        reply = client.request("POST", "/session/n/", {"value": "0"})
        if reply.status != 200:
            msg = f"seeding the load generator's sessions: HTTP {reply.status}"
            raise RuntimeError(msg)
        token = client.token or client.jar.get(site.csrf_cookie, "")
        cookies.append("; ".join(f"{k}={v}" for k, v in client.jar.items()))
        tokens.append(token)
    return cookies, tokens


def _race(base: Client, number: int) -> list[tuple[int, Client, int]]:
    """Two copies of ``base`` each POST their own key at the same moment; (when each
    answer arrived, the client, the status), in arrival order."""
    barrier = threading.Barrier(2)
    finished: list[tuple[int, Client, int]] = []
    lock = threading.Lock()

    def send(key: str, client: Client) -> None:
        barrier.wait()
        try:
            status = client.request("POST", f"/session/{key}/", {"value": str(number)}).status
        except OSError:
            status = 0
        with lock:
            finished.append((time.perf_counter_ns(), client, status))

    threads = [threading.Thread(target=send, args=(key, base.copy()), daemon=True) for key in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(finished, key=lambda item: item[0])


def lost_updates(port: int, site: Site, rounds: int) -> dict[str, Any]:
    """Two requests at once, each writing its own key of one session; afterwards the
    browser holds the cookies of whichever answered last. Which writes are still there?"""
    base = Client(http_transport(port), site)
    base.request("GET", f"/token/{SIZES[0]}/")
    lost = errors = 0
    for number in range(rounds):
        original = dict(base.jar)
        finished = _race(base, number)
        for _, client, status in finished:
            errors += status != 200
            for cookie, value in client.jar.items():
                if original.get(cookie) != value:
                    base.jar[cookie] = value
            for cookie in original:
                if cookie not in client.jar:
                    base.jar.pop(cookie, None)
        for key in "ab":
            reply = base.request("GET", f"/session/{key}/")
            if reply.status != 200 or json.loads(reply.body).get("value") != str(number):
                lost += 1
    return {"value": lost, "lost": lost, "of": 2 * rounds, "errors": errors}


@dataclass(eq=False)
class Served:
    target: Target
    workers: int
    server: Gunicorn
    scripts: dict[str, Path] = field(default_factory=dict)
    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def phase_servers(
    targets: list[Target],
    rundir: Path,
    stack: contextlib.ExitStack,
    seconds: float,
    rounds: int,
    method: dict[str, Any],
) -> None:
    ok = [t for t in targets if t.ok]
    wrk = Wrk()
    found = {python: gunicorn_options(python) for python in {t.python for t in ok}}
    versions = {python: version for python, (version, _) in found.items()}
    method["throughput"] |= {"load_generator": wrk.version() or None}
    method["throughput"]["server"] = (
        f"gunicorn {sorted(set(versions.values()))[-1]}, sync workers"
        if any(versions.values())
        else None
    )
    missing = ""
    if not wrk.binary:
        missing = "not run: no wrk on the PATH (apt-get install wrk)"
    served: list[Served] = []
    for target in ok:
        if not versions[target.python]:
            target.throughput = {
                "status": "not run",
                "reason": "not run: gunicorn is not installed",
            }
            target.guarantees["lost_updates"] = {
                "value": None,
                "error": "gunicorn is not installed",
            }
            continue
        for workers in WORKERS:
            server = Gunicorn(
                target.python,
                workers,
                target.env(target.use_database()),
                rundir / f"{target.name}-gunicorn-{workers}.log",
                found[target.python][1],
            ).start()
            stack.callback(server.stop)
            served.append(Served(target, workers, server))
    log(f"servers: {len(served)} gunicorn servers starting (1 and 2 workers per configuration)")
    canaries: dict[str, Client] = {}
    for entry in list(served):
        target = entry.target
        try:
            site = target.site()
            client = Client(http_transport(entry.server.port), site)
            _until_ready(client)
            cookies, tokens = _pool(entry.server.port, site)
            for mix, share in MIXES.items():
                path = rundir / f"{target.name}-{entry.workers}-{mix}.lua"
                entry.scripts[mix] = wrk.script(path, cookies, tokens, share, site.csrf_header)
            if entry.workers == WORKERS[0]:
                reply = client.request("POST", "/session/canary/", {"value": "restart"})
                if reply.status == 200:
                    canaries[target.name] = client
        except (RuntimeError, OSError) as exc:
            target.throughput = {"status": "error", "reason": f"{exc}: {entry.server.tail()}"}
            served = [s for s in served if s.target is not target]
    if missing:
        for entry in served:
            entry.target.throughput = {"status": "not run", "reason": missing}
    else:
        log(
            f"throughput: a warm-up run per server, then {rounds} rounds x {len(MIXES)} "
            f"mixes, {seconds:.0f} s each, {CONNECTIONS} connections"
        )
        for entry in served:  # a fresh server's first second is its slowest: not recorded
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                wrk.run(entry.server.port, entry.scripts["read_heavy"], 1, CONNECTIONS)
        for turn in range(rounds):
            order = _rotated(list(dict.fromkeys(s.target for s in served)), turn)
            for target in order:
                for entry in (s for s in served if s.target is target):
                    for mix, script in entry.scripts.items():
                        try:
                            result = wrk.run(entry.server.port, script, seconds, CONNECTIONS)
                        except (RuntimeError, subprocess.TimeoutExpired) as exc:
                            target.throughput = {"status": "error", "reason": str(exc)}
                            continue
                        entry.rounds.setdefault(mix, []).append(result)
            log(f"  round {turn + 1}/{rounds} done")
        _throughput_figures(served, method)
    for entry in served:
        if entry.workers == WORKERS[-1]:
            log(f"  {entry.target.name}: two concurrent writers on one session")
            try:
                entry.target.guarantees["lost_updates"] = lost_updates(
                    entry.server.port, entry.target.site(), LOST_UPDATE_ROUNDS
                ) | {"workers": entry.workers}
            except OSError as exc:
                entry.target.guarantees["lost_updates"] = {"value": None, "error": str(exc)}
    # An app-server restart: stop the 1-worker server, start it again, read the canary.
    restarted: list[tuple[Served, Gunicorn]] = []
    for entry in served:
        if entry.workers == WORKERS[0] and entry.target.name in canaries:
            entry.server.stop()
            again = Gunicorn(
                entry.target.python,
                entry.workers,
                entry.target.env(entry.target.use_database()),
                entry.server.log,
                entry.server.options,
            ).start()
            stack.callback(again.stop)
            restarted.append((entry, again))
    for entry, again in restarted:
        target = entry.target
        client = canaries[target.name].copy()
        client.transport = http_transport(again.port)
        try:
            _until_ready(Client(http_transport(again.port), target.site()))
            reply = client.request("GET", "/session/canary/")
            present = reply.status == 200 and json.loads(reply.body).get("value") == "restart"
            target.guarantees["survives_app_restart"] = {
                "value": present,
                "how": "gunicorn stopped (SIGTERM) and started again",
            }
        except (RuntimeError, OSError) as exc:
            target.guarantees["survives_app_restart"] = {"value": None, "error": str(exc)}
        again.stop()
    for entry in served:
        entry.server.stop()


def _throughput_figures(served: list[Served], method: dict[str, Any]) -> None:
    for entry in served:
        target = entry.target
        if target.throughput.get("status") == "error":
            continue
        figures = target.throughput.setdefault("status", "ok") and target.throughput
        for mix, results in entry.rounds.items():
            rates = [r["requests"] / (r["duration_us"] / 1e6) for r in results if r["duration_us"]]
            errors = sum(
                r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"] for r in results
            )
            requests = sum(r["requests"] for r in results)
            figure = {
                "rps": round(statistics.mean(rates), 1) if rates else 0.0,
                "p99_ms": round(max(r["p99_us"] for r in results) / 1000, 2),
                "p50_ms": round(statistics.median(r["p50_us"] for r in results) / 1000, 2),
                "requests": requests,
                "errors": errors,
                "rounds_rps": [round(rate, 1) for rate in rates],
                "spread": round(spread(rates), 3),
            }
            figure["noisy"] = figure["spread"] > THROUGHPUT_NOISE_BOUND
            figures.setdefault(mix, {})[str(entry.workers)] = figure
    for mix in MIXES:
        for workers in WORKERS:
            figures_of = [
                e.target.throughput[mix][str(workers)]
                for e in served
                if e.workers == workers and mix in e.target.throughput
            ]
            if not figures_of:
                continue
            best = max(f["rps"] for f in figures_of)
            best_p99 = min(f["p99_ms"] for f in figures_of)
            for figure in figures_of:
                figure["ratio"] = round(figure["rps"] / best, 2) if best else 0.0
                figure["p99_ratio"] = ratio(figure["p99_ms"], best_p99)


# ----------------------------------------------------------------------------- phase 3


def phase_in_process_guarantees(targets: list[Target]) -> None:
    ok = [t for t in targets if t.ok]
    log("guarantees in process: replay after logout, largest session, clearsessions")
    for target in ok:
        try:
            answer = target.call("replay")
            target.guarantees["replay_after_logout"] = (
                {"value": answer["authenticated_after_logout"]}
                if "error" not in answer
                else {"value": None, "error": answer["error"]}
            )
            answer = target.call("largest", cap=LARGEST_CAP)
            if "error" in answer:
                target.guarantees["largest_round_trip"] = {"value": None, "error": answer["error"]}
                target.guarantees["largest_browser_keeps"] = {
                    "value": None,
                    "error": answer["error"],
                }
            else:
                target.guarantees["largest_round_trip"] = {
                    "value": answer["largest_round_trip_bytes"],
                    "capped": answer["capped"],
                    "cap": LARGEST_CAP,
                    **({"failure": answer["failure"]} if "failure" in answer else {}),
                }
                target.guarantees["largest_browser_keeps"] = {
                    "value": answer["largest_browser_keeps_bytes"],
                    "cookie_bytes": answer["cookie_bytes_at_largest_browser"],
                    "limit": 4096,
                }
            target.info["expiring"] = target.call("expiring", count=EXPIRING, seconds=1)
        except WorkerFailed as exc:
            target.fail(str(exc))
    time.sleep(2.5)  # every session above has expired (memcached counts whole seconds)
    for target in [t for t in targets if t.ok]:
        made = target.info.get("expiring", {})
        if "error" in made:
            target.guarantees["clearsessions"] = {"value": None, "error": made["error"]}
            continue
        try:
            answer = target.call("clearsessions")
        except WorkerFailed as exc:
            target.fail(str(exc))
            continue
        if "error" in answer:
            target.guarantees["clearsessions"] = {"value": None, "error": answer["error"]}
        else:
            target.guarantees["clearsessions"] = {"value": answer["stored_after"], **answer}


# ----------------------------------------------------------------------------- phase 4


@contextlib.contextmanager
def _private(target: Target, rundir: Path) -> Iterator[tuple[Target, list[Any]]]:
    """The target with its cache servers replaced by servers of the run's own (a second
    worker on the same database), or itself when it needs no cache server."""
    needs = [need for need in target.record.needs if need in ("redis", "memcached")]
    if not needs:
        yield target, []
        return
    assert target.provided is not None
    values = dict(target.provided.values)
    started: list[Any] = []
    try:
        for need in needs:
            if need == "redis":
                redis_server = PrivateRedis(rundir).start()
                started.append(redis_server)
                values["redis_url"] = redis_server.url
            else:
                memcached = PrivateMemcached().start()
                started.append(memcached)
                values["memcached_location"] = memcached.location
        provided = dataclasses.replace(target.provided, values=values)
        twin = Target(target.record, target.python, provided=provided, info=target.info)
        twin.worker = WorkerProcess(
            target.python,
            twin.env(target.use_database(), provided),
            rundir / f"{target.name}-private.log",
        )
        try:
            twin.worker.hello()
            yield twin, started
        finally:
            twin.worker.close()
    finally:
        for server in started:
            server.stop()


def phase_private_guarantees(targets: list[Target], rundir: Path) -> None:
    log("guarantees with cache servers of the run's own: storage, flush, restart, a full cache")
    for target in [t for t in targets if t.ok]:
        try:
            with _private(target, rundir) as (twin, servers):
                _storage(target, twin, servers)
                _flush_and_restart(target, twin, servers)
                _full(target, twin, servers)
        except (WorkerFailed, RuntimeError, OSError) as exc:
            for name in (
                "storage_per_10000",
                "survives_cache_flush",
                "survives_cache_restart",
                "eviction_when_full",
            ):
                target.guarantees.setdefault(name, {"value": None, "error": str(exc)})
        log(f"  {target.name}: done")


def _storage(target: Target, twin: Target, servers: list[Any]) -> None:
    for server in servers:
        server.flush()
    before = sum(server.used_memory() for server in servers)
    answer = twin.call("storage", count=STORAGE_SESSIONS, size=SIZES[0])
    if "error" in answer:
        target.guarantees["storage_per_10000"] = {"value": None, "error": answer["error"]}
        return
    if servers:
        cache = sum(server.used_memory() for server in servers) - before
    else:
        cache = answer.get("local_cache_bytes")
    parts = [answer["database_bytes"], answer["files_allocated_bytes"], cache]
    target.guarantees["storage_per_10000"] = {
        "value": sum(part for part in parts if part),
        "database_bytes": answer["database_bytes"],
        "files_bytes": answer["files_bytes"],
        "files_allocated_bytes": answer["files_allocated_bytes"],
        "cache_bytes": cache,
        "cookie_bytes_each": answer["cookie_bytes"],
        "session_bytes": SIZES[0],
        "sessions": STORAGE_SESSIONS,
        "kept": answer.get("kept"),
    }


def _flush_and_restart(target: Target, twin: Target, servers: list[Any]) -> None:
    twin.call("canary_write", name="flush")
    if servers:
        for server in servers:
            server.flush()
        how = "FLUSHALL / flush_all on the cache server"
    else:
        cleared = twin.call("cache_clear")
        how = "cache.clear() in the app" + (f" ({cleared['error']})" if "error" in cleared else "")
    answer = twin.call("canary_read", name="flush")
    target.guarantees["survives_cache_flush"] = {"value": answer["present"], "how": how}
    if not servers:
        target.guarantees["survives_cache_restart"] = {
            "value": None,
            "reason": "no cache server: the configuration needs none",
        }
        return
    twin.call("canary_write", name="restart")
    for server in servers:
        server.restart()
    answer = twin.call("canary_read", name="restart")
    target.guarantees["survives_cache_restart"] = {
        "value": answer["present"],
        "how": "the cache server stopped and started again (no persistence, as a cache runs)",
        "errors": answer["errors"],
    }


def _full(target: Target, twin: Target, servers: list[Any]) -> None:
    info = twin.info.get("store", {})
    cache = info.get("cache")
    if servers:
        limit = "; ".join(server.limit(CACHE_LIMIT_MB) for server in servers)
        flood = 3 * CACHE_LIMIT_MB * 1024 * 1024 // FULL_SESSION_BYTES
    elif cache and cache.get("max_entries"):
        limit = f"{cache['backend']} MAX_ENTRIES {cache['max_entries']} (Django culls beyond it)"
        flood = max(1000, 3 * int(cache["max_entries"]))
    else:
        limit = "no cache in the session path"
        flood = 1000
    made = twin.call("live", count=LIVE_SESSIONS, size=FULL_SESSION_BYTES)
    if "error" in made:
        target.guarantees["eviction_when_full"] = {"value": None, "error": made["error"]}
        return
    flooded = twin.call("flood", count=flood, size=FULL_SESSION_BYTES)
    checked = twin.call("live_check", size=FULL_SESSION_BYTES)
    lost = checked["live"] - checked["present"]
    target.guarantees["eviction_when_full"] = {
        "value": lost,
        "lost": lost,
        "of": checked["live"],
        "errors": checked["errors"] + flooded.get("errors", 0),
        "silent": lost > 0 and checked["errors"] == 0,
        "flood_sessions": flood,
        "session_bytes": FULL_SESSION_BYTES,
        "limit": limit,
        **({"first_error": flooded["first_error"]} if flooded.get("first_error") else {}),
    }


# ----------------------------------------------------------------------------- the run


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    memory = 0.0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
    return {
        "cores": os.cpu_count() or 1,
        "cpu": cpu,
        "memory_gib": memory,
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "load_at_start": [round(value, 2) for value in load],
    }


def _rundir() -> Path:
    """The run's directory: on tmpfs where there is one, so that SQLite's commits cost
    what SQLite does, not what this machine's disk takes to flush."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="session-matrix-profile-", dir=base))


def _entry(target: Target) -> dict[str, Any]:
    record = target.record
    entry: dict[str, Any] = {
        "status": target.status,
        "engine": record.engine,
        "label": record.label,
        "description": record.description,
        "default": record.default,
    }
    if not target.ok:
        entry["reason"] = target.reason
        return entry
    entry["services"] = dict(target.provided.versions) if target.provided else {}
    database = target.info.get("database", {})
    entry["database"] = {
        "vendor": database.get("vendor", ""),
        "connect_us": database.get("connect_us"),
    }
    entry["request"] = target.info.get("request", {})
    entry["throughput"] = target.throughput or {"status": "not run", "reason": "not run"}
    entry["guarantees"] = target.guarantees
    entry["counting"] = {
        "queries": "Django cursor execute_wrapper",
        "cache_commands": "redis-py and pymemcache commands on the wire; Django's own "
        "caches: outermost cache API calls",
    }
    return entry


def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    started = time.monotonic()
    method: dict[str, Any] = {
        "requests_per_figure": -(-args.requests // args.rounds) * args.rounds,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "sizes": list(SIZES),
        "kinds": list(FIGURES),
        "noise_bound": NOISE_BOUND,
        "connections": "persistent (CONN_MAX_AGE = None unless the record sets it); "
        "connecting is measured apart (database.connect_us)",
        "throughput": {
            "seconds_per_round": args.seconds,
            "rounds": args.throughput_rounds,
            "connections": CONNECTIONS,
            "workers": list(WORKERS),
            "write_share": MIXES,
            "noise_bound": THROUGHPUT_NOISE_BOUND,
            "session_bytes": SIZES[0],
            "pool": POOL,
        },
    }
    result: dict[str, Any] = {"machine": machine(), "method": method}
    with contextlib.ExitStack() as stack:
        rundir = _rundir()
        stack.callback(lambda: __import__("shutil").rmtree(rundir, ignore_errors=True))
        method["database_directory"] = "tmpfs" if str(rundir).startswith("/dev/shm") else "disk"
        targets: list[Target] = []
        for item in plan["configurations"]:
            try:
                record = records.load(item["name"])
            except Exception as exc:
                log(f"{item['name']}: {exc}")
                continue
            target = Target(record, item.get("python", ""))
            targets.append(target)
            if item.get("reason"):
                target.status, target.reason = "not run", item["reason"]
                continue
            try:
                bundle = stack.enter_context(
                    services.provision(record.needs, label=f"profile-{record.name}")
                )
            except services.ServiceUnavailable as exc:
                target.status, target.reason = "not run", f"not run: {exc}"
                log(f"{record.name}: {target.reason}")
                continue
            target.provided = overlay.Provided.of(record.name, bundle)
        for target in targets:
            if target.ok:
                database = {"mode": "create", "sqlite": str(rundir / f"{target.name}.sqlite3")}
                target.worker = WorkerProcess(
                    target.python, target.env(database), rundir / f"{target.name}.log"
                )
                stack.callback(_close_worker, target)
        for target in targets:
            if target.ok and target.worker is not None:
                try:
                    target.info = target.worker.hello()
                except WorkerFailed as exc:
                    target.fail(str(exc))
        ok = [t for t in targets if t.ok]
        log(f"{len(ok)} of {len(targets)} configurations ready: {', '.join(t.name for t in ok)}")
        result["django"] = next((t.info["django"] for t in ok), "")
        phase_cost(targets, args.requests, args.warmup, args.rounds)
        request_figures(targets)
        phase_servers(targets, rundir, stack, args.seconds, args.throughput_rounds, method)
        phase_in_process_guarantees(targets)
        phase_private_guarantees(targets, rundir)
        result["configurations"] = {t.name: _entry(t) for t in targets}
    result["duration_s"] = round(time.monotonic() - started, 1)
    result["finished"] = now()
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="session_matrix.profile.coordinator")
    parser.add_argument("--django", required=True)
    parser.add_argument("--plan", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--throughput-rounds", type=int, default=2)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        result = run(args)
    except (KeyboardInterrupt, Interrupted):
        log("interrupted: every server, load generator and worker stopped; nothing written")
        return 130
    result["django_series"] = args.django
    paths.write_atomic(args.out, json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
