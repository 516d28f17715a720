"""Why a test depends on the engine, from the pattern catalogue.

A test *depends on the engine* when the configurations that ran disagree on its outcome
(passed, failed, error, skipped). An explanation is a catalogued idiom (a row of the
published matrix), justified by evidence, never by the exception's type:

- **the code**: the idiom's detector (its ``Detect:``) matches the test's code, its setUp,
  fixtures and the helpers it calls (``explain_by_code``); the explanation names the line
  that matched;
- **the engines**: the test fails where the idiom fails and passes where it passes, on the
  configurations that ran: on every configuration where the test failed, the
  idiom failed in the matrix (on that configuration, or on its engine, in the column of the
  Django version nearest the one that ran), at least once; where the test passed, the idiom
  did not fail in that configuration's own column, when the matrix has one.

Each explanation says how sure it is: ``code and engines`` (both agree), ``code only`` (the
detector matched, the outcomes differ) or ``engines only`` (``explain``: no detector
matched, and the engines agree). The engines alone are one idiom among the many that fail on
the same engines, so ``explain`` wants a second sign, from the test itself:

- every session call the idiom's code makes (``client.session``, ``save()``,
  ``force_login``, ``cycle_key``... a fixed vocabulary) appears in the test's source, its
  setUp or its same-module fixtures, and the test does not already apply the idiom's fix
  (reaching the session, ``client.session``, is not enough: every idiom does, so an idiom
  that makes no other call is never claimed by the code);
- or the failure's message has the idiom's shape (quoted values and numbers aside:
  ``'Request' object has no attribute 'session'`` is ``'View' object has no attribute
  'session'``) and that shape says something: a message that is only a quoted value or a
  number (a ``KeyError``'s key) or an assertion's comparison (``assert 403 == 302``) names
  no cause, so ``KeyError: 'cart'`` is never explained by ``KeyError: 'foo'`` alone.

Among several, the idiom with the most of the test's calls wins, then the same message
shape, then the same style (a ``TestCase`` method or a function), then the catalogue's
order. With none, the explanation is null and the report says so.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session_matrix.core import detect
from session_matrix.core.vocabulary import CellStatus
from session_matrix.suite.idioms import Catalogue, Idiom, link
from session_matrix.suite.source import session_terms

__all__ = [
    "CODE_AND_ENGINES",
    "CODE_ONLY",
    "ENGINES_ONLY",
    "Observed",
    "explain",
    "explain_by_code",
    "shape",
    "telling",
    "test_code",
]

# How sure an explanation is: what agrees with the idiom, the test's code, its outcomes on
# the engines, or both.
CODE_AND_ENGINES = "code and engines"
CODE_ONLY = "code only"
ENGINES_ONLY = "engines only"

# How every idiom reaches a session: in a test's code, no sign of one idiom more than another.
_ANY_SESSION = frozenset({"session", "asession"})


@dataclass
class Observed:
    """One test's outcome on one configuration (one of ``runs.OUTCOMES``)."""

    outcome: str
    exception: str = ""
    message: str = ""

    @property
    def failed(self) -> bool:
        return CellStatus(self.outcome).failed


def shape(message: str) -> str:
    """A message with its quoted values and numbers masked."""
    masked = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    return re.sub(r"\b0x[0-9a-f]+\b|\b\d+(\.\d+)?\b", "0", masked).strip()


# The words of an assertion's comparison (``assert 'red' == 'blue'``, ``assert None``): a
# message made of them and of values names no cause.
_ASSERT_WORDS = frozenset({"assert", "not", "in", "is", "and", "or", "None", "True", "False"})


def telling(message: str) -> bool:
    """Whether a message's shape names a cause: a word outside its quoted values, its
    numbers and an assertion's comparison (``KeyError: 'cart'`` has none: any missing key
    reads so, whatever lost it; nor has ``assert 403 == 302``, whatever the test checks)."""
    words = re.findall(r"[^\W\d_]\w*", shape(message).replace("'…'", ""))
    return any(word not in _ASSERT_WORDS for word in words)


def explain(
    node: str,
    observed: dict[str, Observed],
    engines: dict[str, str],
    source: str | None,
    catalogue: Catalogue,
    django: str,
) -> dict[str, Any] | None:
    """The catalogued idiom whose outcomes agree with ``node``'s on the engines, with a sign
    of it in the test (its session calls, or its failure's message shape), or None.
    ``engines`` maps each configuration to its engine; ``source`` is the test's code."""
    failing = {c: o for c, o in observed.items() if o.failed}
    passing = [c for c, o in observed.items() if o.outcome == CellStatus.PASSED]
    if not failing or not passing:
        return None
    version = catalogue.version_for(django)
    terms = session_terms(source) if source else frozenset()
    best: tuple[tuple[bool | int, ...], Idiom, str] | None = None
    for index, idiom in enumerate(catalogue.idioms):
        if not _agree(idiom.id, observed, engines, catalogue, version):
            continue
        fix = idiom.fix_terms - idiom.terms - {"session"}  # what the fix adds to the idiom
        if fix and fix <= terms:
            continue  # the test already writes the fix
        same_shape = _same_shape(idiom, failing, engines, catalogue, version)
        by_code = bool(idiom.terms - _ANY_SESSION) and idiom.terms <= terms
        by_message = same_shape and all(telling(seen.message) for seen in failing.values())
        if not (by_code or by_message):
            continue
        same_style = idiom.in_class == (node.count("::") > 1)
        rank = (by_code, len(idiom.terms) if by_code else 0, same_shape, same_style, -index)
        why = _because(failing, passing, version, idiom.terms if by_code else None)
        if best is None or rank > best[0]:
            best = (rank, idiom, why)
    if best is None:
        return None
    _, idiom, because = best
    return _explanation(idiom, because) | {"confidence": ENGINES_ONLY}


