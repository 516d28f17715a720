"""One configuration's outcomes across Django versions, as symbols and version ranges.

``["4.2", "5.2", "6.0", "6.1"]`` with ``unavailable, passed, passed, passed`` becomes
``➖ 4.2, ✅ 5.2+`` (Markdown), ``– 4.2, ✓ 5.2+`` (the page) or ``not available on 4.2,
works since 5.2`` (words). Symbols and words come from ``vocabulary``.
"""

from __future__ import annotations

from session_matrix.core.vocabulary import CellStatus

__all__ = ["compact", "segments", "span", "words"]


def segments(
    versions: list[str], statuses: list[CellStatus]
) -> list[tuple[CellStatus, list[str]]]:
    """Consecutive versions that read the same, as ``(status, [versions])``."""
    runs: list[tuple[CellStatus, list[str]]] = []
    for version, status in zip(versions, statuses, strict=True):
        if runs and runs[-1][0].term.word == status.term.word:
            runs[-1][1].append(version)
        else:
            runs.append((status, [version]))
    return runs


def span(group: list[str], versions: list[str]) -> str:
    """``4.2``, ``4.2–5.2``, or ``5.2+`` when the group runs up to the newest version."""
    if group[-1] == versions[-1] and len(versions) > 1:
        return f"{group[0]}+"
    return group[0] if len(group) == 1 else f"{group[0]}–{group[-1]}"


def compact(versions: list[str], statuses: list[CellStatus], *, glyphs: bool = False) -> str:
    """``✅`` when all versions agree, else ``➖ 4.2, ✅ 5.2+`` (page glyphs with ``glyphs``)."""
    runs = segments(versions, statuses)

    def mark(status: CellStatus) -> str:
        return status.term.glyph if glyphs else status.term.symbol

    if len(runs) == 1:
        return mark(runs[0][0])
    return ", ".join(f"{mark(status)} {span(group, versions)}" for status, group in runs)


def words(versions: list[str], statuses: list[CellStatus]) -> str:
    """``works`` when all versions agree, else ``fails on 4.2, works since 5.2``."""
    runs = segments(versions, statuses)
    if len(runs) == 1:
        return runs[0][0].term.word
    parts = []
    for status, group in runs:
        word = status.term.word
        if group[-1] == versions[-1]:
            parts.append(f"{word} since {group[0]}")
        elif len(group) == 1:
            parts.append(f"{word} on {group[0]}")
        else:
            parts.append(f"{word} on {group[0]}–{group[-1]}")
    return ", ".join(parts)


def __dir__() -> list[str]:
    return __all__
