""" "Which engine should I pick?": one line per need, computed from the profile and the matrix.

Each need is a question ("sessions must be revocable"); the configurations that meet it,
those that do not and why, and the evidence (rows of the matrix, rows and figures of the
profile) all come from the measured data (``advice_measured``, ``advice_matrix``). Nothing
here names an engine: a need whose data is missing (a guarantee not measured, a pattern not
in the matrix) gives no line. This module holds the needs, in their words and order.
"""

from __future__ import annotations

from session_matrix.core.model import Matrix
from session_matrix.core.vocabulary import Guarantee
from session_matrix.profile.measures import LARGE_SESSION, human_bytes, lost_writes
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.model.published import Profile
from session_matrix.profile.views import advice_matrix
from session_matrix.profile.views.advice_matrix import matrix_pick, most_idioms
from session_matrix.profile.views.advice_measured import (
    ACROSS_PROCESSES,
    GuaranteeNeed,
    busiest,
    fastest,
    guarantee_pick,
    least_storage,
)
from session_matrix.profile.views.pick import Pick

__all__ = ["GUARANTEES", "REVOCABLE", "picks"]


def _yes(found: Found) -> bool | None:
    """Met when the guarantee's value is true; not known when it is null."""
    return found.value if isinstance(found.value, bool) else None


def _none(found: Found) -> bool | None:
    """Met when the guarantee counts nothing lost or left (value 0)."""
    return None if found.value is None else found.value == 0


def _or_unknown(count: int | None) -> str:
    return "?" if count is None else str(count)


REVOCABLE = GuaranteeNeed(
    "Sessions must be revocable: logging out ends them",
    Guarantee.REPLAY_AFTER_LOGOUT,
    lambda g: None if g.value is None else not g.value,
    lambda g: "a copy of the cookie taken before logout still authenticates",
    "a cookie copied before logout no longer authenticates",
)
REVOCATION_PATTERNS = ("test_replay_cookie_after_logout", "test_replay_cookie_after_client_logout")
FASTEST = (
    ("Lowest cost per read", "read"),
    ("Lowest cost per write", "write"),
    ("Cheapest login", "login"),
)
BUSIEST = (
    ("Most requests per second, read-heavy, through a real server", "read_heavy"),
    ("Most requests per second, write-heavy", "write_heavy"),
)
GUARANTEES = (
    GuaranteeNeed(
        f"Sessions larger than a cookie ({human_bytes(LARGE_SESSION)} of data)",
        Guarantee.LARGEST_BROWSER_KEEPS,
        lambda g: None if g.value is None else g.value >= LARGE_SESSION,
        lambda g: f"a browser keeps sessions up to {human_bytes(g.value or 0)} only",
        f"a browser keeps sessions of {human_bytes(LARGE_SESSION)} and more",
    ),
    GuaranteeNeed(
        "Sessions must survive a flush of the cache",
        Guarantee.SURVIVES_CACHE_FLUSH,
        _yes,
        lambda g: "a flush empties every session",
        "a session written before the flush is still there",
    ),
    GuaranteeNeed(  # a configuration without a cache server is neither (its value is null)
        "Sessions must survive a restart of the cache server (configurations that use one)",
        Guarantee.SURVIVES_CACHE_RESTART,
        _yes,
        lambda g: "a restart empties every session",
        "a session written before the restart is still there",
    ),
    GuaranteeNeed(
        "No user logged out silently when the cache fills up",
        Guarantee.EVICTION_WHEN_FULL,
        _none,
        lambda g: (
            f"{g.value} of {_or_unknown(g.of)} live sessions evicted"
            + (" without an error" if g.silent else "")
        ),
        "no live session lost while other visitors' sessions filled the cache three times "
        "over (or the store has no cache to fill)",
    ),
    GuaranteeNeed(
        "Concurrent requests must not lose each other's writes",
        Guarantee.LOST_UPDATES,
        _none,
        lost_writes,
        "no write lost when two requests write one session at once",
    ),
    GuaranteeNeed(
        "Expired sessions must not pile up",
        Guarantee.CLEARSESSIONS,
        _none,
        lambda g: (
            f"{g.value} of {_or_unknown(g.expired)} sessions past their set_expiry(1) "
            "still stored after clearsessions"
        ),
        "no expired session left after clearsessions (or the store expires them itself, "
        "or stores none server-side)",
    ),
)
IDIOMS = (  # need, the patterns behind it, what fails when they do
    (
        "The test suite stores datetime, Decimal or UUID values in the session",
        ("test_datetime_round_trip", "test_decimal_round_trip", "test_uuid_round_trip"),
        "these values",
    ),
    (
        "The test suite edits client.session and saves it before a request",
        ("test_naive_save",),
        "the idiom",
    ),
)


def picks(profile: Profile, matrix: Matrix | None = None) -> list[Pick]:
    """The lines, in order; only those the data supports."""
    ok = profile.measured()
    series = profile.django_series
    revocable = guarantee_pick(ok, REVOCABLE)
    if revocable is not None:
        revocable.evidence += advice_matrix.evidence(
            advice_matrix.rows(matrix, REVOCATION_PATTERNS)
        )
    found = [
        guarantee_pick(ok, ACROSS_PROCESSES),
        revocable,
        *(fastest(ok, need, kind) for need, kind in FASTEST),
        *(busiest(ok, need, mix) for need, mix in BUSIEST),
        *(guarantee_pick(ok, need) for need in GUARANTEES),
        least_storage(ok),
        *(matrix_pick(ok, matrix, series, need, names, what) for need, names, what in IDIOMS),
        most_idioms(ok, matrix),
    ]
    return [pick for pick in found if pick is not None]


def __dir__() -> list[str]:
    return __all__
