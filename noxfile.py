"""django-session-matrix: which ways of editing a session in tests work on which engine.

nox                                   every cell (engine x Django), then the report
nox -t signed_cookies                 one engine on every Django version
nox -s "matrix(db-dj6.1)"             one cell; `nox -l` lists them all
nox -s matrix -- -k naive             extra pytest arguments reach every cell
nox -s report                         rebuild results/ and the README table from raw results
nox -s lint tests                     the harness's own checks
"""

import shutil
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent))

from session_matrix.nox_cells import cell_params, run_cell

nox.needs_version = ">=2026.10"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.download_python = "never"
nox.options.sessions = ["matrix", "report"]
# Cells are independent: run one per CPU. `report` (allow_parallel=False, defined after
# `matrix`) starts only once every cell has finished.
nox.options.parallel = "auto"

PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(allow_parallel=True)
@nox.parametrize("python,django,engine", cell_params())
def matrix(session: nox.Session, django: str, engine: str) -> None:
    """Run every pattern on one engine x Django version; write results/raw/<cell>.json."""
    run_cell(session, django, engine, group("matrix"))


@nox.session(allow_parallel=False)
def report(session: nox.Session) -> None:
    """Merge results/raw/ into results/matrix.{json,md} and the README table."""
    session.install(*group("report"))
    session.run("python", "-m", "session_matrix.report", *session.posargs)


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """The harness's own tests (one of them runs two real cells through nox)."""
    session.install(*group("tests"))
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=False, default=False)
def bench(session: nox.Session) -> None:
    """Time the whole matrix cold, warm and with no nox around it; print the ratios."""
    # nox's own interpreter: the benchmark starts nox itself, in a temporary --envdir.
    session.run(sys.executable, "-m", "session_matrix.bench", *session.posargs, external=True)


@nox.session(default=False)
def check(session: nox.Session) -> None:
    """Re-run the cells into a scratch dir; fail if any outcome differs from results/matrix.json.

    `nox -s check -- -m auth` passes pytest arguments on to every cell, as `nox -s matrix` does.
    """
    session.install(*group("report"))
    scratch = Path(session.create_tmp()).resolve() / "check-results"
    shutil.rmtree(scratch, ignore_errors=True)
    # The same nox (nox's own interpreter) runs the cells; a broken cell makes it exit 1, and
    # the comparison below still reports every column, the broken one included.
    session.run(
        sys.executable,
        "-m",
        "nox",
        "--noxfile",
        str(Path(__file__).resolve()),
        "--sessions",
        "matrix",
        "--",
        *session.posargs,
        # The newest patch release of each Django version, not the one installed last time.
        env={"SESSION_MATRIX_RESULTS": str(scratch), "SESSION_MATRIX_UPGRADE": "1"},
        external=True,
        success_codes=[0, 1],
    )
    session.run("python", "-m", "session_matrix.drift", "--results", str(scratch))
