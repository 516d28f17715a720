"""What ``session-matrix suite`` found, as ``suite.json`` (checked against
``schemas/suite.schema.json``): every test's outcome on every configuration that ran, the
tests grouped (depends on the engine, fails everywhere, passes everywhere, skipped
everywhere), and the engine-dependent ones explained. A broken run contributes no outcomes:
it says nothing about the tests. Written with ``index.html``, each configuration's pytest
output in ``logs/``, and the matrix page the explanations link to.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session_matrix import __version__
from session_matrix.core import paths, schemas
from session_matrix.core.model import now
from session_matrix.core.vocabulary import CellStatus
from session_matrix.suite.explain import Observed, explain, explain_by_code
from session_matrix.suite.idioms import load_catalogue, matrix_files, matrix_url
from session_matrix.suite.page import html_page
from session_matrix.suite.runs import RAN, Plan, Run, outcome_word
from session_matrix.suite.source import source_of
from session_matrix.suite.traceback import first_lines

__all__ = ["FORMAT", "build", "write"]

FORMAT = 1


def _log(name: str) -> str:
    """Where configuration ``name``'s pytest output is, relative to the report."""
    return f"logs/{name}.txt"


@dataclass
class _Tally:
    tests: dict[str, dict[str, Observed]] = field(default_factory=dict)

    def groups(self, ran: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {
            "engine_dependent": [],
            "fails_everywhere": [],
            "passes_everywhere": [],
            "skipped_everywhere": [],
        }
        for node, seen in sorted(self.tests.items()):
            outcomes = {o.outcome for o in seen.values()}
            if len(outcomes) > 1 or len(seen) < len(ran):
                found["engine_dependent"].append(node)
            elif all(o.failed for o in seen.values()):
                found["fails_everywhere"].append(node)
            elif outcomes == {CellStatus.PASSED}:
                found["passes_everywhere"].append(node)
            else:
                found["skipped_everywhere"].append(node)
        return found


def _run_entry(run: Run) -> dict[str, Any]:
    recording = run.recording if run.status == RAN else None
    tests = recording.tests.values() if recording else []
    return {
        "status": run.status,
        "reason": run.reason,
        "engine": run.record.engine,
        "label": run.record.label,
        "description": run.record.description,
        "seconds": round(run.seconds, 1),
        "counts": dict(Counter(outcome_word(row.outcome) for row in tests)),
        "django": recording.django if recording else "",
        "log": _log(run.record.name) if run.output else "",
    }


def _unexplained(
    node: str, where: list[Any] | None, seen: dict[str, Observed], ran: list[Run]
) -> dict[str, Any]:
    """An engine-dependent test no idiom explains: where it is, and how its failure begins
    in the output of the first configuration where it failed."""
    failing = next(
        (run for run in ran if run.record.name in seen and seen[run.record.name].failed), None
    )
    return {
        "where": f"{where[0]}:{where[1]}" if where else "",
        "configuration": failing.record.name if failing else "",
        "traceback": first_lines(failing.output, node) if failing else [],
    }


def build(
    runs: list[Run], plan: Plan, order_dependent: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """``suite.json``, checked against ``schemas/suite.schema.json``."""
    ran = [run for run in runs if run.status == RAN and run.recording is not None]
    tally = _Tally()
    for run in ran:
        assert run.recording is not None
        for node, row in run.recording.tests.items():
            tally.tests.setdefault(node, {})[run.record.name] = Observed(
                outcome_word(row.outcome), row.exception, row.message
            )
    groups = tally.groups([run.record.name for run in ran])
    order_dependent = {
        node: seen for node, seen in (order_dependent or {}).items() if node in tally.tests
    }
    groups["engine_dependent"] = [
        n for n in groups["engine_dependent"] if n not in order_dependent
    ]
    django = next((run.recording.django for run in ran if run.recording), "")
    locations = {node: where for run in ran for node, where in run.locations.items()}
    engines = {run.record.name: run.record.engine for run in runs}
    found = matrix_files()
    catalogue = load_catalogue(found[0]) if found else None
    explanations: dict[str, Any] = {}
    unexplained: dict[str, Any] = {}
    for node in groups["engine_dependent"]:
        where = locations.get(node)
        if catalogue is None:
            explanations[node] = None
            continue
        located = (str(where[0]), int(where[1])) if where else None
        found_by_code = explain_by_code(
            node, tally.tests[node], engines, located, catalogue, django
        )
        if found_by_code is None:
            source = source_of(*located) if located else None
            found_by_code = explain(node, tally.tests[node], engines, source, catalogue, django)
        explanations[node] = found_by_code
        if found_by_code is None:
            unexplained[node] = _unexplained(node, where, tally.tests[node], ran)
    report: dict[str, Any] = {
        "$schema": "suite.schema.json",
        "format": FORMAT,
        "generated_by": f"session-matrix suite {__version__}",
        "finished": now(),
        "project": {
            "root": str(plan.root),
            "settings": plan.settings,
            "pytest_args": [*plan.order, *plan.pytest_args],
            "django": django,
            "python": platform.python_version(),
        },
        "catalogue": {
            "source": catalogue.source if catalogue else "",
            "django": catalogue.version_for(django) if catalogue else "",
        },
        "configurations": [run.record.name for run in runs],
        "runs": {run.record.name: _run_entry(run) for run in runs},
        "tests": {
            node: {name: seen.outcome for name, seen in by.items()}
            for node, by in sorted(tally.tests.items())
        },
        "failures": {
            node: {
                name: f"{seen.exception}: {seen.message}" if seen.message else seen.exception
                for name, seen in by.items()
                if seen.failed
            }
            for node, by in sorted(tally.tests.items())
            if any(seen.failed for seen in by.values())
        },
        **groups,
        "explanations": explanations,
        "unexplained": unexplained,
        "order_dependent": order_dependent,
    }
    schemas.validate(report, "suite", "suite.json")
    return report


def write(report: dict[str, Any], runs: list[Run], directory: Path) -> list[Path]:
    """``suite.json``, ``index.html``, the pytest output of each run, and the matrix page
    the explanations link to (unless they link to the published one)."""
    written = [directory / "suite.json", directory / "index.html", directory / ".gitignore"]
    paths.write_atomic(written[0], json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    # The report is written inside your project: it keeps itself out of git.
    paths.write_atomic(written[2], "# written by session-matrix suite\n*\n")
    paths.write_atomic(written[1], html_page(report))
    logs = directory / "logs"
    if logs.is_dir():
        for old in logs.glob("*.txt"):
            old.unlink()
    for run in runs:
        if run.output:
            paths.write_atomic(directory / _log(run.record.name), run.output)
    found = matrix_files()
    linked = any(report["explanations"].values())
    if found and linked and not matrix_url() and found[1].is_file():
        shutil.copyfile(found[1], directory / "matrix.html")
        written.append(directory / "matrix.html")
    return written


def __dir__() -> list[str]:
    return __all__
