"""The matrix as one self-contained, filterable page: ``results/index.html``.

Jinja2 with autoescape renders every text (test messages, docstrings, code) as text; the
page loads nothing from the network, and its Content-Security-Policy lets only its own
script run. The template is ``templates/index.html.j2``; this module only precomputes what
the template lays out. The default configurations are shown first; the others appear with
"all configurations".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict
from typing import Any

from markupsafe import Markup

from session_matrix.core import records, services, vocabulary
from session_matrix.core.jinja import TEMPLATES, environment
from session_matrix.core.model import Column, Configuration, Matrix, PatternRow
from session_matrix.core.vocabulary import DEPENDS, RAN_CELLS, CellStatus, Kind, Verdict, legend
from session_matrix.matrix import rollup
from session_matrix.matrix.render.changes import page_changes
from session_matrix.matrix.render.needs import grid

__all__ = ["html_report", "page_context", "page_data", "script"]

# Which client packages a configuration's settings use (every column environment has them
# all installed; the header shows the ones that ran the configuration's sessions).
_CLIENTS = {
    "django_redis": ("django-redis", "redis"),
    "backends.redis": ("redis",),
    "PyMemcacheCache": ("pymemcache",),
    "PyLibMCCache": ("pylibmc",),
    "django_valkey": ("django-valkey", "valkey"),
    "postgres": ("psycopg",),
    "mysql": ("PyMySQL", "mysqlclient"),
}


def _packages(configuration: Configuration) -> list[str]:
    """The packages that decide how this configuration stores sessions."""
    text = json.dumps([configuration.settings, configuration.needs])
    found = [name for marker, names in _CLIENTS.items() if marker in text for name in names]
    return [*dict.fromkeys([*found, *map(records.requirement_name, configuration.requires)])]


def _backend(path: str) -> str:
    """A cache backend as a header names it: Django's own by class (``Django's RedisCache``),
    a package's by its dotted path (``django_redis.cache.RedisCache``), so that the two
    RedisCaches never read alike."""
    module, _, name = path.rpartition(".")
    return f"Django's {name}" if module.startswith("django.core.cache.backends") else path


def _service(name: str) -> str:
    """``redis server``: a server the column talked to, told apart from the client package
    of the same name (``redis`` is redis-py too)."""
    provider = services.registry().get(name)
    return f"{name} server" if provider is not None and not provider.optional else name


def _stores(configuration: Configuration) -> list[str]:
    """What holds the sessions besides the engine: cache backends and serializers."""
    lines = []
    for alias, cache in configuration.settings.get("CACHES", {}).items():
        backend = _backend(str(cache.get("BACKEND", "")))
        serializer = str(cache.get("OPTIONS", {}).get("SERIALIZER", "")).rsplit(".", 1)[-1]
        lines.append(f"cache {alias}: {backend}" + (f", {serializer}" if serializer else ""))
    return lines


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
    if len({value for value, _ in runs}) <= 1:
        return runs[0][0] if runs else ""
    return ", ".join(f"{value} ({rollup.span(group, versions)})" for value, group in runs)


def _problem(column: Column) -> dict[str, str]:
    """A column that shows no outcomes, or earlier ones, for its header."""
    return {"django": column.django, "text": column.note or column.reason or column.status}


def _header(configuration: Configuration, columns: list[Column]) -> dict[str, Any]:
    versions = [column.django for column in columns]
    envs = [column.environment for column in columns]

    def versions_of(kind: str, names: list[str]) -> list[str]:
        label = _service if kind == "services" else str
        return [
            f"{label(name)} {grouped}"
            for name in names
            if (grouped := _grouped(versions, [env.get(kind, {}).get(name, "") for env in envs]))
        ]

    services = sorted({name for env in envs for name in env.get("services", {})})
    return {
        "name": configuration.name,
        "engine": configuration.engine,
        "default": configuration.default,
        "label": configuration.label,
        "description": configuration.description,
        "django": ", ".join(env["django"] for env in envs if env.get("django")),
        "python": _grouped(versions, [env.get("python", "") for env in envs]),
        "services": versions_of("services", services),
        "packages": versions_of("packages", _packages(configuration)),
        "stores": _stores(configuration),
        "stale": [column.django for column in columns if column.stale],
        "problems": [
            _problem(c) for c in columns if c.status != vocabulary.RunStatus.OK or c.note
        ],
    }


class _Strings:
    """One table of the page's repeated texts (exceptions, messages, reasons): each cell
    names its texts by index, so a message shared by 30 columns is sent once."""

    def __init__(self) -> None:
        self.items: list[str] = [""]
        self._index: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def _version_cell(
    matrix: Matrix, row: PatternRow, column: Column, strings: _Strings, statuses: list[str]
) -> list[int]:
    """One Django version of one cell, as the page's script reads it: ``[status,
    milliseconds (-1: did not run), exception, message, reason, phase, runs]`` as numbers
    (statuses and texts by index), trailing zeros left off (a stale column is said once,
    in ``page_data``'s ``stale``)."""
    cell = matrix.cells[row.id][column.id]
    ran = cell.status in RAN_CELLS
    found = [
        statuses.index(cell.status.value),
        round(cell.duration * 1000) if ran else -1,
        strings(cell.exception),
        strings(cell.message),
        strings(cell.reason),
        strings("" if cell.phase in ("", "call") else cell.phase),
        strings(", ".join(cell.runs) if len(cell.runs) > 1 else ""),
    ]
    while len(found) > 2 and found[-1] == 0:
        found.pop()
    return found


def _config_cell(
    matrix: Matrix, row: PatternRow, configuration: Configuration, strings: _Strings
) -> list[int]:
    """``[compact, words when the versions differ, tone, words]`` (texts by index): what
    the cell shows."""
    versions = matrix.django_versions
    statuses = matrix.statuses(row.id, configuration.name)
    ran = [status for status in statuses if status in RAN_CELLS]
    newest = ran[-1] if ran else statuses[-1]
    tone = newest.term.tone
    # A row that fails on every engine is hatched only where it fails: a variant on which
    # it works keeps its own colour (the badge says "every engine", the cell says "works").
    if row.verdict == Verdict.FAILS_EVERYWHERE and newest.failed:
        tone = Verdict.FAILS_EVERYWHERE.term.tone
    words = rollup.words(versions, statuses)
    if any(matrix.column(configuration.name, d).stale for d in versions):
        words += " (stale results: patterns changed since)"
    mixed = len({status.term.word for status in statuses}) > 1
    compact = rollup.compact(versions, statuses, glyphs=True)
    return [strings(compact), strings(words if mixed else ""), strings(tone), strings(words)]


def _row_data(
    matrix: Matrix, row: PatternRow, theme: str, strings: _Strings, statuses: list[str]
) -> dict[str, Any]:
    """One row for the page's script: its cells, and what its detail panel shows (built
    only when the panel opens)."""
    return {
        "id": row.id,
        "a": row.anchor,
        "idiom": row.idiom,
        "theme": theme,
        "verdict": row.verdict.value,
        "verdictText": row.verdict.term.word,
        "differs": row.differs_by,
        "kind": Kind(row.kind).term.word if row.kind else "",
        "expect": row.expect,
        "why": row.why,
        "fix": row.fix,
        "depends": row.depends,
        "twin": row.twin,
        "twinDiffers": row.twin_differs,
        "source": row.source,
        "since": row.since_django,
        "sinceReason": row.since_reason,
        "path": row.path,
        "line": row.line,
        "code": row.code,
        "c": [_config_cell(matrix, row, c, strings) for c in matrix.configurations],
        "v": [
            [
                _version_cell(matrix, row, matrix.column(c.name, django), strings, statuses)
                for django in matrix.django_versions
            ]
            for c in matrix.configurations
        ],
    }


def _works_on(matrix: Matrix, row: PatternRow) -> list[str]:
    """The configurations on which a row that fails on every engine (a verdict over the
    engines' defaults) works after all: a variant that makes it work is news, not noise."""
    if row.verdict != Verdict.FAILS_EVERYWHERE:
        return []
    return [
        c.name
        for c in matrix.configurations
        if CellStatus.PASSED in matrix.statuses(row.id, c.name)
    ]


def _row(matrix: Matrix, row: PatternRow) -> dict[str, Any]:
    return asdict(row) | {
        "param": row.id.partition("[")[2].removesuffix("]"),
        "kind_text": Kind(row.kind).term.word if row.kind else "",
        "works_on": _works_on(matrix, row),
    }


def _statuses() -> list[list[str]]:
    """Each cell status as ``[value, glyph, word, tone]``: the script names statuses only
    so, by their index here."""
    return [
        [status.value, status.term.glyph, status.term.word, status.term.tone]
        for status in CellStatus
    ]


def page_data(matrix: Matrix) -> dict[str, Any]:
    """What the page's script builds the cells and the detail panels from."""
    strings = _Strings()
    statuses = [status.value for status in CellStatus]
    groups = matrix.theme_groups()
    rows = [
        _row_data(matrix, row, title, strings, statuses)
        for _, title, rows in groups
        for row in rows
    ]
    return {
        "versions": matrix.django_versions,
        "everywhere": Verdict.FAILS_EVERYWHERE.value,
        "configs": [
            {"name": c.name, "default": c.default, "label": c.label} for c in matrix.configurations
        ],
        "stale": [
            [1 if matrix.column(c.name, django).stale else 0 for django in matrix.django_versions]
            for c in matrix.configurations
        ],
        "status": _statuses(),
        "ran": [statuses.index(status.value) for status in CellStatus if status in RAN_CELLS],
        "bad": [statuses.index(CellStatus.FAILED.value), statuses.index(CellStatus.ERROR.value)],
        "rows": rows,
        "strings": strings.items,
    }


def page_context(matrix: Matrix) -> dict[str, Any]:
    """Everything the template shows, precomputed (the template only lays it out)."""
    by_config = {
        c.name: [col for col in matrix.columns if col.configuration == c.name]
        for c in matrix.configurations
    }
    ran = [c for c in matrix.columns if c.finished and c.status == vocabulary.RunStatus.OK]
    finished = sorted(c.finished for c in ran)
    counts = {c.configuration: c for c in matrix.summary()}
    return {
        "matrix": matrix,
        "versions": matrix.django_versions,
        "django": matrix.django,
        "configurations": [_header(c, by_config[c.name]) for c in matrix.configurations],
        "themes": [
            {"id": theme or "other", "title": title, "rows": [_row(matrix, row) for row in rows]}
            for theme, title, rows in matrix.theme_groups()
        ],
        "summary": [
            asdict(counts[c.name]) | {"default": c.default, "label": c.label, "engine": c.engine}
            for c in matrix.configurations
        ],
        "legend": legend(),
        "everywhere": Verdict.FAILS_EVERYWHERE.term,
        "failed": CellStatus.FAILED.term,
        "depends": DEPENDS,
        # The template compares statuses with these, never with words of its own.
        "RunStatus": vocabulary.RunStatus,
        "Support": vocabulary.Support,
        "Verdict": Verdict,
        "finished": (finished[0][:10], finished[-1][:10]) if finished else ("", ""),
        "count": len(matrix.patterns),
        "data": page_data(matrix),
    }


def script() -> tuple[Markup, str]:
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


def html_report(
    matrix: Matrix, extra: dict[str, Any] | None = None, profile: dict[str, Any] | None = None
) -> str:
    """The whole of ``results/index.html``; ``extra`` adds sections (the profile), and
    ``profile`` (profile.json) the needs grid at the top: without it, the page says so."""
    page_script, script_hash = script()
    context = page_context(matrix) | {"script": page_script, "script_hash": script_hash}
    context |= {
        "extra": extra or {},
        "needs": grid(profile, matrix) if profile else None,
        "changes": page_changes(matrix),
    }
    return _dedent(environment().get_template("index.html.j2").render(context))
