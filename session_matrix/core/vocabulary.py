"""Every status word the project speaks, defined once, each with how it is shown.

Eleven closed sets (enums):

``Outcome``         what one run of one pattern did (raw results, written by the recorder)
``RunStatus``       what one run of a column did (raw results, written by the column runner)
``CellStatus``      what the matrix shows for one pattern in one column (merge, renderers)
``Verdict``         what a row says across every engine (merge, renderers)
``Kind``            why a pattern that fails on every engine fails (its docstring's ``Kind:``)
``SuiteRunStatus``  what one run of a user's suite on one configuration did (``suite.json``)
``Support``         a Django version's standing in the matrix (``[tool.session-matrix.django]``)
``ProfileStatus``   what the engine profile measured for a configuration (``profile.json``)
``Guarantee``       a guarantee the engine profile measures (its key under ``guarantees``)
``LostWrites``      what loses one of two overlapping writes (the lost-update mechanism)
``NeedStatus``      one configuration against one need of the needs grid (``render.needs``)

Each value of the three that are shown (``CellStatus``, ``Verdict``, ``Kind``) carries a
``Term`` (so does ``DEPENDS``, the flag on a row that depends on the test setup): its word,
its symbol in Markdown (emoji), its glyph on the page (a text character every font has), its
tone (the page's colour family) and its legend line. ``RAN_CELLS`` is the cell statuses of a
pattern that ran. Renderers, the drift check and the JSON Schemas all read them from here;
the schemas are tested against these enums.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CELL_TERMS",
    "DEPENDS",
    "RAN_CELLS",
    "CellStatus",
    "Guarantee",
    "Kind",
    "LostWrites",
    "NeedStatus",
    "Outcome",
    "ProfileStatus",
    "RunStatus",
    "SuiteRunStatus",
    "Support",
    "Term",
    "Verdict",
    "because",
    "legend",
]


@dataclass(frozen=True)
class Term:
    """How one status is written: a word, a Markdown symbol, a page glyph, a tone, a legend."""

    word: str
    symbol: str
    glyph: str
    tone: str
    legend: str


class _Termed(StrEnum):
    """An enum whose members each carry a ``Term`` (below, in ``_TERMS``)."""

    @property
    def term(self) -> Term:
        return _TERMS[self]


class Outcome(StrEnum):
    """One run of one pattern, as the recorder saw it."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    UNAVAILABLE = "unavailable"
    NOT_RUN = "not_run"


class RunStatus(StrEnum):
    """One run of one column (a configuration on a Django version)."""

    OK = "ok"
    NOT_RUN = "not_run"
    UNAVAILABLE = "unavailable"
    ERROR = "error"
    INTERRUPTED = "interrupted"


class ProfileStatus(StrEnum):
    """A configuration in the engine profile, or its throughput: measured, not run (a
    service, interpreter or tool missing: the reason says which), or broken (the reason)."""

    OK = RunStatus.OK.value
    NOT_RUN = RunStatus.NOT_RUN.value
    ERROR = RunStatus.ERROR.value


class Guarantee(StrEnum):
    """A guarantee the engine profile measures: its key under ``guarantees``."""

    ACROSS_PROCESSES = "across_processes"
    REPLAY_AFTER_LOGOUT = "replay_after_logout"
    LOST_UPDATES = "lost_updates"
    SURVIVES_APP_RESTART = "survives_app_restart"
    SURVIVES_CACHE_RESTART = "survives_cache_restart"
    SURVIVES_CACHE_FLUSH = "survives_cache_flush"
    EVICTION_WHEN_FULL = "eviction_when_full"
    LARGEST_ROUND_TRIP = "largest_round_trip"
    LARGEST_BROWSER_KEEPS = "largest_browser_keeps"
    CLEARSESSIONS = "clearsessions"
    STORAGE_PER_10000 = "storage_per_10000"


class LostWrites(StrEnum):
    """What loses one of two writes to one session (the lost-update guarantee's mechanism)."""

    CLIENT_COOKIE = "client_cookie"  # the session is the cookie: the last Set-Cookie wins
    SERVER_SESSION = "server_session"  # the server saves whole sessions: the last save wins
    NOT_SHARED = "not_shared"  # lost with no overlap: the processes do not share sessions
    NONE = "none"


class SuiteRunStatus(StrEnum):
    """One run of a user's own suite on one configuration (``session-matrix suite``); it is
    shown as the cell status of the same meaning (``not_run``, ``harness_error``)."""

    RAN = "ran"
    NOT_RUN = "not_run"
    BROKEN = "broken"


