"""Cascades told apart: each test whose outcome differs between the configurations is run
again, alone, on one configuration where it failed. One that passes alone failed only after
other tests (it depends on their order, not on the engine); the report names the test that
failed before it in the same run, when there is one (a test that died before disconnecting
a signal receiver, say)."""

from __future__ import annotations

from dataclasses import replace

from session_matrix.core.vocabulary import CellStatus
from session_matrix.suite.runner import Runner
from session_matrix.suite.runs import RAN, BadInput, Plan, Run, outcome_word
from session_matrix.suite.terminal import StatusLine

__all__ = ["LIMIT", "flagged", "run_alone"]

# Each re-run is a pytest start with a fresh test database: past this many, the rest are
# left as they are and the terminal says so.
LIMIT = 20


def _failed(run: Run, node: str) -> bool:
    assert run.recording is not None
    row = run.recording.tests.get(node)
    return row is not None and CellStatus(outcome_word(row.outcome)).failed


def flagged(runs: list[Run]) -> dict[str, tuple[Run, str]]:
    """Each test that failed on one configuration and passed on another -> the first run
    where it failed, and the last test that failed before it in that run ("" if none)."""
    ran = [run for run in runs if run.status == RAN and run.recording is not None]
    found: dict[str, tuple[Run, str]] = {}
    for run in ran:
        assert run.recording is not None
        earlier = ""
        for node in run.recording.tests:
            if _failed(run, node):
                passes = any(
                    other.recording is not None
                    and node in other.recording.tests
                    and outcome_word(other.recording.tests[node].outcome) == CellStatus.PASSED
                    for other in ran
                )
                if passes and node not in found:
                    found[node] = (run, earlier)
                earlier = node
    return found


def run_alone(plan: Plan, runs: list[Run], status: StatusLine) -> dict[str, dict[str, str]]:
    """Each flagged test that passes when run alone -> where it failed, and after what."""
    order_dependent: dict[str, dict[str, str]] = {}
    candidates = list(flagged(runs).items())
    if len(candidates) > LIMIT:
        status.line(
            f"alone: {len(candidates)} tests depend on the configuration; re-running the "
            f"first {LIMIT} alone to tell order-dependent ones apart"
        )
    for node, (failed_in, earlier) in candidates[:LIMIT]:
        alone_plan = replace(plan, pytest_args=[node], order=[])
        again = Run(failed_in.record)
        try:
            Runner(alone_plan).run(again)
        except BadInput:
            continue  # the node id cannot be selected on its own: no word either way
        if again.status != RAN or again.recording is None:
            continue
        row = again.recording.tests.get(node)
        if row is not None and outcome_word(row.outcome) == CellStatus.PASSED:
            order_dependent[node] = {"configuration": failed_in.record.name, "after": earlier}
            status.line(f"{node}: passes alone on {failed_in.record.name} (order-dependent)")
    return order_dependent


def __dir__() -> list[str]:
    return __all__
