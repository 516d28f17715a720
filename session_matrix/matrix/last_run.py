"""A column's last run: the one place that makes it and lays it over the column's raw file.

Every attempt at a column ends in a last run, whatever became of it: the column runner
(``column``) writes one with the rows it produced, and nox (``nox_columns``) writes one for
a column stopped before its runner started (no interpreter, an install that failed, a
package that rejects this Django). Either way the earlier rows stay. This module needs no
pytest, so the noxfile's own interpreter can import it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from session_matrix.core import paths
from session_matrix.core.model import (
    RUN_ID_VAR,
    ColumnKey,
    LastRun,
    RawRecord,
    now,
    origin,
    previous_raw,
    write_raw,
)
from session_matrix.core.vocabulary import RunStatus

__all__ = ["laid_over", "make", "record_stopped", "run_id"]


def run_id() -> str:
    """This run's id: given by ``nox_columns`` (which reads the raw file back), else new."""
    return os.environ.get(RUN_ID_VAR) or uuid.uuid4().hex


def make(
    status: RunStatus, reason: str, selection: list[str] | None = None, seed: int | None = None
) -> LastRun:
    """The last run of an attempt that ends now."""
    return LastRun(
        status=status,
        reason=reason,
        finished=now(),
        selection=list(selection or []),
        seed=seed,
        origin=origin(),
        run_id=run_id(),
    )


def laid_over(key: ColumnKey, previous: RawRecord | None, last: LastRun) -> RawRecord:
    """``previous`` (or a new raw record) with ``last`` as its last run: its rows kept."""
    raw = previous or RawRecord(column=key, last_run=last)
    raw.last_run = last
    return raw


def record_stopped(
    key: ColumnKey, status: RunStatus, reason: str, results: Path | None = None
) -> RawRecord:
    """Write the last run of a column stopped before its runner started, keeping its
    earlier rows; ``OSError`` when the file cannot be written."""
    results = results or paths.results_dir()
    with paths.results_lock(results):  # read, lay over, write as one: a column run beside us
        raw = laid_over(key, previous_raw(key, results), make(status, reason))
        write_raw(raw, results, locked=True)
    return raw


def __dir__() -> list[str]:
    return __all__
