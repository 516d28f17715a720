"""The needs grid: one row per need (production first), one column per configuration, each
cell "meets", "does not meet", "does not apply" or "not measured: why".

Everything comes from ``profile.json`` (the measured guarantees) and the matrix (the idioms
behind a need): nothing here names an engine. A guarantee the profile measures is a need row
when it is one: the judgments of ``profile.advice`` are reused where they exist, and a
guarantee they do not know yet reads ``value`` as met (true), not met (false) or not measured
(null), so a guarantee added to the profile appears without a change here. The page draws
the grid from ``grid(...)`` (``needs.html.j2``); the README takes ``readme_grid(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from session_matrix.core import markdown_escape as md
from session_matrix.core.model import Matrix, PatternRow
from session_matrix.core.vocabulary import RAN_CELLS, CellStatus, NeedStatus
from session_matrix.profile import LARGE_SESSION, human_bytes

__all__ = ["NEEDS", "Need", "grid", "pages_site", "readme_grid"]


@dataclass(frozen=True)
class Need:
    """A need: what the reader wants, and the measurement or idioms that answer it."""

    id: str
    title: str
    guarantee: str = ""  # a key under a configuration's ``guarantees`` in profile.json
    patterns: tuple[str, ...] = ()  # test functions of the matrix, all of which must work
    group: str = "production"


# Production first, then the cache's behaviour, then what a test suite relies on. A
# guarantee of the profile that is not listed here is added after the first group.
NEEDS = (
    Need("processes", "More than one app-server process", guarantee="across_processes"),
    Need("revocable", "Logging out ends the session (revocable)", "replay_after_logout"),
    Need(
        "logout-everywhere",
        "Log a user out everywhere (delete their sessions)",
        patterns=("test_delete_session_rows_logs_user_out",),
    ),
    Need(
        "async",
        "Async views read and write the session",
        patterns=("test_async_view_aget", "test_async_view_aset"),
    ),
    Need(
        "large",
        f"Sessions over 4 KB ({human_bytes(LARGE_SESSION)} tried)",
        "largest_browser_keeps",
    ),
    Need(
        "cache-restart", "Survives a cache-server restart", "survives_cache_restart", group="cache"
    ),
    Need("cache-flush", "Survives a cache flush", "survives_cache_flush", group="cache"),
    Need(
        "eviction",
        "No silent eviction when the cache is full",
        "eviction_when_full",
        group="cache",
    ),
    Need("lost-writes", "No lost writes under concurrent requests", "lost_updates", group="cache"),
    Need("expired", "Expired sessions cleaned up", "clearsessions", group="cache"),
    Need(
        "values",
        "datetime, Decimal and UUID values",
        patterns=("test_datetime_round_trip", "test_decimal_round_trip", "test_uuid_round_trip"),
        group="tests",
    ),
    Need(
        "test-idioms",
        "Test idiom: edit client.session, save, then request",
        patterns=("test_naive_save",),
        group="tests",
    ),
)

# A null value whose reason says one of these was not measured; any other reason says the
# need does not apply (``no cache server: the configuration needs none``).
NOT_MEASURED_WORDS = ("not run", "not measured", "error", "failed", "broke", "timed out")

# Guarantees that are figures rather than needs (the profile section shows them).
FIGURES_ONLY = frozenset({"largest_round_trip", "storage_per_10000", "survives_app_restart"})


@dataclass
class Cell:
    status: NeedStatus
    text: str  # the figure, short
    why: str = ""  # the details: what was measured, or why it was not


@dataclass
class Row:
    need: Need
    cells: dict[str, Cell]
    conditions: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (label, fragment)


def _judges() -> dict[str, Any]:
    """The advice's own judgment of each guarantee it knows (``good(found)``)."""
    from session_matrix.profile import judges

    return judges()


def _generic(found: dict[str, Any]) -> bool | None:
    value = found.get("value")
    return value if isinstance(value, bool) else None


def _figure(key: str, found: dict[str, Any]) -> str:
    """The measured figure in words, as the profile's guarantees table writes it."""
    from session_matrix.profile import GUARANTEE_TITLES as GUARANTEES
    from session_matrix.profile import guarantee_cell

    if key in GUARANTEES:
        return guarantee_cell(key, found)["text"]
    if "reads" in found:
        wrong = int(found.get("absent") or 0) + int(found.get("stale") or 0)
        return f"{wrong} of {found['reads']} reads wrong"
    return str(found.get("value"))


def _condition(found: dict[str, Any]) -> str:
    """How the figure was measured, in words (a bare number is a figure, not a condition)."""
    how = found.get("how") or found.get("limit") or ""
    return how if isinstance(how, str) else ""


