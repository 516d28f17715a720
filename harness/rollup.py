"""One engine's outcomes across Django versions, summarised as symbols and version ranges.

``["4.2", "5.2", "6.0", "6.1"]`` with ``unavailable, passed, passed, passed`` becomes
``➖ 4.2, ✅ 5.2+`` (compact) or ``not available on 4.2, works since 5.2`` (words).
"""

from __future__ import annotations

__all__ = ["LEGEND", "SYMBOLS", "WORDS", "compact", "segments", "words"]

SYMBOLS = {
    "passed": "✅",
    "failed": "❌",
    "error": "❌",
    "unavailable": "➖",
    "flaky": "⚠️",
    "harness_error": "⚠️",
    "skipped": "⏭️",
    "not_run": "❔",
    "absent": "❔",
}
WORDS = {
    "passed": "works",
    "failed": "fails",
    "error": "fails",
    "unavailable": "not available",
    "flaky": "flaky",
    "harness_error": "harness error",
    "skipped": "skipped",
    "not_run": "not run",
    "absent": "no result",
}
LEGEND = (
    ("✅", "works: the developer's expectation held"),
    ("❌", "fails: the assertion failed or the idiom raised"),
    ("➖", "not available in that Django version (the idiom needs a newer one)"),
    ("⚠️", "flaky (repeated runs disagreed) or the run itself broke: not the idiom's fault"),
    ("⏭️", "the pattern skipped itself"),
    ("❔", "not run: a service or interpreter was missing, or no result yet"),
)


def segments(versions: list[str], statuses: list[str]) -> list[tuple[str, list[str]]]:
    """Consecutive versions that read the same, as ``(word, [versions])``."""
    runs: list[tuple[str, list[str]]] = []
    for version, status in zip(versions, statuses, strict=True):
        word = WORDS[status]
        if runs and runs[-1][0] == word:
            runs[-1][1].append(version)
        else:
            runs.append((word, [version]))
    return runs


def _span(group: list[str], versions: list[str]) -> str:
    if len(group) == 1 and group[-1] != versions[-1]:
        return group[0]
    if group[-1] == versions[-1]:
        return f"{group[0]}+"
    return f"{group[0]}–{group[-1]}"


def _symbol(word: str) -> str:
    return next(SYMBOLS[status] for status, w in WORDS.items() if w == word)


def compact(versions: list[str], statuses: list[str]) -> str:
    """``✅`` when all versions agree, else ``➖ 4.2, ✅ 5.2+``."""
    runs = segments(versions, statuses)
    if len(runs) == 1:
        return _symbol(runs[0][0])
    return ", ".join(f"{_symbol(word)} {_span(group, versions)}" for word, group in runs)


def words(versions: list[str], statuses: list[str]) -> str:
    """``works`` when all versions agree, else ``fails on 4.2, works since 5.2``."""
    runs = segments(versions, statuses)
    if len(runs) == 1:
        return runs[0][0]
    parts = []
    for word, group in runs:
        if group[-1] == versions[-1] and len(group) < len(versions):
            parts.append(f"{word} since {group[0]}")
        elif len(group) == 1:
            parts.append(f"{word} on {group[0]}")
        else:
            parts.append(f"{word} on {group[0]}–{group[-1]}")
    return ", ".join(parts)


def __dir__() -> list[str]:
    return __all__
