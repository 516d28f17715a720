"""One engine's outcomes across Django versions, summarised as symbols and version ranges.

``["4.2", "5.2", "6.0", "6.1"]`` with ``unavailable, passed, passed, passed`` becomes
``➖ 4.2, ✅ 5.2+`` (compact) or ``not available on 4.2, works since 5.2`` (words).
"""

from __future__ import annotations

__all__ = ["LEGEND", "SYMBOLS", "WORDS", "compact", "segments", "span", "words"]

WORDS = {
    "passed": "works",
    "failed": "fails",
    "error": "errors",
    "unavailable": "not available",
    "flaky": "flaky",
    "harness_error": "harness error",
    "skipped": "skipped",
    "not_run": "not run",
    "absent": "no result",
}
# Emoji for Markdown (GitHub renders them); the HTML page passes its own text glyphs.
SYMBOLS = {
    "works": "✅",
    "fails": "❌",
    "errors": "❗",
    "not available": "➖",
    "flaky": "⚠️",
    "harness error": "💥",
    "skipped": "⏭️",
    "not run": "❔",
    "no result": "❔",
}
LEGEND = (
    ("✅", "works: the developer's expectation held"),
    ("❌", "fails: the assertion failed or the idiom raised"),
    ("❗", "errors outside the test body (a fixture or teardown raised): read the detail"),
    ("➖", "not available in that Django version (the idiom needs a newer one)"),
    ("⚠️", "flaky: repeated runs of the idiom disagreed"),
    ("💥", "the run itself broke (harness error): says nothing about the idiom"),
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


def span(group: list[str], versions: list[str]) -> str:
    """``4.2``, ``4.2–5.2``, or ``5.2+`` when the group runs up to the newest version."""
    if group[-1] == versions[-1]:
        return f"{group[0]}+"
    return group[0] if len(group) == 1 else f"{group[0]}–{group[-1]}"


def compact(versions: list[str], statuses: list[str], symbols: dict[str, str] = SYMBOLS) -> str:
    """``✅`` when all versions agree, else ``➖ 4.2, ✅ 5.2+``."""
    runs = segments(versions, statuses)
    if len(runs) == 1:
        return symbols[runs[0][0]]
    return ", ".join(f"{symbols[word]} {span(group, versions)}" for word, group in runs)


def words(versions: list[str], statuses: list[str]) -> str:
    """``works`` when all versions agree, else ``fails on 4.2, works since 5.2``."""
    runs = segments(versions, statuses)
    if len(runs) == 1:
        return runs[0][0]
    parts = []
    for word, group in runs:
        if group[-1] == versions[-1]:
            parts.append(f"{word} since {group[0]}")
        elif len(group) == 1:
            parts.append(f"{word} on {group[0]}")
        else:
            parts.append(f"{word} on {group[0]}–{group[-1]}")
    return ", ".join(parts)


def __dir__() -> list[str]:
    return __all__
