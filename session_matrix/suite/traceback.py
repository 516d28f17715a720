"""Where an unexplained failure is and how it begins: the test's ``file:line`` and the first
lines of its section in pytest's output (what a developer reads first)."""

from __future__ import annotations

import re

__all__ = ["first_lines"]

_HEADER = re.compile(r"^_{3,} (?P<name>.+?) _{3,}$")
_END = re.compile(r"^(={3,}|_{3,} .+ _{3,}$|-{3,} Captured )")


def first_lines(output: str, node: str, limit: int = 8) -> list[str]:
    """The first ``limit`` lines of ``node``'s failure in pytest's output (the ``E`` lines
    and the last location kept first when the section is longer); [] when not found."""
    parts = node.split("::")[1:]
    if not parts:
        return []
    heads = {".".join(parts), parts[-1]}
    lines = output.splitlines()
    for index, line in enumerate(lines):
        found = _HEADER.match(line)
        if not found or found.group("name") not in heads:
            continue
        section: list[str] = []
        for following in lines[index + 1 :]:
            if _END.match(following):
                break
            if following.strip():
                section.append(following.rstrip())
        errors = [entry for entry in section if entry.startswith("E ")]
        located = [entry for entry in section if re.match(r"^\S+\.py:\d+: ", entry)]
        head = section[: max(0, limit - len(errors[:4]) - len(located[-1:]))]
        return [*head, *located[-1:], *errors[:4]][:limit]
    return []


def __dir__() -> list[str]:
    return __all__
