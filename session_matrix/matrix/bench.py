"""``nox -s bench``: the whole matrix through nox, cold and warm, against the floor.

    python -m session_matrix.matrix.bench [--jobs N] [--rounds N] [--keep]

cold    ``nox -s matrix -j N --fresh`` with a fresh temporary ``SESSION_MATRIX_ENVDIR``: no
        column environments yet (uv's package cache is used as it is)
warm    the same command again (every cell reruns, as every run did before issue 22):
        every environment is reused
own     warm as before this wave, with one Chromium per column
        (``SESSION_MATRIX_SHARED_CHROMIUM=0``) instead of one per run: the choice, measured
no-op   ``nox -s matrix`` with nothing changed since warm: only stale cells run (none)
pattern after touching one pattern's code (a comment line in it; restored afterwards)
record  after touching one record that no other extends (a setting at its default value;
        restored afterwards): only its columns run
floor   the same columns with no nox around them: ``<env>/bin/python -m
        session_matrix.matrix.column`` in the environments the cold run prepared, N at a time

``--select "-t dj6.1"`` passes nox arguments that pick the columns (default: all of them):
on a shared machine, measure a few columns rather than all.

Each run's CPU-seconds count everything it started, the run's one Chromium included (the
bench adopts orphaned processes: Linux's child subreaper); its *CPU floor* is those seconds
over the cores, the least wall time the work could take on this machine.

Every run writes its raw results into a temporary ``SESSION_MATRIX_RESULTS``: results/,
.nox/ and the README are left alone. ``--rounds N`` repeats all three (best of N shown).

Standard library only; runs on nox's own interpreter (it starts nox as a child process).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import ctypes
import ctypes.util
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from session_matrix.core import envs, interpreters, records, schemas
from session_matrix.core.column_env import env_spec
from session_matrix.core.model import column_id, read_raw
from session_matrix.core.paths import PATTERNS_DIR, ROOT, raw_path
from session_matrix.core.services import chromium
from session_matrix.core.vocabulary import RunStatus
from session_matrix.matrix.nox_columns import job_slots

__all__ = ["Listed", "Run", "goals", "main", "table", "touch_pattern", "touch_record"]

TARGETS = {"warm": 1.2, "cold": 3.0}
# Seconds, on the full matrix (issue 22's goals; figures, not assertions).
GOALS = {"no-op": 30.0, "pattern": 180.0, "warm": 300.0}
CPU_FLOOR_GOAL = 1.2  # the full fresh (warm) run's wall, at most this x its CPU floor
# Where a run's time goes, in CPU-slot seconds summed over its columns (see ``Run.parts``).
PARTS = ("env", "setup", "startup", "tests", "column", "outside")
LEGEND = """\
Σ columns: seconds summed over columns; with N jobs they add up to wall x N.
  env      nox starting the session (the column's own environment check is in setup)
  setup    session start -> the column runner running: shared environment (made cold,
           checked warm), interpreter and imports
  startup  the pytest subprocess minus its tests: interpreter, Django, pytest, collection
  tests    the patterns themselves (sum of pytest durations)
  column   the column runner's own work: services (Redis lease, memcached, databases...),
           writing the raw file
  outside  not inside any session: a nox child per column (start-up, noxfile, interpreter
           discovery), nox's scheduling, idle job slots at the tail"""


@dataclass(frozen=True)
class Listed:
    """One matrix session (a column) as ``nox -l --json`` lists it."""

    session: str
    configuration: str
    django: str

    @property
    def id(self) -> str:
        return column_id(self.configuration, self.django)


@dataclass
class Run:
    """One timed run of every column: its wall time and, per column, where the time went."""

    name: str
    wall: float
    jobs: int
    columns: dict[str, dict[str, float]] = field(default_factory=dict)
    ok: int = 0
    problem: str = ""
    started: int = -1  # columns nox started (not skipped as up to date); -1: not counted
    cpu: float = 0.0  # CPU-seconds of every process the run started
    # Columns this machine or the index cannot run (no release, a package not available, a
    # service missing): their raw file says why. Not the run's fault; printed, not timed.
    not_run: dict[str, str] = field(default_factory=dict)

    @property
    def cpu_floor(self) -> float:
        """The least wall time the run's CPU-seconds could take on this machine's cores."""
        return self.cpu / (os.cpu_count() or 1)

    def parts(self) -> dict[str, float]:
        """``PARTS`` summed over columns; ``outside`` makes them add up to wall x jobs."""
        sums = dict.fromkeys(PARTS, 0.0)
        for times in self.columns.values():
            for name in PARTS[:-1]:
                sums[name] += times.get(name, 0.0)
        sums["outside"] = self.wall * self.jobs - sum(sums.values())
        return sums


_PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (the run's Chromium, whose
    starter exits before it), so that their CPU-seconds are counted too (Linux only)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _reap(deadline: float = 60.0) -> None:
    """Wait for the adopted orphans to end (the run's Chromium stops as its nox exits)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _nox(*args: str) -> list[str]:
    return [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), *args]


def _list_columns(env: dict[str, str], select: list[str]) -> tuple[list[Listed], float]:
    """The matrix's columns (``select``: nox arguments narrowing them), and how long nox took
    to start and load the noxfile."""
    started = time.perf_counter()
    out = subprocess.run(
        _nox("-s", "matrix", *select, "-l", "--json"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    elapsed = time.perf_counter() - started
    listed = [s for s in json.loads(out) if s["name"] == "matrix"]
    columns = [
        Listed(s["session"], s["call_spec"]["configuration"], s["call_spec"]["django"])
        for s in listed
    ]
    return columns, elapsed


_CANNOT_RUN = (RunStatus.NOT_RUN, RunStatus.UNAVAILABLE)


def _raw_times(
    results: Path, columns: list[Listed]
) -> tuple[dict[str, dict[str, float]], int, dict[str, str]]:
    """Each column's timings from its raw file, how many columns ran (status ok), and the
    columns that could not run here, with their reasons."""
    times: dict[str, dict[str, float]] = {}
    ok = 0
    not_run: dict[str, str] = {}
    for column in columns:
        try:
            record = read_raw(raw_path(column.id, results))
        except schemas.InvalidInput:
            continue
        ok += record.last_run.status == RunStatus.OK
        if record.last_run.status in _CANNOT_RUN:
            not_run[column.id] = f"{record.last_run.status}: {record.last_run.reason}"
        timings = record.results.timings if record.results else {}
        total = float(timings.get("total", 0.0))
        parts = {name: float(timings.get(name, 0.0)) for name in ("setup", "startup", "tests")}
        times[column.id] = parts | {"total": total, "column": total - sum(parts.values())}
    return times, ok, not_run


def _problem(run: Run, columns: int, code: int, log: Path | str) -> str:
    """What went wrong with a run, or "": a column that neither ran nor could not run here
    (broken, interrupted, no raw file), or a non-zero exit with every column accounted."""
    accounted = run.ok + len(run.not_run)
    if accounted < columns:
        return f"{columns - accounted} of {columns} columns broke or wrote nothing; see {log}"
    if code != 0:
        return f"exited {code} with every column accounted for; see {log}"
    return ""


def _fresh(results: Path) -> None:
    shutil.rmtree(results / "raw", ignore_errors=True)


def _sessions(report: Path) -> dict[str, tuple[float, str]]:
    """Listed id -> (the session's duration, its result) in nox's ``--report`` file."""
    if not report.exists():
        return {}
    sessions = json.loads(report.read_text(encoding="utf-8"))["sessions"]
    return {
        column_id(s["args"]["configuration"], s["args"]["django"]): (
            float(s["duration"] or 0.0),
            str(s.get("result", "")),
        )
        for s in sessions
        if s["name"] == "matrix"
    }


def run_nox(
    name: str,
    columns: list[Listed],
    work: Path,
    env: dict[str, str],
    jobs: int,
    select: list[str] | None = None,
    *,
    fresh: bool = True,
    plain: bool = False,
) -> Run:
    """``nox -s matrix`` in the bench's envdir; per-session durations from ``--report``.
    ``fresh``: every cell of every column runs (the raw results are removed first).
    ``plain``: plain ``nox``, as a user runs it (only the stale columns, then the report)."""
    results = Path(env["SESSION_MATRIX_RESULTS"])
    if fresh:
        _fresh(results)
    report, log = work / f"{name}.report.json", work / f"{name}.log"
    chosen = [] if plain else ["-s", "matrix", *(select or [])]
    command = _nox(*chosen, "-j", str(jobs), "--report", str(report))
    cpu, started = _cpu(), time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    run = Run(name, time.perf_counter() - started, jobs)
    _reap()
    run.cpu = _cpu() - cpu
    times, run.ok, run.not_run = _raw_times(results, columns)
    sessions = _sessions(report)
    run.started = sum(1 for _, result in sessions.values() if result != "skipped")
    for key, parts in times.items():
        duration = sessions.get(key, (parts["total"], ""))[0]
        parts["env"] = max(0.0, duration - parts["total"])
    run.columns = times
    run.problem = _problem(run, len(columns), code, log)
    return run


def _python(column: Listed, group: list[str]) -> Path | None:
    """The interpreter of the environment the column runs in, if it was built whole (an
    environment whose install failed, as for a Django line with no release, has none)."""
    spec = env_spec(column.django, records.load(column.configuration), group)
    if isinstance(spec, str):
        return None
    location = envs.ready(spec)
    return None if location is None else location / "bin" / "python"


def _floor_column(column: Listed, python: Path, env: dict[str, str]) -> int:
    cell_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as nox does
    cell_env["SESSION_MATRIX_T0"] = str(time.time())
    command = [str(python), "-m", "session_matrix.matrix.column"]
    command += ["--configuration", column.configuration, "--django", column.django]
    return subprocess.call(command, cwd=ROOT, env=cell_env, stdout=subprocess.DEVNULL)


def run_floor(columns: list[Listed], env: dict[str, str], jobs: int) -> Run:
    """Every column that has an environment, straight through the runner, ``jobs`` at once."""
    import nox.project

    group = list(
        nox.project.dependency_groups(nox.project.load_toml(ROOT / "pyproject.toml"), "matrix")
    )
    results = Path(env["SESSION_MATRIX_RESULTS"])
    _fresh(results)
    ready = [(c, python) for c in columns if (python := _python(c, group)) is not None]
    # The columns share one Chromium, as under nox: this process owns that run.
    env = env | {chromium.RUN_VAR: str(os.getpid())}
    os.environ[chromium.RUN_VAR] = env[chromium.RUN_VAR]
    cpu, started = _cpu(), time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda item: _floor_column(item[0], item[1], env), ready))
        wall = time.perf_counter() - started
    finally:
        chromium.stop_run()
        os.environ.pop(chromium.RUN_VAR, None)
    _reap()
    run = Run("floor", wall, jobs)
    run.cpu = _cpu() - cpu
    run.columns, run.ok, run.not_run = _raw_times(results, columns)
    # A column without an environment is one the nox runs could not run either.
    has_env = {column.id for column, _ in ready}
    run.not_run |= {c.id: "no environment" for c in columns if c.id not in has_env}
    run.problem = _problem(run, len(columns), 0, "the runners' output above")
    return run


@contextlib.contextmanager
def _touched(path: Path, edit: Callable[[str], str]) -> Iterator[None]:
    """``path`` edited for the duration, then put back byte for byte."""
    original = path.read_bytes()
    path.write_text(edit(original.decode("utf-8")), encoding="utf-8")
    try:
        yield
    finally:
        path.write_bytes(original)


def touch_pattern(text: str) -> str:
    """A comment line inside the module's first pattern, after its docstring: its code
    changed, nothing it does."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            first = node.body[0]
            lines = text.splitlines(keepends=True)
            comment = " " * first.col_offset + "# touched by nox -s bench\n"
            end = first.end_lineno or first.lineno
            return "".join([*lines[:end], comment, *lines[end:]])
    msg = "no pattern function in the module"
    raise ValueError(msg)


def touch_record(text: str) -> str:
    """A setting at Django's default value: the resolved record changed, nothing it does."""
    line = 'SESSION_COOKIE_NAME = "sessionid"  # touched by nox -s bench\n'
    if "[settings]\n" in text:
        return text.replace("[settings]\n", "[settings]\n" + line, 1)
    return text.rstrip("\n") + "\n\n[settings]\n" + line


def _leaf(columns: list[Listed]) -> str:
    """A configuration among ``columns`` that no record extends (touching it stales only its
    own columns)."""
    every = records.load_all()
    extended = {record.extends for record in every}
    names = [c.configuration for c in columns if c.configuration not in extended]
    return sorted(set(names), key=names.index)[0]


def goals(
    runs: dict[str, Run], floor: Run, columns: list[Listed], record: str, every: int = 0
) -> str:
    """The runs side by side, as ratios of the full fresh (warm) run, of the floor and of
    their own CPU floor, then the goals. ``every``: how many columns the matrix has."""
    warm = runs["warm"]
    lines = [
        f"{'run':<8} {'wall':>7} {'×warm':>7} {'×floor':>7} {'cpu':>8} {'×cpu-floor':>10} "
        f"{'started':>8}"
    ]
    for run in [*runs.values(), floor]:
        started = f"{run.started}/{len(columns)}" if run.started >= 0 else "-"
        over = f"{run.wall / run.cpu_floor:>9.2f}x" if run.cpu else f"{'-':>10}"
        lines.append(
            f"{run.name:<8} {run.wall:>6.1f}s {run.wall / warm.wall:>6.2f}x "
            f"{run.wall / floor.wall:>6.2f}x {run.cpu:>7.1f}s {over} {started:>8}"
        )
    if "own" in runs:
        own_chromium = runs["own"]
        lines.append(
            f"full fresh run: {warm.wall:.1f}s with one Chromium per run, "
            f"{own_chromium.wall:.1f}s with one per column as before "
            f"({warm.wall / own_chromium.wall:.2f}x); CPU {warm.cpu:.1f}s against "
            f"{own_chromium.cpu:.1f}s"
        )
    # The record's columns that can run here: one the index cannot serve is not started.
    own = sum(1 for c in columns if c.configuration == record and c.id not in warm.not_run)
    checks = [
        (
            "no-op",
            runs["no-op"].wall <= GOALS["no-op"] and runs["no-op"].started == 0,
            f"<= {GOALS['no-op']:.0f}s and 0 columns started",
        ),
        ("pattern", runs["pattern"].wall <= GOALS["pattern"], f"<= {GOALS['pattern']:.0f}s"),
        ("record", runs["record"].started == own, f"only {record}'s {own} columns started"),
        ("warm", warm.wall <= GOALS["warm"], f"full fresh run <= {GOALS['warm']:.0f}s"),
    ]
    for name, met, what in checks:
        run = runs[name]
        figures = f"{run.wall:.1f}s, {run.started} started"
        lines.append(f"goal {name}: {what}: {'met' if met else 'MISSED'} ({figures})")
    if warm.cpu:
        ratio = warm.wall / warm.cpu_floor
        verdict = "met" if ratio <= CPU_FLOOR_GOAL else "MISSED"
        lines.append(
            f"goal cpu-floor: warm <= {CPU_FLOOR_GOAL}x its CPU floor "
            f"({warm.cpu:.1f} CPU-s / {os.cpu_count()} cores = {warm.cpu_floor:.1f}s): "
            f"{verdict} ({ratio:.2f}x)"
        )
    if every > len(columns):
        lines.append(f"(the goals are for all {every} columns; this run measured {len(columns)})")
    return "\n".join(lines)


def table(runs: list[Run], floor: Run, columns: int, nox_start: float) -> str:
    """The figures: one row per run, then what the targets say."""
    head = f"{'run':<6} {'wall':>6} {'×floor':>7} {'ok':>6}" + "".join(
        f" {'Σ' + p:>9}" for p in PARTS
    )
    lines = [head]
    for run in [*runs, floor]:
        parts = run.parts()
        lines.append(
            f"{run.name:<6} {run.wall:>5.1f}s {run.wall / floor.wall:>6.2f}x "
            f"{f'{run.ok}/{columns}':>6}" + "".join(f" {parts[p]:>8.1f}s" for p in PARTS)
        )
    for run in runs:
        extra = {p: (v - floor.parts()[p]) / run.jobs for p, v in run.parts().items()}
        shown = ", ".join(f"{p} {v:+.1f}" for p, v in extra.items() if abs(v) >= 0.05)
        lines.append(f"{run.name} - floor = {run.wall - floor.wall:+.1f}s wall: {shown}")
    lines.append(
        f"nox start-up + noxfile load (nox -s matrix -l): {nox_start:.2f}s; one child per column "
        f"under -j: ~{nox_start * columns / floor.jobs:.1f}s of wall"
    )
    for run in runs:
        ratio, target = run.wall / floor.wall, TARGETS.get(run.name, 0.0)
        verdict = "met" if ratio <= target else "MISSED"
        lines.append(f"target {run.name} <= {target}x floor: {verdict} ({ratio:.2f}x)")
    lines += [f"warning: {r.name}: {r.problem}" for r in [*runs, floor] if r.problem]
    lines += [_not_run_line(run) for run in runs[:1] if run.not_run]
    return "\n".join(lines)


def _not_run_line(run: Run) -> str:
    """How many columns could not run here, by reason (the figures leave them out)."""
    reasons = Counter(run.not_run.values())
    said = "; ".join(f"{count} x {reason}" for reason, count in sorted(reasons.items()))
    return f"not run here ({len(run.not_run)} columns, not timed): {said}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m session_matrix.matrix.bench", description=__doc__
    )
    parser.add_argument("--jobs", type=int, default=job_slots(), help="columns at once")
    parser.add_argument("--rounds", type=int, default=1, help="cold, warm, floor N times")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--select", default="", help='nox arguments picking the columns, e.g. "-t dj6.1"'
    )
    return parser


