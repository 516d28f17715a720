"""The guarantees table on the page: a title per guarantee, and each measured guarantee as a
cell (its text, its tone, a title with the details)."""

from __future__ import annotations

from session_matrix.core.vocabulary import Guarantee
from session_matrix.profile.measures import (
    GUARANTEE_TITLES,
    LARGE_SESSION,
    culled,
    human_bytes,
    lost_writes,
)
from session_matrix.profile.model.guarantees import Failure, Found

__all__ = ["GUARANTEES", "guarantee_cell"]

GUARANTEES = GUARANTEE_TITLES  # key -> the title of its row


def _yes_no(value: object, good_when: bool, yes: str, no: str) -> tuple[str, str]:
    if value is None:
        return "–", "na"
    text = yes if value else no
    return text, "ok" if bool(value) == good_when else "bad"


def _across(found: Found) -> tuple[str, str]:
    absent, stale, reads = found.absent or 0, found.stale or 0, found.reads
    if found.value is None:
        return "–", "na"
    if found.value:
        return f"yes: {reads} of {reads} reads right", "ok"
    kinds = ", ".join(f"{n} {key}" for key, n in (("absent", absent), ("stale", stale)) if n)
    return f"no: {absent + stale} of {reads} reads wrong ({kinds}); single process only", "bad"


def _lost_updates(found: Found, title: str) -> tuple[str, str, str]:
    control = found.sequential
    if found.structural:
        text = "one per pair, by design"
    elif control is not None:
        text = f"{found.value} in {found.pairs} pairs; {control.lost} with no overlap"
    else:
        text = f"{found.value} of {found.of}"
    title = lost_writes(found) if control is not None else title
    if found.failed_writes:
        title += f"; {found.failed_writes} more answered with an error (not lost: told)"
    return text, "ok" if found.value == 0 else "bad", title


def _clearsessions(found: Found) -> str:
    if found.value == 0 and found.server_side is False:
        return "none (nothing is stored server-side)"
    if found.value == 0 and found.stored_before == 0:
        return "none (the store expires them)"
    return "none" if found.value == 0 else f"{found.value} of {found.expired}"


def _storage(found: Found) -> tuple[str, str, str]:
    text = human_bytes(int(found.value or 0))
    parts = [
        f"{label} {human_bytes(n)}"
        for label, n in (
            ("database", found.database_bytes),
            ("cache", found.cache_bytes),
            ("files", found.files_allocated_bytes),
        )
        if n
    ]
    if found.server_side is False:
        text += f" (the cookie carries {found.cookie_bytes_each} B)"
    tone = "na"
    if culled(found):
        text += f" ({culled(found)})"
        tone = "warn"
    return text, tone, ", ".join(parts)


def guarantee_cell(name: str, found: Found | None) -> dict[str, str]:
    """A guarantee as the table shows it: text, tone, and a title with the details."""
    if found is None:
        return {"text": "not measured", "tone": "none", "title": ""}
    if found.error is not None:
        return {"text": "not measured", "tone": "none", "title": found.error}
    value = found.value
    title = str(found.how or found.reason or found.limit or "")
    if name == Guarantee.REPLAY_AFTER_LOGOUT:
        text, tone = _yes_no(value, False, "yes: still logged in", "no")
    elif name in (
        Guarantee.SURVIVES_APP_RESTART,
        Guarantee.SURVIVES_CACHE_FLUSH,
        Guarantee.SURVIVES_CACHE_RESTART,
    ):
        if value is None:
            return {"text": "no cache server", "tone": "na", "title": title}
        text, tone = _yes_no(value, True, "yes", "no: lost")
    elif name == Guarantee.ACROSS_PROCESSES:
        text, tone = _across(found)
    elif name == Guarantee.LOST_UPDATES:
        text, tone, title = _lost_updates(found, title)
    elif name == Guarantee.EVICTION_WHEN_FULL:
        silent = ", silently" if found.silent else ""
        text = "none" if value == 0 else f"{value} of {found.of}{silent}"
        tone = "ok" if value == 0 else "bad"
    elif name == Guarantee.LARGEST_ROUND_TRIP:
        if found.capped:
            text, tone = f"≥ {human_bytes(int(value or 0))}", "ok"
        else:
            failure = found.failure or Failure()
            text = f"{human_bytes(int(value or 0))}"
            title = f"{human_bytes(failure.bytes)}: {failure.how}"
            tone = "warn"
    elif name == Guarantee.LARGEST_BROWSER_KEEPS:
        text = ("≥ " if found.capped else "") + human_bytes(int(value or 0))
        tone = "ok" if (value or 0) >= LARGE_SESSION else "warn"
        title = f"session cookie at that size: {found.cookie_bytes} bytes"
    elif name == Guarantee.CLEARSESSIONS:
        text, tone = _clearsessions(found), "ok" if value == 0 else "bad"
        title = "sessions set to expire with set_expiry(1), then left to expire"
    elif name == Guarantee.STORAGE_PER_10000:
        text, tone, title = _storage(found)
    else:
        text, tone = str(value), "na"
    return {"text": text, "tone": tone, "title": title}


def __dir__() -> list[str]:
    return __all__
