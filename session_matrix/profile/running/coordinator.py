"""One profile run on one Django version: every configuration measured side by side.

    python -m session_matrix.profile.running.coordinator --plan PLAN.json --out PART.json

Started by ``session-matrix profile`` (``nox -s profile``) in the column environment of that
Django version; never by hand. The plan (``model.Plan``) names the Django version, the
run's options, and every configuration with the interpreter of its column environment, or
why it has none. For each configuration the run provisions the
same services the matrix gives a column and starts one worker process on the real project
(``targets``). Then, phase by phase:

1. cost per request, in process (``cost``): rounds of blocks, every configuration taking its
   turn in each round (the order rotates), so drift on the machine hits all of them alike;
2. through a real server (``serving``): gunicorn (1 and 2 sync workers) and wrk, bounded in
   time, the configurations again taking turns (``throughput``); two concurrent writers on
   one session and a restart of the app server (``guarantees_served``);
3. guarantees, in process (``guarantees_in_process``): replay after logout, the largest
   session, clearsessions;
4. guarantees that need a cache server of the run's own (flush, restart, full memory),
   and the storage 10,000 sessions take (``guarantees_cache``).

What is timed (the cost rounds, the throughput rounds) runs one configuration at a time;
what is not (the warm-ups, phases 3 and 4) runs two at a time (``targets.each``). Each
phase's duration is logged. The part it writes is a ``model.Profile``, built by
``assemble``. Every process it starts stops when it ends,
also on Ctrl-C or SIGTERM (exit 130, nothing written) and, through ``PR_SET_PDEATHSIG``, if
it is killed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from session_matrix.core.model import now
from session_matrix.core.runner import Interrupted
from session_matrix.profile.model import Plan, write_part
from session_matrix.profile.model.published import Profile
from session_matrix.profile.running import assemble, guarantees_served, targets, throughput
from session_matrix.profile.running.cost import phase_cost, request_figures
from session_matrix.profile.running.guarantees_cache import phase_private_guarantees
from session_matrix.profile.running.guarantees_in_process import phase_in_process_guarantees
from session_matrix.profile.servers import serving

__all__ = ["Interrupted", "main"]


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT or SIGTERM unwinds the run; any later one is ignored, so that it
    cannot cut the unwinding short while the servers and workers stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted


def _rundir() -> Path:
    """The run's directory: on tmpfs where there is one, so that SQLite's commits cost
    what SQLite does, not what this machine's disk takes to flush."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="session-matrix-profile-", dir=base))


@contextlib.contextmanager
def timed(phase: str) -> Iterator[None]:
    """Log how long ``phase`` took: where a run's time goes."""
    began = time.monotonic()
    yield
    targets.log(f"{phase}: {time.monotonic() - began:.0f} s")


def run(plan: Plan) -> Profile:
    options = plan.options
    started = time.monotonic()
    method = assemble.method(
        options.requests,
        options.warmup,
        options.rounds,
        options.seconds,
        options.throughput_rounds,
    )
    result = Profile(django_series=plan.django, machine=assemble.machine(), method=method)
    with contextlib.ExitStack() as stack:
        rundir = _rundir()
        stack.callback(shutil.rmtree, rundir, ignore_errors=True)
        method.database_directory = "tmpfs" if str(rundir).startswith("/dev/shm") else "disk"
        measured = targets.start(list(plan.configurations), rundir, stack)
        result.django = next((t.info.django for t in targets.ready(measured) if t.info), "")
        with timed("cost per request"):
            phase_cost(measured, options.requests, options.warmup, options.rounds)
            request_figures(measured)
        with timed("servers started"):
            wrk, served = serving.start(measured, rundir, stack, method)
        with timed("throughput"):
            throughput.measure(wrk, served, options.seconds, options.throughput_rounds)
        with timed("guarantees through the servers"):
            guarantees_served.lost_updates_on(served)
            guarantees_served.across_processes_on(served)
            guarantees_served.app_restart(served, stack)
            serving.stop(served)
        with timed("guarantees in process"):
            phase_in_process_guarantees(measured)
        with timed("guarantees with private cache servers"):
            phase_private_guarantees(measured, rundir)
        result.configurations = {t.name: assemble.configuration(t) for t in measured}
    result.duration_s = round(time.monotonic() - started, 1)
    result.finished = now()
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="session_matrix.profile.running.coordinator")
    parser.add_argument("--plan", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        plan = Plan.read(args.plan)
        result = run(plan)
    except (KeyboardInterrupt, Interrupted):
        targets.log(
            "interrupted: every server, load generator and worker stopped; nothing written"
        )
        return 130
    write_part(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
