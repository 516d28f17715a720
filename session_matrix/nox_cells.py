"""What the noxfile's ``matrix`` session does, kept out of the noxfile so tests can cover it.

Imported by the nox process: standard library, nox and what nox depends on only.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from session_matrix import config, engines, interpreters, raw
from session_matrix.cell import origin
from session_matrix.raw import cell_id

if TYPE_CHECKING:
    import nox

__all__ = ["cell_params", "run_cell"]


def cell_params() -> list[Any]:
    """One ``nox.param(python, django, engine)`` per cell, with a readable id and tags.

    ``python`` is the interpreter picked for that Django version, or ``False`` when none is
    installed: nox then runs the session without an environment and it records *not run*.
    """
    import nox

    params = []
    for django, supported in config.django_versions().items():
        python = interpreters.pick(supported) or False
        for engine in engines.names():
            params.append(
                nox.param(
                    python,
                    django,
                    engine,
                    id=cell_id(engine, django),
                    tags=[engine, f"dj{django}"],
                )
            )
    return params


def _record(django: str, engine: str, status: str, reason: str) -> None:
    """A raw result for a cell that never reached the runner, so no old result stands in."""
    name = cell_id(engine, django)
    record = raw.new_record(
        cell_id=name, engine=engine, django=django, status=status, reason=reason
    )
    record["origin"] = origin()
    raw.write_atomic(raw.path_for(name), record)


def run_cell(session: nox.Session, django: str, engine: str, groups: list[str]) -> None:
    """Install Django ``django`` and the matrix group, run the cell, skip if it was not run.

    ``SESSION_MATRIX_UPGRADE=1`` upgrades a reused environment to the newest patch release
    (``nox -s check`` sets it); otherwise a warm run installs nothing and needs no network.
    """
    import nox.command

    started = time.time()
    if session.python is False:
        supported = config.django_versions()[django]
        reason = (
            f"not run: Django {django} needs Python {supported}; none is installed "
            "(see README, 'What it needs')"
        )
        _record(django, engine, "not_run", reason)
        session.skip(reason)
    upgrade = ["--upgrade"] if os.environ.get("SESSION_MATRIX_UPGRADE") else []
    try:
        session.install(*upgrade, f"django~={django}.0", *groups)
    except nox.command.CommandFailed as exc:
        _record(django, engine, "error", f"installing Django {django} failed: {exc.reason}")
        raise
    session.run(
        "python",
        "-m",
        "session_matrix.cell",
        "--engine",
        engine,
        "--django",
        django,
        "--",
        *session.posargs,
        # Let Python cache bytecode in the reused env: a cell starts twice as fast (0.7 s).
        env={"PYTHONDONTWRITEBYTECODE": None, "SESSION_MATRIX_T0": str(started)},
    )
    record = raw.read(raw.path_for(cell_id(engine, django)))
    if record["status"] == "not_run":
        session.skip(record["reason"])


def __dir__() -> list[str]:
    return __all__
