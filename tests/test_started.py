"""The fault tests' own plumbing: a Ctrl-C they send reaches the process they send it to."""

import signal
import subprocess
import sys
import textwrap

from tests.helpers import ROOT

# A child that raises SIGINT in itself: it dies of it if it takes it, else it goes on and
# ends with 0 (the runner under test went on so, and the test waited out its deadline).
# raise_signal runs the handler before it returns: no wait, whatever the load.
CHILD = "import signal; signal.raise_signal(signal.SIGINT)"


def _child_exit(take: bool) -> int:
    """Start, with SIGINT ignored as a shell's background job is, a parent that starts the
    child; ``take``: the parent calls ``take_sigint`` first, as the test session does."""
    parent = textwrap.dedent(f"""
        import subprocess, sys
        from tests.started import take_sigint
        if {take}:
            take_sigint()
        sys.exit(-subprocess.run([sys.executable, "-c", {CHILD!r}]).returncode)
    """)
    done = subprocess.run(
        [sys.executable, "-c", parent],
        cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        timeout=300,
    )
    return done.returncode


def test_a_session_started_ignoring_sigint_lets_its_children_take_it():
    """`uvx nox -s tests &` (or under nohup) inherits SIGINT ignored; the SIGINT fault tests
    then hung until their 60 s deadline, and read as failures under load."""
    assert _child_exit(take=True) == signal.SIGINT


def test_without_it_the_child_ignores_sigint():
    """The control: the fault is real, the child goes on as if nothing was sent."""
    assert _child_exit(take=False) == 0
