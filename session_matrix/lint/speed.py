"""``nox -s lint_speed``: how long ``session-matrix lint`` takes on a suite of 1,000 tests.

    python -m session_matrix.lint.speed [--tests 1000] [--rounds 3]

The suite is built in a temporary folder from the catalogue's own pattern modules (their
test functions and methods copied under new names, 50 tests a file), so the code is the
kind a Django suite holds. Each round runs ``python -m session_matrix lint`` on it as a user
would (interpreter start-up included) and prints the wall time; the best and the median are
the figures. Speed is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import ast
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from session_matrix.core import detect, paths

__all__ = ["main", "make_suite"]


def make_suite(folder: Path, count: int) -> int:
    """Write ``count`` tests into ``folder``, copied from the pattern modules; the number
    of tests written (a module's helpers and imports come along with its tests)."""
    sources = sorted((paths.ROOT / paths.PATTERNS_DIR).glob("test_*.py"))
    modules = [(path.read_text(encoding="utf-8"), path) for path in sources]
    written, copy = 0, 0
    while written < count:
        for text, _ in modules:
            tests = len(detect.tests_in(ast.parse(text), None))
            if not tests:
                continue
            renamed = text.replace("def test", f"def test_c{copy}_")
            (folder / f"test_copy{copy}.py").write_text(renamed, encoding="utf-8")
            copy += 1
            written += tests
            if written >= count:
                break
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m session_matrix.lint.speed")
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="session-matrix-lint-speed-") as tmp:
        folder = Path(tmp)
        written = make_suite(folder, args.tests)
        files = len(list(folder.glob("*.py")))
        times, cpus = [], []
        for round_ in range(1, args.rounds + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "session_matrix", "lint", str(folder)],
                capture_output=True,
                text=True,
                check=False,
                cwd=paths.ROOT,
            )
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            cpus.append(cpu)
            if done.returncode not in (0, 1):
                print(f"lint failed (exit {done.returncode}): {done.stderr.strip()}")
                return 1
            found = len(done.stdout.splitlines())
            times.append(elapsed)
            print(
                f"round {round_}: {elapsed:.2f} s wall, {cpu:.2f} s CPU for {written} tests "
                f"in {files} files, {found} findings"
            )
    print(
        f"lint on {written} tests: best {min(times):.2f} s wall (median "
        f"{statistics.median(times):.2f} s), {min(cpus):.2f} s CPU; target: under 2 s "
        "(wall time grows with the machine's load: the CPU time is what lint itself costs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
