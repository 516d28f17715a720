"""Why a run under pytest gave no results: the one family of errors every entry point
handles (``RunError``, and its four kinds).

- ``BadInput``: our arguments, pytest's, a record or the selection are unusable; nothing
  is written, and the message names the fix;
- ``ServiceUnavailable``: a service the configuration needs does not answer (*not run*);
- ``ServiceLost``: a service restarted or stopped answering during the run (its outcomes
  are void);
- ``Interrupted``: SIGTERM (or Ctrl-C), turned into an interrupt by ``runner.interruptible``.

``RunError`` is a ``BaseException``, as ``KeyboardInterrupt`` is: an ``except Exception``
that stands for "the harness crashed" never swallows an interrupt or bad input. The two
service errors are also ``RuntimeError``\\ s, as the providers' callers have always caught
them. ``session_matrix.core.runner`` is where callers import them from; the providers in
``services`` raise them.
"""

from __future__ import annotations

__all__ = ["BadInput", "Interrupted", "RunError", "ServiceLost", "ServiceUnavailable"]


class RunError(BaseException):
    """Why a run gave no results: bad input, a service unavailable or lost, an interrupt."""


class BadInput(RunError):
    """Unusable input (ours, pytest's, a record's, the selection): one line that names the
    fix; nothing is written."""


class ServiceUnavailable(RunError, RuntimeError):
    """A service the configuration needs does not answer; the configuration is *not run*."""


class ServiceLost(RunError, RuntimeError):
    """A service restarted or stopped answering during the run: its outcomes are void."""


class Interrupted(RunError, KeyboardInterrupt):
    """SIGTERM or SIGINT: stop, release the services, keep what was there before. It is a
    ``KeyboardInterrupt``, so that SIGTERM unwinds every ``except KeyboardInterrupt`` as
    Ctrl-C does."""


def __dir__() -> list[str]:
    return __all__
