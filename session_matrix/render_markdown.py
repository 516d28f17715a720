"""The matrix as Markdown: ``results/matrix.md`` and the table block in ``README.md``."""

from __future__ import annotations

import re
from typing import Any

from session_matrix.merge import NOT_HELD, engine_summary, theme_groups
from session_matrix.raw import cell_id
from session_matrix.rollup import LEGEND, compact, words

__all__ = ["anchor", "markdown_report", "readme_block", "theme_counts"]


def anchor(pattern_id: str) -> str:
    """A stable HTML/Markdown anchor for a pattern's node id."""
    return "p-" + re.sub(r"[^a-z0-9]+", "-", pattern_id.lower()).strip("-")


def _inline(text: str) -> str:
    """Text from a test run or a docstring, safe inside a Markdown table cell."""
    text = " ".join(str(text).split())
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "'")
    )


def _code(text: str) -> str:
    """A code span: shown verbatim by Markdown (so ``<script>`` stays text); only the pipe,
    which would split a table cell, and the backtick, which would end the span, change."""
    text = " ".join(str(text).split()).replace("`", "'").replace("|", "\\|")
    return f"`{text}`" if text else ""


def _statuses(matrix: dict[str, Any], pattern_id: str, engine: str) -> list[str]:
    cells = matrix["cells"][pattern_id]
    return [cells[cell_id(engine, django)]["status"] for django in matrix["django_versions"]]


def _row(matrix: dict[str, Any], pattern: dict[str, Any], link: str) -> str:
    versions = matrix["django_versions"]
    idiom = f"[{_code(pattern['idiom'] or pattern['id'])}]({link}#{anchor(pattern['id'])})"
    if pattern["verdict"] == "mistake":
        idiom += " 🚫"
    marks = [
        compact(versions, _statuses(matrix, pattern["id"], e["name"])) for e in matrix["engines"]
    ]
    return f"| {idiom} | {' | '.join(marks)} |"


def _table(matrix: dict[str, Any], patterns: list[dict[str, Any]], link: str) -> list[str]:
    names = [engine["name"] for engine in matrix["engines"]]
    lines = [f"| idiom | {' | '.join(names)} |", f"|---|{'---|' * len(names)}"]
    lines += [_row(matrix, pattern, link) for pattern in patterns]
    return lines


def _legend(matrix: dict[str, Any]) -> list[str]:
    versions = ", ".join(matrix["django_versions"])
    lines = [
        f"Each cell is one engine on Django {versions}: one symbol when every version agrees,",
        "otherwise the versions each symbol applies to (`5.2+` = 5.2 and newer).",
        "🚫 marks a negative control: an idiom that fails on every engine (a mistake everywhere,",
        "not an engine difference).",
        "",
    ]
    lines += [f"- {symbol} {meaning}" for symbol, meaning in LEGEND]
    return lines


def _summary_table(matrix: dict[str, Any]) -> list[str]:
    lines = [
        "| engine | on Django | ✅ works | ❌ fails | of which 🚫 mistakes everywhere | ran |",
        "|---|---|---|---|---|---|",
    ]
    for row in engine_summary(matrix):
        lines.append(
            f"| {row['engine']} | {row['django'] or '—'} | {row['works']} | {row['fails']} "
            f"| {row['mistakes']} | {row['ran']} of {row['total']} |"
        )
    return lines


def _origin(column: dict[str, Any]) -> str:
    origin = column.get("origin", {})
    if origin.get("ci_run"):
        return f"[CI run]({origin['ci_run']})"
    return _inline(" ".join(part for part in (origin.get("host"), origin.get("platform")) if part))


def _columns(matrix: dict[str, Any]) -> list[str]:
    lines = [
        "| column | status | Django | Python | services | ran on | finished |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in matrix["columns"]:
        env = column.get("environment", {})
        services = ", ".join(f"{k} {v}" for k, v in env.get("services", {}).items())
        status = column["status"] + (" (stale: patterns changed since)" if column["stale"] else "")
        if column.get("reason"):
            status += f": {_inline(column['reason'])}"
        lines.append(
            f"| {column['id']} | {status} | {env.get('django', '')} | {env.get('python', '')} "
            f"| {services} | {_origin(column)} | {column.get('finished', '')} |"
        )
    return lines


def _details(matrix: dict[str, Any], pattern: dict[str, Any]) -> list[str]:
    versions = matrix["django_versions"]
    lines = [f'<a id="{anchor(pattern["id"])}"></a>', f"### {_code(pattern['idiom'])}", ""]
    lines.append(f"`{pattern['id']}`")
    lines.append("")
    for label, key in (("Expect", "expect"), ("Why", "why"), ("Fix", "fix"), ("Source", "source")):
        if pattern.get(key):
            lines.append(f"- **{label}:** {_inline(pattern[key])}")
    for engine in matrix["engines"]:
        statuses = _statuses(matrix, pattern["id"], engine["name"])
        if all(status == "passed" for status in statuses):
            continue
        failures = {
            f"{cell['exception']}: {cell['message']}".strip(": ")
            for django in versions
            if (cell := matrix["cells"][pattern["id"]][cell_id(engine["name"], django)])["status"]
            in NOT_HELD
        }
        detail = "; ".join(_code(failure) for failure in sorted(failures) if failure)
        lines.append(
            f"- **{engine['name']}:** {words(versions, statuses)}"
            + (f" {detail}" if detail else "")
        )
    lines.append("")
    return lines


def markdown_report(matrix: dict[str, Any], detail_link: str = "") -> str:
    """The whole of ``results/matrix.md``."""
    lines = [
        f"<!-- {matrix['generated_by']} -->",
        "# Django session engines × session-editing idioms in tests",
        "",
        *_legend(matrix),
        "",
        "## How many idioms work, per engine",
        "",
        *_summary_table(matrix),
        "",
    ]
    for _, title, patterns in theme_groups(matrix):
        lines += [f"## {title}", ""]
        lines += [*_table(matrix, patterns, detail_link), ""]
    lines += ["## Details: why and the fix", ""]
    for pattern in matrix["patterns"]:
        if pattern["verdict"] != "portable":
            lines += _details(matrix, pattern)
    lines += ["## Columns: where each result came from", "", *_columns(matrix), ""]
    return "\n".join(lines)


def theme_counts(matrix: dict[str, Any]) -> list[str]:
    """One line per theme: its title and how many patterns it holds."""
    return [
        f"- {title} (`-m {theme}`): {len(patterns)}" if theme else f"- {title}: {len(patterns)}"
        for theme, title, patterns in theme_groups(matrix)
    ]


def _stale_note(matrix: dict[str, Any]) -> list[str]:
    stale = [column["id"] for column in matrix["columns"] if column["stale"]]
    if not stale:
        return []
    return [
        "",
        f"**Stale columns** (patterns changed since they ran; re-run them): {', '.join(stale)}",
    ]


def readme_block(matrix: dict[str, Any], detail_link: str = "results/matrix.md") -> str:
    """The table that goes between the README's markers."""
    lines = [
        f"<!-- {matrix['generated_by']} -->",
        f"{len(matrix['patterns'])} patterns by theme:",
        "",
        *theme_counts(matrix),
        "",
        *_legend(matrix),
        *_stale_note(matrix),
        "",
        *_table(matrix, matrix["patterns"], detail_link),
        "",
        "Why each failing idiom fails, and the fix: [results/matrix.md](results/matrix.md); "
        "filterable detail: [results/index.html](results/index.html).",
    ]
    return "\n".join(lines)


def __dir__() -> list[str]:
    return __all__
