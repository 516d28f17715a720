"""The terminal's account of ``suite.json``: each engine-dependent test with its outcomes and
its likely reason, then how many fail, pass or skip everywhere, and the runs that did not run
or broke."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from session_matrix.core.vocabulary import CellStatus
from session_matrix.suite.runs import NOT_RUN, RAN

__all__ = ["summary"]


def _wrap(label: str, text: str, indent: str = "      ") -> str:
    return textwrap.fill(
        text, width=100, initial_indent=f"{indent}{label}", subsequent_indent=indent + "  "
    )


def _shown(nodes: list[str], limit: int = 10) -> list[str]:
    lines = [f"  {node}" for node in nodes[:limit]]
    if len(nodes) > limit:
        lines.append(f"  … and {len(nodes) - limit} more (see the report)")
    return lines


def _dependent(report: dict[str, Any], node: str, ran: list[str], directory: Path) -> list[str]:
    """One engine-dependent test: where it did what, and the idiom that explains it."""
    outcomes = report["tests"][node]
    failures = report["failures"].get(node, {})
    by_outcome: dict[str, list[str]] = {}
    for name in ran:
        by_outcome.setdefault(outcomes.get(name, CellStatus.ABSENT.value), []).append(name)
    lines = [f"  {node}"]
    for outcome, names in sorted(by_outcome.items()):
        detail = ""
        if CellStatus(outcome).failed:
            messages = sorted({failures[name] for name in names if name in failures})
            detail = f" ({'; '.join(messages)})" if messages else ""
        lines.append(_wrap("", f"{outcome} on {', '.join(names)}{detail}", "    "))
    explanation = report["explanations"].get(node)
    if not explanation:
        log = next((report["runs"][n]["log"] for n in failures if n in report["runs"]), "")
        where = f": read its failure in {directory / log}" if log else ""
        lines.append(f"      no catalogued idiom matches{where}")
        detail = report.get("unexplained", {}).get(node, {})
        if detail.get("where"):
            lines.append(f"      at {detail['where']}")
        for text in detail.get("traceback", []):
            lines.append(f"      | {text}")
        return lines
    lines.append(_wrap("likely: ", explanation["idiom"] or explanation["pattern"]))
    if explanation.get("line"):
        lines.append(_wrap("matched: ", f"{explanation['line']}: {explanation.get('code', '')}"))
    if explanation.get("confidence"):
        lines.append(_wrap("confidence: ", explanation["confidence"]))
    if explanation["why"]:
        lines.append(_wrap("why: ", explanation["why"]))
    if explanation["fix"]:
        lines.append(_wrap("fix: ", explanation["fix"]))
    if explanation.get("because"):  # what the match rests on: a likely reason, not a proof
        lines.append(_wrap("because it ", explanation["because"]))
    url = explanation["url"]
    if not url.startswith(("http://", "https://")):
        url = str(directory / url)
    return [*lines, f"      see: {url}"]


def summary(report: dict[str, Any], directory: Path) -> str:
    """The terminal's account of the report."""
    ran = [name for name, run in report["runs"].items() if run["status"] == RAN]
    dependent = report["engine_dependent"]
    lines = [""]
    if len(ran) == 1:
        # One configuration is no comparison: its failures may be its engine's doing.
        lines.append(
            f"Depends on the engine: cannot tell: only {ran[0]} ran, nothing to compare it with"
        )
        everywhere_is = f"on {ran[0]}, the only configuration that ran"
        not_ours = ""
    else:
        lines.append(
            f"Depends on the engine: {len(dependent)} of {len(report['tests'])} tests "
            f"(compared across {', '.join(ran) or 'no configuration'})"
        )
        everywhere_is, not_ours = "on every configuration", " (not the engine's doing)"
    for node in dependent:
        lines += _dependent(report, node, ran, directory)
    order_dependent = report.get("order_dependent", {})
    if order_dependent:
        lines.append(
            f"Fails only after other tests (order-dependent, not the engine): "
            f"{len(order_dependent)}"
        )
        for node, seen in sorted(order_dependent.items()):
            after = f", after {seen['after']} failed" if seen["after"] else ""
            lines.append(f"  {node}")
            lines.append(
                _wrap(
                    "",
                    f"failed on {seen['configuration']} in the full run{after}; "
                    "passes there alone",
                    "      ",
                )
            )
    everywhere = report["fails_everywhere"]
    lines.append(f"Fails {everywhere_is}{not_ours}: {len(everywhere)}")
    lines += _shown(everywhere)
    lines.append(f"Passes {everywhere_is}: {len(report['passes_everywhere'])}")
    if report["skipped_everywhere"]:
        lines.append(f"Skipped {everywhere_is}: {len(report['skipped_everywhere'])}")
    for name, run in report["runs"].items():
        if run["status"] == NOT_RUN:
            lines.append(f"{name}: {run['reason']}")
    # A broken run's error is said once, after the report, with every run it broke.
    return "\n".join(lines)


def __dir__() -> list[str]:
    return __all__
