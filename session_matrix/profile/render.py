"""The profile on the page and in the README.

``section(profile, matrix)`` is the page's profile section (``templates/profile.html.j2``,
Jinja2 with autoescape: every text from the records or the run is shown as text), with the
charts as inline SVG (the page's Content-Security-Policy allows no images but data: URIs).
``readme_summary`` is a few Markdown lines, every untrusted text through ``md.text``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from session_matrix.model import Matrix
from session_matrix.paths import PACKAGE
from session_matrix.profile.advice import Pick, human_bytes, picks
from session_matrix.render import md

__all__ = ["GUARANTEES", "context", "readme_summary", "section"]

TEMPLATES = PACKAGE / "render" / "templates"
KINDS = ("anonymous", "read", "write", "login", "logout")
MIXES = {"read_heavy": "read-heavy", "write_heavy": "write-heavy"}
GUARANTEES = {
    "replay_after_logout": "A cookie copied before logout still authenticates",
    "lost_updates": "Two concurrent requests writing different keys: writes lost",
    "survives_app_restart": "A session survives an app-server restart",
    "survives_cache_restart": "A session survives a restart of the cache server",
    "survives_cache_flush": "A session survives a flush of the cache",
    "eviction_when_full": "Live sessions evicted when the cache is full",
    "largest_round_trip": "Largest session that round-trips",
    "largest_browser_keeps": "Largest session a browser keeps (4096-byte cookie)",
    "clearsessions": "Expired sessions left after clearsessions",
    "storage_per_10000": "Server-side storage for 10,000 sessions (100 B each)",
}


def _yes_no(value: Any, good_when: bool, yes: str, no: str) -> tuple[str, str]:
    if value is None:
        return "–", "na"
    text = yes if value else no
    return text, "ok" if bool(value) == good_when else "bad"


def guarantee_cell(name: str, found: dict[str, Any] | None) -> dict[str, str]:
    """A guarantee as the table shows it: text, tone, and a title with the details."""
    if found is None:
        return {"text": "not measured", "tone": "none", "title": ""}
    if "error" in found:
        return {"text": "not measured", "tone": "none", "title": str(found["error"])}
    value = found.get("value")
    title = str(found.get("how") or found.get("reason") or found.get("limit") or "")
    if name == "replay_after_logout":
        text, tone = _yes_no(value, False, "yes: still logged in", "no")
    elif name in ("survives_app_restart", "survives_cache_flush", "survives_cache_restart"):
        if value is None:
            return {"text": "no cache server", "tone": "na", "title": title}
        text, tone = _yes_no(value, True, "yes", "no: lost")
    elif name == "lost_updates":
        text = f"{value} of {found.get('of')}"
        tone = "ok" if value == 0 else "bad"
    elif name == "eviction_when_full":
        silent = ", silently" if found.get("silent") else ""
        text = "none" if value == 0 else f"{value} of {found.get('of')}{silent}"
        tone = "ok" if value == 0 else "bad"
    elif name == "largest_round_trip":
        if found.get("capped"):
            text, tone = f"≥ {human_bytes(int(value or 0))}", "ok"
        else:
            failure = found.get("failure", {})
            text = f"{human_bytes(int(value or 0))}"
            title = f"{human_bytes(failure.get('bytes', 0))}: {failure.get('how', '')}"
            tone = "warn"
    elif name == "largest_browser_keeps":
        text = human_bytes(int(value or 0))
        tone = "ok" if (value or 0) >= 65536 else "warn"
        title = f"session cookie at that size: {found.get('cookie_bytes')} bytes"
    elif name == "clearsessions":
        if value == 0 and found.get("stored_before") == 0:
            text = "none (the store expires them)"
        elif value == 0:
            text = "none"
        else:
            text = f"{value} of {found.get('expired')}"
        tone = "ok" if value == 0 else "bad"
        title = "sessions set to expire with set_expiry(1), then left to expire"
    elif name == "storage_per_10000":
        text = human_bytes(int(value or 0))
        parts = [
            f"{label} {human_bytes(found[key])}"
            for key, label in (
                ("database_bytes", "database"),
                ("cache_bytes", "cache"),
                ("files_allocated_bytes", "files"),
            )
            if found.get(key)
        ]
        if not parts:
            text += f" (the cookie carries {found.get('cookie_bytes_each')} B)"
        title = ", ".join(parts)
        tone = "na"
        kept, sessions = found.get("kept"), found.get("sessions", 10000)
        if kept is not None and kept < sessions:
            text += f" (only ~{kept:,} of {sessions:,} kept)"
            tone = "warn"
    else:
        text, tone = str(value), "na"
    return {"text": text, "tone": tone, "title": title}


def _bars(
    names: list[str], series: dict[str, dict[str, float]], unit: str, higher_is_better: bool
) -> dict[str, Any]:
    """An SVG chart's geometry: one group of bars per configuration."""
    label_width, bar_area, bar_height, gap = 150, 420, 11, 8
    keys = list(series)
    top = max((v for values in series.values() for v in values.values()), default=0) or 1
    rows = []
    y = 22
    for name in names:
        bars = []
        for index, key in enumerate(keys):
            value = series[key].get(name)
            if value is None:
                continue
            width = max(1.0, value / top * bar_area)
            bars.append(
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
        rows.append({"name": name, "y": y + group / 2 + 4, "bars": bars})
        y += group + gap
    return {
        "width": label_width + bar_area + 90,
        "height": y + 4,
        "rows": rows,
        "series": keys,
        "better": "longer is better" if higher_is_better else "shorter is better",
    }


def _pick(pick: Pick) -> dict[str, Any]:
    return {
        "need": pick.need,
        "choose": pick.choose,
        "detail": pick.detail,
        "avoid": pick.avoid,
        "evidence": [{"label": e.label, "href": f"#{e.target}"} for e in pick.evidence],
    }


def context(profile: dict[str, Any], matrix: Matrix | None = None) -> dict[str, Any]:
    configurations = profile.get("configurations", {})
    ok = {n: e for n, e in configurations.items() if e.get("status") == "ok"}
    names = list(ok)
    sizes = [str(size) for size in profile.get("method", {}).get("sizes", [])]
    cost = []
    for name, entry in ok.items():
        request = entry.get("request", {})
        cost.append(
            {
                "name": name,
                "label": entry.get("label", ""),
                "kinds": [request.get(kind) for kind in KINDS],
                "sizes": {
                    kind: [request.get(kind, {}).get("by_size", {}).get(size) for size in sizes]
                    for kind in ("read", "write", "login")
                },
            }
        )
    throughput = []
    workers = [str(w) for w in profile.get("method", {}).get("throughput", {}).get("workers", [])]
    for name, entry in ok.items():
        measured = entry.get("throughput", {})
        throughput.append(
            {
                "name": name,
                "status": measured.get("status", "not run"),
                "reason": measured.get("reason", ""),
                "cells": [measured.get(mix, {}).get(count) for mix in MIXES for count in workers],
            }
        )
    guarantees = [
        {
            "id": key,
            "title": title,
            "cells": [guarantee_cell(key, ok[n].get("guarantees", {}).get(key)) for n in names],
        }
        for key, title in GUARANTEES.items()
    ]
    smallest = sizes[0] if sizes else "100"
    cost_chart = _bars(
        names,
        {
            kind: {
                n: ok[n]["request"][kind]["median_us"]
                for n in names
                if kind in ok[n].get("request", {})
            }
            for kind in ("read", "write", "login")
        },
        "µs",
        higher_is_better=False,
    )
    most = workers[-1] if workers else "2"
    rps_chart = _bars(
        names,
        {
            MIXES[mix]: {
                n: ok[n]["throughput"][mix][most]["rps"]
                for n in names
                if most in ok[n].get("throughput", {}).get(mix, {})
            }
            for mix in MIXES
        },
        "req/s",
        higher_is_better=True,
    )
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
    }
    method["throughput"] = throughput_defaults | method.get("throughput", {})
    machine = {"cores": "?", "cpu": "", "memory_gib": "?", "load_at_start": []}
    return {
        "profile": {"django": ""} | profile,
        "machine": machine | profile.get("machine", {}),
        "method": method,
        "picks": [_pick(p) for p in picks(profile, matrix)],
        "kinds": KINDS,
        "sizes": [human_bytes(int(s)) for s in sizes],
        "smallest": human_bytes(int(smallest)),
        "cost": cost,
        "throughput": throughput,
        "workers": workers,
        "mixes": list(MIXES.values()),
        "guarantees": guarantees,
        "names": names,
        "labels": [ok[n].get("label", "") for n in names],
        "not_run": [(n, e.get("reason", "")) for n, e in configurations.items() if n not in ok],
        "cost_chart": cost_chart,
        "rps_chart": rps_chart if any(row["bars"] for row in rps_chart["rows"]) else None,
        "rps_workers": most,
        "versions": profile.get("versions", {}),
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def section(profile: dict[str, Any], matrix: Matrix | None = None) -> Markup:
    """The page's profile section (``<section id="profile">``)."""
    html = _environment().get_template("profile.html.j2").render(context(profile, matrix))
    return Markup(html)  # rendered by Jinja2 with autoescape on


def _names(names: list[str]) -> str:
    return ", ".join(md.code(name) for name in names)


def readme_summary(
    profile: dict[str, Any], matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    """A short Markdown summary: the machine, the headline figures, the "which engine" lines,
    each linking to the page."""
    machine = profile.get("machine", {})
    ok = {n: e for n, e in profile.get("configurations", {}).items() if e.get("status") == "ok"}
    lines = [
        f"Measured by `nox -s profile` on Django {md.text(profile.get('django', ''))}, "
        f"{md.text(machine.get('cores', '?'))} cores ({md.text(machine.get('cpu', ''))}), "
        f"{len(ok)} configurations side by side; times are medians of "
        f"{md.text(profile.get('method', {}).get('requests_per_figure', '?'))} requests "
        "through the full middleware stack, ×N = N times the fastest in the same run "
        f"({md.link('the profile', page + '#profile')}, "
        f"[profile.json](results/profile.json)).",
        "",
    ]
    if ok:
        lines += [
            "| configuration | read | write | login | requests/s (read-heavy) |",
            "|---|---|---|---|---|",
        ]
        for name, entry in ok.items():
            cells = []
            for kind in ("read", "write", "login"):
                figure = entry.get("request", {}).get(kind)
                cells.append(
                    f"{figure['median_us']:.0f} µs ×{figure['ratio']:.1f}" if figure else "–"
                )
            heavy = entry.get("throughput", {}).get("read_heavy", {})
            best = heavy[max(heavy, key=int)] if heavy else None
            cells.append(f"{best['rps']:.0f} ×{best['ratio']:.2f}" if best else "–")
            lines.append(f"| {md.code(name)} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("**Which engine should I pick?**")
    lines.append("")
    for pick in picks(profile, matrix):
        choose = (
            f"{_names(pick.choose)} ({md.text(pick.detail)})"
            if pick.choose
            else "none of the configurations measured"
        )
        avoid = "; ".join(f"not {md.code(n)} ({md.text(why)})" for n, why in pick.avoid)
        links = ", ".join(md.link(md.text(e.label), f"{page}#{e.target}") for e in pick.evidence)
        line = f"- {md.text(pick.need)} → {choose}"
        if avoid:
            line += f"; {avoid}"
        lines.append(f"{line} ({links})" if links else line)
    return "\n".join(lines) + "\n"


def __dir__() -> list[str]:
    return __all__
