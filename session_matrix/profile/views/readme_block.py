"""The profile in the README: a few Markdown lines between ``<!-- profile:start -->`` and
``<!-- profile:end -->`` (``readme.splice``), every untrusted text through ``render.md``."""

from __future__ import annotations

from typing import Any

from session_matrix.core import markdown_escape as md
from session_matrix.core.model import Matrix
from session_matrix.profile.measures import HEADLINE, measured, most_workers
from session_matrix.profile.views.advice import picks
from session_matrix.profile.views.pick import NONE_MEETS, Pick

__all__ = ["readme_summary"]


def _line(pick: Pick, page: str) -> str:
    """One "which engine" line, linking its evidence on ``page``."""
    links = ", ".join(md.link(md.text(e.label), f"{page}#{e.target}") for e in pick.evidence)
    line = f"- {md.text(pick.need)} → "
    if pick.choose:
        line += f"{', '.join(md.code(name) for name in pick.choose)} ({md.text(pick.detail)})"
        line += "".join(f"; not {md.code(n)} ({md.text(why)})" for n, why in pick.avoid)
    else:
        failing = ", ".join(f"{md.code(n)} ({md.text(why)})" for n, why in pick.avoid)
        line += f"{NONE_MEETS}: {failing}"
    return f"{line} ({links})" if links else line


def _cell(text: str, figure: dict[str, Any], ratio: str) -> str:
    """A headline figure; ≈ when its rounds disagreed beyond the stated bound, as on the
    page; the share of wrong answers when it has any (a throughput figure)."""
    share = figure.get("wrong_share", figure.get("wrong", 0) / max(1, figure.get("requests", 1)))
    wrong = f" ({share:.0%} wrong)" if figure.get("wrong") else ""
    return f"{text}{' ≈' if figure.get('noisy') else ''} ×{ratio}{wrong}"


def _table(ok: dict[str, dict[str, Any]]) -> list[str]:
    """The headline figures, one row per measured configuration."""
    lines = [
        "| configuration | read | write | login | requests/s (read-heavy) |",
        "|---|---|---|---|---|",
    ]
    noisy = False
    for name, entry in ok.items():
        figures: list[dict[str, Any] | None] = [
            entry.get("request", {}).get(kind) for kind in HEADLINE
        ]
        most = most_workers(entry.get("throughput", {}).get("read_heavy", {}))
        rps = most[1] if most else None
        cells = [
            _cell(f"{f['median_us']:.0f} µs", f, f"{f['ratio']:.1f}") if f else "–"
            for f in figures
        ]
        cells.append(_cell(f"{rps['rps']:.0f}", rps, f"{rps['ratio']:.2f}") if rps else "–")
        noisy = noisy or any(f and f.get("noisy") for f in [*figures, rps])
        lines.append(f"| {md.code(name)} | " + " | ".join(cells) + " |")
    if noisy:
        lines += ["", "≈ noisy: its rounds disagreed beyond the bound the page states."]
    return [*lines, ""]


def readme_summary(
    profile: dict[str, Any], matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    """A short Markdown summary: the machine, the headline figures, the "which engine" lines,
    each linking to the page."""
    machine = profile.get("machine", {})
    ok = measured(profile)
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
        lines += _table(ok)
    lines += ["**Which engine should I pick?**", ""]
    lines += [_line(pick, page) for pick in picks(profile, matrix)]
    return "\n".join(lines) + "\n"


def __dir__() -> list[str]:
    return __all__
