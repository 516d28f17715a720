"""``results/matrix.svg``: a themes × engines heatmap, hand-written SVG for the README.

Each tile is the share of a theme's idioms that work on an engine's default configuration,
on its newest Django version that ran (rows that fail on every engine left out). No
dependencies; ``escape`` is the one escaping the SVG needs (XML text and attributes).
"""

from __future__ import annotations

import itertools
from html import escape
from typing import Any

from session_matrix.core.model import Matrix
from session_matrix.core.vocabulary import CellStatus, Verdict

__all__ = ["heatmap", "shares"]

LABEL_W, CELL_W, CELL_H, GAP = 270, 118, 34, 3
TOP, HEAD_H = 46, 40
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Light tile colours (dark text stays readable) from 0 % to 100 % working.
STOPS = ((0.0, (255, 206, 203)), (0.5, (255, 236, 153)), (1.0, (172, 238, 187)))
EMPTY = "#eaeef2"
CAPTION = (
    "n/m: idioms that work / idioms that ran, on the engine's newest Django that ran.",
    "Rows that fail on every engine left out; grey: nothing ran.",
)


def shares(matrix: Matrix) -> list[dict[str, Any]]:
    """Rows of the heatmap: ``{"theme", "title", "cells": {engine: (works, ran)}}``,
    one per theme that has idioms, then ``all themes``."""
    newest = matrix.newest_ran()
    rows = [
        (theme, title, [p for p in patterns if p.verdict != Verdict.FAILS_EVERYWHERE])
        for theme, title, patterns in matrix.theme_groups()
    ]
    rows = [row for row in rows if row[2]]
    rows.append(("*", "All themes", [p for _, _, patterns in rows for p in patterns]))
    result = []
    for key, title, patterns in rows:
        cells: dict[str, tuple[int, int]] = {}
        for configuration in matrix.defaults():
            column = newest.get(configuration.name)
            statuses = [matrix.cells[p.id][column.id].status for p in patterns] if column else []
            ran = [status for status in statuses if status.ran]
            cells[configuration.name] = (sum(s == CellStatus.PASSED for s in ran), len(ran))
        result.append({"theme": key, "title": title, "cells": cells})
    return result


def _colour(share: float) -> str:
    for (low, start), (high, end) in itertools.pairwise(STOPS):
        if share <= high:
            t = (share - low) / (high - low)
            rgb = (round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*STOPS[-1][1])


def _label(title: str) -> str:
    short = title.split(":", 1)[0].strip()
    return short if len(short) <= 38 else short[:37] + "…"


def _text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(
        f' {key.replace("_", "-")}="{escape(str(value))}"' for key, value in attrs.items()
    )
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def heatmap(matrix: Matrix) -> str:
    """The whole of ``results/matrix.svg``."""
    rows = shares(matrix)
    engines = [configuration.name for configuration in matrix.defaults()]
    newest = matrix.newest_ran()
    width = LABEL_W + len(engines) * CELL_W + 12
    height = TOP + HEAD_H + len(rows) * CELL_H + 3 * GAP + 48
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title desc" '
        f'font-family="{FONT}" font-size="13">',
        '<title id="title">Share of session-editing idioms that work, per theme and engine'
        "</title>",
        '<desc id="desc">Each tile: idioms that work / idioms that ran, on the engine\'s newest '
        "Django version that ran; rows that fail on every engine left out.</desc>",
        f'<rect width="{width}" height="{height}" rx="8" fill="#ffffff"/>',
        _text(
            12,
            26,
            "Which session-editing idioms work, per theme and engine",
            font_size=16,
            font_weight=600,
            fill="#1f2328",
        ),
    ]
    for index, engine in enumerate(engines):
        x = LABEL_W + index * CELL_W + CELL_W / 2
        column = newest.get(engine)
        parts.append(
            _text(x, TOP + 16, engine, text_anchor="middle", font_weight=600, fill="#1f2328")
        )
        note = f"Django {column.django}" if column else CellStatus.NOT_RUN.term.word
        parts.append(_text(x, TOP + 32, note, text_anchor="middle", font_size=11, fill="#59636e"))
    y = TOP + HEAD_H
    for row in rows:
        if row["theme"] == "*":
            y += 3 * GAP
        weight = 600 if row["theme"] == "*" else 400
        parts.append(
            f"<g><title>{escape(row['title'])}</title>"
            + _text(
                12, y + CELL_H / 2 + 4, _label(row["title"]), fill="#1f2328", font_weight=weight
            )
            + "</g>"
        )
        for index, engine in enumerate(engines):
            works, ran = row["cells"][engine]
            x = LABEL_W + index * CELL_W
            fill = _colour(works / ran) if ran else EMPTY
            text = f"{works}/{ran}" if ran else "—"
            tip = (
                f"{row['title']} on {engine}: {works} of {ran} idioms work"
                if ran
                else "nothing ran"
            )
            parts.append(
                f'<g><title>{escape(tip)}</title><rect x="{x + GAP}" y="{y + GAP / 2}" '
                f'width="{CELL_W - 2 * GAP}" height="{CELL_H - GAP}" rx="4" fill="{fill}"/>'
                + _text(
                    x + CELL_W / 2,
                    y + CELL_H / 2 + 4,
                    text,
                    text_anchor="middle",
                    fill="#1f2328",
                    font_weight=weight,
                )
                + "</g>"
            )
        y += CELL_H
    for offset, line in enumerate(CAPTION):
        parts.append(_text(12, y + 22 + 14 * offset, line, font_size=11, fill="#59636e"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def __dir__() -> list[str]:
    return __all__
