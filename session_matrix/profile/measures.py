"""What a profile measures, each named once: request kinds and figures, session sizes, load
mixes, worker counts, the run's defaults; and the reading of a ``profile.json`` that every
view of it shares. Standard library only: the report imports it without Django.
"""

from __future__ import annotations

from typing import Any

from session_matrix.core.vocabulary import LostWrites, ProfileStatus

__all__ = [
    "BROWSER_COOKIE_LIMIT",
    "DEFAULTS",
    "FIGURES",
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
    "measured",
    "most_workers",
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


MECHANISMS = {  # lost_updates' mechanism -> what loses the write, in words
    LostWrites.CLIENT_COOKIE: "the client's cookie: the last Set-Cookie wins",
    LostWrites.SERVER_SESSION: "the server's stored session: the last save wins",
    LostWrites.NOT_SHARED: "the server's processes do not share the session",
    LostWrites.NONE: "",
}


def lost_writes(found: dict[str, Any]) -> str:
    """A lost_updates guarantee in words: structural (by design) or per overlapping pair,
    its mechanism, and the control without overlap beside it."""
    control = found.get("sequential") or {}
    named = str(found.get("mechanism"))
    mechanism = MECHANISMS[LostWrites(named)] if named in set(LostWrites) else ""
    beside = (
        f"; one after the other with the same stale cookie: {control.get('lost')} writes "
        f"lost in {control.get('pairs')} pairs"
        if control
        else ""
    )
    if found.get("structural"):
        return f"every overlapping pair loses one write, by design ({mechanism}){beside}"
    if "pairs" in found:
        said = f"{found.get('value')} writes lost in {found['pairs']} overlapping pairs"
    else:
        said = f"{found.get('value')} of {found.get('of', '?')} acknowledged writes lost"
    return f"{said} ({mechanism}){beside}" if mechanism else f"{said}{beside}"


def culled(found: dict[str, Any]) -> str:
    """What a store that did not keep every session kept, in words ("" when it kept all):
    the exact count, and whether the newest visitors are those kept or any visitor."""
    kept, sessions = found.get("kept"), found.get("sessions", STORAGE_SESSIONS)
    if kept is None or kept >= sessions:
        return ""
    if "kept_newest" not in found:  # a profile from before the exact count: a sample
        return f"keeps only ~{kept:,} of {sessions:,} sessions (from a sample)"
    said = f"keeps exactly {kept:,} of {sessions:,} sessions"
    newest = found.get("kept_newest")
    if newest is None:
        return said
    if newest >= kept:
        return f"{said}: those of the newest visitors"
    return (
        f"{said}, and only {newest:,} of the newest {kept:,} visitors keep theirs: "
        "culling takes any visitor, not the oldest"
    )


def measured(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The configurations the profile measured (status ``ok``), in its order."""
    return {
        name: entry
        for name, entry in profile.get("configurations", {}).items()
        if entry.get("status") == ProfileStatus.OK
    }


def most_workers(by_workers: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(the largest worker count, its figure) of one mix's figures by worker count."""
    if not by_workers:
        return None
    workers = max(by_workers, key=int)
    return workers, by_workers[workers]


def human_bytes(value: int | float) -> str:
    """``4.0 KiB``, ``2.0 MiB``, ``312 B``."""
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{int(value)} B"


def __dir__() -> list[str]:
    return __all__
