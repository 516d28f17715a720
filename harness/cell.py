"""Run one cell (one engine on the installed Django) and write its raw result.

    python -m harness.cell --engine signed_cookies --django 6.1 [-- PYTEST ARGS]

Exit status: 0 when a raw result was written for a run that happened (failing patterns are
data) or that could not happen for a stated reason (*not run*: a service is missing);
1 when the run itself broke (import error, nothing collected, wrong Django): the raw file
then says ``"status": "error"`` with the reason; 2 on bad arguments (nothing written);
130 when interrupted (the previous raw file is left as it was).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from harness import engines, raw, services
from harness.fingerprint import ROOT, fingerprint

__all__ = ["main"]

PATTERNS_DIR = "matrix_tests"
# pytest exit codes that mean the run itself broke rather than a pattern failing.
_BROKEN = {2: "interrupted", 3: "pytest internal error", 4: "bad pytest usage", 5: "no tests"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness.cell", description="Run one matrix cell."
    )
    parser.add_argument("--engine", required=True, help="a record name in engines/")
    parser.add_argument("--django", required=True, help="the Django version this cell is for")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    return parser


def cell_id(engine: str, django: str) -> str:
    """The cell's name in nox, in file names and in the report: ``<engine>-dj<version>``."""
    return f"{engine}-dj{django}"


def _environment(engine: engines.Engine, versions: dict[str, str]) -> dict[str, Any]:
    import django  # noqa: PLC0415 - only inside a cell's environment

    return {
        "django": django.get_version(),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "engine": engine.as_dict(),
        "services": versions,
    }


def _counts(tests: dict[str, dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for row in tests.values():
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no patterns"


def _run_pytest(args: list[str], record: dict[str, Any]) -> int:
    """Run the patterns in this process; fill ``record``; return the runner's exit status."""
    import pytest  # noqa: PLC0415

    from harness.recorder import Recorder  # noqa: PLC0415

    recorder = Recorder()
    argv = [PATTERNS_DIR, "-q", "--tb=no", "--no-header", "-p", "no:cacheprovider", *args]
    code = int(pytest.main(argv, plugins=[recorder]))
    record["tests"] = recorder.tests
    if code in (0, 1) and recorder.tests:
        return 0
    if recorder.collection_errors:
        reason = "collection failed: " + "; ".join(recorder.collection_errors)
    elif code == 2:
        return 130
    elif code in (0, 1, 5):
        reason = f"no tests collected from {PATTERNS_DIR}/ (pytest args: {args or 'none'})"
    else:
        reason = f"{_BROKEN.get(code, 'pytest failed')} (pytest exit code {code})"
    record["status"], record["reason"] = "error", reason
    return 1


def _check_django(wanted: str) -> str:
    import django  # noqa: PLC0415

    installed = django.get_version()
    if installed != wanted and not installed.startswith(f"{wanted}."):
        return f"this environment has Django {installed}, the cell is for Django {wanted}"
    return ""


def main(argv: list[str] | None = None) -> int:
    started = float(os.environ.get("SESSION_MATRIX_T0") or time.time())
    args = _parser().parse_args(argv)
    try:
        engine = engines.load(args.engine)
    except engines.EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    name = cell_id(args.engine, args.django)
    record = raw.new_record(cell_id=name, engine=args.engine, django=args.django)
    record["fingerprint"] = fingerprint(args.engine)
    record["selection"] = list(args.pytest_args)
    status = 0
    try:
        with services.provision(engine.needs, file_dir=engine.uses("file_dir")) as given:
            record["environment"] = _environment(engine, given.versions)
            os.environ["SESSION_MATRIX_ENGINE"] = args.engine
            os.environ["REDIS_URL"] = given.redis_url or services.redis_url()
            os.environ["SESSION_MATRIX_FILE_DIR"] = given.file_dir
            mismatch = _check_django(args.django)
            if mismatch:
                record["status"], record["reason"], status = "error", mismatch, 1
            else:
                tests_started = time.time()
                status = _run_pytest(record["selection"], record)
                record["timings"]["startup"] = round(tests_started - started, 3)
                record["timings"]["tests"] = round(time.time() - tests_started, 3)
    except services.ServiceUnavailable as exc:
        record["status"], record["reason"] = "not_run", f"not run: {exc}"
        record["environment"] = _environment(engine, {})
    if status == 130:
        print(f"{name}: interrupted; {raw.path_for(name)} left as it was", file=sys.stderr)
        return status
    record["timings"]["total"] = round(time.time() - started, 3)
    record["finished"] = raw.now()
    path = raw.path_for(name)
    raw.write_atomic(path, record)
    summary = record["reason"] if record["status"] != "ok" else _counts(record["tests"])
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{name}: {summary} in {record['timings']['total']:.1f}s -> {shown}")
    return status


if __name__ == "__main__":
    sys.exit(main())
