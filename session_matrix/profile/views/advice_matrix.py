"""Lines from the matrix: whether the idioms a test suite relies on work on each measured
configuration (on the profile's Django version, else the newest it ran on), and which
configurations run the most idioms; the matrix's rows are their evidence."""

from __future__ import annotations

from collections.abc import Collection

from session_matrix.core.model import Matrix, PatternRow, column_id
from session_matrix.core.vocabulary import CellStatus, RunStatus
from session_matrix.profile.views.pick import Evidence, Pick

__all__ = ["evidence", "matrix_pick", "most_idioms", "rows"]


def rows(matrix: Matrix | None, names: tuple[str, ...]) -> list[PatternRow]:
    """The matrix's rows of the patterns (test functions) ``names``, in that order."""
    if matrix is None:
        return []
    wanted = []
    for name in names:
        for row in matrix.patterns:
            if row.id.split("::")[-1].split("[")[0] == name:
                wanted.append(row)
    return wanted


def evidence(found: list[PatternRow]) -> list[Evidence]:
    return [Evidence(row.idiom or row.id, row.anchor) for row in found]


def _status(matrix: Matrix, row: PatternRow, configuration: str, series: str) -> CellStatus | None:
    cells = matrix.cells.get(row.id, {})
    cell = cells.get(column_id(configuration, series))
    if cell is None or not cell.status.ran:
        ran = [
            c
            for c in matrix.columns
            if c.configuration == configuration and c.status == RunStatus.OK
        ]
        cell = cells.get(ran[-1].id) if ran else None
    return cell.status if cell is not None and cell.status.ran else None


def matrix_pick(
    ok: Collection[str],
    matrix: Matrix | None,
    series: str,
    need: str,
    names: tuple[str, ...],
    what: str,
) -> Pick | None:
    """The configurations on which every one of the patterns ``names`` works; those on
    which some fail say how many of ``what``."""
    found = rows(matrix, names)
    if matrix is None or not found:
        return None
    choose, avoid = [], []
    for name in ok:
        statuses = [_status(matrix, row, name, series) for row in found]
        if any(status is None for status in statuses):
            continue
        failing = [
            row for row, status in zip(found, statuses, strict=True) if status and status.failed
        ]
        if failing:
            fails = f"{len(failing)} of {len(found)} fail" if len(found) > 1 else "fails"
            avoid.append((name, f"{what}: {fails}" if len(found) > 1 else f"{what} {fails}"))
        else:
            choose.append(name)
    if not choose and not avoid:
        return None
    works = "the idiom works" if len(found) == 1 else f"every one of {len(found)} idioms works"
    return Pick(need, choose, works, avoid, evidence(found))


def most_idioms(ok: Collection[str], matrix: Matrix | None) -> Pick | None:
    """The measured configurations on which the largest share of idioms works."""
    if matrix is None:
        return None
    counts = {c.configuration: c for c in matrix.summary() if c.configuration in ok and c.ran}
    if not counts:
        return None
    best = max(c.works / c.ran for c in counts.values())
    choose = [n for n, c in counts.items() if c.works / c.ran == best]
    top = counts[choose[0]]
    return Pick(
        "As many test idioms as possible work",
        choose,
        f"{top.works} of {top.ran} idioms work on Django {top.django}",
        [],
        [Evidence("how many work", "summary")],
    )


def __dir__() -> list[str]:
    return __all__
