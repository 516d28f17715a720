"""The data, typed: what a run records, and the matrix built from it. Read and written here only.

Words used throughout:

- a **configuration** is one engine record (``engines/cache-json.toml``: the ``cache`` engine
  on django-redis with its JSON serializer); its **engine** is the record it extends from
  (``cache``), or itself;
- a **column** is one configuration on one Django version (``cache-json-dj6.1``): one nox
  session, one raw file;
- a **pattern** is one test in ``matrix_tests/`` (its docstring's first line is the idiom);
- a **cell** is one pattern in one column.

Raw files are validated against ``schemas/raw.schema.json`` before they become a
``RawRecord``; every reader goes through ``read_raw``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from session_matrix.core import paths, schemas
from session_matrix.core.vocabulary import (
    CellStatus,
    Kind,
    Outcome,
    RunStatus,
    Support,
    Verdict,
)

__all__ = [
    "MATRIX_FORMAT",
    "RAW_FORMAT",
    "RUN_ID_VAR",
    "Cell",
    "Column",
    "ColumnKey",
    "ColumnStatus",
    "Configuration",
    "ConfigurationSummary",
    "DjangoVersion",
    "GoodRun",
    "LastRun",
    "Matrix",
    "Pattern",
    "PatternRow",
    "RawRecord",
    "Row",
    "RunFacts",
    "Theme",
    "column_id",
    "now",
    "origin",
    "previous_raw",
    "read_matrix",
    "read_raw",
    "to_json",
    "write_raw",
]

RAW_FORMAT = 2
RUN_ID_VAR = "SESSION_MATRIX_RUN_ID"  # the id nox gives a column run, and reads back
MATRIX_FORMAT = 2


def now() -> str:
    """The current time as every file stores it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def column_id(configuration: str, django: str) -> str:
    """A column's name in nox, in file names and in the report: ``<configuration>-dj<version>``."""
    return f"{configuration}-dj{django}"


def origin() -> dict[str, str]:
    """Where this run happens, so that merged results say where each column came from."""
    ci_run = ""
    if os.environ.get("GITHUB_RUN_ID"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        ci_run = (
            f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/"
            f"{os.environ['GITHUB_RUN_ID']}"
        )
    return {
        "host": platform.node(),
        "platform": f"{platform.system()} {platform.machine()}",
        "ci_run": ci_run,
    }


def to_json(value: Any) -> str:
    """Any of these records (or a dict of them) as the JSON the files hold."""
    data = asdict(value) if hasattr(value, "__dataclass_fields__") else value
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------- raw results


@dataclass(kw_only=True)
class Detail:
    """How a pattern's run went, beyond its outcome: what it raised, where, how long."""

    phase: str = "call"
    exception: str = ""
    message: str = ""
    reason: str = ""  # why it skipped, was not run or is not available
    duration: float = 0.0
    runs: list[Outcome] = field(default_factory=list)  # every repeat, with --repeat N


@dataclass
class Row(Detail):
    """What one pattern did in one column: the outcome and, when it did not pass, why."""

    outcome: Outcome
    at: str = ""  # when the run that produced this row finished
    fingerprint: str = ""  # the cell's inputs when it ran (staleness), "" if unknown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        """A row as a raw file (checked against its schema) or the recorder holds it."""
        runs = [Outcome(run) for run in data.get("runs", [])]
        return cls(**(data | {"outcome": Outcome(data["outcome"]), "runs": runs}))

    def details(self) -> dict[str, Any]:
        """Its ``Detail`` fields, for a cell of the matrix."""
        return {f.name: getattr(self, f.name) for f in fields(Detail)} | {"runs": list(self.runs)}


@dataclass(frozen=True)
class ColumnKey:
    """Which column a raw file is for."""

    id: str
    configuration: str
    django: str

    @classmethod
    def of(cls, configuration: str, django: str) -> ColumnKey:
        return cls(column_id(configuration, django), configuration, django)


@dataclass(kw_only=True)
class LastRun:
    """The most recent attempt at a column, whatever became of it."""

    status: RunStatus
    reason: str = ""
    finished: str = ""
    selection: list[str] = field(default_factory=list)
    seed: int | None = None
    origin: dict[str, str] = field(default_factory=dict)
    run_id: str = ""  # which run wrote it (the column runner's; nox reads it back)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LastRun:
        return cls(**(data | {"status": RunStatus(data["status"])}))


@dataclass(kw_only=True)
class RunFacts:
    """What ran a column's outcomes, where, when and how long (a raw file's ``results``, and
    the matrix column that shows them)."""

    finished: str = ""
    fingerprint: str = ""
    selection: list[str] = field(default_factory=list)
    seed: int | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(RunFacts)}