def _guarantee_row(need: Need, names: list[str], profile: dict[str, Any]) -> Row:
    judges = _judges()
    judge = judges.get(need.guarantee, _generic)
    configurations = profile.get("configurations", {})
    cells, conditions = {}, []
    for name in names:
        entry = configurations.get(name)
        if entry is None:
            cells[name] = Cell(NeedStatus.NOT_MEASURED, "", "not in this profile")
            continue
        if entry.get("status") != "ok":
            why = str(entry.get("reason") or entry.get("status") or "not run")
            cells[name] = Cell(NeedStatus.NOT_MEASURED, "", why)
            continue
        found = entry.get("guarantees", {}).get(need.guarantee)
        if not isinstance(found, dict):
            # A guarantee measured through the app servers is missing when they did not
            # start: the throughput's status says why.
            served = entry.get("throughput", {})
            why = (
                str(served.get("reason") or served.get("status"))
                if served.get("status") not in (None, "ok")
                else "this guarantee was not measured"
            )
            cells[name] = Cell(NeedStatus.NOT_MEASURED, "", why)
            continue
        if "error" in found:
            cells[name] = Cell(
                NeedStatus.NOT_MEASURED, "", f"the measurement broke: {found['error']}"
            )
            continue
        condition = _condition(found)
        if condition and condition not in conditions:
            conditions.append(condition)
        figure = _figure(need.guarantee, found)
        if found.get("value") is None:
            reason = str(found.get("reason") or "")
            if reason and not any(word in reason for word in NOT_MEASURED_WORDS):
                # The configuration has nothing the guarantee is about (no cache server to
                # restart): the need does not apply to it, and the reason says why.
                cells[name] = Cell(NeedStatus.DOES_NOT_APPLY, reason, reason)
            else:
                cells[name] = Cell(NeedStatus.NOT_MEASURED, "", reason or "no value recorded")
            continue
        verdict = judge(found)
        if verdict is None:
            cells[name] = Cell(NeedStatus.NOT_MEASURED, "", "no verdict from this value")
        else:
            status = NeedStatus.MEETS if verdict else NeedStatus.FAILS
            cells[name] = Cell(status, figure, condition)
    return Row(need, cells, conditions, [("measured", f"g-{need.guarantee}")])


def _rows(matrix: Matrix, names: tuple[str, ...]) -> list[PatternRow]:
    return [row for name in names for row in matrix.patterns if row.id.split("::")[-1] == name]


def _pattern_cell(matrix: Matrix, found: list[PatternRow], name: str, series: str) -> Cell:
    """The idioms on the profile's Django version, else the newest that ran them."""
    columns = [c for c in matrix.columns if c.configuration == name]
    ordered = sorted(
        columns,
        key=lambda c: (
            c.django == series,
            matrix.django_versions.index(c.django) if c.django in matrix.django_versions else -1,
        ),
    )
    for column in reversed(ordered):
        statuses = [matrix.cells[row.id][column.id].status for row in found]
        if all(status in RAN_CELLS for status in statuses):
            failing = [
                row for row, s in zip(found, statuses, strict=True) if s != CellStatus.PASSED
            ]
            total = len(found)
            if failing:
                text = f"{len(failing)} of {total} fail" if total > 1 else "fails"
                status = NeedStatus.FAILS
            else:
                text = f"{total} of {total} work" if total > 1 else "works"
                status = NeedStatus.MEETS
            return Cell(status, f"{text} on Django {column.django}", "")
        unavailable = [s for s in statuses if s == CellStatus.UNAVAILABLE]
        if unavailable and column.django == series:
            return Cell(NeedStatus.FAILS, f"not available on Django {column.django}", "")
    reasons = {c.reason for c in columns if c.reason}
    return Cell(
        NeedStatus.NOT_MEASURED, "", "; ".join(sorted(reasons)) or "no column ran these idioms"
    )


def _pattern_row(need: Need, names: list[str], matrix: Matrix, series: str) -> Row | None:
    found = _rows(matrix, need.patterns)
    if not found:
        return None
    cells = {name: _pattern_cell(matrix, found, name, series) for name in names}
    evidence = [(row.idiom or row.id, row.anchor) for row in found]
    return Row(need, cells, [], evidence)


def _needs(profile: dict[str, Any]) -> list[Need]:
    """The listed needs, and any guarantee the profile measured that is not listed."""
    listed = {need.guarantee for need in NEEDS if need.guarantee}
    measured = {
        key
        for entry in profile.get("configurations", {}).values()
        for key in entry.get("guarantees", {})
    }
    extra = [
        Need(key, key.replace("_", " ").capitalize(), key)
        for key in sorted(measured - listed - FIGURES_ONLY)
    ]
    production = [need for need in NEEDS if need.group == "production"]
    rest = [need for need in NEEDS if need.group != "production"]
    return [*production, *extra, *rest]


