"""The matrix as one self-contained, filterable page: ``results/index.html``.

Jinja2 with autoescape renders every text (test messages, docstrings, code) as text; the
page loads nothing from the network. The template is ``templates/index.html.j2``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from session_matrix.merge import RAN, engine_summary, theme_groups
from session_matrix.render_markdown import anchor
from session_matrix.rollup import WORDS, compact, span, words

__all__ = ["TONES", "html_report", "page_context"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Cell status -> the colour family it is drawn in (a CSS class).
TONES = {
    "passed": "ok",
    "failed": "bad",
    "error": "bad",
    "unavailable": "na",
    "flaky": "warn",
    "harness_error": "warn",
    "skipped": "skip",
    "not_run": "none",
    "absent": "none",
}
# Text glyphs rather than emoji: they render in every font, the tile colour carries the rest.
GLYPHS = {
    "works": "✓",
    "fails": "✗",
    "errors": "!",
    "not available": "–",
    "flaky": "≈",
    "harness error": "⚠",
    "skipped": "↷",
    "not run": "?",
    "no result": "?",
}
LEGEND = (
    ("ok", "✓", "works: the developer's expectation held"),
    ("bad", "✗", "fails: the assertion failed or the idiom raised"),
    ("bad", "!", "errors outside the test body (a fixture or teardown raised): see the detail"),
    ("na", "–", "not available in that Django version (the idiom needs a newer one)"),
    ("warn", "≈", "flaky: repeated runs disagreed"),
    ("warn", "⚠", "harness error: the column's run broke, not the idiom's fault"),
    ("skip", "↷", "the pattern skipped itself"),
    ("none", "?", "not run (a service or interpreter was missing) or no result yet"),
)
VERDICTS = {
    "portable": "works on every engine",
    "differs": "depends on the engine or version",
    "mistake": "mistake everywhere (negative control)",
    "unknown": "never ran",
}


def _grouped(versions: list[str], values: list[str]) -> str:
    """``3.12.1 (4.2), 3.13.0 (5.2+)``; one value when every known one agrees."""
    runs: list[tuple[str, list[str]]] = []
    for version, value in zip(versions, values, strict=True):
        if not value:
            continue
        if runs and runs[-1][0] == value:
            runs[-1][1].append(version)
        else:
            runs.append((value, [version]))
    if len({value for value, _ in runs}) == 1:
        return runs[0][0]
    return ", ".join(f"{value} ({span(group, versions)})" for value, group in runs)


def _problem(column: dict[str, Any]) -> dict[str, str]:
    """A column that did not run, for its engine's header: ``6.1 not run: no Redis...``."""
    label = {"not_run": "not run", "error": "harness error", "absent": "no result"}
    text = label.get(column["status"], column["status"])
    reason = column["reason"]
    return {
        "django": column["django"],
        "label": text,
        "reason": reason,
        "detail": reason.removeprefix(f"{text}: ").removeprefix(f"{text} "),
    }


def _engine_header(engine: dict[str, Any], columns: list[dict[str, Any]]) -> dict[str, Any]:
    versions = [column["django"] for column in columns]
    envs = [column.get("environment", {}) for column in columns]
    names = sorted({name for env in envs for name in env.get("services", {})})
    services = [
        f"{name} {_grouped(versions, [env.get('services', {}).get(name, '') for env in envs])}"
        for name in names
    ]
    return {
        "name": engine["name"],
        "description": engine.get("description", ""),
        "needs": engine.get("needs", []),
        "django": ", ".join(env["django"] for env in envs if env.get("django")),
        "python": _grouped(versions, [env.get("python", "") for env in envs]),
        "services": services,
        "stale": [column["django"] for column in columns if column["stale"]],
        "problems": [_problem(column) for column in columns if column["status"] != "ok"],
    }


def _version_cell(cell: dict[str, Any], column: dict[str, Any]) -> dict[str, Any]:
    status = cell["status"]
    return {
        "django": column["django"],
        "column": column["id"],
        "status": status,
        "tone": TONES[status],
        "symbol": GLYPHS[WORDS[status]],
        "word": WORDS[status],
        "exception": cell.get("exception", ""),
        "message": cell.get("message", ""),
        "reason": cell.get("reason", ""),
        "phase": cell.get("phase", ""),
        "duration": cell.get("duration"),
        "runs": cell.get("runs", []),
        "stale": column["stale"],
    }


