"""The matrix as Markdown: ``results/matrix.md`` and the table block in ``README.md``.

Tables show the default configurations (one per engine). Where an engine's other
configurations disagree with its default, the row gets one line per engine below the
table: ``cache: ✅ django-redis, pickle · ❌ django-redis, JSON serializer``. Every text
from a run or a docstring goes through ``md``.
"""

from __future__ import annotations

from session_matrix.core import markdown_escape as md
from session_matrix.core.model import (
    Column,
    Configuration,
    ConfigurationSummary,
    Matrix,
    PatternRow,
)
from session_matrix.core.vocabulary import (
    DEPENDS,
    CellStatus,
    RunStatus,
    Verdict,
    legend,
)
from session_matrix.matrix import rollup

__all__ = ["markdown_report", "readme_block"]


def _mark(row: PatternRow) -> str:
    """The badge after an idiom: 🚫 and its kind for a row that fails on every engine."""
    if row.verdict != Verdict.FAILS_EVERYWHERE:
        return ""
    kind = f" ({md.text(row.kind.term.word)})" if row.kind else ""
    return f" {Verdict.FAILS_EVERYWHERE.term.symbol}{kind}"


def _rollup(matrix: Matrix, row: PatternRow, configuration: str) -> str:
    return rollup.compact(matrix.django_versions, matrix.statuses(row.id, configuration))


def _row(matrix: Matrix, row: PatternRow, link: str) -> str:
    idiom = md.link(md.code(row.idiom or row.id), f"{link}#{row.anchor}") + _mark(row)
    if row.depends:
        idiom += f" {DEPENDS.symbol}"
    marks = [_rollup(matrix, row, c.name) for c in matrix.defaults()]
    return f"| {idiom} | {' | '.join(marks)} |"


def _variant_lines(matrix: Matrix, rows: list[PatternRow]) -> list[str]:
    """One line per row whose configurations of an engine disagree, configurations that
    read the same grouped: ``cache: ✅ django-redis, pickle / LocMemCache · ❌ …``."""
    lines = []
    for row in rows:
        if "configuration" not in row.differs_by:
            continue
        parts = []
        for default in matrix.defaults():
            groups: dict[str, list[str]] = {}
            for configuration in [default, *matrix.variants(default.name)]:
                statuses = matrix.statuses(row.id, configuration.name)
                if any(status.ran for status in statuses):
                    mark = rollup.compact(matrix.django_versions, statuses)
                    groups.setdefault(mark, []).append(md.text(configuration.label))
            if len(groups) > 1:
                shown = " · ".join(
                    f"{mark} {' / '.join(labels)}" for mark, labels in groups.items()
                )
                parts.append(f"{md.text(default.name)}: {shown}")
        if parts:
            lines.append(f"- {md.code(row.idiom or row.id)}: " + "; ".join(parts))
    return lines


def _table(matrix: Matrix, rows: list[PatternRow], link: str) -> list[str]:
    names = [md.text(c.name) for c in matrix.defaults()]
    lines = [f"| idiom | {' | '.join(names)} |", f"|---|{'---|' * len(names)}"]
    lines += [_row(matrix, row, link) for row in rows]
    variants = _variant_lines(matrix, rows)
    if variants:
        lines += ["", "Where an engine's configurations disagree:", "", *variants]
    return lines


def _versions(matrix: Matrix) -> str:
    parts = []
    for d in matrix.django:
        word = d.support.word
        parts.append(f"{d.version} ({word})" if word else d.version)
    return ", ".join(parts)


def _legend(matrix: Matrix) -> list[str]:
    lines = [
        f"Each cell is one engine's default configuration on Django {_versions(matrix)}: one "
        "symbol when every version agrees, otherwise the versions each symbol applies to "
        "(`5.2+` = 5.2 and newer).",
        "",
    ]
    lines += [f"- {term.symbol} {md.text(term.legend)}" for term in [*legend(), DEPENDS]]
    notes = [d for d in matrix.django if d.note]
    lines += [f"- Django {d.version}: {md.text(d.note)}" for d in notes]
    return lines


