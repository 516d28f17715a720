"""Phase 2 of a run, the load: wrk against every server, bounded in time, the configurations
taking turns round after round; then requests per second, p50 and p99, the spread of the
rounds, and each figure as a share of the best in this run.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess

from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.measures import MIXES, WORKERS
from session_matrix.profile.model.figures import LoadFigure, Throughput
from session_matrix.profile.running.targets import Target, each, log, rotated
from session_matrix.profile.servers.load_generator import Wrk, WrkRound
from session_matrix.profile.servers.serving import Served
from session_matrix.profile.stats import compare, spread

__all__ = [
    "CONNECTIONS",
    "NOISE_BOUND",
    "figure_of",
    "measure",
    "throughput_figures",
    "unchecked_reason",
]

CONNECTIONS = 4
NOISE_BOUND = 0.25  # the rounds' spread above this: flagged noisy


def measure(wrk: Wrk, served: list[Served], seconds: float, rounds: int) -> None:
    if not wrk.binary:
        for entry in served:
            entry.target.throughput = Throughput(
                status=ProfileStatus.NOT_RUN,
                reason="not run: no wrk on the PATH (apt-get install wrk)",
            )
        return
    log(
        f"throughput: a warm-up run per server, then {rounds} rounds x {len(MIXES)} "
        f"mixes, {seconds:.0f} s each, {CONNECTIONS} connections"
    )

    def warm(entry: Served) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            wrk.run(entry.server.port, entry.scripts["read_heavy"], 1, CONNECTIONS)

    each(served, warm)  # a fresh server's first second is its slowest: not recorded
    for turn in range(rounds):
        order = rotated(list(dict.fromkeys(s.target for s in served)), turn)
        for target in order:
            for entry in (s for s in served if s.target is target):
                for mix, script in entry.scripts.items():
                    try:
                        result = wrk.run(entry.server.port, script, seconds, CONNECTIONS)
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        target.throughput = Throughput(status=ProfileStatus.ERROR, reason=str(exc))
                        continue
                    entry.rounds.setdefault(mix, []).append(result)
        log(f"  round {turn + 1}/{rounds} done")
    throughput_figures(served)


def unchecked_reason(results: list[WrkRound]) -> str:
    """Why these runs' answers could not be checked ("" when every answer was): a body the
    script could not read, or no answer at all it could."""
    unreadable = sum(r.unchecked for r in results)
    if unreadable:
        first = next((r.first_unchecked for r in results if r.first_unchecked), "")
        return (
            f"answers could not be checked: {unreadable} answered 200 with a body that does "
            f"not say what the session holds (first: {first.strip()})"
        )
    if not sum(r.checked for r in results):
        return "answers could not be checked: no answer said what the session holds"
    return ""


def figure_of(results: list[WrkRound]) -> LoadFigure:
    """One mix and worker count's figure from its rounds (what wrk's script reported):
    requests/s, latency, errors and the wrong answers (HTTP 200 with the wrong content),
    counted apart."""
    rates = [r.requests / (r.duration_us / 1e6) for r in results if r.duration_us]
    absent, stale, new_session = (
        sum(r.absent for r in results),
        sum(r.stale for r in results),
        sum(r.new_session for r in results),
    )
    wrong = absent + stale + new_session
    checked = sum(r.checked for r in results)
    spread_of = round(spread(rates), 3)
    return LoadFigure(
        rps=round(statistics.mean(rates), 1) if rates else 0.0,
        p99_ms=round(max(r.p99_us for r in results) / 1000, 2),
        p50_ms=round(statistics.median(r.p50_us for r in results) / 1000, 2),
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        checked=checked,
        wrong=wrong,
        absent=absent,
        stale=stale,
        new_session=new_session,
        wrong_share=round(wrong / checked, 4) if checked else 0.0,
        rounds_rps=[round(rate, 1) for rate in rates],
        spread=spread_of,
        noisy=spread_of > NOISE_BOUND,
    )


def _broken(target: Target) -> bool:
    return target.throughput is not None and target.throughput.status == ProfileStatus.ERROR


def throughput_figures(served: list[Served]) -> None:
    for entry in served:
        if _broken(entry.target):
            continue
        for results in entry.rounds.values():
            reason = unchecked_reason(results)
            if reason:
                entry.target.throughput = Throughput(status=ProfileStatus.ERROR, reason=reason)
                break
    for entry in served:
        target = entry.target
        if _broken(target):
            continue
        if target.throughput is None:
            target.throughput = Throughput(status=ProfileStatus.OK)
        for mix, results in entry.rounds.items():
            target.throughput.mixes.setdefault(mix, {})[str(entry.workers)] = figure_of(results)
    for mix in MIXES:
        for workers in WORKERS:
            figures = [
                e.target.throughput.mixes[mix][str(workers)]
                for e in served
                if e.workers == workers
                and e.target.throughput is not None
                and str(workers) in e.target.throughput.mixes.get(mix, {})
            ]
            if figures:
                compare(figures, lambda f: f.rps, lambda f: f.p99_ms, higher_is_better=True)


def __dir__() -> list[str]:
    return __all__
