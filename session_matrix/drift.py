"""``nox -s check``: has any outcome changed since the committed ``results/matrix.json``?

    python -m session_matrix.drift --results DIR [--baseline results/matrix.json]

Builds the matrix from the raw results that a fresh run wrote into ``DIR/raw`` and compares
every cell with the baseline. Only outcomes count: the cell status and, for a failure, its
exception type. Timings, dates, durations and messages never do. A column that the check
could not run (a service or interpreter missing) is reported as *not compared*, never as
drift; so is a cell that either side has no outcome for (new pattern, deselected...).

Exit status: 0 nothing changed; 1 an outcome changed, or a column that has outcomes in the
baseline broke in the check (it cannot vouch for it); 2 nothing could be compared.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session_matrix.merge import FAILED

__all__ = ["Change", "Comparison", "compare", "main", "outcome", "render"]

NO_OUTCOME = frozenset({"not_run", "harness_error", "absent"})


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
    broken: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    without_outcome: int = 0
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.changes or self.broken:
            return 1
        return 0 if self.compared else 2


def outcome(cell: dict[str, Any] | None) -> str | None:
    """A cell's outcome as compared: ``passed``, ``failed (KeyError)``...; ``None`` when the
    cell has none (not run, harness error, no result)."""
    if cell is None or cell["status"] in NO_OUTCOME:
        return None
    if cell["status"] in FAILED and cell.get("exception"):
        return f"{cell['status']} ({cell['exception']})"
    return str(cell["status"])


def _columns(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["id"]: column for column in matrix.get("columns", [])}


def _why_not(old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[str, str]:
    """``("broken" | "skip" | "", reason)`` for one column; ``broken`` only when the baseline
    had outcomes there (a run that broke in both is no change)."""
    baseline_ran = old is not None and old["status"] == "ok"
    if new["status"] == "error":
        if baseline_ran:
            return "broken", f"the run broke in this check: {new['reason']}"
        return (
            "skip",
            f"the run broke in this check; the baseline has no outcome either: {new['reason']}",
        )
    if new["status"] != "ok":
        reason = (new["reason"] or "no raw result").removeprefix("not run: ")
        return "skip", f"not run in this check: {reason}"
    if old is None:
        return "skip", "not in the baseline (new column)"
    if old["status"] != "ok":
        return "skip", f"the baseline has no outcome ({old['status']}: {old['reason']})"
    return "", ""


def _moved(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What changed under a column: ``Django 6.1.3 -> 6.1.4, django-redis 6.0.0 -> 7.0.0``."""
    before, after = old.get("environment", {}), new.get("environment", {})
    pairs = [(name, before.get(name), after.get(name)) for name in ("django", "python")]
    for kind in ("packages", "services"):
        for name, version in after.get(kind, {}).items():
            pairs.append((name, before.get(kind, {}).get(name), version))
    moved = [f"{name} {was} -> {now}" for name, was, now in pairs if was and now and was != now]
    if old.get("stale"):
        moved.append("the baseline column was stale (patterns changed since it ran)")
    return ", ".join(moved)


def compare(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    """Compare the baseline matrix ``old`` with the check's matrix ``new``, cell by cell."""
    result = Comparison()
    old_columns, old_cells = _columns(old), old.get("cells", {})
    old_ids = {pattern["id"] for pattern in old.get("patterns", [])}
    new_ids = [pattern["id"] for pattern in new["patterns"]]
    result.added = [pattern for pattern in new_ids if pattern not in old_ids]
    result.removed = sorted(old_ids - set(new_ids))
    for column_id, column in _columns(new).items():
        kind, reason = _why_not(old_columns.get(column_id), column)
        if kind == "broken":
            result.broken[column_id] = reason
        elif kind:
            result.not_compared[column_id] = reason
        if kind:
            continue
        result.columns += 1
        moved = _moved(old_columns[column_id], column)
        if moved:
            result.versions[column_id] = moved
        for pattern in new_ids:
            if pattern not in old_ids:
                continue
            before = outcome(old_cells.get(pattern, {}).get(column_id))
            after = outcome(new["cells"][pattern][column_id])
            if before is None or after is None:
                result.without_outcome += 1
                continue
            result.compared += 1
            if before != after:
                result.changes.append(Change(pattern, column_id, before, after))
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
    for column, reason in sorted(result.broken.items()):
        lines.append(f"BROKEN: {column}: {reason}")
    for column, reason in sorted(result.not_compared.items()):
        lines.append(f"not compared: {column}: {reason}")
    if result.added:
        lines.append(f"new patterns, no outcome in {baseline} yet ({len(result.added)}):")
        lines += [f"  {pattern}" for pattern in result.added]
    if result.removed:
        lines.append(f"patterns gone since {baseline} ({len(result.removed)}):")
        lines += [f"  {pattern}" for pattern in result.removed]
    if result.without_outcome:
        lines.append(f"{result.without_outcome} cell(s) without an outcome on one side skipped")
    verdict = {0: "no drift", 1: "FAILED", 2: "NOTHING COMPARED"}[result.exit_code]
    lines.append(
        f"check: {verdict}: {result.compared} cell(s) compared in {result.columns} column(s), "
        f"{len(result.changes)} changed"
    )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m session_matrix.drift", description=__doc__)
    parser.add_argument("--results", type=Path, required=True, help="the check's results dir")
    parser.add_argument("--baseline", type=Path, help="default: <results dir>/matrix.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    # Imported here: the report pulls in Jinja2, which ``compare`` and ``render`` do not need.
    from session_matrix import raw
    from session_matrix.report import build, load_records

    args = _parser().parse_args(argv)
    baseline = args.baseline or raw.results_dir() / "matrix.json"
    try:
        old = json.loads(baseline.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"check: no usable baseline {baseline} ({exc}); run `nox` first", file=sys.stderr)
        return 2
    records, problems = load_records(args.results / "raw")
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    new = build(records)
    raw.write_atomic(args.results / "matrix.json", json.dumps(new, indent=1) + "\n")
    result = compare(old, new)
    print(render(result, str(baseline)))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
