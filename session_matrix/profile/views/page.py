"""The profile on the page: ``section(profile, matrix)`` is the page's profile section.

The template is ``templates/profile.html.j2``, rendered in the page's own Jinja2 environment
(``core.jinja.environment``: autoescape, so every text from the records or the run is shown
as text), with the charts as inline SVG (``charts``) and the guarantees as ``guarantee_cells``.
This module only precomputes what the template lays out.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from session_matrix.core.jinja import environment
from session_matrix.core.model import Matrix
from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.measures import (
    FIGURES,
    HEADLINE,
    MIX_LABELS,
    human_bytes,
    measured,
)
from session_matrix.profile.views.advice import picks
from session_matrix.profile.views.charts import bars
from session_matrix.profile.views.guarantee_cells import GUARANTEES, guarantee_cell
from session_matrix.profile.views.pick import NONE_MEETS, Pick

__all__ = ["context", "section"]

Measured = dict[str, dict[str, Any]]


def _pick(pick: Pick) -> dict[str, Any]:
    return {
        "need": pick.need,
        "choose": pick.choose,
        "detail": pick.detail,
        "avoid": pick.avoid,
        "evidence": [{"label": e.label, "href": f"#{e.target}"} for e in pick.evidence],
    }


def _cost_row(name: str, entry: dict[str, Any], sizes: list[str]) -> dict[str, Any]:
    request = entry.get("request", {})
    return {
        "name": name,
        "label": entry.get("label", ""),
        "kinds": [request.get(kind) for kind in FIGURES],
        "sizes": {
            kind: [request.get(kind, {}).get("by_size", {}).get(size) for size in sizes]
            for kind in HEADLINE
        },
    }


def _throughput_row(name: str, entry: dict[str, Any], workers: list[str]) -> dict[str, Any]:
    found = entry.get("throughput", {})
    return {
        "name": name,
        "status": found.get("status", ProfileStatus.NOT_RUN),
        "reason": found.get("reason", ""),
        "cells": [found.get(mix, {}).get(count) for mix in MIX_LABELS for count in workers],
    }


def _charts(ok: Measured, most: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(median time per request, requests per second with ``most`` workers)."""
    names = list(ok)
    cost = {
        kind: {
            n: ok[n]["request"][kind]["median_us"]
            for n in names
            if kind in ok[n].get("request", {})
        }
        for kind in HEADLINE
    }
    rps = {
        MIX_LABELS[mix]: {
            n: ok[n]["throughput"][mix][most]["rps"]
            for n in names
            if most in ok[n].get("throughput", {}).get(mix, {})
        }
        for mix in MIX_LABELS
    }
    return bars(names, cost, "µs", higher_is_better=False), bars(
        names, rps, "req/s", higher_is_better=True
    )


def _method(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile's method, with a placeholder for whatever an older file lacks."""
    method: dict[str, Any] = {
        "database_directory": "",
        "rounds": "?",
        "warmup": "?",
        "noise_bound": 0.5,
    }
    method |= profile.get("method", {})
    throughput_defaults: dict[str, Any] = {
        "server": None,
        "load_generator": None,
        "connections": "?",
        "seconds_per_round": "?",
        "rounds": "?",
        "noise_bound": 0.25,
    }
    method["throughput"] = throughput_defaults | method.get("throughput", {})
    return method


def context(profile: dict[str, Any], matrix: Matrix | None = None) -> dict[str, Any]:
    configurations = profile.get("configurations", {})
    ok = measured(profile)
    names = list(ok)
    sizes = [str(size) for size in profile.get("method", {}).get("sizes", [])]
    workers = [str(w) for w in profile.get("method", {}).get("throughput", {}).get("workers", [])]
    guarantees = [
        {
            "id": key,
            "title": title,
            "cells": [guarantee_cell(key, ok[n].get("guarantees", {}).get(key)) for n in names],
        }
        for key, title in GUARANTEES.items()
    ]
    smallest = sizes[0] if sizes else "100"
    most = workers[-1] if workers else "2"
    cost_chart, rps_chart = _charts(ok, most)
    machine = {"cores": "?", "cpu": "", "memory_gib": "?", "load_at_start": []}
    return {
        "profile": {"django": ""} | profile,
        "machine": machine | profile.get("machine", {}),
        "method": _method(profile),
        "picks": [_pick(p) for p in picks(profile, matrix)],
        "none_meets": NONE_MEETS,
        "kinds": FIGURES,
        "headline": HEADLINE,
        "sizes": [human_bytes(int(s)) for s in sizes],
        "smallest": human_bytes(int(smallest)),
        "cost": [_cost_row(name, entry, sizes) for name, entry in ok.items()],
        "throughput": [_throughput_row(name, entry, workers) for name, entry in ok.items()],
        "workers": workers,
        "mixes": list(MIX_LABELS.values()),
        "guarantees": guarantees,
        "names": names,
        "labels": [ok[n].get("label", "") for n in names],
        "not_run": [(n, e.get("reason", "")) for n, e in configurations.items() if n not in ok],
        "cost_chart": cost_chart,
        "rps_chart": rps_chart if any(row["bars"] for row in rps_chart["rows"]) else None,
        "rps_workers": most,
        "versions": profile.get("versions", {}),
    }


def section(profile: dict[str, Any], matrix: Matrix | None = None) -> Markup:
    """The page's profile section (``<section id="profile">``)."""
    html = environment().get_template("profile.html.j2").render(context(profile, matrix))
    return Markup(html)  # rendered by Jinja2 with autoescape on


def __dir__() -> list[str]:
    return __all__