@dataclass
class GoodRun(RunFacts):
    """The newest run whose outcomes are in the file."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GoodRun:
        return cls(**data)


@dataclass
class RawRecord:
    """One column's file in ``results/raw/``: its last good outcomes and its last attempt.

    A run that did not produce outcomes (not run, broken, interrupted) changes
    ``last_run`` only; a run that did replaces the rows it ran (all of them for a full run).
    """

    column: ColumnKey
    last_run: LastRun
    results: GoodRun | None = None
    tests: dict[str, Row] = field(default_factory=dict)
    format: int = RAW_FORMAT

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawRecord:
        return cls(
            column=ColumnKey(**data["column"]),
            last_run=LastRun.from_json(data["last_run"]),
            results=GoodRun.from_json(data["results"]) if data.get("results") else None,
            tests={node: Row.from_json(row) for node, row in data.get("tests", {}).items()},
        )


def read_raw(path: Path) -> RawRecord:
    """One raw file, checked against its schema; ``schemas.InvalidInput`` names what is wrong."""
    data = schemas.load_json(path)
    schemas.validate(data, "raw", path)
    record = RawRecord.from_json(data)
    if record.column.id != path.stem:
        msg = f"{path}: holds column {record.column.id!r}, not {path.stem!r}; rename or delete it"
        raise schemas.InvalidInput(msg)
    # Outcomes without the run that produced them (versions, fingerprint) are not data.
    if record.results is None and record.tests:
        msg = f"{path}: {len(record.tests)} outcomes but no results (the run that produced them)"
        raise schemas.InvalidInput(f"{msg}; re-run the column or delete the file")
    if record.results is None and record.last_run.status == RunStatus.OK:
        msg = f"{path}: last_run.status is ok but there are no results; re-run the column"
        raise schemas.InvalidInput(msg)
    return record


def previous_raw(key: ColumnKey, results: Path | None = None) -> RawRecord | None:
    """A column's raw file before a new run writes it: None if there is none, or if it is
    unreadable, in which case it is moved aside (``<name>.invalid-<time>``), never lost."""
    path = paths.raw_path(key.id, results)
    if not path.exists():
        return None
    try:
        return read_raw(path)
    except schemas.InvalidInput as exc:
        kept = path.with_name(f"{path.name}.invalid-{int(time.time())}")
        path.replace(kept)
        print(f"warning: {exc}; moved aside to {kept.name}", file=sys.stderr)
        return None


def write_raw(record: RawRecord, results: Path | None = None, *, locked: bool = False) -> Path:
    """Write one raw file atomically, under the results lock (never during a publish);
    ``locked``: the caller holds it already (it read the file it now replaces)."""
    path = paths.raw_path(record.column.id, results)
    text = to_json(record)
    schemas.validate(json.loads(text), "raw", path)
    with contextlib.nullcontext() if locked else paths.results_lock(results):
        paths.write_atomic(path, text)
    return path


# ----------------------------------------------------------------------------- the matrix


@dataclass
class DjangoVersion:
    """One Django version of the matrix and its standing (``[tool.session-matrix.django]``)."""

    version: str
    python: str
    support: Support = Support.SUPPORTED
    note: str = ""


@dataclass
class Configuration:
    """An engine record as the report shows it (placeholders left as written)."""

    name: str
    engine: str
    default: bool
    description: str
    label: str
    extends: str = ""
    needs: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, Any] = field(default_factory=dict)


@dataclass
class Theme:
    id: str
    title: str


# A column's status: its last run's (or ``ok`` when it shows outcomes), or *absent*: no raw
# file yet.
ColumnStatus = RunStatus | Literal[CellStatus.ABSENT]


@dataclass(kw_only=True)
class Column(RunFacts):
    """One configuration on one Django version: which results the table shows, and why."""

    id: str
    configuration: str
    engine: str
    django: str
    status: ColumnStatus
    reason: str = ""
    stale: bool = False
    note: str = ""  # "last run <date>: not run: ...; showing results from <date>"
    last_run: LastRun | None = None


@dataclass
class Cell(Detail):
    """One pattern in one column."""

    status: CellStatus
    at: str = ""  # when the run that produced its outcome finished ("" without one)


@dataclass
class Pattern:
    """One pattern as its docstring and markers describe it (``catalogue`` reads them)."""

    id: str
    theme: str = ""
    idiom: str = ""
    expect: str = ""
    why: str = ""
    fix: str = ""
    source: str = ""
    kind: str = ""  # as its docstring says (a Kind's value: the catalogue test checks it)
    depends: str = ""
    twin: str = ""  # the node id of its counterpart
    detect: str = ""  # the idiom's shape in code (session_matrix.core.detect), "" when none
    since_django: str = ""
    since_reason: str = ""
    code: str = ""
    path: str = ""
    line: int = 0
    markers: list[str] = field(default_factory=list)


@dataclass
class PatternRow(Pattern):
    """One row: the pattern's record, and what the columns say about it."""

    kind: Kind | Literal[""] = ""  # checked: the docstring's word when it is a Kind
    anchor: str = ""
    verdict: Verdict = Verdict.UNKNOWN
    differs_by: list[str] = field(default_factory=list)  # engine, django, configuration
    twin_differs: list[str] = field(default_factory=list)  # where the twin ends otherwise


