"""Figures from samples: medians, percentiles, spreads, ratios. Standard library only."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["percentile", "ratio", "spread"]


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


def __dir__() -> list[str]:
    return __all__
