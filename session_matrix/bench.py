"""``nox -s bench``: the whole matrix through nox, cold and warm, against the floor.

    python -m session_matrix.bench [--jobs N] [--rounds N] [--keep]

cold    ``nox -s matrix -j N`` with a fresh temporary ``SESSION_MATRIX_ENVDIR``: no column
        environments yet (uv's package cache is used as it is)
warm    the same command again: every environment is reused
floor   the same columns with no nox around them: ``<env>/bin/python -m
        session_matrix.column`` in the environments the cold run prepared, N at a time

Every run writes its raw results into a temporary ``SESSION_MATRIX_RESULTS``: results/,
.nox/ and the README are left alone. ``--rounds N`` repeats all three (best of N shown).

Standard library only; runs on nox's own interpreter (it starts nox as a child process).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from session_matrix import envs, records, schemas
from session_matrix.model import column_id, read_raw
from session_matrix.nox_columns import env_spec
from session_matrix.paths import ROOT, raw_path
from session_matrix.vocabulary import RunStatus

__all__ = ["Listed", "Run", "main", "table"]

TARGETS = {"warm": 1.5, "cold": 3.0}
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

    def parts(self) -> dict[str, float]:
        """``PARTS`` summed over columns; ``outside`` makes them add up to wall x jobs."""
        sums = dict.fromkeys(PARTS, 0.0)
        for times in self.columns.values():
            for name in PARTS[:-1]:
                sums[name] += times.get(name, 0.0)
        sums["outside"] = self.wall * self.jobs - sum(sums.values())
        return sums


def _nox(*args: str) -> list[str]:
    return [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), *args]


def _list_columns(env: dict[str, str]) -> tuple[list[Listed], float]:
    """The default matrix's columns, and how long nox took to start and load the noxfile."""
    started = time.perf_counter()
    out = subprocess.run(
        _nox("-s", "matrix", "-l", "--json"),
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


def _raw_times(results: Path, columns: list[Listed]) -> tuple[dict[str, dict[str, float]], int]:
    """Each column's timings from its raw file, and how many columns ran (status ok)."""
    times: dict[str, dict[str, float]] = {}
    ok = 0
    for column in columns:
        try:
            record = read_raw(raw_path(column.id, results))
        except schemas.InvalidInput:
            continue
        ok += record.last_run.status == RunStatus.OK
        timings = record.results.timings if record.results else {}
        total = float(timings.get("total", 0.0))
        parts = {name: float(timings.get(name, 0.0)) for name in ("setup", "startup", "tests")}
        times[column.id] = parts | {"total": total, "column": total - sum(parts.values())}
    return times, ok


def _fresh(results: Path) -> None:
    shutil.rmtree(results / "raw", ignore_errors=True)


def _session_durations(report: Path) -> dict[str, float]:
    """Listed id -> the session's duration in nox's ``--report`` file (empty if none)."""
    if not report.exists():
        return {}
    sessions = json.loads(report.read_text(encoding="utf-8"))["sessions"]
    return {
        column_id(s["args"]["configuration"], s["args"]["django"]): float(s["duration"] or 0.0)
        for s in sessions
        if s["name"] == "matrix"
    }


def run_nox(name: str, columns: list[Listed], work: Path, env: dict[str, str], jobs: int) -> Run:
    """``nox -s matrix`` in the bench's envdir; per-session durations from ``--report``."""
    results = Path(env["SESSION_MATRIX_RESULTS"])
    _fresh(results)
    report, log = work / f"{name}.report.json", work / f"{name}.log"
    command = _nox("-s", "matrix", "-j", str(jobs), "--report", str(report))
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    run = Run(name, time.perf_counter() - started, jobs)
    times, run.ok = _raw_times(results, columns)
    durations = _session_durations(report)
    for key, parts in times.items():
        parts["env"] = max(0.0, durations.get(key, parts["total"]) - parts["total"])
    run.columns = times
    if code != 0 or run.ok < len(columns):
        run.problem = f"nox exited {code}, {run.ok}/{len(columns)} columns ran; see {log}"
    return run


def _python(column: Listed, group: list[str]) -> Path | None:
    """The interpreter of the environment the column runs in, if it exists."""
    spec = env_spec(column.django, records.load(column.configuration), group)
    if isinstance(spec, str):
        return None
    python = envs.envdir() / spec.name / "bin" / "python"
    return python if python.exists() else None


def _floor_column(column: Listed, python: Path, env: dict[str, str]) -> int:
    cell_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as nox does
    cell_env["SESSION_MATRIX_T0"] = str(time.time())
    command = [str(python), "-m", "session_matrix.column"]
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
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(lambda item: _floor_column(item[0], item[1], env), ready))
    run = Run("floor", time.perf_counter() - started, jobs)
    run.columns, run.ok = _raw_times(results, columns)
    if run.ok < len(columns) or any(codes):
        run.problem = f"{len(ready)}/{len(columns)} columns had an environment, {run.ok} ran"
    return run


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
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m session_matrix.bench", description=__doc__)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="columns at once")
    parser.add_argument("--rounds", type=int, default=1, help="cold, warm, floor N times")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser


def _best(runs: list[Run]) -> Run:
    """The fastest run that ran every column cleanly, else the fastest one (flagged)."""
    return min(runs, key=lambda run: (bool(run.problem), run.wall))


def _round(columns: list[Listed], work: Path, env: dict[str, str], jobs: int) -> list[Run]:
    """cold (fresh envdir), warm, floor."""
    shutil.rmtree(work / "envs", ignore_errors=True)
    steps: list[Callable[[], Run]] = [
        lambda: run_nox("cold", columns, work, env, jobs),
        lambda: run_nox("warm", columns, work, env, jobs),
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
    os.environ["SESSION_MATRIX_ENVDIR"] = env["SESSION_MATRIX_ENVDIR"]  # for run_floor
    failed = True
    try:
        columns, nox_start = _list_columns(env)
        print(
            f"bench: {len(columns)} columns, -j {args.jobs}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}, in {work}",
            flush=True,
        )
        rounds = [_round(columns, work, env, args.jobs) for _ in range(max(1, args.rounds))]
        cold, warm, floor = (_best([r[i] for r in rounds]) for i in range(3))
        print(table([cold, warm], floor, len(columns), nox_start))
        if len(rounds) > 1:
            medians = [statistics.median(r[i].wall for r in rounds) for i in range(3)]
            print(
                "medians over {} rounds: cold {:.1f}s, warm {:.1f}s, floor {:.1f}s".format(
                    len(rounds), *medians
                )
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
