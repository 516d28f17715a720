"""What a profile measures, each named once: request kinds and figures, session sizes, load
mixes, worker counts, the run's defaults; and the reading of a ``profile.json`` that every
view of it shares. Standard library only: the report imports it without Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_matrix.core.vocabulary import Guarantee, LostWrites

if TYPE_CHECKING:
    from session_matrix.profile.model.guarantees import Found

__all__ = [
    "BROWSER_COOKIE_LIMIT",
    "DEFAULTS",
    "FIGURES",
    "GUARANTEE_TITLES",
    "HEADLINE",
    "KINDS",
    "LARGE_SESSION",
    "MECHANISMS",
    "MIXES",
    "MIX_LABELS",
    "OVERLAP_DIR_VAR",
    "SIZES",
    "STORAGE_SESSIONS",
    "WORKERS",
    "culled",
    "human_bytes",
    "lost_writes",
]

SIZES = (100, 4096, 65536)  # bytes of session data; the first is the headline size
KINDS = ("anonymous", "read", "write", "auth")  # auth: a login then a logout, each timed
FIGURES = ("anonymous", "read", "write", "login", "logout")  # what the kinds are timed as
HEADLINE = ("read", "write", "login")  # the figures the summaries show
MIXES = {"read_heavy": 0.1, "write_heavy": 0.9}  # load mixes: their share of writes
MIX_LABELS = {mix: mix.replace("_", "-") for mix in MIXES}
WORKERS = (1, 2)  # gunicorn sync workers
BROWSER_COOKIE_LIMIT = 4096  # bytes of name=value a browser keeps (RFC 6265's minimum)
LARGE_SESSION = SIZES[-1]  # a session no cookie could carry
STORAGE_SESSIONS = 10_000
OVERLAP_DIR_VAR = "SESSION_MATRIX_OVERLAP_DIR"  # where a server's overlapped writes meet

# A run's size, unless told otherwise (``session-matrix profile --requests ...``).
DEFAULTS: dict[str, Any] = {
    "requests": 1000,  # timed requests per kind and size
    "warmup": 50,  # untimed requests first
    "rounds": 10,  # rounds the requests are split into
    "seconds": 1.0,  # seconds per load-generator run
    "throughput_rounds": 2,  # load-generator rounds
}


def human_bytes(value: int | float) -> str:
    """``4.0 KiB``, ``2.0 MiB``, ``312 B``."""
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{int(value)} B"


# The guarantees the profile shows, in order: key -> what its row says.
GUARANTEE_TITLES = {
    Guarantee.ACROSS_PROCESSES: (
        "One session through two app-server processes (written in one, read in the other)"
    ),
    Guarantee.REPLAY_AFTER_LOGOUT: "A cookie copied before logout still authenticates",
    Guarantee.LOST_UPDATES: (
        "Two overlapping requests writing different keys: acknowledged writes lost "
        "(and with no overlap, the same stale cookie)"
    ),
    Guarantee.SURVIVES_APP_RESTART: "A session survives an app-server restart",
    Guarantee.SURVIVES_CACHE_RESTART: "A session survives a restart of the cache server",
    Guarantee.SURVIVES_CACHE_FLUSH: "A session survives a flush of the cache",
    Guarantee.EVICTION_WHEN_FULL: "Live sessions evicted when the cache is full",
    Guarantee.LARGEST_ROUND_TRIP: "Largest session that round-trips",
    Guarantee.LARGEST_BROWSER_KEEPS: (
        f"Largest session a browser keeps ({BROWSER_COOKIE_LIMIT}-byte cookie)"
    ),
    Guarantee.CLEARSESSIONS: "Expired sessions left after clearsessions",
    Guarantee.STORAGE_PER_10000: (
        f"Server-side storage for {STORAGE_SESSIONS:,} sessions ({human_bytes(SIZES[0])} each)"
    ),
}


MECHANISMS = {  # lost_updates' mechanism -> what loses the write, in words
    LostWrites.CLIENT_COOKIE: "the client's cookie: the last Set-Cookie wins",
    LostWrites.SERVER_SESSION: "the server's stored session: the last save wins",
    LostWrites.NOT_SHARED: "the server's processes do not share the session",
    LostWrites.NONE: "",
}


def lost_writes(found: Found) -> str:
    """A lost_updates guarantee in words: structural (by design) or per overlapping pair,
    its mechanism, and the control without overlap beside it."""
    control = found.sequential
    mechanism = MECHANISMS[found.mechanism] if found.mechanism is not None else ""
    beside = (
        f"; one after the other with the same stale cookie: {control.lost} writes "
        f"lost in {control.pairs} pairs"
        if control is not None
        else ""
    )
    if found.structural:
        return f"every overlapping pair loses one write, by design ({mechanism}){beside}"
    if found.pairs is not None:
        said = f"{found.value} writes lost in {found.pairs} overlapping pairs"
    else:
        of = "?" if found.of is None else found.of
        said = f"{found.value} of {of} acknowledged writes lost"
    return f"{said} ({mechanism}){beside}" if mechanism else f"{said}{beside}"


def culled(found: Found) -> str:
    """What a store that did not keep every session kept, in words ("" when it kept all):
    the exact count, and whether the newest visitors are those kept or any visitor."""
    kept, sessions = found.kept, found.sessions or STORAGE_SESSIONS
    if kept is None or kept >= sessions:
        return ""
    newest = found.kept_newest
    if newest is None:  # a profile from before the exact count: a sample
        return f"keeps only ~{kept:,} of {sessions:,} sessions (from a sample)"
    said = f"keeps exactly {kept:,} of {sessions:,} sessions"
    if newest >= kept:
        return f"{said}: those of the newest visitors"
    return (
        f"{said}, and only {newest:,} of the newest {kept:,} visitors keep theirs: "
        "culling takes any visitor, not the oldest"
    )


def __dir__() -> list[str]:
    return __all__
