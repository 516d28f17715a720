"""The profile on the page: ``section(profile, matrix)`` is the page's profile section.

The template is ``templates/profile.html.j2``, rendered in the page's own Jinja2 environment
(``core.jinja.environment``: autoescape, so every text from the records or the run is shown
as text), with the charts as inline SVG (``bars``: their geometry; the page's
Content-Security-Policy allows no images but data: URIs) and the guarantees as
``guarantee_cells``. This module only precomputes what the template lays out.
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
)
from session_matrix.profile.model.figures import CostFigure, LoadFigure, Throughput
from session_matrix.profile.model.published import Configuration, Profile
from session_matrix.profile.model.shape import as_json
from session_matrix.profile.views.advice import picks
from session_matrix.profile.views.guarantee_cells import GUARANTEES, guarantee_cell
from session_matrix.profile.views.pick import NONE_MEETS, Pick

__all__ = ["bars", "context", "section"]

Measured = dict[str, Configuration]
Context = dict[str, Any]  # what the template lays out


def _pick(pick: Pick) -> Context:
    return {
        "need": pick.need,
        "choose": pick.choose,
        "detail": pick.detail,
        "avoid": pick.avoid,
        "evidence": [{"label": e.label, "href": f"#{e.target}"} for e in pick.evidence],
    }


def _shown(figure: CostFigure | LoadFigure | None) -> Context | None:
    """A figure as the template reads it (it asks ``f.get("wrong")``)."""
    return None if figure is None else as_json(figure)


def _cost_row(name: str, entry: Configuration, sizes: list[str]) -> Context:
    request = entry.request

    def at(kind: str, size: str) -> Context | None:
        figure = request.get(kind)
        return _shown(figure.by_size.get(size)) if figure else None

    return {
        "name": name,
        "label": entry.label,
        "kinds": [_shown(request.get(kind)) for kind in FIGURES],
        "sizes": {kind: [at(kind, size) for size in sizes] for kind in HEADLINE},
    }


def _throughput_row(name: str, entry: Configuration, workers: list[str]) -> Context:
    found = entry.throughput or Throughput(status=ProfileStatus.NOT_RUN)
    return {
        "name": name,
        "status": found.status,
        "reason": found.reason,
        "cells": [
            _shown(found.mixes.get(mix, {}).get(count)) for mix in MIX_LABELS for count in workers
        ],
    }


def bars(
    names: list[str], series: dict[str, dict[str, float]], unit: str, higher_is_better: bool
) -> dict[str, Any]:
    """An SVG chart's geometry: one group of bars per configuration."""
    label_width, bar_area, bar_height, gap = 150, 420, 11, 8
    keys = list(series)
    top = max((v for values in series.values() for v in values.values()), default=0) or 1
    rows = []
    y = 22
    for name in names:
        drawn = []
        for index, key in enumerate(keys):
            value = series[key].get(name)
            if value is None:
                continue
            width = max(1.0, value / top * bar_area)
            drawn.append(
                {
                    "x": label_width,
                    "y": y + index * (bar_height + 2),
                    "width": round(width, 1),
                    "height": bar_height,
                    "value": f"{value:,.0f} {unit}",
                    "text_x": round(label_width + width + 4, 1),
                    "key": key,
                    "index": index,
                }
            )
        group = len(keys) * (bar_height + 2)
        rows.append({"name": name, "y": y + group / 2 + 4, "bars": drawn})
        y += group + gap
    return {
        "width": label_width + bar_area + 90,
        "height": y + 4,
        "rows": rows,
        "series": keys,
        "better": "longer is better" if higher_is_better else "shorter is better",
    }


def _charts(ok: Measured, most: str) -> tuple[Context, Context]:
    """(median time per request, requests per second with ``most`` workers)."""
    names = list(ok)
    cost = {
        kind: {n: ok[n].request[kind].median_us for n in names if kind in ok[n].request}
        for kind in HEADLINE
    }
    rps: dict[str, dict[str, float]] = {}
    for mix, label in MIX_LABELS.items():
        rps[label] = {}
        for n in names:
            throughput = ok[n].throughput
            figure = throughput.mixes.get(mix, {}).get(most) if throughput else None
            if figure is not None:
                rps[label][n] = figure.rps
    return bars(names, cost, "µs", higher_is_better=False), bars(
        names, rps, "req/s", higher_is_better=True
    )


def context(profile: Profile, matrix: Matrix | None = None) -> Context:
    ok = profile.measured()
    names = list(ok)
    method = profile.method
    sizes = [str(size) for size in method.sizes]
    workers = [str(w) for w in method.throughput.workers]
    guarantees = [
        {
            "id": key,
            "title": title,
            "cells": [guarantee_cell(key, ok[n].guarantees.get(key)) for n in names],
        }
        for key, title in GUARANTEES.items()
    ]
    smallest = sizes[0] if sizes else "100"
    most = workers[-1] if workers else "2"
    cost_chart, rps_chart = _charts(ok, most)
    return {
        "profile": profile,
        "machine": profile.machine,
        "method": method,
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
        "labels": [ok[n].label for n in names],
        "not_run": [(n, c.reason) for n, c in profile.configurations.items() if n not in ok],
        "cost_chart": cost_chart,
        "rps_chart": rps_chart if any(row["bars"] for row in rps_chart["rows"]) else None,
        "rps_workers": most,
        "versions": profile.versions,
    }


def section(profile: Profile, matrix: Matrix | None = None) -> Markup:
    """The page's profile section (``<section id="profile">``)."""
    html = environment().get_template("profile.html.j2").render(context(profile, matrix))
    return Markup(html)  # rendered by Jinja2 with autoescape on


def __dir__() -> list[str]:
    return __all__
