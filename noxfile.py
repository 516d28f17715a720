# /// script
# dependencies = ["nox>=2026.10", "jsonschema>=4.23"]
# ///
"""django-session-matrix: which ways of editing a session in tests work on which engine.

nox                                   the stale cells of every column, then the report
nox -- --fresh                        every cell of every column (or SESSION_MATRIX_FRESH=1)
nox -t default                        the five default configurations only
nox -t cache                          the cache engine's configurations on every Django version
nox -s "matrix(db-dj6.1)"             one column; `nox -l` lists them all
nox -s matrix -- -k naive             extra pytest arguments reach every column
nox -s report                         rebuild results/ and the README table from raw results
nox -s check                          re-run every column; fail if an outcome changed
nox -s lint tests                     the harness's own checks
nox -s tests_busy                     the fault tests, five rounds, every core but one busy
nox -s lint_speed                     how long `session-matrix lint` takes on 1,000 tests
"""

import shutil
import signal
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent))

from session_matrix.core import envs, paths
from session_matrix.core.services import chromium
from session_matrix.matrix.drift import split_check_args
from session_matrix.matrix.nox_columns import (
    column_params,
    job_slots,
    run_column,
    share_interpreters,
)
from session_matrix.matrix.rerun import default_sessions

# SIGTERM (a CI job cancelled, `timeout`, `kill <nox>`) stops nox as Ctrl-C does: it stops
# the running columns, which release their services and record "interrupted". Left to its
# default, SIGTERM killed nox at once; its columns ran on, and the broken pipe under them
# was recorded as a broken run ("pytest internal error").
signal.signal(signal.SIGTERM, signal.default_int_handler)

# One Chromium per run, not one per column: the first column whose browser patterns run
# starts it, every column connects in a browser context of its own, and it stops as this
# nox exits (a nox worker, or the nox `check` starts, joins the run above it).
# SESSION_MATRIX_SHARED_CHROMIUM=0: one per column, as before.
chromium.claim_run()
# One run tries each column environment, and asks the index each question, once: the 23
# columns of a Django line with no release yet asked it 46 times (core/envs.py).
envs.claim_run()

nox.needs_version = ">=2026.10"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.download_python = "never"
# Columns are independent: one per CPU, plus one to fill the real-clock patterns' sleep
# (SESSION_MATRIX_JOBS overrides). `report` (allow_parallel=False, defined after `matrix`)
# starts only once every column has finished.
nox.options.parallel = job_slots()

PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


# Plain `nox`: only the columns with a stale cell, then the report (matrix/rerun.py).
nox.options.sessions = default_sessions(sys.argv[1:], group("matrix"))
# Each column's nox child inherits the interpreters this nox found (0.9 s each otherwise).
share_interpreters(sys.argv[1:])


@nox.session(venv_backend="none", allow_parallel=True)
@nox.parametrize("django,configuration", column_params())
def matrix(session: nox.Session, django: str, configuration: str) -> None:
    """Run one configuration x Django version's stale cells: results/raw/<column>.json."""
    run_column(session, django, configuration, group("matrix"))


@nox.session(allow_parallel=False)
def report(session: nox.Session) -> None:
    """Merge results/raw/ into results/ and the README table (refuses bad input)."""
    session.install(*group("report"))
    # The README's table describes results/: a run into another directory (the bench's)
    # leaves it alone.
    elsewhere = ["--no-readme"] if paths.results_dir().resolve() != paths.PUBLISHED else []
    session.run("python", "-m", "session_matrix", "report", *elsewhere, *session.posargs)


@nox.session(default=False)
def check(session: nox.Session) -> None:
    """Re-run every column into a scratch dir; fail if an outcome differs from results/.

    `nox -s check -- -m auth` narrows the re-run; `-- --allow-missing` accepts columns
    that could not run.
    """
    session.install(*group("report"))
    own, pytest_args = split_check_args(session.posargs)
    scratch = Path(session.create_tmp()).resolve() / "check-results"
    shutil.rmtree(scratch, ignore_errors=True)
    # The same nox runs the columns, upgraded to the newest patch releases; a broken column
    # makes it exit 1, and the comparison still reports every column.
    env = {
        "SESSION_MATRIX_RESULTS": str(scratch),
        "SESSION_MATRIX_UPGRADE": "1",
        "SESSION_MATRIX_FRESH": "1",  # every cell, whatever a scratch dir already holds
    }
    nox_command = [sys.executable, "-m", "nox", "-f", __file__, "-s", "matrix", "--"]
    session.run(*nox_command, *pytest_args, env=env, external=True, success_codes=[0, 1])
    session.run("python", "-m", "session_matrix", "check", "--results", str(scratch), *own)


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """The harness's own tests, the fault suite among them (real services, real signals)."""
    session.install(*group("tests"))
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff (lint, format) and mypy --strict on the harness."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=False, default=False)
def bench(session: nox.Session) -> None:
    """Time the whole matrix cold, warm and with no nox around it; print the ratios."""
    # nox's own interpreter: the benchmark starts nox itself, with its own environments.
    session.run(
        sys.executable, "-m", "session_matrix.matrix.bench", *session.posargs, external=True
    )


@nox.session(default=False)
def page(session: nox.Session) -> None:
    """Weigh results/index.html in Chromium: bytes, DOM nodes, first render at 4x slowdown."""
    session.install(*group("tests"))
    session.run("python", "-m", "session_matrix.matrix.render.page_metrics", *session.posargs)


@nox.session(python=False, default=False)
def lint_speed(session: nox.Session) -> None:
    """Time `session-matrix lint` on a generated suite of 1,000 tests; print the figures."""
    session.run(sys.executable, "-m", "session_matrix.lint.speed", *session.posargs, external=True)


@nox.session(default=False)
def real_suites(session: nox.Session) -> None:
    """`lint` and `suite` on real third-party suites; fail if a pinned finding changes."""
    session.install(*group("tests"), "-e", ".[redis]", "django>=5.2,<6.0", "pip")
    session.run("python", "-m", "tests.real_suites", *session.posargs)


@nox.session(venv_backend="none", default=False)
def profile(session: nox.Session) -> None:
    """Measure every configuration's cost per request, throughput and guarantees."""
    from session_matrix.profile.running.nox_session import run_profile

    # `nox -s profile -- --all-versions`: every Django version; `-- --configurations db,cache`
    run_profile(session, group("matrix"), group("profile"))


@nox.session(default=False)
def tests_busy(session: nox.Session) -> None:
    """The fault tests with every core but one busy, five rounds in a row (`-- --rounds N`)."""
    session.install(*group("tests"))
    session.run("python", "-m", "tests.busy", *session.posargs)