def _explanation(idiom: Idiom, because: str) -> dict[str, Any]:
    """What a report says of an idiom that explains a test: its row, why and fix, and what
    the match rests on."""
    return {
        "pattern": idiom.id,
        "idiom": idiom.idiom,
        "why": idiom.why,
        "fix": idiom.fix,
        "url": link(idiom),
        "because": because,
    }


def _same_shape(
    idiom: Idiom,
    failing: dict[str, Observed],
    engines: dict[str, str],
    catalogue: Catalogue,
    version: str,
) -> bool:
    """Whether the test's failures have the messages' shape of the idiom's, wherever the
    matrix has the idiom failing."""
    shapes = []
    for name, seen in failing.items():
        cell = catalogue.cell(idiom.id, catalogue.configuration_for(name, engines[name]), version)
        if cell is not None and CellStatus(cell["status"]).failed:
            shapes.append(shape(cell.get("message", "")) == shape(seen.message))
    return bool(shapes) and all(shapes)


def _because(
    failing: dict[str, Observed],
    passing: list[str],
    version: str,
    terms: frozenset[str] | None,
) -> str:
    text = (
        f"fails on {', '.join(sorted(failing))} and passes on {', '.join(sorted(passing))}, "
        f"as this idiom does in the matrix (Django {version})"
    )
    if terms:
        return f"{text}; the test makes its session calls: {', '.join(sorted(terms))}"
    return f"{text}, with the same message shape"


def test_code(path: str, line: int) -> detect.TestCode | None:
    """The test defined at ``line`` of ``path`` (its ``def`` or a decorator's line)."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    for code in detect.tests_in(tree, Path(path).resolve()):
        func = code.node
        if line in {func.lineno, *(d.lineno for d in func.decorator_list)}:
            return code
    return None


def _agree(
    pattern: str,
    observed: dict[str, Observed],
    engines: dict[str, str],
    catalogue: Catalogue,
    version: str,
) -> bool:
    """The test fails where the idiom fails and passes where it passes, on the
    configurations that ran (at least one failure confirmed; nothing contradicted)."""
    confirmed = 0
    for name, seen in observed.items():
        if seen.failed:
            column = catalogue.configuration_for(name, engines[name])
            cell = catalogue.cell(pattern, column, version)
            status = CellStatus(cell["status"]) if cell else None
            if status is CellStatus.PASSED:
                return False
            confirmed += bool(status and status.failed)
        elif seen.outcome == CellStatus.PASSED and name in catalogue.configurations:
            cell = catalogue.cell(pattern, name, version)  # only its own column says so
            if cell and CellStatus(cell["status"]).failed:
                return False
    return confirmed > 0


def explain_by_code(
    node: str,
    observed: dict[str, Observed],
    engines: dict[str, str],
    where: tuple[str, int] | None,
    catalogue: Catalogue,
    django: str,
) -> dict[str, Any] | None:
    """The idiom whose detector matches the test's code (with its setUp, fixtures and
    helpers), preferring one whose matrix outcomes agree with the test's; None when no
    detector matches."""
    if where is None or not catalogue.detectors:
        return None
    code = test_code(*where)
    if code is None:
        return None
    found = detect.find(code, catalogue.detectors)
    if not found:
        return None
    version = catalogue.version_for(django)
    idioms = {idiom.id: idiom for idiom in catalogue.idioms}
    ranked = sorted(
        found,
        key=lambda item: (
            not _agree(item[0], observed, engines, catalogue, version),
            -len(item[1].events),
        ),
    )
    pattern, matched = ranked[0]
    idiom = idioms.get(pattern)
    if idiom is None:
        return None
    agrees = _agree(pattern, observed, engines, catalogue, version)
    line = _line_text(where[0], matched.line)
    failing = sorted(name for name, seen in observed.items() if seen.failed)
    passing = sorted(name for name, seen in observed.items() if seen.outcome == CellStatus.PASSED)
    if agrees:
        because = (
            f"matches the idiom's code at line {matched.line} ({line}), and fails on "
            f"{', '.join(failing)} and passes on {', '.join(passing)} as the idiom does in "
            f"the matrix (Django {version})"
        )
    else:
        because = (
            f"matches the idiom's code at line {matched.line} ({line}), but fails on "
            f"{', '.join(failing)}, unlike the idiom in the matrix (Django {version}): the "
            "code is a likely cause, not a certain one"
        )
    return _explanation(idiom, because) | {
        "confidence": CODE_AND_ENGINES if agrees else CODE_ONLY,
        "line": f"{where[0]}:{matched.line}",
        "code": line,
    }


def _line_text(path: str, line: int) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def __dir__() -> list[str]:
    return __all__
