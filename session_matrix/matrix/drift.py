"""``nox -s check``: has any outcome changed since the published ``results/matrix.json``?

    session-matrix check --results DIR [--baseline results/matrix.json] [--allow-missing]

Builds the matrix from the raw results that a fresh run wrote into ``DIR/raw`` and compares
every cell with the baseline. Only outcomes count: the cell status and, for a failure, its
exception type; timings, dates, durations and messages never do.

It fails closed: a column it could not compare (not run, broken, absent on either side)
makes it exit non-zero unless ``--allow-missing`` is given, since a check that could not
look cannot vouch for anything. A column with no outcomes on either side, for the same
reason (not run, or not available, in both), holds nothing to vouch for: it is counted and
named, and fails nothing (a Django line with no release yet: its columns are not run in the
table and in the check alike).

Exit status: 0 nothing changed; 1 an outcome changed, or a column could not be compared;
2 nothing could be compared, or the inputs are unusable.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from session_matrix.core import paths, schemas
from session_matrix.core.model import Cell, Column, Matrix, read_matrix
from session_matrix.core.vocabulary import CellStatus, RunStatus

__all__ = ["Change", "Comparison", "compare", "main", "outcome", "render", "split_check_args"]

_OWN_FLAGS = ("--allow-missing",)


def split_check_args(args: list[str]) -> tuple[list[str], list[str]]:
    """``nox -s check -- ...``: the check's own flags, and the pytest arguments for the run."""
    own = [arg for arg in args if arg in _OWN_FLAGS]
    return own, [arg for arg in args if arg not in _OWN_FLAGS]


@dataclass(frozen=True)
class Change:
    """One cell whose outcome differs from the baseline."""

    pattern: str
    column: str
    old: str
    new: str


@dataclass
class Comparison:
    """What ``compare`` found; ``exit_code`` is the check's verdict."""

    changes: list[Change] = field(default_factory=list)
    compared: int = 0
    columns: int = 0
    not_compared: dict[str, str] = field(default_factory=dict)
    # Columns without outcomes in the baseline and the check alike, by status: nothing to vouch
    # for, so they fail nothing.
    neither: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    without_outcome: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    allow_missing: bool = False

    @property
    def exit_code(self) -> int:
        if self.changes:
            return 1
        if not self.compared:
            return 2
        return 1 if self.not_compared and not self.allow_missing else 0


def outcome(cell: Cell | None) -> str | None:
    """A cell's outcome as compared: ``passed``, ``failed (KeyError)``...; ``None`` when it
    has none (not run, harness error, no result)."""
    if cell is None or not (
        cell.status.ran or cell.status in (CellStatus.SKIPPED, CellStatus.UNAVAILABLE)
    ):
        return None
    if cell.status.failed and cell.exception:
        return f"{cell.status} ({cell.exception})"
    return str(cell.status)


_NO_OUTCOMES = (RunStatus.NOT_RUN, RunStatus.UNAVAILABLE)


def _neither(old: Column | None, new: Column) -> bool:
    """Whether neither side has outcomes, for the same reason: nothing was claimed."""
    return old is not None and old.status == new.status and new.status in _NO_OUTCOMES


def _why_not(old: Column | None, new: Column) -> str:
    """Why a column cannot be compared, or ``""``."""
    if new.status != RunStatus.OK:
        return f"the check's run has no outcomes ({new.status}: {new.reason or 'no raw result'})"
    if new.last_run is not None and new.last_run.status != RunStatus.OK:
        return f"the check's run did not finish ({new.last_run.status}: {new.last_run.reason})"
    if old is None:
        return "not in the baseline (a new column)"
    if old.status != RunStatus.OK:
        return f"the baseline has no outcomes ({old.status}: {old.reason})"
    return ""


def _moved(old: Column, new: Column) -> str:
    """What changed under a column: ``Django 6.1.3 -> 6.1.4, django-redis 6.0.0 -> 7.0.0``."""
    before, after = old.environment, new.environment
    pairs = [(name, before.get(name), after.get(name)) for name in ("django", "python")]
    for kind in ("packages", "services"):
        for name, version in after.get(kind, {}).items():
            pairs.append((name, before.get(kind, {}).get(name), version))
    moved = [f"{name} {was} -> {now}" for name, was, now in pairs if was and now and was != now]
    if old.stale:
        moved.append("the baseline column was stale (patterns changed since it ran)")
    return ", ".join(moved)


