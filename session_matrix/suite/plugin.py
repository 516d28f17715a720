"""The pytest plugin loaded into every run (``-p session_matrix.suite.plugin``): it reports
how many tests will run and where each one's source is (for the explanations), and one byte
per finished test (for the status line), in the run's scratch directory. Outside a suite run
it does nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from session_matrix.suite import scratch

if TYPE_CHECKING:
    import pytest

__all__ = ["pytest_collection_finish", "pytest_runtest_logfinish"]


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


def __dir__() -> list[str]:
    return __all__
