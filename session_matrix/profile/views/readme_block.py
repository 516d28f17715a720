"""The profile in the README: a few Markdown lines between ``<!-- profile:start -->`` and
``<!-- profile:end -->`` (``readme.splice``), every untrusted text through ``render.md``."""

from __future__ import annotations

from session_matrix.core import markdown_escape as md
from session_matrix.core.model import Matrix
from session_matrix.profile.measures import HEADLINE
from session_matrix.profile.model.figures import CostFigure, LoadFigure
from session_matrix.profile.model.published import Configuration, Profile
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


def _cell(text: str, figure: CostFigure | LoadFigure, ratio: float | None) -> str:
    """A headline figure; ≈ when its rounds disagreed beyond the stated bound, as on the
    page; the share of wrong answers when it has any."""
    checked = figure.checked if isinstance(figure, LoadFigure) else 0
    share = figure.wrong_share if isinstance(figure, LoadFigure) else None
    if share is None:
        share = figure.wrong / max(1, checked or figure.requests)
    wrong = f" ({share:.0%} wrong)" if figure.wrong else ""
    digits = 2 if isinstance(figure, LoadFigure) else 1
    return f"{text}{' ≈' if figure.noisy else ''} ×{ratio or 0:.{digits}f}{wrong}"


def _table(ok: dict[str, Configuration]) -> list[str]:
    """The headline figures, one row per measured configuration."""
    lines = [
        "| configuration | read | write | login | requests/s (read-heavy) |",
        "|---|---|---|---|---|",
    ]
    noisy = False
    for name, entry in ok.items():
        figures = [entry.request.get(kind) for kind in HEADLINE]
        most = entry.throughput.most_workers("read_heavy") if entry.throughput else None
        rps = most[1] if most else None
        cells = [_cell(f"{f.median_us:.0f} µs", f, f.ratio) if f else "–" for f in figures]
        cells.append(_cell(f"{rps.rps:.0f}", rps, rps.ratio) if rps else "–")
        noisy = noisy or any(f is not None and f.noisy for f in [*figures, rps])
        lines.append(f"| {md.code(name)} | " + " | ".join(cells) + " |")
    if noisy:
        lines += ["", "≈ noisy: its rounds disagreed beyond the bound the page states."]
    return [*lines, ""]


def readme_summary(
    profile: Profile, matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    """A short Markdown summary: the machine, the headline figures, the "which engine" lines,
    each linking to the page."""
    machine = profile.machine
    ok = profile.measured()
    lines = [
        f"Measured by `nox -s profile` on Django {md.text(profile.django)}, "
        f"{md.text(machine.cores)} cores ({md.text(machine.cpu)}), "
        f"{len(ok)} configurations side by side; times are medians of "
        f"{md.text(profile.method.requests_per_figure)} requests "
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
