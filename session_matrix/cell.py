"""Run one cell (one engine on the installed Django) and write its raw result.

    python -m session_matrix.cell --engine signed_cookies --django 6.1 [--repeat N] [-- PYTEST ARGS]

The patterns run in a pytest subprocess (with the ``session_matrix.recorder`` plugin) inside the
services this cell was given: a Redis database of its own, a private file directory.
``--repeat N`` (or ``SESSION_MATRIX_REPEAT=N``) runs them N times; a pattern whose outcomes
differ is reported as flaky.

Exit status: 0 when a raw result was written for a run that happened (failing patterns are
data) or that could not happen for a stated reason (*not run*: a service is missing);
1 when the run itself broke (import error, nothing collected, wrong Django, a service lost
mid-run, a crash of the harness): the raw file then says ``"status": "error"`` with the
reason; 2 on bad arguments, ours or pytest's (nothing written); 130 when interrupted (the
previous raw file is left as it was).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from session_matrix import engines, raw, services
from session_matrix.fingerprint import ROOT, fingerprint

__all__ = ["combine_runs", "main", "origin"]

PATTERNS_DIR = "matrix_tests"
PYTEST_ARGS = ("-p", "session_matrix.recorder", "-q", "--tb=no", "--no-header", "-p", "no:cacheprovider")
USAGE_ERROR = 4  # pytest rejected its arguments: bad input, not a result


class Interrupted(Exception):
    """The run was interrupted; nothing is written."""


class BadPytestArguments(Exception):
    """pytest rejected the extra arguments; nothing is written."""


def _repeat(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"must be a whole number of runs, 1 or more, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def origin() -> dict[str, str]:
    """Where this run happened, so that merged results can say where each column came from."""
    github_run = ""
    if os.environ.get("GITHUB_RUN_ID"):
        github_run = (
            f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/"
            f"{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
        )
    return {
        "host": platform.node(),
        "platform": f"{platform.system()} {platform.machine()}",
        "ci_run": github_run,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m session_matrix.cell", description="Run one cell.")
    parser.add_argument("--engine", required=True, help="a record name in engines/")
    parser.add_argument("--django", required=True, help="the Django version this cell is for")
    parser.add_argument(
        "--repeat",
        type=_repeat,
        default=os.environ.get("SESSION_MATRIX_REPEAT") or "1",
        help="run the patterns N times; differing outcomes read flaky (SESSION_MATRIX_REPEAT)",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    return parser


def _pytest_once(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One pytest run of the patterns; what the recorder wrote, plus the exit code."""
    with tempfile.TemporaryDirectory(prefix="session-matrix-rows-") as tmp:
        rows_path = Path(tmp) / "rows.json"
        command = [sys.executable, "-m", "pytest", PATTERNS_DIR, *PYTEST_ARGS, *args]
        started = time.perf_counter()
        try:
            code = subprocess.call(
                command, cwd=ROOT, env=env | {"SESSION_MATRIX_ROWS": str(rows_path)}
            )
        except KeyboardInterrupt as exc:
            raise Interrupted from exc
        wall = time.perf_counter() - started
        rows = json.loads(rows_path.read_text(encoding="utf-8")) if rows_path.exists() else {}
    if code == 2 and not rows.get("collection_errors"):
        raise Interrupted
    if code == USAGE_ERROR:
        raise BadPytestArguments
    return {"exit_code": code, "wall": wall, "tests": {}, "collection_errors": []} | rows