def _best(runs: list[Run]) -> Run:
    """The fastest run that ran every column cleanly, else the fastest one (flagged)."""
    return min(runs, key=lambda run: (bool(run.problem), run.wall))


def _round(
    columns: list[Listed], work: Path, env: dict[str, str], jobs: int, select: list[str]
) -> list[Run]:
    """cold (fresh envdir), warm, own, no-op, pattern, record, floor."""
    shutil.rmtree(work / "envs", ignore_errors=True)
    module = sorted((ROOT / PATTERNS_DIR).glob("test_*.py"))[0]
    record = records.load(_leaf(columns)).path

    # The whole table: plain `nox`, as a user runs it (the stale columns, then the report,
    # which leaves the README alone for results elsewhere); a selection: those columns.
    plain = not select

    def touched(name: str, path: Path, edit: Callable[[str], str]) -> Run:
        with _touched(path, edit):
            run = run_nox(name, columns, work, env, jobs, select, fresh=False, plain=plain)
        # Put back, the touched cells are stale again: rerun them (untimed) so that the next
        # run starts from a current table, as the no-op did.
        run_nox(f"{name}-restored", columns, work, env, jobs, select, fresh=False, plain=plain)
        return run

    own_chromium = env | {chromium.SHARED_VAR: "0"}
    steps: list[Callable[[], Run]] = [
        lambda: run_nox("cold", columns, work, env, jobs, select),
        lambda: run_nox("warm", columns, work, env, jobs, select),
        lambda: run_nox("own", columns, work, own_chromium, jobs, select),
        lambda: run_nox("no-op", columns, work, env, jobs, select, fresh=False, plain=plain),
        lambda: touched("pattern", module, touch_pattern),
        lambda: touched("record", record, touch_record),
        lambda: run_floor(columns, env, jobs),
    ]
    runs = []
    for step in steps:  # each takes minutes at full size: say each as it ends
        runs.append(step())
        run = runs[-1]
        print(f"  {run.name}: {run.wall:.1f}s, {run.ok}/{len(columns)} columns ok", flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="session-matrix-bench-"))
    env = dict(os.environ) | {
        "SESSION_MATRIX_RESULTS": str(work / "results"),
        "SESSION_MATRIX_ENVDIR": str(work / "envs"),
    }
    # The bench chooses, per run; and each run finds its interpreters and tries its
    # environments itself, as a user's would (nothing from the nox around the bench).
    for name in (chromium.RUN_VAR, chromium.SHARED_VAR, envs.RUN_VAR, interpreters.SHARED_VAR):
        env.pop(name, None)
    _adopt_orphans()
    os.environ["SESSION_MATRIX_ENVDIR"] = env["SESSION_MATRIX_ENVDIR"]  # for run_floor
    failed = True
    try:
        select = shlex.split(args.select)
        columns, nox_start = _list_columns(env, select)
        every = len(_list_columns(env, [])[0]) if select else len(columns)
        print(
            f"bench: {len(columns)} columns, -j {args.jobs}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}, in {work}",
            flush=True,
        )
        rounds = [
            _round(columns, work, env, args.jobs, select) for _ in range(max(1, args.rounds))
        ]
        best = [_best([r[i] for r in rounds]) for i in range(len(rounds[0]))]
        cold, warm, floor = best[0], best[1], best[-1]
        print(table([cold, warm], floor, len(columns), nox_start))
        named = {run.name: run for run in best[:-1]}
        print(goals(named, floor, columns, _leaf(columns), every))
        if len(rounds) > 1:
            medians = [statistics.median(r[i].wall for r in rounds) for i in range(len(best))]
            print(
                f"medians over {len(rounds)} rounds: "
                + ", ".join(f"{run.name} {m:.1f}s" for run, m in zip(best, medians, strict=True))
            )
        print(f"load at the end: {os.getloadavg()[0]:.1f} (other work on the machine skews it)")
        print(LEGEND)
        failed = any(run.problem for r in rounds for run in r)
    finally:
        if args.keep or failed:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def __dir__() -> list[str]:
    return __all__


if __name__ == "__main__":
    sys.exit(main())
