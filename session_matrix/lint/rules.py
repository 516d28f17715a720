"""What ``lint`` knows: one rule per detector of the pattern catalogue, with the idiom's
words (idiom, Why, Fix) and the configurations it fails on in the published matrix.

The detectors come from the checkout's ``matrix_tests/`` when there is one (the current
tree), else from the ``detect`` field of the published ``matrix.json``; the outcomes always
come from ``matrix.json``: a rule says only what a real run showed.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from session_matrix.core import catalogue, detect, paths, schemas
from session_matrix.core.model import column_id
from session_matrix.core.paths import matrix_files
from session_matrix.core.vocabulary import CellStatus, RunStatus

__all__ = ["NoMatrix", "Rule", "Rules", "code_for", "load_rules"]


class NoMatrix(Exception):
    """No published matrix to read the outcomes from (one line: what to do)."""


@dataclass(frozen=True)
class Rule:
    """One idiom lint can find: its detector, its words, where it fails."""

    code: str
    pattern: str  # the pattern's node id
    idiom: str
    why: str
    fix: str
    detector: detect.Detector
    fails: frozenset[str]  # the configurations (of those asked about) it fails on


@dataclass
class Rules:
    """Every rule, for the configurations asked about, on one Django version of the matrix."""

    rules: dict[str, Rule]  # by pattern id
    configurations: list[str]
    django: str
    matrix: str  # the matrix.json read

    def detectors(self) -> dict[str, detect.Detector]:
        return {pattern: rule.detector for pattern, rule in self.rules.items()}


def code_for(pattern_id: str) -> str:
    """A rule's code: stable while the pattern keeps its name (``SM`` + 4 digits)."""
    name = pattern_id.rsplit("::", 1)[-1]
    return f"SM{zlib.crc32(name.encode()) % 10000:04d}"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3]) or (0,)


def load_rules(
    configurations: dict[str, str], django: str = "", matrix: Path | None = None
) -> Rules:
    """The rules for ``configurations`` (name -> engine): a configuration the matrix has no
    column for is read from its engine's column. ``django`` defaults to the newest version
    that ran. Raises ``NoMatrix``, or ``catalogue.CatalogueError`` for a detector that
    cannot be read."""
    if matrix is None:
        found = matrix_files()
        if found is None:
            msg = (
                "no published matrix.json (neither the installed package's nor results/); "
                "reinstall django-session-matrix, or run `nox -s report` in the checkout"
            )
            raise NoMatrix(msg)
        matrix = found[0]
    data = schemas.load_json(matrix)
    versions = sorted({str(c["django"]) for c in data["columns"]}, key=_version)
    if django and django not in versions:
        msg = f"--django {django}: the matrix has {', '.join(versions)}; name one of those"
        raise NoMatrix(msg)
    # The newest version with a column that ran: a pre-release line with no release yet
    # (every column "not run") would flag nothing.
    ran = {str(c["django"]) for c in data["columns"] if c.get("status") == RunStatus.OK}
    version = django or max(ran or versions, key=_version)
    columns = {str(c.get("configuration") or c["engine"]) for c in data["columns"]}
    patterns = catalogue.published_patterns(data, paths.ROOT / paths.PATTERNS_DIR)
    parsed = catalogue.detectors(patterns)
    rules: dict[str, Rule] = {}
    for pattern_id, detector in parsed.items():
        if not detector.steps:
            continue
        cells = data["cells"].get(pattern_id, {})
        fails = set()
        for name, engine in configurations.items():
            column = name if name in columns else engine
            cell = cells.get(column_id(column, version))
            if cell is not None and CellStatus(cell["status"]).failed:
                fails.add(name)
        pattern = patterns[pattern_id]
        rules[pattern_id] = Rule(
            code_for(pattern_id),
            pattern_id,
            pattern.idiom,
            pattern.why,
            pattern.fix,
            detector,
            frozenset(fails),
        )
    return Rules(rules, list(configurations), version, str(matrix))


def __dir__() -> list[str]:
    return __all__
