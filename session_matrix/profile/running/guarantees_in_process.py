"""Phase 3 of a run: guarantees each worker measures in process: a cookie replayed after
logout, the largest session that round-trips and the largest a browser keeps, and the expired
sessions ``clearsessions`` leaves."""

from __future__ import annotations

import time

from session_matrix.core.vocabulary import Guarantee
from session_matrix.profile.measures import BROWSER_COOKIE_LIMIT
from session_matrix.profile.model.guarantees import Failure, Found
from session_matrix.profile.running.targets import Target, each, log, ready
from session_matrix.profile.worker.process import WorkerFailed

__all__ = ["EXPIRING", "LARGEST_CAP", "phase_in_process_guarantees"]

EXPIRING = 20  # sessions left to expire before clearsessions
LARGEST_CAP = 2 * 1024 * 1024  # the largest session tried


def _replay(target: Target) -> None:
    answer = target.call("replay")
    if "error" in answer:
        target.unmeasured(Guarantee.REPLAY_AFTER_LOGOUT, answer["error"])
    else:
        target.guarantees[Guarantee.REPLAY_AFTER_LOGOUT] = Found(
            value=answer["authenticated_after_logout"]
        )


def _largest(target: Target) -> None:
    answer = target.call("largest", cap=LARGEST_CAP)
    if "error" in answer:
        target.unmeasured(Guarantee.LARGEST_ROUND_TRIP, answer["error"])
        target.unmeasured(Guarantee.LARGEST_BROWSER_KEEPS, answer["error"])
        return
    failure = answer.get("failure")
    target.guarantees[Guarantee.LARGEST_ROUND_TRIP] = Found(
        value=answer["largest_round_trip_bytes"],
        capped=answer["capped"],
        cap=LARGEST_CAP,
        failure=Failure(bytes=failure["bytes"], how=failure["how"]) if failure else None,
    )
    target.guarantees[Guarantee.LARGEST_BROWSER_KEEPS] = Found(
        value=answer["largest_browser_keeps_bytes"],
        capped=answer["browser_capped"],
        cap=LARGEST_CAP,
        cookie_bytes=answer["cookie_bytes_at_largest_browser"],
        limit=BROWSER_COOKIE_LIMIT,
    )


def _clearsessions(target: Target) -> None:
    if target.expiring_error:
        target.unmeasured(Guarantee.CLEARSESSIONS, target.expiring_error)
        return
    try:
        answer = target.call("clearsessions")
    except WorkerFailed as exc:
        target.fail(str(exc))
        return
    if "error" in answer:
        target.unmeasured(Guarantee.CLEARSESSIONS, answer["error"])
    else:
        target.guarantees[Guarantee.CLEARSESSIONS] = Found(
            value=answer["stored_after"],
            expired=answer["expired"],
            server_side=answer["server_side"],
            stored_before=answer["stored_before"],
            stored_after=answer["stored_after"],
            command_error=answer["command_error"],
        )


def _before_expiry(target: Target) -> None:
    try:
        _replay(target)
        _largest(target)
        made = target.call("expiring", count=EXPIRING, seconds=1)
        target.expiring_error = str(made.get("error", ""))
    except WorkerFailed as exc:
        target.fail(str(exc))


def phase_in_process_guarantees(targets: list[Target]) -> None:
    """Two configurations at a time (nothing here is timed)."""
    log("guarantees in process: replay after logout, largest session, clearsessions")
    each(ready(targets), _before_expiry)
    time.sleep(2.5)  # every session above has expired (memcached counts whole seconds)
    each(ready(targets), _clearsessions)


def __dir__() -> list[str]:
    return __all__