@dataclass
class ConfigurationSummary:
    """How one configuration does on its newest Django version that ran."""

    configuration: str
    django: str
    works: int = 0
    fails: int = 0
    everywhere: int = 0  # failures of rows that fail on every engine
    flaky: int = 0
    ran: int = 0
    total: int = 0


@dataclass
class Matrix:
    """``results/matrix.json``: every pattern in every column, and the questions the
    renderers ask of it (``merge`` builds it; nothing else computes over it)."""

    generated_by: str
    django: list[DjangoVersion]
    configurations: list[Configuration]
    themes: list[Theme]
    columns: list[Column]
    patterns: list[PatternRow]
    cells: dict[str, dict[str, Cell]]
    format: int = MATRIX_FORMAT

    @property
    def django_versions(self) -> list[str]:
        return [d.version for d in self.django]

    def defaults(self) -> list[Configuration]:
        """The configurations shown first: one per engine (records without ``extends``)."""
        return [c for c in self.configurations if c.default]

    def variants(self, engine: str) -> list[Configuration]:
        return [c for c in self.configurations if c.engine == engine and not c.default]

    def column(self, configuration: str, django: str) -> Column:
        wanted = column_id(configuration, django)
        return next(c for c in self.columns if c.id == wanted)

    def statuses(self, pattern: str, configuration: str) -> list[CellStatus]:
        """One configuration's cell statuses for one pattern, oldest Django first."""
        row = self.cells[pattern]
        return [row[column_id(configuration, d)].status for d in self.django_versions]

    def newest_ran(self) -> dict[str, Column]:
        """Per configuration, its newest column that shows outcomes."""
        newest: dict[str, Column] = {}
        for column in self.columns:
            if column.status == RunStatus.OK:
                newest[column.configuration] = column
        return newest

    def theme_groups(self) -> list[tuple[str, str, list[PatternRow]]]:
        """``(theme id, title, rows)`` in the configured order; unknown themes last, as
        ``""``."""
        titles = {theme.id: theme.title for theme in self.themes}
        groups: dict[str, list[PatternRow]] = {}
        for row in self.patterns:
            groups.setdefault(row.theme if row.theme in titles else "", []).append(row)
        order = [theme for theme in titles if theme in groups] + ([""] if "" in groups else [])
        return [(theme, titles.get(theme, "Other patterns"), groups[theme]) for theme in order]

    def summary(self) -> list[ConfigurationSummary]:
        """Per configuration, on its newest Django version that ran: what works and what
        fails."""
        newest = self.newest_ran()
        result = []
        for configuration in self.configurations:
            column = newest.get(configuration.name)
            counts = ConfigurationSummary(
                configuration=configuration.name,
                django=column.django if column else "",
                total=len(self.patterns),
            )
            for row in self.patterns if column else []:
                assert column is not None
                status = self.cells[row.id][column.id].status
                counts.ran += status.ran
                counts.works += status == CellStatus.PASSED
                counts.fails += status.failed
                counts.flaky += status == CellStatus.FLAKY
                counts.everywhere += status.failed and row.verdict == Verdict.FAILS_EVERYWHERE
            result.append(counts)
        return result

    def to_json(self) -> str:
        return to_json({"$schema": "matrix.schema.json", **asdict(self)})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Matrix:
        return cls(
            generated_by=data["generated_by"],
            django=[
                DjangoVersion(**(d | {"support": Support(d["support"])})) for d in data["django"]
            ],
            configurations=[Configuration(**c) for c in data["configurations"]],
            themes=[Theme(**t) for t in data["themes"]],
            columns=[_column(c) for c in data["columns"]],
            patterns=[_pattern(p) for p in data["patterns"]],
            cells={
                pattern: {column: _cell(cell) for column, cell in row.items()}
                for pattern, row in data["cells"].items()
            },
        )


def _column(data: dict[str, Any]) -> Column:
    fields = dict(data)
    last = fields.pop("last_run", None)
    absent = fields["status"] == CellStatus.ABSENT
    fields["status"] = CellStatus.ABSENT if absent else RunStatus(fields["status"])
    return Column(**fields, last_run=LastRun.from_json(last) if last else None)


def _pattern(data: dict[str, Any]) -> PatternRow:
    kind = Kind(data["kind"]) if data.get("kind") else ""
    return PatternRow(**(data | {"verdict": Verdict(data["verdict"]), "kind": kind}))


def _cell(data: dict[str, Any]) -> Cell:
    fields = dict(data)
    fields["status"] = CellStatus(fields["status"])
    fields["runs"] = [Outcome(run) for run in fields.get("runs", [])]
    return Cell(**fields)


def read_matrix(path: Path) -> Matrix:
    """A published ``matrix.json``, checked against its schema."""
    data = schemas.load_json(path)
    schemas.validate(data, "matrix", path)
    return Matrix.from_json(data)


def __dir__() -> list[str]:
    return __all__
