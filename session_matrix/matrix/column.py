"""Run one column (one configuration on the installed Django) and record what it produced.

    python -m session_matrix.matrix.column --configuration cache --django 6.1 [--repeat N]
        [--seed N] [-- PYTEST ARGS]

The patterns run in a pytest subprocess (with the ``session_matrix.core.recorder`` plugin), in a
seeded random order (pytest-randomly; the seed is recorded), inside the services this
column was given: a Redis database of its own, a private directory, and so on.

What is written to ``results/raw/<column>.json``:

- a run that produced outcomes replaces the rows it ran; a full run (no pytest arguments)
  replaces the whole column, a selection (``-k``, ``-m``, a path, ``-x``) only its rows;
- a run that did not (not run, not available, broken, interrupted) keeps every previous
  row and says why in ``last_run``.

Exit status: 0 when the run happened (failing patterns are data) or could not for a stated
reason (not run, not available); 1 when the run itself broke (a collection error, the wrong
Django, a service lost or restarted mid-run, a crash of the harness); 2 on bad input (ours
or pytest's arguments, a selection that matches nothing, a bad record): nothing written;
130 when interrupted (SIGINT or SIGTERM): the previous rows are kept and services released.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from session_matrix.core import (
    paths,
    preflight,
    pytest_run,
    records,
    runner,
    schemas,
    selection,
    services,
)
from session_matrix.core.model import (
    ColumnKey,
    GoodRun,
    RawRecord,
    Row,
    origin,
    previous_raw,
    write_raw,
)
from session_matrix.core.recorder import Recording
from session_matrix.core.vocabulary import CellStatus, Outcome, RunStatus, because
from session_matrix.matrix import last_run, staleness
from session_matrix.matrix.fingerprint import fingerprint

__all__ = [
    "CANNOT_RECORD",
    "CHANGED_DURING_RUN",
    "keep_measured",
    "main",
    "merge_rows",
]

CANNOT_RECORD = 3  # the run's raw file could not be written (nox fails the session)
# A fingerprint that starts so matches no tree: the tree changed while the column ran.
CHANGED_DURING_RUN = "changed-during-run:"
_SETTINGS = "project.settings"  # the patterns' settings, the record laid over them
_MEASURED = frozenset({Outcome.PASSED, Outcome.FAILED, Outcome.ERROR})


@dataclass
class Attempt:
    """What one attempt at the column came to."""

    status: RunStatus
    reason: str = ""
    recordings: tuple[Recording, ...] = ()


def _repeat(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        msg = f"must be a whole number of runs, 1 or more, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _seed(text: str) -> int:
    if not text.isdigit():
        msg = f"must be a whole number, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix column", description="Run one column and record its outcomes."
    )
    parser.add_argument("--configuration", required=True, help="a record name in engines/")
    parser.add_argument("--django", required=True, help="the Django version this column is for")
    parser.add_argument(
        "--repeat",
        type=_repeat,
        default=os.environ.get("SESSION_MATRIX_REPEAT") or "1",
        help="run the patterns N times; differing outcomes read flaky (SESSION_MATRIX_REPEAT)",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=os.environ.get("SESSION_MATRIX_SEED") or str(random.randrange(10**6)),
        help="the random test order's seed (SESSION_MATRIX_SEED; default: a new one)",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    return parser


def _diagnose(name: str, env: dict[str, str]) -> tuple[str, str] | None:
    """Why Django could not even start for this record: (kind, message), or None."""
    done = subprocess.run(
        [sys.executable, "-m", "session_matrix.core.preflight", name],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    with contextlib.suppress(json.JSONDecodeError, IndexError):
        found = json.loads(done.stdout.strip().splitlines()[-1])
        if found:
            return found["kind"], found["message"]
    return None


def _attempt(args: argparse.Namespace, record: records.Record, label: str) -> Attempt:
    """Run the patterns in the record's services (``runner.run``), and say what became of it."""

    def patterns(env: dict[str, str], bundle: services.Bundle) -> list[Recording]:
        runs: list[Recording] = []
        for number in range(args.repeat):
            if number:
                bundle.reset()
            seed = None if args.seed is None else args.seed + number
            runs.append(pytest_run.run_once(args.pytest_args, env, seed))
            if runs[-1].preflight or (not runs[-1].tests and runs[-1].exit_code != 0):
                break
        return runs

    pythonpath = os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")]))
    try:
        ran = runner.run(
            record, label, patterns, settings=_SETTINGS, extra={"PYTHONPATH": pythonpath}
        )
    except runner.ServiceUnavailable as exc:
        return Attempt(RunStatus.NOT_RUN, because(CellStatus.NOT_RUN, str(exc)))
    except runner.ServiceLost as exc:
        return Attempt(RunStatus.ERROR, str(exc))
    runs = ran.value
    problem = runs[0].preflight
    if problem is None and not runs[0].tests and runs[0].exit_code != 0:
        found = _diagnose(record.name, ran.env)
        problem = {"kind": found[0], "message": found[1]} if found else None
    if problem is not None:
        if problem["kind"] == preflight.INVALID:
            raise runner.BadInput(problem["message"])
        if problem["kind"] == preflight.BROKEN:
            return Attempt(RunStatus.ERROR, problem["message"])
        return Attempt(RunStatus.UNAVAILABLE, problem["message"])
    for run in runs:
        run.services = ran.versions | run.services
    broken = pytest_run.broken(tuple(runs), args.django, args.pytest_args) or _rejected_everywhere(
        runs[0]
    )
    if broken:
        return Attempt(RunStatus.ERROR, broken, tuple(runs))
    return Attempt(RunStatus.OK, "", tuple(runs))


