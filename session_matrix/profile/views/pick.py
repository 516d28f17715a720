"""A "which engine should I pick?" line as data: the need, the configurations that meet it,
those that do not and why, and the evidence on the page."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NONE_MEETS", "Evidence", "Pick", "counted"]


# What a line says when every configuration with data fails the need; the failures follow,
# each with its reason (not "not x", which would read as a second list of choices).
NONE_MEETS = "no configuration measured meets it"


def counted(number: int, noun: str, plural: str = "") -> str:
    """``1 cache command``, ``3 cache commands``: a line's counts read as sentences."""
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


@dataclass(frozen=True)
class Evidence:
    """A link to what supports a line: ``target`` is a fragment id on the page."""

    label: str
    target: str


@dataclass
class Pick:
    need: str
    choose: list[str]  # configurations that meet the need, best first
    detail: str  # the figure behind the choice, in words
    avoid: list[tuple[str, str]] = field(default_factory=list)  # (configuration, why)
    evidence: list[Evidence] = field(default_factory=list)


def __dir__() -> list[str]:
    return __all__
