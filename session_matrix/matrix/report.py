"""The report pipeline: raw results -> the matrix -> every published file, or nothing.

    load_raws -> build -> render -> paths.publish

The report refuses to publish from bad input: if any raw file or record is invalid, it
names each one in one line and leaves every published file as it was (``allow_partial``
skips the bad raw files instead, and says so). An empty or missing ``results/raw/`` is an
error too. The files are published as one set (``paths.publish``); the README's table
follows them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from session_matrix.core import config, paths, records, schemas
from session_matrix.core.catalogue import CatalogueError, detectors, read_catalogue
from session_matrix.core.model import Matrix, RawRecord, read_raw
from session_matrix.matrix.fingerprint import fingerprint
from session_matrix.matrix.merge import build_matrix
from session_matrix.matrix.render.changes import changes_markdown
from session_matrix.matrix.render.html import html_report
from session_matrix.matrix.render.markdown import markdown_report
from session_matrix.matrix.render.svg import heatmap

__all__ = ["Refused", "build", "damaged", "load_profile", "load_raws", "render"]

_MOVED = re.compile(r"^(?P<column>.+)\.json\.invalid-(?P<at>\d+)$")


@dataclass
class Refused(Exception):
    """The inputs cannot be published; ``problems`` has one line each."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def load_raws(
    results: Path, *, allow_partial: bool = False
) -> tuple[dict[str, RawRecord], list[str]]:
    """Every raw file by column id, and one line per file that was skipped (only with
    ``allow_partial``; otherwise any bad file refuses the report)."""
    directory = paths.raw_dir(results)
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not files:
        msg = f"no raw results in {directory}: run `nox` (or one column) first"
        raise Refused([msg])
    raws: dict[str, RawRecord] = {}
    problems: list[str] = []
    for path in files:
        try:
            raw = read_raw(path)
        except schemas.InvalidInput as exc:
            problems.append(str(exc))
            continue
        raws[raw.column.id] = raw
    if problems and not allow_partial:
        raise Refused(problems)
    return raws, problems


def damaged(results: Path, raws: dict[str, RawRecord]) -> list[str]:
    """One line per raw file a run found damaged and moved aside (``<column>.json.invalid-
    <time>``, see ``model.previous_raw``): its column ran again in full, and the table shows
    that run, not the damaged file's cells."""
    import datetime

    directory = paths.raw_dir(results)
    lines = []
    for path in sorted(directory.glob("*.json.invalid-*")) if directory.is_dir() else []:
        found = _MOVED.match(path.name)
        if not found:
            continue
        column = found.group("column")
        moved = datetime.datetime.fromtimestamp(int(found.group("at")), datetime.UTC)
        raw = raws.get(column)
        again = f"it ran again {raw.last_run.finished[:10]}" if raw else "it has not run again"
        lines.append(
            f"- {column}: its raw result was damaged and moved aside on {moved:%Y-%m-%d} "
            f"(results/raw/{path.name}); {again}, every cell; delete that file once read"
        )
    return lines


def build(raws: dict[str, RawRecord]) -> Matrix:
    """The matrix for the current tree (patterns, records, Django versions) and ``raws``."""
    try:
        every = records.load_all()
    except schemas.InvalidInput as exc:
        raise Refused([str(exc)]) from exc
    themes = config.themes()
    catalogue = read_catalogue(paths.ROOT / paths.PATTERNS_DIR, themes)
    try:
        detectors(catalogue)  # a Detect: line lint and suite cannot read is not published
    except CatalogueError as exc:
        raise Refused([f"catalogue error: {exc}"]) from exc
    return build_matrix(
        raws=raws,
        catalogue=catalogue,
        configurations=every,
        django=config.django_versions(),
        themes=themes,
        fingerprints={record.name: fingerprint(record) for record in every},
    )


def load_profile(results: Path) -> dict[str, Any] | None:
    """``results/profile.json`` if ``nox -s profile`` wrote one (checked), else None."""
    from session_matrix import profile

    path = results / "profile.json"
    if not path.exists():
        return None
    try:
        return profile.load(path)
    except schemas.InvalidInput as exc:
        raise Refused([str(exc)]) from exc


def render(
    matrix: Matrix,
    extra_html: dict[str, Markup] | None = None,
    profile: dict[str, Any] | None = None,
    damaged_raws: list[str] | None = None,
) -> dict[str, str]:
    """Every published file's text, by name in ``results/``; the matrix is checked first.
    ``damaged_raws``: ``damaged``'s lines, named at the end of matrix.md."""
    text = matrix.to_json()
    schemas.validate(json.loads(text), "matrix", "the matrix built from results/raw")
    markdown = markdown_report(matrix)
    if damaged_raws:
        heading = "**Raw results found damaged** (their columns ran again in full):"
        markdown = markdown.rstrip("\n") + "\n\n" + "\n".join([heading, "", *damaged_raws]) + "\n"
    return {
        "matrix.json": text,
        "matrix.schema.json": (schemas.SCHEMAS / "matrix.schema.json").read_text(encoding="utf-8"),
        "matrix.md": markdown,
        "index.html": html_report(matrix, extra_html, profile),
        "changes.md": changes_markdown(matrix),
        "matrix.svg": heatmap(matrix),
    }


def __dir__() -> list[str]:
    return __all__
