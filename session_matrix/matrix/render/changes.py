"""What changed between neighbouring Django versions: for each pair (4.2 → 5.2, …, and to a
pre-release when one is configured), every idiom whose outcome changed on some
configuration, old → new, with the reason where the idiom's Why (or its "needs Django"
reason) names one. The page shows it as a section; ``results/changes.md`` is the same in
Markdown: what people read before they upgrade Django.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from session_matrix.core import markdown_escape as md
from session_matrix.core.model import Matrix, PatternRow, column_id
from session_matrix.core.vocabulary import RAN_CELLS, CellStatus

__all__ = ["Change", "changes", "changes_markdown", "page_changes"]


@dataclass
class Change:
    """One idiom between two versions: which configurations went from what to what."""

    row: PatternRow
    transitions: dict[tuple[CellStatus, CellStatus], list[str]] = field(default_factory=dict)
    reason: str = ""


def _comparable(status: CellStatus) -> bool:
    """A status that says something about the idiom on that version (ran, or needs a newer
    Django); a column that did not run says nothing about a change."""
    return status in RAN_CELLS or status == CellStatus.UNAVAILABLE


def _reason(change: Change, old: str, new: str) -> str:
    """Why it changed: the "needs Django" reason when the idiom became available, else the
    sentences of its Why that name a Django version (a release note's reason)."""
    row = change.row
    arrived = any(CellStatus.UNAVAILABLE in pair for pair in change.transitions)
    if arrived and row.since_reason:
        return row.since_reason
    sentences = re.split(r"(?<=[.;])\s+", row.why)
    named = [s for s in sentences if re.search(r"Django \d", s) or new in s or old in s]
    return " ".join(named) or row.since_reason


def changes(matrix: Matrix) -> list[tuple[str, str, list[Change]]]:
    """``(old version, new version, changes)`` per neighbouring pair, in version order."""
    versions = matrix.django_versions
    pairs = []
    for old, new in itertools.pairwise(versions):
        found = []
        for row in matrix.patterns:
            change = Change(row)
            for configuration in matrix.configurations:
                cells = matrix.cells[row.id]
                before = cells[column_id(configuration.name, old)].status
                after = cells[column_id(configuration.name, new)].status
                if before == after or not (_comparable(before) and _comparable(after)):
                    continue
                change.transitions.setdefault((before, after), []).append(configuration.name)
            if change.transitions:
                change.reason = _reason(change, old, new)
                found.append(change)
        pairs.append((old, new, found))
    return pairs


def _transition(before: CellStatus, after: CellStatus, glyphs: bool) -> str:
    def mark(status: CellStatus) -> str:
        return status.term.glyph if glyphs else status.term.symbol

    return f"{mark(before)} {before.term.word} → {mark(after)} {after.term.word}"


def page_changes(matrix: Matrix) -> list[dict[str, Any]]:
    """The section's data for the template."""
    return [
        {
            "old": old,
            "new": new,
            "items": [
                {
                    "anchor": change.row.anchor,
                    "idiom": change.row.idiom or change.row.id,
                    "reason": change.reason,
                    "transitions": [
                        {"text": _transition(b, a, glyphs=True), "configs": names}
                        for (b, a), names in change.transitions.items()
                    ],
                }
                for change in found
            ],
        }
        for old, new, found in changes(matrix)
    ]


def changes_markdown(matrix: Matrix, detail_link: str = "matrix.md") -> str:
    """``results/changes.md``."""
    lines = [
        "# What changed between Django versions",
        "",
        "For each pair of neighbouring Django versions, every idiom whose outcome changed on "
        "some configuration: old → new, with the reason where the idiom's Why gives one. "
        "Columns that did not run on either version are left out.",
        "",
        f"<!-- {matrix.generated_by} -->",
        "",
    ]
    for old, new, found in changes(matrix):
        lines += [f"## Django {old} → {new}", ""]
        if not found:
            lines += ["No idiom changed outcome on any configuration.", ""]
            continue
        for change in found:
            row = change.row
            link = md.link(md.code(row.idiom or row.id), f"{detail_link}#{row.anchor}")
            lines.append(f"- {link}")
            for (before, after), names in change.transitions.items():
                configs = ", ".join(md.code(name) for name in names)
                lines.append(f"  - {_transition(before, after, glyphs=False)}: {configs}")
            if change.reason:
                lines.append(f"  - Why: {md.text(change.reason)}")
        lines.append("")
    return "\n".join(lines)


def __dir__() -> list[str]:
    return __all__
