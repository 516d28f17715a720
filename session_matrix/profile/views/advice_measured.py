"""Lines from the profile's own measurements: a guarantee met or not, the lowest cost per
request, the most requests per second, the least storage. Each takes the measured
configurations (``Profile.measured()``) and gives a ``Pick``, or None when no configuration
has the data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from session_matrix.core.vocabulary import Guarantee
from session_matrix.profile.measures import STORAGE_SESSIONS, human_bytes
from session_matrix.profile.measures import culled as culled_said
from session_matrix.profile.model.figures import CostFigure, KindFigure, LoadFigure
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.model.published import Configuration
from session_matrix.profile.views.pick import Evidence, Pick, counted

__all__ = [
    "ACROSS_PROCESSES",
    "SINGLE_PROCESS",
    "GuaranteeNeed",
    "busiest",
    "fastest",
    "guarantee_pick",
    "leaders",
    "least_storage",
    "single_process",
]

Measured = dict[str, Configuration]
Figure = CostFigure | LoadFigure
Avoid = list[tuple[str, str]]
_F = TypeVar("_F", KindFigure, LoadFigure)


@dataclass(frozen=True)
class GuaranteeNeed:
    """A need a measured guarantee answers."""

    need: str
    guarantee: str  # its key under ``guarantees``
    good: Callable[[Found], bool | None]  # met, not met, or not known
    why: Callable[[Found], str]  # why a configuration does not meet it
    detail: str  # what the configurations that meet it have in common


SINGLE_PROCESS = "single process only (tests, the development server)"


def _across(found: Found) -> str:
    absent, stale = found.absent or 0, found.stale or 0
    parts = [f"{n} {key}" for key, n in (("absent", absent), ("stale", stale)) if n]
    reads = found.reads if found.reads is not None else "?"
    return (
        f"{SINGLE_PROCESS}: {absent + stale} of {reads} reads through another "
        f"app-server process wrong ({', '.join(parts)})"
    )


ACROSS_PROCESSES = GuaranteeNeed(
    "Sessions work with more than one app-server process (every production deployment)",
    Guarantee.ACROSS_PROCESSES,
    lambda g: g.value if isinstance(g.value, bool) else None,
    _across,
    "a session written through one app-server process reads back right through another",
)


def single_process(ok: Measured) -> dict[str, str]:
    """The configurations that work in one app-server process only, and why: the advice
    assumes production (more than one), so they never win a line of cost or load."""
    found = {}
    for name, entry in ok.items():
        across = entry.guarantee(ACROSS_PROCESSES.guarantee)
        if across is not None and across.value is False:
            found[name] = _across(across)
    return found


def guarantee_pick(ok: Measured, need: GuaranteeNeed) -> Pick | None:
    choose, avoid = [], []
    for name, entry in ok.items():
        found = entry.guarantee(need.guarantee)
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
        if (found := ok[name].guarantee(Guarantee.SURVIVES_APP_RESTART)) is not None
        and found.value is False
    ]
    if not lost:
        return ""
    verb = "loses" if len(lost) == 1 else "lose"
    return f"; but {', '.join(lost)} {verb} every session when the app server restarts"


def _noisy(figures: Mapping[str, Figure], chosen: list[str]) -> str:
    """A warning when a figure behind the choice was flagged noisy."""
    return " (noisy: read with care)" if any(figures[n].noisy for n in chosen) else ""


def _failed(figure: Figure) -> str:
    """Why a figure cannot win: some of its requests failed (an error answers fast) or were
    answered wrongly (a wrong answer is no success)."""
    errors, wrong = figure.errors, figure.wrong
    said = []
    if errors:
        said.append(f"{errors:,} of {figure.requests:,} requests failed")
    if wrong:
        checked = (figure.checked if isinstance(figure, LoadFigure) else 0) or figure.requests
        share = f" ({wrong / checked:.0%})" if checked else ""
        counts = (
            (
                ("absent", figure.absent),
                ("stale", figure.stale),
                ("new_session", figure.new_session),
            )
            if isinstance(figure, LoadFigure)
            else ()
        )
        kinds = [f"{n:,} {key.replace('_', ' ')}" for key, n in counts if n]
        how = f": {', '.join(kinds)}" if kinds else ""
        said.append(f"{wrong:,} of {checked:,} answers wrong{share}{how}")
    return "; ".join(said)


def _usable(ok: Measured, figures: dict[str, _F]) -> tuple[dict[str, _F], Avoid]:
    """(the figures that may win: every request answered, and right, by a configuration
    that works with more than one app-server process; the others and why)."""
    single = single_process(ok)
    avoid = [(name, SINGLE_PROCESS) for name in figures if name in single]
    avoid += [
        (name, _failed(figure))
        for name, figure in figures.items()
        if name not in single and _failed(figure)
    ]
    refused = {name for name, _ in avoid}
    return {n: f for n, f in figures.items() if n not in refused}, avoid


def leaders(figures: dict[str, tuple[float, list[float]]], *, higher_is_better: bool) -> list[str]:
    """The best configuration by its figure (name -> (figure, its rounds)), alone only when
    the range of its rounds does not overlap the next one's; else every configuration whose
    range overlaps the best's: a tie."""
    ordered = sorted(figures, key=lambda n: figures[n][0], reverse=higher_is_better)
    if not ordered:
        return []

    def bounds(name: str) -> tuple[float, float]:
        value, rounds = figures[name]
        values = rounds or [value]
        return min(values), max(values)

    low, high = bounds(ordered[0])
    return [ordered[0]] + [
        name for name in ordered[1:] if bounds(name)[0] <= high and bounds(name)[1] >= low
    ]


