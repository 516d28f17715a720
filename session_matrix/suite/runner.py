"""Runs the configurations, ``jobs`` at a time: each through ``core.runner`` (its services:
a private Redis database, a temporary directory; and a pytest subprocess of this
interpreter of its own, with the recorder), with ``suite.settings`` as the settings and
``suite.plugin`` loaded.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from session_matrix.core import records, services
from session_matrix.core import runner as core_runner
from session_matrix.core.vocabulary import CellStatus, because
from session_matrix.suite import scratch
from session_matrix.suite.classify import classify, headline, missing_package
from session_matrix.suite.runs import BROKEN, NOT_RUN, RAN, Plan, Run
from session_matrix.suite.terminal import StatusLine

__all__ = ["SCRATCH_PREFIX", "Runner", "reclaim_scratch", "run_all"]

# A run's temporary directory: session-matrix-suite-<configuration>-<pid>-<random>.
SCRATCH_PREFIX = "session-matrix-"
_SCRATCH = re.compile(rf"^{SCRATCH_PREFIX}suite-.+-(\d+)-[^-]+$")


def reclaim_scratch() -> list[Path]:
    """Remove the temporary directories of suite runs whose process is gone (killed outright,
    SIGKILL, before it could clean up); the ones removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}suite-*"):
        found = _SCRATCH.match(folder.name)
        if not found or not folder.is_dir():
            continue
        try:
            os.kill(int(found.group(1)), 0)
            continue  # its process still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's process
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _collected(directory: Path) -> dict[str, Any] | None:
    """What the plugin wrote once collection finished; None before."""
    path = directory / scratch.COLLECTED
    if not path.is_file():
        return None
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


class Runner:
    """Runs configurations, each in its services and a pytest subprocess of its own."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.stopping = threading.Event()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.on_start: Callable[[Run], None] = lambda run: None

    def stop(self) -> None:
        """Terminate every pytest still running (their services are released by their
        threads as they unwind)."""
        self.stopping.set()
        with self._lock:
            for process in self._processes.values():
                with contextlib.suppress(OSError):
                    process.terminate()

    def _env(self, record: records.Record, directory: Path) -> dict[str, str]:
        """What a run adds to the environment ``core.runner.run`` builds (your settings, its
        scratch directory)."""
        env = {
            scratch.THEIRS_VAR: self.plan.settings,
            scratch.DIR_VAR: str(directory),
        }
        if self.plan.engines_dir:
            env["SESSION_MATRIX_ENGINES_DIR"] = str(self.plan.engines_dir)
        # Configurations run at once: with --cov in your addopts each would write the one
        # .coverage file; each gets its own (``coverage combine`` joins them).
        env["COVERAGE_FILE"] = f"{os.environ.get('COVERAGE_FILE') or '.coverage'}.{record.name}"
        return env

    def _pytest(self, run: Run, env: dict[str, str]) -> int:
        command = ["-p", scratch.PLUGIN, "-p", "no:cacheprovider"]
        command += [f"--ds={scratch.SETTINGS_MODULE}", *self.plan.order, *self.plan.pytest_args]
        if importlib.util.find_spec("xdist") is not None:
            # One process per configuration (after your arguments, so that an `-n auto` in
            # addopts or after -- gives way): the configurations are what runs in parallel,
            # and the recorder sees each test's exception only in the process that ran it.
            command += ["-n", "0"]
        assert run.scratch is not None
        log = run.scratch / scratch.OUTPUT

        def started(process: subprocess.Popen[bytes]) -> None:
            with self._lock:
                self._processes[run.record.name] = process

        try:
            code, run.recording = core_runner.pytest(
                command,
                env,
                cwd=self.plan.root,
                output=log,
                rows=run.scratch / scratch.ROWS,
                started=started,
            )
        finally:
            with self._lock:
                self._processes.pop(run.record.name, None)
        run.output = log.read_text(encoding="utf-8", errors="replace")
        collected = _collected(run.scratch)
        if collected is not None:
            run.locations = collected["locations"]
        return code

    def run(self, run: Run) -> Run:
        """Provision, run pytest, classify (``core.runner.run``); ``BadInput`` propagates."""
        started = time.monotonic()
        label = f"suite-{run.record.name}"
        try:
            run.reason = missing_package(run.record)
            if run.reason:
                run.status = NOT_RUN
                return run
            with tempfile.TemporaryDirectory(
                prefix=f"{SCRATCH_PREFIX}{label}-{os.getpid()}-"
            ) as tmp:
                directory = Path(tmp)

                def tests(env: dict[str, str], bundle: services.Bundle) -> int | None:
                    if self.stopping.is_set():
                        return None
                    run.scratch = directory
                    self.on_start(run)
                    return self._pytest(run, env)

                code = core_runner.run(
                    run.record,
                    label,
                    tests,
                    settings=scratch.SETTINGS_MODULE,
                    extra=self._env(run.record, directory),
                ).value
                if code is None or self.stopping.is_set():
                    run.status, run.reason = BROKEN, "interrupted"
                    return run
                classify(run, code, self.plan)
        except core_runner.ServiceLost as exc:
            run.status, run.reason = BROKEN, f"{run.record.name}: {exc}"
        except core_runner.ServiceUnavailable as exc:
            run.status, run.reason = NOT_RUN, because(CellStatus.NOT_RUN, str(exc))
        finally:
            run.scratch = None
            run.seconds = time.monotonic() - started
        return run

    def progress(self, runs: list[Run]) -> str:
        """``cache 40/120, db 75/120``: how far along the running configurations are."""
        parts = []
        for run in runs:
            directory = run.scratch
            if directory is None or run.status:
                continue
            with contextlib.suppress(OSError, ValueError, KeyError):
                collected = None if run.count else _collected(directory)
                if collected is not None:
                    run.count = collected["count"]
            done = 0
            with contextlib.suppress(OSError):
                done = (directory / scratch.PROGRESS).stat().st_size
            done_of = f"{done}/{run.count}" if run.count else "collecting"
            parts.append(f"{run.record.name} {done_of}")
        return ", ".join(parts)


def _counts(run: Run) -> str:
    """``3 failed, 40 passed``: the recorder's outcomes of a run."""
    if run.recording is None:
        return ""
    counts = Counter(str(row.outcome) for row in run.recording.tests.values())
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests"


def run_all(runner: Runner, runs: list[Run], jobs: int, status: StatusLine) -> None:
    """Every run, ``jobs`` at a time; the first ``BadInput`` stops the others."""
    total = len(runs)
    runner.on_start = lambda run: status.line(f"{run.record.name}: started")
    finished = 0
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, total))) as pool:
        pending = {pool.submit(runner.run, run) for run in runs}
        try:
            while pending:
                done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    run = future.result()
                    finished += 1
                    what = _counts(run) if run.status == RAN else headline(run)
                    status.line(
                        f"{run.record.name}: {what} in {run.seconds:.1f}s "
                        f"({finished} of {total} done)"
                    )
                status.show(runner.progress(runs))
        except BaseException:
            runner.stop()
            for future in pending:
                future.cancel()
            raise
        finally:
            status.show("")


def __dir__() -> list[str]:
    return __all__
