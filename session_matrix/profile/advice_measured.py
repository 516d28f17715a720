"""Lines from the profile's own measurements: a guarantee met or not, the lowest cost per
request, the most requests per second, the least storage. Each takes the measured
configurations (``measures.measured``) and gives a ``Pick``, or None when no configuration
has the data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from session_matrix.profile.measures import STORAGE_SESSIONS, human_bytes, most_workers
from session_matrix.profile.pick import Evidence, Pick, counted

__all__ = ["GuaranteeNeed", "busiest", "fastest", "guarantee_pick", "least_storage"]

Measured = dict[str, dict[str, Any]]
Avoid = list[tuple[str, str]]


@dataclass(frozen=True)
class GuaranteeNeed:
    """A need a measured guarantee answers."""

    need: str
    guarantee: str  # its key under ``guarantees``
    good: Callable[[dict[str, Any]], bool | None]  # met, not met, or not known
    why: Callable[[dict[str, Any]], str]  # why a configuration does not meet it
    detail: str  # what the configurations that meet it have in common


def _guarantee(entry: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = entry.get("guarantees", {}).get(name)
    return found if isinstance(found, dict) and "error" not in found else None


def guarantee_pick(ok: Measured, need: GuaranteeNeed) -> Pick | None:
    choose, avoid = [], []
    for name, entry in ok.items():
        found = _guarantee(entry, need.guarantee)
        if found is None:
            continue
        verdict = need.good(found)
        if verdict is True:
            choose.append(name)
        elif verdict is False:
            avoid.append((name, need.why(found)))
    if not choose and not avoid:
        return None
    evidence = [Evidence("measured", f"g-{need.guarantee}")]
    return Pick(need.need, choose, need.detail, avoid, evidence)


def _caveats(ok: Measured, names: list[str]) -> str:
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


def _noisy(figures: dict[str, dict[str, Any]], chosen: list[str]) -> str:
    """A warning when a figure behind the choice was flagged noisy."""
    return " (noisy: read with care)" if any(figures[n].get("noisy") for n in chosen) else ""


def _failed(figure: dict[str, Any]) -> str:
    """Why a figure cannot win: some of its requests failed (an error answers fast)."""
    errors = int(figure.get("errors") or 0)
    return f"{errors:,} of {figure.get('requests', 0):,} requests failed" if errors else ""


def _usable(figures: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], Avoid]:
    """(the figures whose requests all succeeded, the others and why)."""
    avoid = [(name, _failed(figure)) for name, figure in figures.items() if _failed(figure)]
    return {n: f for n, f in figures.items() if not _failed(f)}, avoid


def fastest(ok: Measured, need: str, kind: str) -> Pick | None:
    """The configurations within 10% of the lowest median time of ``kind``, among those
    whose requests all succeeded."""
    measured = {
        name: entry["request"][kind]
        for name, entry in ok.items()
        if kind in entry.get("request", {})
    }
    if not measured:
        return None
    evidence = [Evidence("cost per request", "profile-cost")]
    figures, avoid = _usable(measured)
    if not figures:
        return Pick(need, [], "", avoid, evidence)
    ordered = sorted(figures, key=lambda name: figures[name]["median_us"])
    best = figures[ordered[0]]
    close = [n for n in ordered if figures[n]["median_us"] <= best["median_us"] * 1.1]
    others = [figures[n]["median_us"] / best["median_us"] for n in ordered if n not in close]
    span = f"; the others take {min(others):.1f}–{max(others):.1f}× as long" if others else ""
    detail = (
        f"{best['median_us']:.0f} µs median per {kind} on a {human_bytes(best['session_bytes'])} "
        f"session, {counted(best['queries'], 'query', 'queries')}, "
        f"{counted(best['cache_commands'], 'cache command')}{span}{_noisy(figures, close)}"
        f"{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, avoid, evidence)


def busiest(ok: Measured, need: str, mix: str) -> Pick | None:
    """The configurations within 10% of the most requests per second under ``mix``, each
    at its largest number of workers, among those whose requests all succeeded."""
    measured = {}
    for name, entry in ok.items():
        most = most_workers(entry.get("throughput", {}).get(mix) or {})
        if most is not None:
            workers, figure = most
            measured[name] = figure | {"workers": workers}
    if not measured:
        return None
    evidence = [Evidence("throughput", "profile-throughput")]
    figures, avoid = _usable(measured)
    if not figures:
        return Pick(need, [], "", avoid, evidence)
    ordered = sorted(figures, key=lambda name: -figures[name]["rps"])
    best = figures[ordered[0]]
    close = [n for n in ordered if figures[n]["rps"] >= best["rps"] * 0.9]
    rest = [figures[n]["rps"] / best["rps"] for n in ordered if n not in close]
    span = f"; the others reach {min(rest):.2f}–{max(rest):.2f} of that" if rest else ""
    detail = (
        f"{best['rps']:.0f} requests/s with {best['workers']} workers, "
        f"p99 {best['p99_ms']:.1f} ms{span}{_noisy(figures, close)}{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, avoid, evidence)


def least_storage(ok: Measured) -> Pick | None:
    """The least server-side storage, among the stores that kept every session."""
    storage: dict[str, int] = {}
    culled: list[tuple[str, str]] = []
    for name, entry in ok.items():
        found = _guarantee(entry, "storage_per_10000")
        if found is None or found["value"] is None:
            continue
        kept, sessions = found.get("kept"), found.get("sessions", STORAGE_SESSIONS)
        if kept is not None and kept < sessions * 0.99:
            culled.append((name, f"keeps only ~{kept:,} of {sessions:,} sessions"))
        else:
            storage[name] = found["value"]
    if not storage:
        return None
    least = min(storage.values())
    return Pick(
        f"Least server-side storage for {STORAGE_SESSIONS:,} sessions",
        sorted((n for n in storage if storage[n] == least), key=str),
        human_bytes(least),
        culled,
        [Evidence("measured", "g-storage_per_10000")],
    )


def __dir__() -> list[str]:
    return __all__
