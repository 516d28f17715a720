"""``lint``'s three ways of saying what it found: flake8's lines, JSON, GitHub annotations."""

from __future__ import annotations

import json
from typing import TextIO

from session_matrix.lint.rules import Rules
from session_matrix.lint.scan import Finding, Unreadable

__all__ = ["FORMATS", "write"]

FORMATS = ("text", "json", "github")


def _line(item: Finding | Unreadable) -> str:
    if isinstance(item, Unreadable):
        return f"{item.path}:{item.line}:{item.col}: SM0000 does not parse: {item.reason}"
    where = f"{item.path}:{item.line}:{item.col}"
    return f"{where}: {item.code} {item.idiom} fails on {', '.join(item.engines)}: {item.fix}"


def _escape(text: str, *, property_: bool = False) -> str:
    """GitHub's workflow-command escaping (a property value escapes : and , too)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_ else text


def _github(item: Finding | Unreadable) -> str:
    if isinstance(item, Unreadable):
        where = f"file={_escape(item.path, property_=True)},line={item.line},col={item.col}"
        return f"::error {where},title=SM0000 does not parse::{_escape(item.reason)}"
    where = f"file={_escape(item.path, property_=True)},line={item.line},col={item.col}"
    title = _escape(f"{item.code} fails on {', '.join(item.engines)}", property_=True)
    message = _escape(f"{item.idiom}\nWhy: {item.why}\nFix: {item.fix}")
    return f"::warning {where},title={title}::{message}"


def _record(item: Finding | Unreadable) -> dict[str, object]:
    if isinstance(item, Unreadable):
        return {"path": item.path, "line": item.line, "col": item.col, "error": item.reason}
    return {
        "path": item.path,
        "line": item.line,
        "col": item.col,
        "test": item.test,
        "code": item.code,
        "pattern": item.pattern,
        "idiom": item.idiom,
        "fails_on": list(item.engines),
        "why": item.why,
        "fix": item.fix,
    }


def write(found: list[Finding | Unreadable], form: str, rules: Rules, out: TextIO) -> None:
    if form == "json":
        document = {
            "configurations": rules.configurations,
            "django": rules.django,
            "findings": [_record(item) for item in found],
        }
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    render = _github if form == "github" else _line
    for item in found:
        out.write(render(item) + "\n")


def __dir__() -> list[str]:
    return __all__
