"""A pytest plugin the fault tests load into a column's pattern run, so that they act on an
event rather than after a sleep: as each pattern's body starts, it writes the pattern's node
id to the file ``SESSION_MATRIX_TEST_STARTED`` names (``started_env`` below sets both), then
holds the pattern until the test says ``go`` (at most ``DEADLINE`` seconds). However busy the
machine, the fault (a signal, a cut connection, an edit) lands inside a running pattern.
"""

import os
import signal
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


def take_sigint():
    """Let this process's children take SIGINT again if it was started ignoring it.

    A command started in the background of a non-interactive shell (``cmd &``, ``nohup``,
    a script's job) inherits SIGINT ignored, as POSIX says, and so does every process it
    starts: the runner under test then rightly ignored the Ctrl-C a fault test sends, and
    the test waited out its deadline. Only the SIGINT tests failed, so it looked like load.
    A handler is reset to the default across ``exec``; an ignored signal is not."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