def _engine_cell(
    versions: list[str], engine: str, row: list[dict[str, Any]], verdict: str
) -> dict[str, Any]:
    statuses = [cell["status"] for cell in row]
    ran = [cell for cell in row if cell["status"] in RAN]
    newest = ran[-1] if ran else row[-1]
    title = f"{engine}: {words(versions, statuses)}"
    if any(cell["stale"] for cell in row):
        title += " (stale results: patterns changed since)"
    return {
        "engine": engine,
        "compact": compact(versions, statuses, GLYPHS),
        "words": words(versions, statuses),
        "mixed": len({cell["word"] for cell in row}) > 1,
        "tone": "mistake" if verdict == "mistake" else newest["tone"],
        "title": title,
        "versions": row,
    }


def _row(matrix: dict[str, Any], pattern: dict[str, Any], by_engine: dict) -> dict[str, Any]:
    versions = matrix["django_versions"]
    cells = matrix["cells"][pattern["id"]]
    engines = []
    for engine in matrix["engines"]:
        columns = by_engine[engine["name"]]
        row = [_version_cell(cells[column["id"]], column) for column in columns]
        engines.append(_engine_cell(versions, engine["name"], row, pattern["verdict"]))
    return pattern | {
        "anchor": anchor(pattern["id"]),
        "param": pattern["id"].partition("[")[2].removesuffix("]"),
        "verdict_text": VERDICTS.get(pattern["verdict"], pattern["verdict"]),
        "engine_cells": engines,
    }


def _summary(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        row | {"share": round(100 * row["works"] / row["ran"]) if row["ran"] else 0}
        for row in engine_summary(matrix)
    ]


def page_context(matrix: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, precomputed (the template only lays it out)."""
    by_engine: dict[str, list[dict[str, Any]]] = {e["name"]: [] for e in matrix["engines"]}
    for column in matrix["columns"]:
        by_engine.setdefault(column["engine"], []).append(column)
    themes = [
        {
            "id": theme or "other",
            "title": title,
            "rows": [_row(matrix, pattern, by_engine) for pattern in patterns],
        }
        for theme, title, patterns in theme_groups(matrix)
    ]
    finished = sorted(c.get("finished", "") for c in matrix["columns"] if c.get("finished"))
    return {
        "matrix": matrix,
        "versions": matrix["django_versions"],
        "engines": [_engine_header(e, by_engine[e["name"]]) for e in matrix["engines"]],
        "themes": themes,
        "summary": _summary(matrix),
        "problems": {c["id"]: _problem(c) for c in matrix["columns"] if c["status"] != "ok"},
        "legend": LEGEND,
        "finished": (finished[0][:10], finished[-1][:10]) if finished else ("", ""),
        "count": len(matrix["patterns"]),
        "config": {"versions": matrix["django_versions"]},
        "ran": sorted(RAN),
    }


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["urlize.extra_schemes"] = []
    env.policies["urlize.rel"] = "noopener noreferrer"
    return env


def _script() -> tuple[Markup, str]:
    """The page's script, and its hash for the Content-Security-Policy: only that script
    may run, so even a message that slipped through escaping could not execute."""
    script = (TEMPLATES / "page.js").read_text(encoding="utf-8")
    if "</" in script:
        msg = "page.js must not contain '</' (it is inlined in a <script> element)"
        raise ValueError(msg)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return Markup(script), f"sha256-{digest}"


def _dedent(page: str) -> str:
    """Drop the template's indentation outside ``<pre>`` and ``<script>`` (whose hash is in
    the page's Content-Security-Policy): a sixth of the page's bytes."""
    parts = re.split(r"(<pre>.*?</pre>|<script>.*?</script>)", page, flags=re.DOTALL)
    return "".join(
        part if part.startswith(("<pre>", "<script>")) else re.sub(r"\n[ \t]+", "\n", part)
        for part in parts
    )


def html_report(matrix: dict[str, Any]) -> str:
    """The whole of ``results/index.html``."""
    script, script_hash = _script()
    context = page_context(matrix) | {"script": script, "script_hash": script_hash}
    return _dedent(_environment().get_template("index.html.j2").render(context))


def __dir__() -> list[str]:
    return __all__
