"""The guarantees table on the page: a title per guarantee, and each measured guarantee as a
cell (its text, its tone, a title with the details)."""

from __future__ import annotations

from typing import Any

from session_matrix.profile.measures import (
    BROWSER_COOKIE_LIMIT,
    LARGE_SESSION,
    SIZES,
    STORAGE_SESSIONS,
    culled,
    human_bytes,
    lost_writes,
)

__all__ = ["GUARANTEES", "guarantee_cell"]

GUARANTEES = {
    "across_processes": (
        "One session through two app-server processes (written in one, read in the other)"
    ),
    "replay_after_logout": "A cookie copied before logout still authenticates",
    "lost_updates": (
        "Two overlapping requests writing different keys: acknowledged writes lost "
        "(and with no overlap, the same stale cookie)"
    ),
    "survives_app_restart": "A session survives an app-server restart",
    "survives_cache_restart": "A session survives a restart of the cache server",
    "survives_cache_flush": "A session survives a flush of the cache",
    "eviction_when_full": "Live sessions evicted when the cache is full",
    "largest_round_trip": "Largest session that round-trips",
    "largest_browser_keeps": (
        f"Largest session a browser keeps ({BROWSER_COOKIE_LIMIT}-byte cookie)"
    ),
    "clearsessions": "Expired sessions left after clearsessions",
    "storage_per_10000": (
        f"Server-side storage for {STORAGE_SESSIONS:,} sessions ({human_bytes(SIZES[0])} each)"
    ),
}


def _yes_no(value: Any, good_when: bool, yes: str, no: str) -> tuple[str, str]:
    if value is None:
        return "–", "na"
    text = yes if value else no
    return text, "ok" if bool(value) == good_when else "bad"


def guarantee_cell(name: str, found: dict[str, Any] | None) -> dict[str, str]:
    """A guarantee as the table shows it: text, tone, and a title with the details."""
    if found is None:
        return {"text": "not measured", "tone": "none", "title": ""}
    if "error" in found:
        return {"text": "not measured", "tone": "none", "title": str(found["error"])}
    value = found.get("value")
    title = str(found.get("how") or found.get("reason") or found.get("limit") or "")
    if name == "replay_after_logout":
        text, tone = _yes_no(value, False, "yes: still logged in", "no")
    elif name in ("survives_app_restart", "survives_cache_flush", "survives_cache_restart"):
        if value is None:
            return {"text": "no cache server", "tone": "na", "title": title}
        text, tone = _yes_no(value, True, "yes", "no: lost")
    elif name == "across_processes":
        wrong = int(found.get("absent", 0)) + int(found.get("stale", 0))
        if value is None:
            text, tone = "–", "na"
        elif value:
            text, tone = f"yes: {found.get('reads')} of {found.get('reads')} reads right", "ok"
        else:
            kinds = ", ".join(
                f"{found[key]} {key}" for key in ("absent", "stale") if found.get(key)
            )
            reads = found.get("reads")
            text = f"no: {wrong} of {reads} reads wrong ({kinds}); single process only"
            tone = "bad"
    elif name == "lost_updates":
        control = found.get("sequential")
        if found.get("structural"):
            text = "one per pair, by design"
        elif control is not None:
            text = f"{value} in {found.get('pairs')} pairs; {control.get('lost')} with no overlap"
        else:
            text = f"{value} of {found.get('of')}"
        tone = "ok" if value == 0 else "bad"
        title = lost_writes(found) if control is not None else title
        if found.get("failed_writes"):
            title += f"; {found['failed_writes']} more answered with an error (not lost: told)"
    elif name == "eviction_when_full":
        silent = ", silently" if found.get("silent") else ""
        text = "none" if value == 0 else f"{value} of {found.get('of')}{silent}"
        tone = "ok" if value == 0 else "bad"
    elif name == "largest_round_trip":
        if found.get("capped"):
            text, tone = f"≥ {human_bytes(int(value or 0))}", "ok"
        else:
            failure = found.get("failure", {})
            text = f"{human_bytes(int(value or 0))}"
            title = f"{human_bytes(failure.get('bytes', 0))}: {failure.get('how', '')}"
            tone = "warn"
    elif name == "largest_browser_keeps":
        text = ("≥ " if found.get("capped") else "") + human_bytes(int(value or 0))
        tone = "ok" if (value or 0) >= LARGE_SESSION else "warn"
        title = f"session cookie at that size: {found.get('cookie_bytes')} bytes"
    elif name == "clearsessions":
        if value == 0 and found.get("server_side") is False:
            text = "none (nothing is stored server-side)"
        elif value == 0 and found.get("stored_before") == 0:
            text = "none (the store expires them)"
        elif value == 0:
            text = "none"
        else:
            text = f"{value} of {found.get('expired')}"
        tone = "ok" if value == 0 else "bad"
        title = "sessions set to expire with set_expiry(1), then left to expire"
    elif name == "storage_per_10000":
        text = human_bytes(int(value or 0))
        parts = [
            f"{label} {human_bytes(found[key])}"
            for key, label in (
                ("database_bytes", "database"),
                ("cache_bytes", "cache"),
                ("files_allocated_bytes", "files"),
            )
            if found.get(key)
        ]
        if found.get("server_side") is False:
            text += f" (the cookie carries {found.get('cookie_bytes_each')} B)"
        title = ", ".join(parts)
        tone = "na"
        kept, sessions = found.get("kept"), found.get("sessions", STORAGE_SESSIONS)
        if kept is not None and kept < sessions:
            text += f" ({culled(found)})"
            tone = "warn"
    else:
        text, tone = str(value), "na"
    return {"text": text, "tone": tone, "title": title}


def __dir__() -> list[str]:
    return __all__