def _rejected_everywhere(run: Recording) -> str:
    """Every pattern that ran failed on one ``ImproperlyConfigured``: Django rejected the
    settings, and the column is broken, not a column of failures."""
    ran = [row for row in run.tests.values() if row.outcome in _MEASURED]
    if not ran or any(not row.exception.endswith("ImproperlyConfigured") for row in ran):
        return ""
    return f"Django rejects the record's settings in every pattern: {ran[0].message}"


def merge_rows(old: dict[str, Row], new: dict[str, Row], *, complete: bool) -> dict[str, Row]:
    """A complete run's rows replace the column; a selection's replace only the rows it ran."""
    return dict(new) if complete else old | new


def _measured(row: Row | None) -> bool:
    return row is not None and row.outcome in _MEASURED


def keep_measured(old: dict[str, Row], new: dict[str, Row], finished: str) -> dict[str, Row]:
    """``new`` where a pattern that could not run here (no Chromium, no Playwright: *not
    run*) keeps its earlier measured outcome, saying so in its reason: "last run <date>:
    not run: no Chromium …; showing the result from <date>". A missing browser says nothing
    about the idiom, so it never erases what a run that had one measured."""
    kept = dict(new)
    for node, row in new.items():
        earlier = old.get(node)
        if row.outcome != Outcome.NOT_RUN or earlier is None or not _measured(earlier):
            continue
        shown = Row(**{**earlier.__dict__, "runs": list(earlier.runs)})
        own = "" if earlier.reason.startswith("last run ") else earlier.reason
        shown.reason = (
            f"last run {finished[:10]}: {row.reason}; showing the result from {earlier.at[:10]}"
            + (f" ({own})" if own else "")
        )
        kept[node] = shown
    return kept


def _fingerprint_now(record: records.Record) -> str:
    """The fingerprint of the tree as it is now, the record read again from its file (the
    one in memory is the one the run started with). A record that no longer loads is a
    change: "" matches no fingerprint."""
    try:
        return fingerprint(records.load(record.name))
    except (schemas.InvalidInput, OSError):
        return ""


def _record(
    key: ColumnKey,
    previous: RawRecord | None,
    attempt: Attempt,
    args: argparse.Namespace,
    record: records.Record,
    timings: dict[str, float],
    before: str,
    stamps: dict[str, str | None] | None = None,
) -> RawRecord:
    """The column's new raw record: ``previous`` with this attempt laid over it. ``before``
    is the fingerprint taken before the run started."""
    raw = last_run.laid_over(
        key, previous, last_run.make(attempt.status, attempt.reason, args.pytest_args, args.seed)
    )
    last = raw.last_run
    finished = last.finished
    if attempt.status != RunStatus.OK:
        return raw
    runs = attempt.recordings
    rows = pytest_run.combine_runs([run.tests for run in runs])
    for row in rows.values():
        row.at = finished
    staleness.stamp(rows, stamps or {})
    tests_time = sum(row.duration for run in runs for row in run.tests.values())
    timings |= {"startup": round(timings["run"] - tests_time, 3), "tests": round(tests_time, 3)}
    timings.pop("run")
    first = runs[0]
    # A run is complete only if nothing in its arguments narrows it and pytest ran all it
    # collected: `-vx` or `-vk naive` must never replace a column with the rows they reached.
    complete = not selection.narrowing(args.pytest_args, paths.ROOT) and not any(
        run.partial for run in runs
    )
    digest = before
    changed = _fingerprint_now(record) != before
    if changed:
        # What ran is neither the tree at the start nor the one now: never current.
        digest = f"{CHANGED_DURING_RUN}{before}"
        raw.last_run.reason = (
            "the patterns, the project or the record changed during the run: its outcomes "
            "are stale; run the column again"
        )
    merged = merge_rows(raw.tests, keep_measured(raw.tests, rows, finished), complete=complete)
    older = any(row.at != finished for row in merged.values())
    # Kept rows whose cells' inputs are all unchanged (a staleness run) leave it current.
    current = stamps is not None and not staleness.stale(
        RawRecord(column=key, last_run=last, tests=merged), stamps
    )
    if (
        older
        and raw.results is not None
        and raw.results.fingerprint != before
        and not changed
        and not current
    ):
        # Rows kept from a run of older patterns: the column stays stale until a full run.
        digest = raw.results.fingerprint
    raw.tests = merged
    raw.results = GoodRun(
        finished=finished,
        fingerprint=digest,
        selection=list(args.pytest_args),
        seed=first.seed,
        environment={
            "django": first.django,
            "python": first.python or platform.python_version(),
            "packages": first.packages,
            "services": first.services,
            "configuration": record.configuration().__dict__,
        },
        origin=origin(),
        timings=timings,
    )
    return raw