def compare(old: Matrix, new: Matrix, *, allow_missing: bool = False) -> Comparison:
    """Compare the baseline matrix ``old`` with the check's matrix ``new``, cell by cell."""
    result = Comparison(allow_missing=allow_missing)
    old_columns = {column.id: column for column in old.columns}
    old_ids = {row.id for row in old.patterns}
    new_ids = [row.id for row in new.patterns]
    result.added = [pattern for pattern in new_ids if pattern not in old_ids]
    result.removed = sorted(old_ids - set(new_ids))
    for column in new.columns:
        if _neither(old_columns.get(column.id), column):
            result.neither[column.id] = str(column.status)
            continue
        reason = _why_not(old_columns.get(column.id), column)
        if reason:
            result.not_compared[column.id] = reason
            continue
        result.columns += 1
        moved = _moved(old_columns[column.id], column)
        if moved:
            result.versions[column.id] = moved
        for pattern in new_ids:
            if pattern not in old_ids:
                continue
            before = outcome(old.cells.get(pattern, {}).get(column.id))
            after = outcome(new.cells[pattern][column.id])
            if before is None or after is None:
                result.without_outcome += 1
                continue
            result.compared += 1
            if before != after:
                result.changes.append(Change(pattern, column.id, before, after))
    return result


def render(result: Comparison, baseline: str = "results/matrix.json") -> str:
    """The report printed by ``nox -s check``."""
    lines = []
    if result.changes:
        lines.append(f"DRIFT: {len(result.changes)} cell(s) changed since {baseline}:")
        width = max(len(change.pattern) for change in result.changes)
        lines += [
            f"  {c.pattern:<{width}}  {c.column}: {c.old} -> {c.new}" for c in result.changes
        ]
    for column, moved in sorted(result.versions.items()):
        lines.append(f"under {column}: {moved}")
    word = "not compared (allowed)" if result.allow_missing else "NOT COMPARED"
    for column, reason in sorted(result.not_compared.items()):
        lines.append(f"{word}: {column}: {reason}")
    if result.added:
        lines.append(f"new patterns, no outcome in {baseline} yet ({len(result.added)}):")
        lines += [f"  {pattern}" for pattern in result.added]
    if result.removed:
        lines.append(f"patterns gone since {baseline} ({len(result.removed)}):")
        lines += [f"  {pattern}" for pattern in result.removed]
    if result.without_outcome:
        lines.append(f"{result.without_outcome} cell(s) without an outcome on one side skipped")
    if result.neither:
        statuses = Counter(result.neither.values())
        counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        lines.append(
            f"{len(result.neither)} column(s) with no outcomes in {baseline} or the check "
            f"({counts}): nothing to compare"
        )
    verdict = {0: "no drift", 1: "FAILED", 2: "NOTHING COMPARED"}[result.exit_code]
    if result.exit_code == 1 and not result.changes:
        missing = len(result.not_compared)
        verdict = f"FAILED: {missing} column(s) could not be compared (--allow-missing accepts it)"
    lines.append(
        f"check: {verdict}: {result.compared} cell(s) compared in {result.columns} column(s), "
        f"{len(result.changes)} changed"
    )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--results", type=Path, required=True, help="the check's results dir")
    parser.add_argument("--baseline", type=Path, help="default: results/matrix.json")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="columns that could not be compared do not fail the check",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from session_matrix.matrix.report import Refused, build, load_raws

    args = _parser().parse_args(argv)
    baseline = args.baseline or paths.results_dir() / "matrix.json"
    try:
        old = read_matrix(baseline)
        raws, _ = load_raws(args.results)
        new = build(raws)
    except schemas.InvalidInput as exc:
        print(f"check: unusable input: {exc}; regenerate it with `nox`", file=sys.stderr)
        return 2
    except Refused as exc:
        for problem in exc.problems:
            print(f"check: {problem}", file=sys.stderr)
        return 2
    paths.write_atomic(args.results / "matrix.json", new.to_json())
    result = compare(old, new, allow_missing=args.allow_missing)
    print(render(result, str(baseline)))
    return result.exit_code


def __dir__() -> list[str]:
    return __all__
