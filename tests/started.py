"""A pytest plugin the fault tests load into a column's pattern run, so that they act on an
event rather than after a sleep: as each pattern's body starts, it writes the pattern's node
id to the file ``SESSION_MATRIX_TEST_STARTED`` names (``started_env`` below sets both), then
holds the pattern until the test says ``go`` (at most ``DEADLINE`` seconds). However busy the
machine, the fault (a signal, a cut connection, an edit) lands inside a running pattern.
"""

import os
import time
from pathlib import Path

STARTED_VAR = "SESSION_MATRIX_TEST_STARTED"
DEADLINE = 120  # seconds: generous, so that a busy machine is only slower


def _go(marker):
    return Path(f"{marker}.go")


def pytest_runtest_call(item):
    path = os.environ.get(STARTED_VAR)
    if path:
        Path(path).write_text(item.nodeid, encoding="utf-8")
        end = time.monotonic() + DEADLINE
        while not _go(path).exists() and time.monotonic() < end:
            time.sleep(0.02)


def go(marker):
    """Let the held pattern (and every later one) run on."""
    _go(marker).touch()


def started_env(marker):
    """The environment that makes a column's pytest load this plugin and write ``marker``."""
    return {"PYTEST_ADDOPTS": "-p tests.started", STARTED_VAR: str(marker)}


def wait_for(marker, process=None, deadline=DEADLINE):
    """Wait until ``marker`` exists (a pattern's body has started); fail if ``process`` ends
    first or ``deadline`` seconds pass."""
    end = time.monotonic() + deadline
    while not Path(marker).exists():
        assert time.monotonic() < end, f"no pattern started within {deadline}s"
        if process is not None:
            assert process.poll() is None, "the column ended before any pattern started"
        time.sleep(0.02)
    return Path(marker).read_text(encoding="utf-8")
