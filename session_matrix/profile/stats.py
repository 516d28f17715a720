"""Figures from samples: percentiles, spreads, ratios to the best. Standard library only."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

__all__ = ["Compared", "compare", "percentile", "ratio", "share", "spread"]

_F = TypeVar("_F", bound="Compared")


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..100) of ``values``."""
    if not values:
        msg = "no values"
        raise ValueError(msg)
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(parts: Sequence[float]) -> float:
    """(max - min) / median of ``parts`` (the blocks' or rounds' figures): 0 when they all
    agree, 0.5 when the slowest block took half the median longer than the fastest."""
    if len(parts) < 2:
        return 0.0
    middle = statistics.median(parts)
    return (max(parts) - min(parts)) / middle if middle else 0.0


def ratio(value: float, best: float) -> float:
    """``value`` / ``best``, two decimals (1.0 for the best itself)."""
    return round(value / best, 2) if best else 1.0


def share(value: float, best: float) -> float:
    """``value`` as a share of ``best``, two decimals (0.0 when the best is 0)."""
    return round(value / best, 2) if best else 0.0


class Compared(Protocol):
    """A figure that gets ratios: one configuration's, beside the others' alike."""

    errors: int
    wrong: int
    ratio: float | None
    p99_ratio: float | None


def compare(
    figures: Sequence[_F],
    value: Callable[[_F], float],
    p99: Callable[[_F], float],
    *,
    higher_is_better: bool = False,
) -> None:
    """Give each of ``figures`` (one per configuration, alike) its ``ratio`` to the best
    ``value`` (a share of it where higher is better) and its ``p99_ratio`` to the lowest
    ``p99``; the best among the figures whose requests all succeeded (an error answers
    fast) and every answer was right (a wrong answer is no success), unless none did."""
    succeeded = [f for f in figures if not f.errors and not f.wrong] or list(figures)
    best = (max if higher_is_better else min)(value(f) for f in succeeded)
    best_p99 = min(p99(f) for f in succeeded)
    for f in figures:
        f.ratio = (share if higher_is_better else ratio)(value(f), best)
        f.p99_ratio = ratio(p99(f), best_p99)


def __dir__() -> list[str]:
    return __all__
