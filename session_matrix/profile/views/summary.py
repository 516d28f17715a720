"""What ``session-matrix profile`` prints at the end: per configuration, the headline
figures and their ratios to the fastest in the run."""

from __future__ import annotations

from typing import Any

from session_matrix.profile.measures import HEADLINE
from session_matrix.profile.model.published import Profile

__all__ = ["summary_lines"]


def summary_lines(document: dict[str, Any]) -> list[str]:
    """What the run prints at the end: per configuration, the headline figures and ratios."""
    profile = Profile.from_json(document)
    machine = profile.machine
    lines = [
        f"Django {profile.django or profile.django_series} on "
        f"{machine.cores} cores ({machine.cpu or 'unknown CPU'}); "
        f"x = ratio to the fastest configuration in this run"
    ]
    header = f"{'configuration':<24}{'read':>16}{'write':>16}{'login':>16}{'rps read-heavy':>20}"
    lines.append(header)
    for name, entry in profile.configurations.items():
        if not entry.ok:
            word = entry.status.replace("_", " ")  # the reason says it in words: "not run: ..."
            said = entry.reason if entry.reason.startswith(word) else f"{word}: {entry.reason}"
            lines.append(f"{name:<24}{said}")
            continue
        cells = []
        for kind in HEADLINE:
            figure = entry.request.get(kind)
            if figure:
                flag = "~" if figure.noisy else ""
                cells.append(f"{figure.median_us:.0f}us x{figure.ratio or 0:.2f}{flag}")
            else:
                cells.append("-")
        most = entry.throughput.most_workers("read_heavy") if entry.throughput else None
        if most:
            rps = most[1]
            wrong = f" {rps.wrong_share or 0:.0%} wrong" if rps.wrong else ""
            cells.append(f"{rps.rps:.0f}/s x{rps.ratio or 0:.2f}{wrong}")
        else:
            cells.append("-")
        lines.append(
            f"{name:<24}" + "".join(f"{cell:>16}" for cell in cells[:3]) + f" {cells[3]:>19}"
        )
    lines.append("~ = noisy (spread of the rounds' medians above the stated bound)")
    return lines


def __dir__() -> list[str]:
    return __all__