def _summary_table(
    counts: list[ConfigurationSummary], configurations: dict[str, Configuration]
) -> list[str]:
    works, fails = CellStatus.PASSED.term, CellStatus.FAILED.term
    symbol = Verdict.FAILS_EVERYWHERE.term.symbol
    lines = [
        f"| configuration | engine | on Django | {works.symbol} {works.word} "
        f"| {fails.symbol} {fails.word} | of which {symbol} on every engine | ran |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in counts:
        configuration = configurations[row.configuration]
        name = md.text(row.configuration) + (
            "" if configuration.default else f" ({md.text(configuration.label)})"
        )
        lines.append(
            f"| {name} | {md.text(configuration.engine)} | {row.django or '—'} | {row.works} "
            f"| {row.fails} | {row.everywhere} | {row.ran} of {row.total} |"
        )
    return lines


def _origin(column: Column) -> str:
    if column.origin.get("ci_run"):
        return md.link("CI run", column.origin["ci_run"])
    return md.text(
        " ".join(filter(None, (column.origin.get("host"), column.origin.get("platform"))))
    )


def _columns(matrix: Matrix) -> list[str]:
    lines = [
        "| column | shows | Django | Python | services | ran on | finished | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for column in matrix.columns:
        env = column.environment
        services = ", ".join(f"{k} {v}" for k, v in env.get("services", {}).items())
        shown = "outcomes" if column.status == RunStatus.OK else str(column.status)
        if column.stale:
            shown += " (stale: patterns changed since)"
        note = column.note or (column.reason if column.status != RunStatus.OK else "")
        lines.append(
            f"| {md.text(column.id)} | {md.text(shown)} | {md.text(env.get('django', ''))} "
            f"| {md.text(env.get('python', ''))} | {md.text(services)} | {_origin(column)} "
            f"| {md.text(column.finished)} | {md.text(note)} |"
        )
    return lines


def _details(matrix: Matrix, row: PatternRow) -> list[str]:
    lines = [
        f'<a id="{row.anchor}"></a>',
        f"### {md.code(row.idiom or row.id)}",
        "",
        md.code(row.id),
        "",
    ]
    labels = (("Expect", row.expect), ("Why", row.why), ("Fix", row.fix), ("Depends", row.depends))
    lines += [f"- **{label}:** {md.text(value)}" for label, value in labels if value]
    if row.kind:
        lines.append(f"- **Kind:** {md.text(row.kind.term.word)}")
    if row.twin:
        differs = f" (they disagree on {', '.join(row.twin_differs)})" if row.twin_differs else ""
        lines.append(f"- **Twin:** {md.code(row.twin)}{md.text(differs)}")
    if row.source:
        lines.append(f"- **Source:** {md.sources(row.source)}")
    versions = matrix.django_versions
    for configuration in matrix.configurations:
        statuses = matrix.statuses(row.id, configuration.name)
        if all(status == CellStatus.PASSED for status in statuses):
            continue
        failures = {
            f"{cell.exception}: {cell.message}".strip(": ")
            for django in versions
            if (
                cell := matrix.cells[row.id][matrix.column(configuration.name, django).id]
            ).status.failed
        }
        detail = "; ".join(md.code(failure) for failure in sorted(failures) if failure)
        lines.append(
            f"- **{md.text(configuration.name)}:** {md.text(rollup.words(versions, statuses))}"
            + (f" {detail}" if detail else "")
        )
    return [*lines, ""]


def markdown_report(matrix: Matrix, detail_link: str = "") -> str:
    """The whole of ``results/matrix.md``."""
    configurations = {c.name: c for c in matrix.configurations}
    lines = [
        f"<!-- {matrix.generated_by} -->",
        "# Django session engines × session-editing idioms in tests",
        "",
        *_legend(matrix),
        "",
        "## How many idioms work, per configuration",
        "",
        *_summary_table(matrix.summary(), configurations),
        "",
    ]
    for _, title, rows in matrix.theme_groups():
        lines += [f"## {md.text(title)}", "", *_table(matrix, rows, detail_link), ""]
    lines += ["## Details: why and the fix", ""]
    for row in matrix.patterns:
        if row.verdict != Verdict.PORTABLE or row.differs_by or row.depends:
            lines += _details(matrix, row)
    lines += ["## Columns: where each result came from", "", *_columns(matrix), ""]
    return "\n".join(lines)


def _theme_counts(matrix: Matrix) -> list[str]:
    return [
        f"- {md.text(title)} (`-m {theme}`): {len(rows)}"
        if theme
        else f"- {md.text(title)}: {len(rows)}"
        for theme, title, rows in matrix.theme_groups()
    ]


def _notes(matrix: Matrix) -> list[str]:
    stale = [md.text(c.id) for c in matrix.columns if c.stale]
    notes = [
        f"- {md.text(c.id)}: {md.text(c.note)}"
        for c in matrix.columns
        if c.note and c.configuration in {d.name for d in matrix.defaults()}
    ]
    lines = []
    if stale:
        lines += [
            "",
            "**Stale columns** (patterns changed since they ran; re-run them): "
            + ", ".join(stale),
        ]
    if notes:
        lines += ["", "**Columns showing earlier results:**", "", *notes]
    return lines


def readme_block(matrix: Matrix, detail_link: str = "results/matrix.md") -> str:
    """The matrix summary that goes between the README's markers: the themes, and per
    default configuration how many idioms work; every row is in ``detail_link``."""
    newest = matrix.newest_ran()
    columns = len(matrix.configurations)
    defaults = {c.name: c for c in matrix.configurations}
    counts = [c for c in matrix.summary() if defaults[c.configuration].default]
    lines = [
        f"<!-- {matrix.generated_by} -->",
        f"{len(matrix.patterns)} idioms by theme, on {columns} configurations "
        f"({len(newest)} with results) and Django {_versions(matrix)}:",
        "",
        *_theme_counts(matrix),
        "",
        "On each engine's default configuration, on its newest Django that ran:",
        "",
        *_summary_table(counts, defaults),
        *_notes(matrix),
        "",
        f"Every idiom on every configuration, why it fails and the fix: "
        f"[{detail_link}]({detail_link}); what changed between Django versions: "
        "[results/changes.md](results/changes.md).",
    ]
    return "\n".join(lines)
