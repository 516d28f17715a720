"""One run of your suite per configuration: what every run shares (``Plan``), what became of
each (``Run``: ran, not run or broken, and why), and a test's outcome in it, in the suite's
four words. Records that lay the same settings over yours make one run, not two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session_matrix.core import records
from session_matrix.core.recorder import Recording
from session_matrix.core.runner import BadInput  # the runner's, raised by the suite's modules too
from session_matrix.core.vocabulary import CellStatus, Outcome, SuiteRunStatus, because

__all__ = [
    "BROKEN",
    "NOT_RUN",
    "OUTCOMES",
    "RAN",
    "BadInput",
    "Plan",
    "Run",
    "deduplicated",
    "laid",
    "outcome_word",
]

# What became of a run (suite.json's runs.*.status).
RAN, NOT_RUN, BROKEN = SuiteRunStatus.RAN, SuiteRunStatus.NOT_RUN, SuiteRunStatus.BROKEN
# A test's outcome on one configuration: what the recorder calls *unavailable* or *not run*
# (a pattern's own words) is *skipped* here.
OUTCOMES = (CellStatus.PASSED, CellStatus.FAILED, CellStatus.ERROR, CellStatus.SKIPPED)


def outcome_word(outcome: Outcome) -> str:
    """The suite's word for a test's outcome: one of ``OUTCOMES``."""
    status = CellStatus.of(outcome)
    return str(status if status in OUTCOMES else CellStatus.SKIPPED)


@dataclass
class Plan:
    """What every run shares."""

    root: Path
    settings: str
    pytest_args: list[str]
    order: list[str]  # the random order's seed, when pytest-randomly is installed
    engines_dir: Path | None


@dataclass
class Run:
    """One configuration's run, and what became of it."""

    record: records.Record
    status: str = ""  # RAN, NOT_RUN or BROKEN
    reason: str = ""
    recording: Recording | None = None
    seconds: float = 0.0
    output: str = ""
    locations: dict[str, list[Any]] = field(default_factory=dict)
    scratch: Path | None = None  # while it runs
    count: int = 0  # tests collected, once known


def laid(record: records.Record) -> str:
    """What of ``record`` the suite lays over a user's settings (``suite.settings``), as a
    key: two records with the same one are the same configuration here."""
    settings = record.settings
    alias = settings.get("SESSION_CACHE_ALIAS", "default")
    session = {key: value for key, value in settings.items() if key.startswith("SESSION_")}
    cache = settings.get("CACHES", {}).get(alias)
    return json.dumps([session, cache, record.lists], sort_keys=True)


def _same_as(record: records.Record, other: records.Record) -> str:
    differ = sorted(
        key
        for key in {*record.settings, *other.settings}
        if record.settings.get(key) != other.settings.get(key)
    )
    return because(
        CellStatus.NOT_RUN,
        f"the same session settings as {other.name}; it differs only in "
        f"{', '.join(differ) or 'its services'}, which stay yours here",
    )


def deduplicated(selected: list[records.Record]) -> list[Run]:
    """One run per distinct configuration: a record whose laid settings are an earlier one's
    (``db-postgres`` is ``db`` on your own database) reads *not run*, saying so."""
    runs: list[Run] = []
    first: dict[str, records.Record] = {}
    for record in selected:
        key = laid(record)
        if key in first:
            runs.append(Run(record, NOT_RUN, _same_as(record, first[key])))
        else:
            first[key] = record
            runs.append(Run(record))
    return runs


def __dir__() -> list[str]:
    return __all__