def _summary(raw: RawRecord) -> str:
    if raw.last_run.status != RunStatus.OK:
        kept = f"; {len(raw.tests)} earlier outcomes kept" if raw.tests else ""
        return f"{raw.last_run.reason}{kept}"
    counts: dict[str, int] = {}
    for row in raw.tests.values():
        if row.at == raw.last_run.finished:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no patterns"


def main(argv: list[str] | None = None) -> int:
    started = time.time()
    nox_started = float(os.environ.get("SESSION_MATRIX_T0") or started)
    args = _parser().parse_args(argv)
    results = paths.results_dir()
    try:
        record = records.load(args.configuration)
    except schemas.InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    key = ColumnKey.of(record.name, args.django)
    foreign = selection.outside(args.pytest_args, paths.ROOT, paths.PATTERNS_DIR)
    if foreign:
        print(
            f"error: {key.id}: {', '.join(foreign)}: a path after -- must be under "
            f"{paths.PATTERNS_DIR}/ (give an option's value as --option=value); nothing written",
            file=sys.stderr,
        )
        return 2
    with runner.interruptible():
        try:
            before = fingerprint(record)
            # The cells' inputs as the run starts (this interpreter's environment).
            stamps = staleness.current(record, Path(sys.prefix))
            run_started = time.perf_counter()
            try:
                attempt = _attempt(args, record, key.id)
            except KeyboardInterrupt:  # runner.Interrupted (SIGTERM) is one
                attempt = Attempt(RunStatus.INTERRUPTED, "interrupted (SIGINT or SIGTERM)")
            except runner.BadInput as exc:
                print(f"error: {key.id}: {exc}; nothing written", file=sys.stderr)
                return 2
            except Exception as exc:  # a crash of the harness is the column's error
                traceback.print_exc()
                attempt = Attempt(RunStatus.ERROR, _crash(exc))
            timings = {
                "setup": round(started - nox_started, 3),
                "run": time.perf_counter() - run_started,
                "total": round(time.time() - nox_started, 3),
            }
            raw, path = _write(key, results, attempt, args, record, timings, before, stamps)
        except KeyboardInterrupt:
            print(f"{key.id}: interrupted; {paths.raw_path(key.id, results)} left as it was")
            return 130
        except CannotRecord as exc:
            print(f"error: {key.id}: {exc}", file=sys.stderr)
            return CANNOT_RECORD
    shown = path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path
    print(f"{key.id}: {_summary(raw)} in {time.time() - nox_started:.1f}s -> {shown}")
    if raw.results is not None and raw.results.fingerprint.startswith(CHANGED_DURING_RUN):
        print(f"warning: {key.id}: {raw.last_run.reason}", file=sys.stderr)
    status = raw.last_run.status
    return {RunStatus.ERROR: 1, RunStatus.INTERRUPTED: 130}.get(status, 0)


class CannotRecord(Exception):
    """The run's raw file could not be written: the run is lost, and says so."""


def _crash(exc: BaseException) -> str:
    return f"the harness crashed: {type(exc).__name__}: {exc}"


def _write(
    key: ColumnKey,
    results: Path,
    attempt: Attempt,
    args: argparse.Namespace,
    record: records.Record,
    timings: dict[str, float],
    before: str,
    stamps: dict[str, str | None] | None = None,
) -> tuple[RawRecord, Path]:
    """Read the column's raw file, lay this attempt over it and write it back, under one
    lock: two selections of one column at once both land. A crash while building the record
    is the column's error; a file that cannot be written is ``CannotRecord``."""
    path = paths.raw_path(key.id, results)
    try:
        with paths.results_lock(results):
            previous = previous_raw(key, results)
            try:
                raw = _record(key, previous, attempt, args, record, dict(timings), before, stamps)
            except Exception as exc:
                traceback.print_exc()
                failed = Attempt(RunStatus.ERROR, _crash(exc))
                raw = _record(key, previous_raw(key, results), failed, args, record, {}, before)
            try:
                write_raw(raw, results, locked=True)
            except schemas.InvalidInput as exc:  # what we built is not a raw file: a bug
                failed = Attempt(RunStatus.ERROR, _crash(exc))
                raw = _record(key, previous_raw(key, results), failed, args, record, {}, before)
                write_raw(raw, results, locked=True)
    except OSError as exc:
        raise CannotRecord(paths.cannot_write(path, exc)) from exc
    return raw, path


if __name__ == "__main__":
    sys.exit(main())