def _cost(entry: dict[str, Any] | None) -> float | None:
    """What "cheapest" compares: the sum of the headline medians (µs per read, write and
    login request) of the profile's in-process cost."""
    from session_matrix.profile import HEADLINE

    if entry is None or entry.get("status") != "ok":
        return None
    request = entry.get("request", {})
    figures = [request.get(kind, {}).get("median_us") for kind in HEADLINE]
    return None if any(f is None for f in figures) else round(sum(figures), 1)


def grid(profile: dict[str, Any], matrix: Matrix) -> dict[str, Any]:
    """The grid as the page lays it out: columns (defaults first), rows of cells."""
    from session_matrix.profile import HEADLINE

    ordered = sorted(matrix.configurations, key=lambda c: not c.default)
    names = [c.name for c in ordered]
    series = str(profile.get("django_series", ""))
    rows: list[Row] = []
    for need in _needs(profile):
        if need.guarantee:
            measured = any(
                need.guarantee in entry.get("guarantees", {})
                for entry in profile.get("configurations", {}).values()
            )
            if measured:
                rows.append(_guarantee_row(need, names, profile))
        elif (row := _pattern_row(need, names, matrix, series)) is not None:
            rows.append(row)
    configurations = profile.get("configurations", {})
    return {
        "django": profile.get("django", ""),
        "series": series,
        "columns": [
            {
                "name": c.name,
                "default": c.default,
                "label": c.label,
                "cost": _cost(configurations.get(c.name)),
            }
            for c in ordered
        ],
        "rows": [
            {
                "id": row.need.id,
                "title": row.need.title,
                "group": row.need.group,
                "conditions": row.conditions,
                "evidence": [
                    {
                        "label": label,
                        "href": f"#{target}",
                        "short": "measurement" if target.startswith("g-") else f"idiom {i}",
                    }
                    for i, (label, target) in enumerate(row.evidence, 1)
                ],
                "cells": [
                    {
                        "config": name,
                        "status": row.cells[name].status.value,
                        "symbol": row.cells[name].status.term.symbol,
                        "glyph": row.cells[name].status.term.glyph,
                        "word": row.cells[name].status.term.word,
                        "tone": row.cells[name].status.term.tone,
                        "text": row.cells[name].text,
                        "why": row.cells[name].why,
                    }
                    for name in names
                ],
            }
            for row in rows
        ],
        "legend": [status.term for status in NeedStatus],
        "cost": " + ".join(HEADLINE),
    }


def pages_site() -> str:
    """The GitHub Pages address of this repository: ``GITHUB_REPOSITORY`` (set in the
    workflow), else the git remote ``origin``; "" when neither names a GitHub repository."""
    import os
    import re
    import subprocess

    from session_matrix.core.paths import ROOT

    named = os.environ.get("GITHUB_REPOSITORY", "")
    if not named:
        try:
            remote = subprocess.run(
                ["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
        except OSError:
            remote = ""
        found = re.search(r"github\.com[:/]([^/]+/[^/]+?)(?:\.git)?$", remote)
        named = found.group(1) if found else ""
    if "/" not in named:
        return ""
    owner, name = named.split("/", 1)
    return f"https://{owner.lower()}.github.io/{name}/"


# Where the README sends a measured need when no Pages address is known.
PROFILE_DOC = "docs/reference.md#what-each-engine-costs-and-guarantees"


def readme_grid(profile: dict[str, Any], matrix: Matrix, site: str = "") -> str:
    """The grid for the default configurations as a Markdown table: a symbol per cell, the
    need linking to its evidence (matrix.md's rows, or the page's measurement on ``site``)."""
    data = grid(profile, matrix)
    columns = [c for c in data["columns"] if c["default"]]
    names = {c["name"] for c in columns}
    lines = [
        "| need | " + " | ".join(md.code(c["name"]) for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for row in data["rows"]:
        evidence = row["evidence"][0]["href"] if row["evidence"] else ""
        if evidence.startswith("#g-"):
            target = f"{site}{evidence}" if site else PROFILE_DOC
        else:
            target = f"results/matrix.md{evidence}"
        title = md.link(md.text(row["title"]), target) if target else md.text(row["title"])
        cells = [c["symbol"] for c in row["cells"] if c["config"] in names]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    legend = ", ".join(f"{term.symbol} {term.word}" for term in data["legend"])
    lines += [
        "",
        f"{legend}. Measured by `nox -s profile` on Django {md.text(data['django'])}; the idioms "
        f"from the matrix on the same version. Variants, figures and the conditions of each "
        "measurement are on the page.",
    ]
    return "\n".join(lines) + "\n"


def __dir__() -> list[str]:
    return __all__
