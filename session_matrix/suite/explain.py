"""Why a test depends on the engine, from the pattern catalogue.

A test *depends on the engine* when the configurations that ran disagree on its outcome
(passed, failed, error, skipped). An explanation is a catalogued idiom (a row of the
published matrix) that is justified twice over, never by similarity alone:

1. the outcomes: on every configuration where the test failed, the idiom failed in the
   matrix with the same exception type (on that configuration, or on its engine, in the
   matrix column of the Django version nearest the one that ran); where the test passed, the
   idiom did not fail (in that configuration's own column, when the matrix has one);
2. and either the code: every session call the idiom's code makes (``client.session``,
   ``save()``, ``force_login``, ``cycle_key``... a fixed vocabulary) appears in the test's
   source, its setUp or its same-module fixtures, and the test does not already apply the
   idiom's fix (reaching the session, ``client.session``, is not enough: every idiom does,
   so an idiom that makes no other call is never claimed by the code); or, for an exception
   other than AssertionError, the message has the same shape (quoted values and numbers
   aside: ``'Request' object has no attribute 'session'`` is ``'View' object has no
   attribute 'session'``) and that shape says something: a message that is only a quoted
   value or a number (a ``KeyError``'s key) names no cause, so ``KeyError: 'cart'`` is
   never explained by ``KeyError: 'foo'`` alone.

Among several, the idiom with the most of the test's calls wins, then the same message
shape, then the same style (a ``TestCase`` method or a function), then the catalogue's
order. With none, the explanation is null and the report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from session_matrix.suite.catalogue import Catalogue, Idiom, link
from session_matrix.suite.source import session_terms
from session_matrix.vocabulary import CellStatus

__all__ = ["Observed", "explain", "shape", "telling"]

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


def telling(message: str) -> bool:
    """Whether a message's shape names a cause: a word outside its quoted values and numbers
    (``KeyError: 'cart'`` has none: any missing key reads so, whatever lost it)."""
    return re.search(r"[^\W\d_]", shape(message).replace("'…'", "")) is not None


def explain(
    node: str,
    observed: dict[str, Observed],
    engines: dict[str, str],
    source: str | None,
    catalogue: Catalogue,
    django: str,
) -> dict[str, Any] | None:
    """The catalogued idiom that explains why ``node``'s outcome depends on the engine, or
    None. ``engines`` maps each configuration to its engine; ``source`` is the test's code."""
    failing = {c: o for c, o in observed.items() if o.failed}
    passing = [c for c, o in observed.items() if o.outcome == CellStatus.PASSED]
    if not failing or not passing:
        return None
    version = catalogue.version_for(django)
    terms = session_terms(source) if source else frozenset()
    best: tuple[tuple[bool | int, ...], Idiom, str] | None = None
    for index, idiom in enumerate(catalogue.idioms):
        evidence = _evidence(idiom, failing, passing, engines, catalogue, version)
        if evidence is None:
            continue
        same_shape, exceptions = evidence
        fix = idiom.fix_terms - idiom.terms - {"session"}  # what the fix adds to the idiom
        if fix and fix <= terms:
            continue  # the test already writes the fix
        by_code = bool(idiom.terms - _ANY_SESSION) and idiom.terms <= terms
        by_message = (
            same_shape
            and "AssertionError" not in exceptions
            and all(telling(seen.message) for seen in failing.values())
        )
        if not (by_code or by_message):
            continue
        same_style = idiom.in_class == (node.count("::") > 1)
        rank = (by_code, len(idiom.terms) if by_code else 0, same_shape, same_style, -index)
        why = _because(failing, passing, exceptions, version, idiom.terms if by_code else None)
        if best is None or rank > best[0]:
            best = (rank, idiom, why)
    if best is None:
        return None
    _, idiom, because = best
    return {
        "pattern": idiom.id,
        "idiom": idiom.idiom,
        "why": idiom.why,
        "fix": idiom.fix,
        "url": link(idiom),
        "because": because,
    }


def _evidence(
    idiom: Idiom,
    failing: dict[str, Observed],
    passing: list[str],
    engines: dict[str, str],
    catalogue: Catalogue,
    version: str,
) -> tuple[bool, set[str]] | None:
    """``(same message shape everywhere, exception types)`` if the idiom's cells agree with
    the test's outcomes (at least one failure confirmed, nothing contradicted), else None."""
    confirmed, same_shape, exceptions = 0, True, set()
    for name, seen in failing.items():
        cell = catalogue.cell(idiom.id, catalogue.configuration_for(name, engines[name]), version)
        if cell is None:
            continue
        status = CellStatus(cell["status"])
        if not (status.failed or status is CellStatus.PASSED):
            continue  # flaky, skipped, not run...: no word on the idiom either way
        if not status.failed or cell.get("exception", "") != seen.exception:
            return None
        confirmed += 1
        exceptions.add(seen.exception)
        same_shape = same_shape and shape(cell.get("message", "")) == shape(seen.message)
    if not confirmed:
        return None
    for name in passing:  # only a configuration's own column can say it should fail
        own = name if name in catalogue.configurations else ""
        cell = catalogue.cell(idiom.id, own, version)
        if cell is not None and CellStatus(cell["status"]).failed:
            return None
    return same_shape, exceptions


def _because(
    failing: dict[str, Observed],
    passing: list[str],
    exceptions: set[str],
    version: str,
    terms: frozenset[str] | None,
) -> str:
    text = (
        f"fails with {', '.join(sorted(exceptions))} on {', '.join(sorted(failing))} and "
        f"passes on {', '.join(sorted(passing))}, as this idiom does in the matrix "
        f"(Django {version})"
    )
    if terms:
        return f"{text}; the test makes its session calls: {', '.join(sorted(terms))}"
    return f"{text}, with the same message shape"


def __dir__() -> list[str]:
    return __all__
