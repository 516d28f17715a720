"""``index.html``: the report as one self-contained page, rendered by ``suite.html.j2`` in the
pages' one Jinja2 environment (``core.jinja``; autoescape: test output is text). It has no
script: its Content-Security-Policy forbids any. This module only precomputes what the
template lays out; every glyph, tone and word comes from ``vocabulary``.
"""

from __future__ import annotations

from typing import Any

from session_matrix.core.anchors import anchor
from session_matrix.core.jinja import environment
from session_matrix.core.vocabulary import CellStatus
from session_matrix.suite.runs import BROKEN, NOT_RUN, OUTCOMES, RAN

__all__ = ["html_page", "page_context"]

# How a configuration that did not run is shown, on its card and in its column.
_RUN_TERMS = {NOT_RUN: CellStatus.NOT_RUN, BROKEN: CellStatus.HARNESS_ERROR}
_SECTIONS = (
    (
        "engine_dependent",
        "Depends on the engine",
        "These tests pass on some configurations and not on others: the engine decides.",
    ),
    (
        "order_dependent",
        "Fails only after other tests (order-dependent)",
        "These failed on a configuration in the full run but pass there alone: an earlier "
        "test's leftovers decide, not the engine.",
    ),
    (
        "fails_everywhere",
        "Fails on every configuration",
        "Not the engine's doing: these fail whichever engine runs them.",
    ),
)


def _row(report: dict[str, Any], node: str) -> dict[str, Any]:
    runs = report["runs"]
    cells = []
    for name in report["configurations"]:
        outcome = report["tests"][node].get(name)
        if runs[name]["status"] != RAN:
            status = _RUN_TERMS.get(runs[name]["status"], CellStatus.NOT_RUN)
        else:
            status = CellStatus(outcome) if outcome else CellStatus.ABSENT
        term = status.term
        cells.append(
            {
                "config": name,
                "glyph": term.glyph,
                "tone": term.tone,
                "word": outcome or term.word,
                "failure": report["failures"].get(node, {}).get(name, ""),
            }
        )
    return {
        "node": node,
        "anchor": anchor(node),
        "cells": cells,
        "explanation": report["explanations"].get(node),
        "unexplained": report.get("unexplained", {}).get(node),
        "alone": report.get("order_dependent", {}).get(node),
    }


def page_context(report: dict[str, Any]) -> dict[str, Any]:
    """Everything the page shows, precomputed (the template only lays it out)."""
    runs = report["runs"]
    return {
        "report": report,
        # Fewer than two configurations that ran compare nothing: the page says so.
        "ran": [name for name in report["configurations"] if runs[name]["status"] == RAN],
        "configurations": [
            runs[name] | {"name": name, "term": _RUN_TERMS[runs[name]["status"]].term}
            if runs[name]["status"] in _RUN_TERMS
            else runs[name] | {"name": name, "term": None}
            for name in report["configurations"]
        ],
        "sections": [
            {
                "id": key,
                "title": title,
                "lede": lede,
                "rows": [_row(report, n) for n in report.get(key, [])],
            }
            for key, title, lede in _SECTIONS
        ],
        "passes": report["passes_everywhere"],
        "skipped": report["skipped_everywhere"],
        "legend": [status.term for status in OUTCOMES],
    }


def html_page(report: dict[str, Any]) -> str:
    """``index.html``: one self-contained page, no script (its policy forbids any)."""
    return environment().get_template("suite.html.j2").render(page_context(report))


def __dir__() -> list[str]:
    return __all__
