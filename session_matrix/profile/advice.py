""" "Which engine should I pick?": one line per need, computed from the profile and the matrix.

Each need is a question ("sessions must be revocable"); the configurations that meet it,
those that do not and why, and the evidence (rows of the matrix, rows and figures of the
profile) all come from the measured data. Nothing here names an engine: a need whose data is
missing (a guarantee not measured, a pattern not in the matrix) gives no line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from session_matrix.model import Matrix, column_id
from session_matrix.vocabulary import CellStatus

__all__ = ["Evidence", "Pick", "human_bytes", "picks"]

REVOCATION_PATTERNS = ("test_replay_cookie_after_logout", "test_replay_cookie_after_client_logout")
RICH_VALUE_PATTERNS = (
    "test_datetime_round_trip",
    "test_decimal_round_trip",
    "test_uuid_round_trip",
)
CLIENT_SESSION_PATTERNS = ("test_naive_save",)
BIG_SESSION = 65536


@dataclass(frozen=True)
class Evidence:
    """A link to what supports a line: ``target`` is a fragment id on the page."""

    label: str
    target: str


@dataclass
class Pick:
    need: str
    choose: list[str]  # configurations that meet the need, best first
    detail: str  # the figure behind the choice, in words
    avoid: list[tuple[str, str]] = field(default_factory=list)  # (configuration, why)
    evidence: list[Evidence] = field(default_factory=list)


def human_bytes(value: int | float) -> str:
    """``4.0 KiB``, ``2.0 MiB``, ``312 B``."""
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{int(value)} B"


def _ok(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: entry
        for name, entry in profile.get("configurations", {}).items()
        if entry.get("status") == "ok"
    }


def _guarantee(entry: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = entry.get("guarantees", {}).get(name)
    return found if isinstance(found, dict) and "error" not in found else None


def _rows(matrix: Matrix | None, names: tuple[str, ...]) -> list[Any]:
    if matrix is None:
        return []
    wanted = []
    for name in names:
        for row in matrix.patterns:
            if row.id.split("::")[-1].split("[")[0] == name:
                wanted.append(row)
    return wanted


def _status(matrix: Matrix, row: Any, configuration: str, series: str) -> CellStatus | None:
    cells = matrix.cells.get(row.id, {})
    cell = cells.get(column_id(configuration, series))
    if cell is None or not cell.status.ran:
        ran = [c for c in matrix.columns if c.configuration == configuration and c.status == "ok"]
        cell = cells.get(ran[-1].id) if ran else None
    return cell.status if cell is not None and cell.status.ran else None


def _guarantee_pick(
    ok: dict[str, dict[str, Any]],
    need: str,
    guarantee: str,
    good: Callable[[dict[str, Any]], bool | None],
    why: Callable[[dict[str, Any]], str],
    detail: str,
) -> Pick | None:
    choose, avoid = [], []
    for name, entry in ok.items():
        found = _guarantee(entry, guarantee)
        if found is None:
            continue
        verdict = good(found)
        if verdict is True:
            choose.append(name)
        elif verdict is False:
            avoid.append((name, why(found)))
    if not choose and not avoid:
        return None
    return Pick(need, choose, detail, avoid, [Evidence("measured", f"g-{guarantee}")])


def _caveats(ok: dict[str, dict[str, Any]], names: list[str]) -> str:
    """What a fast choice gives up, from its measured guarantees: sessions lost when the
    app server restarts (a cache inside the app process)."""
    lost = [
        name
        for name in names
        if (found := _guarantee(ok[name], "survives_app_restart")) is not None
        and found["value"] is False
    ]
    if not lost:
        return ""
    verb = "loses" if len(lost) == 1 else "lose"
    return f"; but {', '.join(lost)} {verb} every session when the app server restarts"


def _fastest(ok: dict[str, dict[str, Any]], need: str, kind: str) -> Pick | None:
    figures = {
        name: entry["request"][kind]
        for name, entry in ok.items()
        if kind in entry.get("request", {})
    }
    if not figures:
        return None
    ordered = sorted(figures, key=lambda name: figures[name]["median_us"])
    best = figures[ordered[0]]
    close = [n for n in ordered if figures[n]["median_us"] <= best["median_us"] * 1.1]
    others = [figures[n]["ratio"] for n in ordered if n not in close]
    span = f"; the others take {min(others):.1f}–{max(others):.1f}× as long" if others else ""
    noisy = " (noisy: read with care)" if any(figures[n].get("noisy") for n in close) else ""
    detail = (
        f"{best['median_us']:.0f} µs median per {kind} on a {human_bytes(best['session_bytes'])} "
        f"session, {best['queries']} queries, {best['cache_commands']} cache commands{span}{noisy}"
        f"{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, [], [Evidence("cost per request", "profile-cost")])


def _throughput(ok: dict[str, dict[str, Any]], need: str, mix: str) -> Pick | None:
    figures = {}
    for name, entry in ok.items():
        by_workers = entry.get("throughput", {}).get(mix) or {}
        if by_workers:
            figures[name] = by_workers[max(by_workers, key=int)] | {
                "workers": max(by_workers, key=int)
            }
    if not figures:
        return None
    ordered = sorted(figures, key=lambda name: -figures[name]["rps"])
    best = figures[ordered[0]]
    close = [n for n in ordered if figures[n]["rps"] >= best["rps"] * 0.9]
    rest = [figures[n]["ratio"] for n in ordered if n not in close]
    span = f"; the others reach {min(rest):.2f}–{max(rest):.2f} of that" if rest else ""
    detail = (
        f"{best['rps']:.0f} requests/s with {best['workers']} workers, "
        f"p99 {best['p99_ms']:.1f} ms{span}{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, [], [Evidence("throughput", "profile-throughput")])


def _matrix_pick(
    ok: dict[str, dict[str, Any]],
    matrix: Matrix | None,
    series: str,
    need: str,
    names: tuple[str, ...],
    what: str,
) -> Pick | None:
    rows = _rows(matrix, names)
    if matrix is None or not rows:
        return None
    choose, avoid = [], []
    for name in ok:
        statuses = [_status(matrix, row, name, series) for row in rows]
        if any(status is None for status in statuses):
            continue
        failing = [
            row for row, status in zip(rows, statuses, strict=True) if status and status.failed
        ]
        if failing:
            avoid.append((name, f"{what}: {len(failing)} of {len(rows)} fail"))
        else:
            choose.append(name)
    if not choose and not avoid:
        return None
    evidence = [Evidence(row.idiom or row.id, row.anchor) for row in rows]
    return Pick(need, choose, f"every one of {len(rows)} idioms works", avoid, evidence)


def picks(profile: dict[str, Any], matrix: Matrix | None = None) -> list[Pick]:
    """The lines, in order; only those the data supports."""
    ok = _ok(profile)
    series = str(profile.get("django_series", ""))
    found: list[Pick | None] = []

    revocable = _guarantee_pick(
        ok,
        "Sessions must be revocable: logging out ends them",
        "replay_after_logout",
        lambda g: None if g["value"] is None else not g["value"],
        lambda g: "a copy of the cookie taken before logout still authenticates",
        "a cookie copied before logout no longer authenticates",
    )
    if revocable is not None:
        revocable.evidence += [
            Evidence(row.idiom or row.id, row.anchor) for row in _rows(matrix, REVOCATION_PATTERNS)
        ]
    found.append(revocable)
    found.append(_fastest(ok, "Lowest cost per read", "read"))
    found.append(_fastest(ok, "Lowest cost per write", "write"))
    found.append(_fastest(ok, "Cheapest login", "login"))
    found.append(
        _throughput(
            ok, "Most requests per second, read-heavy, through a real server", "read_heavy"
        )
    )
    found.append(_throughput(ok, "Most requests per second, write-heavy", "write_heavy"))
    found.append(
        _guarantee_pick(
            ok,
            f"Sessions larger than a cookie ({human_bytes(BIG_SESSION)} of data)",
            "largest_browser_keeps",
            lambda g: None if g["value"] is None else g["value"] >= BIG_SESSION,
            lambda g: f"a browser keeps sessions up to {human_bytes(g['value'])} only",
            f"a browser keeps sessions of {human_bytes(BIG_SESSION)} and more",
        )
    )
    found.append(
        _guarantee_pick(
            ok,
            "Sessions must survive a flush of the cache",
            "survives_cache_flush",
            lambda g: g["value"],
            lambda g: "a flush empties every session",
            "a session written before the flush is still there",
        )
    )
    found.append(
        _guarantee_pick(
            ok,
            "Sessions must survive a restart of the cache server",
            "survives_cache_restart",
            lambda g: True if g["value"] is None else g["value"],
            lambda g: "a restart empties every session",
            "a session written before the restart is still there (or no cache server is needed)",
        )
    )
    found.append(
        _guarantee_pick(
            ok,
            "No user logged out silently when the cache fills up",
            "eviction_when_full",
            lambda g: None if g["value"] is None else g["value"] == 0,
            lambda g: (
                f"{g['value']} of {g.get('of', '?')} live sessions evicted"
                + (" without an error" if g.get("silent") else "")
            ),
            "every live session survived a cache filled three times over",
        )
    )
    found.append(
        _guarantee_pick(
            ok,
            "Concurrent requests must not lose each other's writes",
            "lost_updates",
            lambda g: None if g["value"] is None else g["value"] == 0,
            lambda g: f"{g['value']} of {g.get('of', '?')} writes lost",
            "no write lost when two requests write one session at once",
        )
    )
    found.append(
        _guarantee_pick(
            ok,
            "Expired sessions must not pile up",
            "clearsessions",
            lambda g: None if g["value"] is None else g["value"] == 0,
            lambda g: (
                f"{g['value']} of {g.get('expired', '?')} expired sessions still stored "
                "after clearsessions"
            ),
            "no expired session left after clearsessions (or the store expires them itself)",
        )
    )
    storage: dict[str, int] = {}
    culled: list[tuple[str, str]] = []
    for name, entry in ok.items():
        found_storage = _guarantee(entry, "storage_per_10000")
        if found_storage is None or found_storage["value"] is None:
            continue
        kept, sessions = found_storage.get("kept"), found_storage.get("sessions", 10000)
        if kept is not None and kept < sessions * 0.99:
            culled.append((name, f"keeps only ~{kept:,} of {sessions:,} sessions"))
        else:
            storage[name] = found_storage["value"]
    if storage:
        least = min(storage.values())
        choose = sorted((n for n in storage if storage[n] == least), key=str)
        found.append(
            Pick(
                "Least server-side storage for 10,000 sessions",
                choose,
                f"{human_bytes(least)}",
                culled,
                [Evidence("measured", "g-storage_per_10000")],
            )
        )
    found.append(
        _matrix_pick(
            ok,
            matrix,
            series,
            "The test suite stores datetime, Decimal or UUID values in the session",
            RICH_VALUE_PATTERNS,
            "these values",
        )
    )
    found.append(
        _matrix_pick(
            ok,
            matrix,
            series,
            "The test suite edits client.session and saves it before a request",
            CLIENT_SESSION_PATTERNS,
            "the idiom",
        )
    )
    if matrix is not None:
        from session_matrix.merge import summary

        counts = {c.configuration: c for c in summary(matrix) if c.configuration in ok and c.ran}
        if counts:
            best = max(c.works / c.ran for c in counts.values())
            choose = [n for n, c in counts.items() if c.works / c.ran == best]
            top = counts[choose[0]]
            found.append(
                Pick(
                    "As many test idioms as possible work",
                    choose,
                    f"{top.works} of {top.ran} idioms work on Django {top.django}",
                    [],
                    [Evidence("how many work", "summary")],
                )
            )
    return [pick for pick in found if pick is not None]


def __dir__() -> list[str]:
    return __all__
