"""The patterns under pytest: their arguments, one run read back, repeated runs combined
into one row per pattern, and whether a run is broken rather than a result.

The column (``matrix.column``) runs the patterns through these inside ``runner.run``; the
``suite`` command reads its own runs with ``broken`` and the exit codes.
"""

from __future__ import annotations

from session_matrix.core import paths, runner, selection
from session_matrix.core.errors import BadInput
from session_matrix.core.model import Row
from session_matrix.core.recorder import Recording
from session_matrix.core.vocabulary import Outcome

__all__ = [
    "NOTHING_COLLECTED",
    "PYTEST_ARGS",
    "USAGE_ERROR",
    "broken",
    "combine_runs",
    "pytest_arguments",
    "run_once",
]

# The patterns' own options (the recorder is loaded by ``runner.pytest``).
PYTEST_ARGS: tuple[str, ...] = ("-q", "--tb=no", "--no-header", "-p", "no:cacheprovider")
USAGE_ERROR, NOTHING_COLLECTED = 4, 5


def pytest_arguments(args: list[str], seed: int | None) -> list[str]:
    """pytest's arguments for ``args``: ``matrix_tests`` unless a path in ``args`` narrows
    it, in the seeded order."""
    order = [f"--randomly-seed={seed}"] if seed is not None and "no:randomly" not in args else []
    target = [] if selection.paths_in(args, paths.ROOT) else [paths.PATTERNS_DIR]
    return [*target, *PYTEST_ARGS, *order, *args]


def run_once(args: list[str], env: dict[str, str], seed: int | None) -> Recording:
    """One pytest run of the patterns with the recorder, read back; ``BadInput`` when pytest
    rejects the arguments or a selection matches nothing."""
    code, read = runner.pytest(pytest_arguments(args, seed), env, cwd=paths.ROOT)
    if code == USAGE_ERROR:
        msg = f"pytest rejected the arguments {args} (see above)"
        raise BadInput(msg)
    if read is None:
        return Recording(exit_code=code)
    recording = read
    narrowed = selection.narrowing(args, paths.ROOT)
    if (
        code == NOTHING_COLLECTED
        and (narrowed or recording.partial)
        and not recording.collection_errors
    ):
        msg = f"the selection {' '.join(args)} matches no pattern"
        raise BadInput(msg)
    return recording


def combine_runs(runs: list[dict[str, Row]]) -> dict[str, Row]:
    """Rows of repeated runs -> one row per pattern; ``runs`` lists every outcome.

    The first run's row is kept, unless a later run failed where it passed: then that
    failure's exception and message are kept, since they explain the flakiness.
    """
    combined: dict[str, Row] = {}
    for rows in runs:
        for node_id, row in rows.items():
            entry = combined.get(node_id)
            if entry is None:
                combined[node_id] = Row(**{**row.__dict__, "runs": [row.outcome]})
                continue
            entry.runs.append(row.outcome)
            if entry.outcome == Outcome.PASSED and row.outcome != Outcome.PASSED:
                outcome = entry.outcome
                entry.__dict__.update({k: v for k, v in row.__dict__.items() if k != "runs"})
                entry.outcome = outcome
    if len(runs) <= 1:
        for entry in combined.values():
            entry.runs = []
    return combined


def broken(runs: tuple[Recording, ...], wanted: str, args: list[str]) -> str:
    """Why the run itself is broken, or "" when its rows are results."""
    lost = {node: error for run in runs for node, error in run.lost.items()}
    if lost:
        node, error = sorted(lost.items())[0]
        more = f" (and {len(lost) - 1} more)" if len(lost) > 1 else ""
        return f"a service went away during the run: {error}, in {node}{more}"
    errors = sorted({error for run in runs for error in run.collection_errors})
    if errors:
        return "collection failed: " + "; ".join(errors)
    first = runs[0]
    if first.django and first.django != wanted and not first.django.startswith(f"{wanted}."):
        return f"this environment has Django {first.django}, the column is for Django {wanted}"
    if first.exit_code == 3:
        return "pytest internal error (exit code 3): see the output above"
    if not first.tests:
        what = f"pytest args: {' '.join(args)}" if args else "no pytest args"
        return (
            f"pytest failed before recording any pattern (exit code {first.exit_code}, "
            f"{what}): see the output above"
        )
    return ""


def __dir__() -> list[str]:
    return __all__
