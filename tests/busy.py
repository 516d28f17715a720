"""``nox -s tests_busy``: the fault tests, round after round, with the other cores busy.

    python -m tests.busy [--rounds N] [PYTEST ARGS ...]

A fault test interrupts, kills or cuts something; it must first wait for a sign that the
thing has started (tests/started.py), never for a fixed time. A busy machine is where a
fixed wait breaks, so this runs them with every core but one spinning (a busy loop per
core, at normal priority), ``--rounds`` times in a row (5 unless told), and stops at the
first round that fails. Without pytest arguments it runs the tests marked ``fault``; give
test paths or ``-m`` for others (``--rounds 5 -m ''``: the whole suite). The busy loops
stop with it, on every exit path.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

SPIN = "while True:\n    pass\n"


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[list[int]]:
    """``count`` busy loops, stopped on the way out; yields their pids."""
    loops = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]
    try:
        yield [loop.pid for loop in loops]
    finally:
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.busy", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds in a row (default 5)")
    parser.add_argument(
        "--busy",
        type=int,
        default=max((os.cpu_count() or 2) - 1, 1),
        help="busy loops (default: every core but one)",
    )
    options, pytest_args = parser.parse_known_args(argv)
    if options.rounds < 1 or options.busy < 0:
        parser.error("--rounds must be 1 or more and --busy 0 or more")
    pytest_args = pytest_args or ["-m", "fault"]
    print(
        f"busy: {options.busy} busy loop(s) on {os.cpu_count()} core(s); "
        f"{options.rounds} round(s) of pytest {' '.join(pytest_args)}",
        flush=True,
    )
    with busy_cores(options.busy):
        for round_number in range(1, options.rounds + 1):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", *pytest_args], check=False
            )
            took = time.monotonic() - started
            verdict = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
            print(
                f"busy: round {round_number}/{options.rounds} {verdict} in {took:.0f} s",
                flush=True,
            )
            if done.returncode != 0:
                return done.returncode
    print(f"busy: {options.rounds} round(s) in a row passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
