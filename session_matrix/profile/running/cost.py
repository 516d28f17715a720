"""Phase 1 of a run: the cost of a request, in process, through the full middleware stack.

Rounds of blocks, every configuration taking its turn in each round (the order rotates), so
drift on the machine hits all of them alike; then each figure (median, p99, queries, cache
commands, cookie bytes, the spread of the rounds' medians) and its ratio to the fastest.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

from session_matrix.profile.measures import FIGURES, KINDS, SIZES
from session_matrix.profile.model import Sample
from session_matrix.profile.model.figures import CostFigure, KindFigure
from session_matrix.profile.running.targets import Target, each, log, ready, rotated
from session_matrix.profile.stats import compare, percentile, spread
from session_matrix.profile.worker.process import WorkerFailed

__all__ = ["NOISE_BOUND", "figure_of", "phase_cost", "request_figures"]

NOISE_BOUND = 0.5  # (max - min) / median of the rounds' medians above this: flagged noisy


def _block(target: Target, kind: str, size: int, count: int) -> dict[str, list[Sample]] | None:
    """One block of ``count`` requests on ``target``'s worker; None when it failed (the
    target then says why)."""
    try:
        answer = target.call("block", kind=kind, size=size, count=count)
    except WorkerFailed as exc:
        target.fail(str(exc))
        return None
    if "error" in answer:
        target.fail(f"{kind} requests on a {size}-byte session: {answer['error']}")
        return None
    return {name: [Sample.of(row) for row in rows] for name, rows in answer.items()}


def phase_cost(targets: list[Target], requests: int, warmup: int, rounds: int) -> None:
    """The warm-up (not recorded: two configurations at a time), then ``rounds`` rounds in
    which every configuration takes its turn alone, the order rotating."""
    block = -(-requests // rounds)
    plan = [(kind, size) for size in SIZES for kind in KINDS]
    log(
        f"cost per request: {len(plan)} kinds x sizes, {block * rounds} requests each after "
        f"{warmup} of warm-up, in {rounds} rounds over {len(targets)} configurations"
    )
    started = time.monotonic()

    def warm(target: Target) -> None:
        for kind, size in plan:
            if target.ok:
                _block(target, kind, size, warmup)

    each(ready(targets), warm)
    log(f"  warm-up done, {time.monotonic() - started:.0f} s")
    for turn in range(rounds):
        for kind, size in plan:
            for target in rotated(ready(targets), turn + 1):  # as when the warm-up was turn 0
                began = time.monotonic()
                answer = _block(target, kind, size, block)
                if answer is None:
                    continue
                target.spent += time.monotonic() - began
                for name, samples in answer.items():
                    target.samples.setdefault((name, size), []).append(samples)
        log(f"  round {turn + 1}/{rounds} done, {time.monotonic() - started:.0f} s")
    slowest = sorted(ready(targets), key=lambda t: -t.spent)
    log(
        "  time spent per configuration: "
        + ", ".join(f"{t.name} {t.spent:.0f} s" for t in slowest)
    )


def figure_of(blocks: list[list[Sample]]) -> CostFigure:
    """One kind and size: the figures from its rounds' blocks of samples, flagged noisy when
    the rounds' medians spread beyond ``NOISE_BOUND``."""
    samples = [Sample.of(sample) for block in blocks for sample in block]
    times = [sample.ns / 1000 for sample in samples]
    medians = [
        statistics.median(Sample.of(s).ns / 1000 for s in block) for block in blocks if block
    ]
    errors = [sample.status for sample in samples if sample.status >= 400]
    spread_of = round(spread(medians), 3)
    return CostFigure(
        median_us=round(statistics.median(times), 1),
        p99_us=round(percentile(times, 99), 1),
        min_us=round(min(times), 1),
        max_us=round(max(times), 1),
        queries=statistics.median_low([s.queries for s in samples]),
        queries_max=max(s.queries for s in samples),
        cache_commands=statistics.median_low([s.cache_commands for s in samples]),
        cache_commands_max=max(s.cache_commands for s in samples),
        set_cookie_bytes=statistics.median_low([s.set_cookie_bytes for s in samples]),
        cookie_bytes=statistics.median_low([s.cookie_bytes for s in samples]),
        requests=len(samples),
        errors=len(errors),
        wrong=sum(sample.wrong for sample in samples),
        rounds_us=[round(median, 1) for median in medians],
        spread=spread_of,
        noisy=spread_of > NOISE_BOUND,
        error_statuses=sorted(set(errors)) if errors else None,
    )


def request_figures(targets: list[Target]) -> None:
    """Every configuration's figures, and each as a ratio to the fastest in this run."""
    by_size: dict[tuple[Target, str], dict[str, CostFigure]] = {}
    for target in ready(targets):
        for name in FIGURES:
            figures = {
                str(size): figure_of(target.samples[(name, size)])
                for size in SIZES
                if (name, size) in target.samples
            }
            if figures:
                by_size[(target, name)] = figures
    for name in FIGURES:
        for size in SIZES:
            alike = [f[str(size)] for (_, n), f in by_size.items() if n == name and str(size) in f]
            if alike:
                compare(alike, lambda f: f.median_us, lambda f: f.p99_us)
    for (target, name), figures in by_size.items():
        smallest = figures[str(SIZES[0])]
        target.request[name] = KindFigure(
            **dataclasses.asdict(smallest), session_bytes=SIZES[0], by_size=figures
        )


def __dir__() -> list[str]:
    return __all__