class CellStatus(_Termed):
    """One pattern in one column of the matrix."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    FLAKY = "flaky"
    SKIPPED = "skipped"
    UNAVAILABLE = "unavailable"
    NOT_RUN = "not_run"
    HARNESS_ERROR = "harness_error"
    ABSENT = "absent"

    @property
    def ran(self) -> bool:
        """Whether the cell says something about the idiom itself."""
        return self in RAN_CELLS

    @property
    def failed(self) -> bool:
        """The idiom ran and its expectation did not hold."""
        return self in (CellStatus.FAILED, CellStatus.ERROR)

    @classmethod
    def of(cls, outcome: Outcome) -> CellStatus:
        return cls(outcome.value)


CELL_TERMS: dict[StrEnum, Term] = {
    CellStatus.PASSED: Term("works", "✅", "✓", "ok", "works: the developer's expectation held"),
    CellStatus.FAILED: Term(
        "fails", "❌", "✗", "bad", "fails: the assertion failed or the idiom raised"
    ),
    CellStatus.ERROR: Term(
        "errors",
        "❗",
        "!",
        "bad",
        "errors outside the test body (a fixture or teardown raised): see the detail",
    ),
    CellStatus.FLAKY: Term(
        "flaky", "⚠️", "⚠", "warn", "flaky: repeated runs of the idiom disagreed"
    ),
    CellStatus.SKIPPED: Term("skipped", "⏭️", "↷", "skip", "the pattern skipped itself"),
    CellStatus.UNAVAILABLE: Term(
        "not available",
        "➖",
        "–",
        "na",
        "not available: the idiom needs a newer Django, or the configuration's package does "
        "not support that Django",
    ),
    CellStatus.NOT_RUN: Term(
        "not run",
        "❔",
        "?",
        "none",
        "not run: a service, browser or interpreter was missing (the reason is in the detail)",
    ),
    CellStatus.HARNESS_ERROR: Term(
        "harness error",
        "💥",
        "‼",
        "warn",
        "the run itself broke (a harness error): says nothing about the idiom",
    ),
    CellStatus.ABSENT: Term("no result", "⬜", "·", "none", "no result for this column yet"),
}

# The cell statuses of a pattern that ran (the suite's ``SuiteRunStatus.RAN`` is a run's).
RAN_CELLS = frozenset({CellStatus.PASSED, CellStatus.FAILED, CellStatus.ERROR, CellStatus.FLAKY})


class Kind(_Termed):
    """Why an idiom fails on every engine (``Kind:`` in its docstring)."""

    MISTAKE = "mistake"
    DJANGO_LIMITATION = "django-limitation"
    TEST_TOOL_LIMITATION = "test-tool-limitation"


_TERMS: dict[StrEnum, Term] = {
    **CELL_TERMS,
    Kind.MISTAKE: Term("a mistake everywhere", "", "", "everywhere", ""),
    Kind.DJANGO_LIMITATION: Term("how Django works on every engine", "", "", "everywhere", ""),
    Kind.TEST_TOOL_LIMITATION: Term(
        "a limit of the test tool, on every engine", "", "", "everywhere", ""
    ),
}


class Verdict(_Termed):
    """What one row says across engines and versions."""

    PORTABLE = "portable"
    DIFFERS = "differs"
    FAILS_EVERYWHERE = "fails_everywhere"
    UNKNOWN = "unknown"


_TERMS |= {
    Verdict.PORTABLE: Term("works on every engine", "", "", "portable", ""),
    Verdict.DIFFERS: Term("depends on the engine or version", "", "", "differs", ""),
    Verdict.FAILS_EVERYWHERE: Term(
        "fails on every engine",
        "🚫",
        "⊘",
        "everywhere",
        "fails on every engine: not an engine difference; the row says why (its kind: a "
        "mistake, how Django works, or a limit of the test tool)",
    ),
    Verdict.UNKNOWN: Term("never ran", "", "", "unknown", ""),
}


class NeedStatus(_Termed):
    """One configuration against one need of the needs grid (``render.needs``)."""

    MEETS = "meets"
    FAILS = "fails"
    DOES_NOT_APPLY = "does_not_apply"
    NOT_MEASURED = "not_measured"


_TERMS |= {
    NeedStatus.MEETS: Term("meets it", "✅", "✓", "ok", "meets the need, as measured"),
    NeedStatus.FAILS: Term("does not meet it", "❌", "✗", "bad", "does not meet the need"),
    NeedStatus.DOES_NOT_APPLY: Term(
        "does not apply",
        "–",
        "–",
        "na",
        "does not apply: nothing the need is about (the cell says why)",
    ),
    NeedStatus.NOT_MEASURED: Term(
        "not measured", "❔", "?", "none", "not measured: the cell says why"
    ),
}


class Support(StrEnum):
    """A Django version's standing: supported, past its end of support but kept because it
    is widely deployed, or a pre-release (installed with ``--pre``)."""

    SUPPORTED = "supported"
    END_OF_LIFE = "end-of-life"
    PRE_RELEASE = "pre-release"

    @property
    def word(self) -> str:
        """How the tables name it after the version (``""`` when supported)."""
        return {Support.END_OF_LIFE: "end of life", Support.PRE_RELEASE: "pre-release"}.get(
            self, ""
        )


# The flag on a row whose outcome depends on the test setup (its docstring's ``Depends:``).
DEPENDS = Term(
    "depends on the setup",
    "⚙",
    "⚙",
    "depends",
    "the outcome depends on the test setup, not only on the engine: the detail says what",
)


def legend() -> list[Term]:
    """The legend, in the order every renderer shows it: cell statuses, then the badge."""
    return [*CELL_TERMS.values(), Verdict.FAILS_EVERYWHERE.term]


def because(status: CellStatus, why: str) -> str:
    """A reason that opens with its status's word, as every cell and column shows it:
    ``not run: no Redis at …``, ``not available: … does not support Django 6.1``."""
    return f"{status.term.word}: {why}"


def __dir__() -> list[str]:
    return __all__
