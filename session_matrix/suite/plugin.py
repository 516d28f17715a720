"""The pytest plugin loaded into every run (``-p session_matrix.suite.plugin``): it stops the
run when Django's settings are not the configuration's, reports how many tests will run and
where each one's source is (for the explanations), one byte per finished test (for the
status line), and why pytest stopped before the last test if it did (``-x``, ``--maxfail``),
in the run's scratch directory. Outside a suite run it does nothing.
"""

from __future__ import annotations

import json
import os

import pytest

from session_matrix.core.overlay import ENGINE_VAR
from session_matrix.suite import scratch

__all__ = [
    "pytest_collection_finish",
    "pytest_runtest_logfinish",
    "pytest_sessionfinish",
    "pytest_sessionstart",
]

REPLACED_EXIT = 14  # the settings are not the configuration's: nothing ran


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop before any test when Django runs other settings than the configuration's (a
    ``--ds`` after ``--``, a conftest that configures its own): every configuration would
    run the same settings, and nothing would seem to depend on the engine."""
    directory = scratch.directory()
    if directory is None:
        return
    try:
        from django.conf import settings

        if not settings.configured:
            return
        laid = getattr(settings, "SESSION_MATRIX_CONFIGURATION", None)
        module = str(getattr(settings, "SETTINGS_MODULE", None) or "settings.configure()")
    except Exception:  # no Django, or settings that do not import: reported elsewhere
        return
    if laid != os.environ.get(ENGINE_VAR):
        (directory / scratch.SETTINGS_REPLACED).write_text(module, encoding="utf-8")
        pytest.exit(f"Django runs {module}, not {scratch.SETTINGS_MODULE}", REPLACED_EXIT)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Write how many tests will run and where each test's source is."""
    directory = scratch.directory()
    if directory is None:
        return
    locations = {}
    for item in session.items:
        path, line = getattr(item, "path", None), item.location[1]
        if path is not None and line is not None:
            locations[item.nodeid] = [str(path), line + 1]
    text = json.dumps({"count": len(session.items), "locations": locations})
    (directory / scratch.COLLECTED).write_text(text, encoding="utf-8")


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """One more test done."""
    directory = scratch.directory()
    if directory is not None:
        with (directory / scratch.PROGRESS).open("a", encoding="utf-8") as handle:
            handle.write(".")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Say why pytest stopped early (``-x``, ``--maxfail``): each configuration would stop at
    its own first failures, and the tests after them would seem to depend on the engine."""
    directory = scratch.directory()
    stopped = session.shouldfail or session.shouldstop
    if directory is not None and stopped:
        (directory / scratch.STOPPED).write_text(str(stopped), encoding="utf-8")


def __dir__() -> list[str]:
    return __all__
