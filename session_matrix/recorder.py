"""A pytest plugin that records one row per pattern: outcome, exception, first line, duration.

Loaded by the cell runner as ``-p session_matrix.recorder`` with ``SESSION_MATRIX_ROWS`` naming the
JSON file to write at the end of the session (without that variable it does nothing).

It also turns ``@pytest.mark.since_django("5.1", reason=...)`` into an *unavailable* row on
older Django versions, so that "not in this version" is never reported as a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

__all__ = ["Recorder", "first_line", "gate_since_django", "pytest_configure"]

_MESSAGE_LIMIT = 300
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# Besides Django: the packages that decide how a session is stored and tested.
PACKAGES = ("django-redis", "redis", "pytest", "pytest-django", "pytest-asyncio", "time-machine")


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


def pytest_configure(config: pytest.Config) -> None:
    rows = os.environ.get("SESSION_MATRIX_ROWS")
    if rows:
        config.pluginmanager.register(Recorder(Path(rows)), "session-matrix-recorder")


class Recorder:
    """Collects the rows and writes them, with the versions that ran them, to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, Any]] = {}
        self.collection_errors: list[str] = []
        self._unavailable: dict[str, str] = {}

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        try:
            import django

            version = django.get_version()
        except ImportError:
            version = ""
        rows = {
            "exit_code": int(exitstatus),
            "django": version,
            "python": platform.python_version(),
            "packages": _versions(PACKAGES),
            "collection_errors": self.collection_errors,
            "tests": self.tests,
        }
        self.path.write_text(json.dumps(rows), encoding="utf-8")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self._unavailable = gate_since_django(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
            errors = [line[1:].strip() for line in lines if line.startswith("E ")]
            detail = errors[-1] if errors else (lines[-1] if lines else "collection failed")
            self.collection_errors.append(f"{report.nodeid}: {first_line(detail)}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        excinfo = call.excinfo
        if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
            report.session_matrix_exception = (excinfo.typename, first_line(excinfo.value))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self.tests.setdefault(
            report.nodeid,
            {
                "outcome": "passed",
                "phase": "call",
                "exception": "",
                "message": "",
                "reason": "",
                "duration": 0.0,
            },
        )
        row["duration"] = round(row["duration"] + report.duration, 4)
        exception = getattr(report, "session_matrix_exception", None)
        if report.skipped:
            self._skipped(report, row)
        elif report.failed and row["outcome"] not in {"failed", "error"}:
            row["outcome"] = "failed" if report.when == "call" else "error"
            row["phase"] = report.when
            if exception:
                row["exception"], row["message"] = exception
        elif report.passed and hasattr(report, "wasxfail"):
            row["reason"] = f"xfail marker: {report.wasxfail}"

    def _skipped(self, report: pytest.TestReport, row: dict[str, Any]) -> None:
        if hasattr(report, "wasxfail"):
            row["outcome"], row["phase"] = "failed", report.when
            row["reason"] = f"xfail marker: {report.wasxfail}"
            return
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if report.nodeid in self._unavailable:
            row["outcome"], row["reason"] = "unavailable", self._unavailable[report.nodeid]
        else:
            row["outcome"], row["reason"] = "skipped", first_line(reason)
        row["phase"] = report.when


def __dir__() -> list[str]:
    return __all__
