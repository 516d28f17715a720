"""The one runner's errors and its SIGTERM: one family, and an interrupt that unwinds as
Ctrl-C does (real signals, sent to this process)."""

import os
import signal
import threading

import pytest

from session_matrix.core import runner, services


def _signal_self(number):
    """Send ``number`` to this process; its handler runs before this returns."""
    os.kill(os.getpid(), number)
    signal.sigtimedwait([], 0)  # a call after the kill: the handler runs by then


def test_the_errors_are_one_family_and_an_interrupt_is_never_a_crash():
    for error in (
        runner.BadInput,
        runner.ServiceUnavailable,
        runner.ServiceLost,
        runner.Interrupted,
    ):
        assert issubclass(error, runner.RunError)
    # An `except Exception` standing for "the harness crashed" never swallows these two.
    assert not issubclass(runner.Interrupted, Exception)
    assert not issubclass(runner.BadInput, Exception)
    # The providers raise the runner's service errors, which their callers catch as ever.
    assert services.ServiceUnavailable is runner.ServiceUnavailable
    assert services.ServiceLost is runner.ServiceLost
    assert issubclass(runner.ServiceUnavailable, RuntimeError)


@pytest.mark.fault
def test_sigterm_inside_interruptible_unwinds_as_ctrl_c_and_the_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)
    with runner.interruptible(), pytest.raises(KeyboardInterrupt) as caught:
        _signal_self(signal.SIGTERM)
    assert isinstance(caught.value, runner.Interrupted)
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_signals_named_are_interrupts_too():
    before = signal.getsignal(signal.SIGUSR1)
    with runner.interruptible("SIGUSR1"), pytest.raises(runner.Interrupted):
        _signal_self(signal.SIGUSR1)
    assert signal.getsignal(signal.SIGUSR1) is before


def test_outside_the_main_thread_it_changes_nothing():
    seen = []

    def enter():
        with runner.interruptible():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=enter)
    thread.start()
    thread.join(timeout=60)
    assert seen == [before]