def combine_runs(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Rows of repeated runs -> one row per pattern; ``runs`` lists every outcome.

    The first run's row is kept, unless a later run failed where it passed: then that
    failure's exception and message are kept, since they explain the flakiness.
    """
    combined: dict[str, dict[str, Any]] = {}
    for rows in runs:
        for node_id, row in rows.items():
            entry = combined.get(node_id)
            if entry is None:
                combined[node_id] = dict(row, runs=[row["outcome"]])
                continue
            entry["runs"].append(row["outcome"])
            if entry["outcome"] == "passed" and row["outcome"] != "passed":
                entry |= {k: v for k, v in row.items() if k != "outcome"}
    if len(runs) <= 1:
        for entry in combined.values():
            del entry["runs"]
    return combined


def _classify(runs: list[dict[str, Any]], wanted: str, args: list[str]) -> str:
    """Why the run itself is broken, or "" when its rows are results."""
    first = runs[0]
    errors = sorted({error for run in runs for error in run["collection_errors"]})
    if errors:
        return "collection failed: " + "; ".join(errors)
    installed = first.get("django", "")
    if installed and installed != wanted and not installed.startswith(f"{wanted}."):
        return f"this environment has Django {installed}, the cell is for Django {wanted}"
    if first["exit_code"] == 3:
        return "pytest internal error (exit code 3): see the output above"
    if not first["tests"]:
        if first["exit_code"] == 5:
            return f"no tests collected from {PATTERNS_DIR}/ (pytest args: {args or 'none'})"
        return (
            f"pytest failed before recording any pattern (exit code {first['exit_code']}): "
            "see the output above"
        )
    return ""


def _run(args: argparse.Namespace, engine: engines.Engine, record: dict[str, Any]) -> None:
    """Fill ``record`` from real runs inside the services the engine needs."""
    with services.provision(engine.needs, file_dir=engine.uses("file_dir")) as given:
        env = dict(os.environ)
        env |= {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SESSION_MATRIX_ENGINE": args.engine,
            "REDIS_URL": given.redis_url or services.redis_url(),
            "SESSION_MATRIX_FILE_DIR": given.file_dir,
        }
        runs = []
        for number in range(args.repeat):
            if number:
                given.reset()
            runs.append(_pytest_once(args.pytest_args, env))
        try:
            given.check()
            lost = ""
        except services.ServiceLost as exc:
            lost = str(exc)
    first = runs[0]
    record["environment"] = {
        "django": first.get("django", ""),
        "python": first.get("python", platform.python_version()),
        "packages": first.get("packages", {}),
        "engine": engine.as_dict(),
        "services": given.versions,
    }
    record["tests"] = combine_runs([run["tests"] for run in runs])
    tests_time = sum(row["duration"] for run in runs for row in run["tests"].values())
    record["timings"] |= {
        "startup": round(sum(run["wall"] for run in runs) - tests_time, 3),
        "tests": round(tests_time, 3),
    }
    broken = lost or _classify(runs, args.django, args.pytest_args)
    if broken:
        record["status"], record["reason"] = "error", broken


def _counts(tests: dict[str, dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for row in tests.values():
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no patterns"


def main(argv: list[str] | None = None) -> int:
    started = time.time()
    nox_started = float(os.environ.get("SESSION_MATRIX_T0") or started)
    args = _parser().parse_args(argv)
    try:
        engine = engines.load(args.engine)
    except engines.EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    name = raw.cell_id(args.engine, args.django)
    path = raw.path_for(name)
    record = raw.new_record(cell_id=name, engine=args.engine, django=args.django)
    record |= {
        "fingerprint": fingerprint(args.engine),
        "selection": list(args.pytest_args),
        "origin": origin(),
        "timings": {"setup": round(started - nox_started, 3)},
    }
    try:
        _run(args, engine, record)
    except services.ServiceUnavailable as exc:
        record["status"], record["reason"] = "not_run", f"not run: {exc}"
        record["environment"] = {"engine": engine.as_dict(), "services": {}}
    except Interrupted:
        print(f"{name}: interrupted; {path} left as it was", file=sys.stderr)
        return 130
    except BadPytestArguments:
        print(f"error: pytest rejected {args.pytest_args} (see above); {path} left as it was")
        return 2
    except Exception as exc:  # a crash of the harness is recorded as the cell's error
        traceback.print_exc()
        record["status"] = "error"
        record["reason"] = f"the harness crashed: {exc.__class__.__name__}: {exc}"
    record["timings"]["total"] = round(time.time() - nox_started, 3)
    record["finished"] = raw.now()
    raw.write_atomic(path, record)
    summary = record["reason"] if record["status"] != "ok" else _counts(record["tests"])
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{name}: {summary} in {record['timings']['total']:.1f}s -> {shown}")
    return 1 if record["status"] == "error" else 0


if __name__ == "__main__":
    sys.exit(main())