def _tie(chosen: list[str]) -> str:
    return (
        f"; a tie: the rounds of {', '.join(chosen)} overlap, so none is ahead"
        if len(chosen) > 1
        else ""
    )


def fastest(ok: Measured, need: str, kind: str) -> Pick | None:
    """The lowest median time of ``kind`` (a tie where the rounds overlap), among the
    configurations whose requests were all answered right and work with more than one
    app-server process."""
    measured = {name: entry.request[kind] for name, entry in ok.items() if kind in entry.request}
    if not measured:
        return None
    evidence = [Evidence("cost per request", "profile-cost")]
    figures, avoid = _usable(ok, measured)
    if not figures:
        return Pick(need, [], "", avoid, evidence)
    ordered = sorted(figures, key=lambda name: figures[name].median_us)
    best = figures[ordered[0]]
    close = leaders(
        {n: (f.median_us, f.rounds_us or []) for n, f in figures.items()},
        higher_is_better=False,
    )
    others = [figures[n].median_us / best.median_us for n in ordered if n not in close]
    span = f"; the others take {min(others):.1f}–{max(others):.1f}× as long" if others else ""
    detail = (
        f"{best.median_us:.0f} µs median per {kind} on a {human_bytes(best.session_bytes)} "
        f"session, {counted(best.queries, 'query', 'queries')}, "
        f"{counted(best.cache_commands, 'cache command')}{_tie(close)}{span}"
        f"{_noisy(figures, close)}"
        f"{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, avoid, evidence)


def busiest(ok: Measured, need: str, mix: str) -> Pick | None:
    """The most requests per second under ``mix`` (a tie where the rounds overlap), each
    at its largest number of workers, among the configurations whose requests were all
    answered right and work with more than one app-server process."""
    measured: dict[str, LoadFigure] = {}
    workers: dict[str, str] = {}
    for name, entry in ok.items():
        most = entry.throughput.most_workers(mix) if entry.throughput else None
        if most is not None:
            workers[name], measured[name] = most
    if not measured:
        return None
    evidence = [Evidence("throughput", "profile-throughput")]
    figures, avoid = _usable(ok, measured)
    if not figures:
        return Pick(need, [], "", avoid, evidence)
    ordered = sorted(figures, key=lambda name: -figures[name].rps)
    best = figures[ordered[0]]
    close = leaders(
        {n: (f.rps, f.rounds_rps or []) for n, f in figures.items()}, higher_is_better=True
    )
    rest = [figures[n].rps / best.rps for n in ordered if n not in close]
    span = f"; the others reach {min(rest):.2f}–{max(rest):.2f} of that" if rest else ""
    detail = (
        f"{best.rps:.0f} requests/s with {workers[ordered[0]]} workers, "
        f"p99 {best.p99_ms:.1f} ms{_tie(close)}{span}{_noisy(figures, close)}"
        f"{_caveats(ok, close)}"
    )
    return Pick(need, close, detail, avoid, evidence)


def least_storage(ok: Measured) -> Pick | None:
    """The least server-side storage, among the stores that kept every session."""
    storage: dict[str, int] = {}
    culled: list[tuple[str, str]] = []
    for name, entry in ok.items():
        found = entry.guarantee(Guarantee.STORAGE_PER_10000)
        if found is None or found.value is None:
            continue
        kept, sessions = found.kept, found.sessions or STORAGE_SESSIONS
        if kept is not None and kept < sessions:
            culled.append((name, culled_said(found)))
        else:
            storage[name] = int(found.value)
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
