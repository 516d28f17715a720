"""The published matrix, as an explanation reads it: every idiom with the session calls it
makes and its fix writes, and its outcome in every column; and where its row is on the page.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from session_matrix.core import catalogue as patterns_catalogue
from session_matrix.core import detect, paths, schemas
from session_matrix.core.anchors import anchor
from session_matrix.core.model import column_id
from session_matrix.core.paths import matrix_files
from session_matrix.suite.source import fix_terms, session_terms

__all__ = ["Catalogue", "Idiom", "link", "load_catalogue", "matrix_files", "matrix_url"]


@dataclass(frozen=True)
class Idiom:
    """One pattern of the published matrix, as an explanation needs it."""

    id: str
    idiom: str
    why: str
    fix: str
    anchor: str
    terms: frozenset[str]
    fix_terms: frozenset[str]

    @property
    def in_class(self) -> bool:
        return self.id.count("::") > 1


@dataclass
class Catalogue:
    """The published matrix: every idiom and its outcome in every column."""

    idioms: list[Idiom]
    configurations: set[str]
    versions: list[str]  # Django versions, oldest first
    cells: dict[str, dict[str, dict[str, Any]]]
    source: str = ""
    detectors: dict[str, detect.Detector] = field(default_factory=dict)  # by pattern id

    def version_for(self, django: str) -> str:
        """The matrix's Django version nearest ``django`` (the same X.Y when it has it)."""
        if not self.versions:
            return ""
        return min(self.versions, key=lambda v: (abs(_number(v) - _number(django)), _version(v)))

    def configuration_for(self, name: str, engine: str) -> str:
        """The matrix column that confirms a failure on configuration ``name``: its own, else
        its engine's (a variant the matrix lacks, a record of your own, may fix what fails
        on its engine, so the engine's column never contradicts its passing)."""
        if name in self.configurations:
            return name
        return engine if engine in self.configurations else ""

    def cell(self, idiom: str, configuration: str, django: str) -> dict[str, Any] | None:
        return self.cells.get(idiom, {}).get(column_id(configuration, django))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3]) or (0,)


def _number(text: str) -> float:
    major, minor = [*_version(text), 0][:2]
    return major + minor / 100


def load_catalogue(path: Path) -> Catalogue:
    """The fields every format of ``matrix.json`` shares: columns, patterns, cells."""
    data = schemas.load_json(path)
    configurations = {str(c.get("configuration") or c["engine"]) for c in data["columns"]}
    versions = sorted({str(c["django"]) for c in data["columns"]}, key=_version)
    idioms = [
        Idiom(
            id=p["id"],
            idiom=p.get("idiom", ""),
            why=p.get("why", ""),
            fix=p.get("fix", ""),
            anchor=p.get("anchor") or anchor(p["id"]),
            terms=session_terms(p.get("code", "")),
            fix_terms=fix_terms(p.get("fix", "")),
        )
        for p in data["patterns"]
    ]
    try:
        patterns = patterns_catalogue.published_patterns(data, paths.ROOT / paths.PATTERNS_DIR)
        parsed = patterns_catalogue.detectors(patterns)
    except patterns_catalogue.CatalogueError:
        parsed = {}  # the report refuses to publish it; explanations go without detectors
    detectors = {pattern: found for pattern, found in parsed.items() if found.steps}
    return Catalogue(idioms, configurations, versions, data["cells"], str(path), detectors)


@functools.cache
def matrix_url() -> str:
    """The published page, when the installed package names it (``[project.urls] Matrix``)."""
    try:
        urls = metadata.metadata("django-session-matrix").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "matrix":
            return str(url).strip()
    return ""


def link(idiom: Idiom) -> str:
    """Where the idiom's row is: the published page, or the copy beside the report."""
    return f"{matrix_url() or 'matrix.html'}#{idiom.anchor}"


def __dir__() -> list[str]:
    return __all__
