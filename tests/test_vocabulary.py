"""One vocabulary: every status is defined once, and the JSON Schemas agree with it."""

import enum
import re

from session_matrix.core import schemas, vocabulary
from session_matrix.core.recorder import NOT_RUN_PREFIX
from session_matrix.core.vocabulary import (
    CELL_TERMS,
    CellStatus,
    Kind,
    Outcome,
    RunStatus,
    SuiteRunStatus,
    Support,
    Verdict,
    because,
    legend,
)
from session_matrix.suite.runs import OUTCOMES


def _enum(schema, *path):
    node = schemas.schema(schema)
    for key in path:
        node = node[key]
    return node["enum"]


def test_the_raw_schema_speaks_the_vocabulary():
    assert _enum("raw", "$defs", "outcome") == [o.value for o in Outcome]
    assert _enum("raw", "$defs", "run_status") == [s.value for s in RunStatus]


def test_the_matrix_schema_speaks_the_vocabulary():
    assert _enum("matrix", "$defs", "cell", "properties", "status") == [
        s.value for s in CellStatus
    ]
    assert _enum("matrix", "$defs", "pattern", "properties", "verdict") == [
        v.value for v in Verdict
    ]
    kinds = _enum("matrix", "$defs", "pattern", "properties", "kind")
    assert kinds == ["", *(k.value for k in Kind)]
    support = _enum("matrix", "properties", "django", "items", "properties", "support")
    assert support == [s.value for s in Support]
    column = _enum("matrix", "$defs", "column", "properties", "status")
    assert column == [*(s.value for s in RunStatus), CellStatus.ABSENT.value]


def test_the_suite_schema_speaks_the_vocabulary():
    runs = ("properties", "runs", "additionalProperties", "properties", "status")
    assert _enum("suite", *runs) == [s.value for s in SuiteRunStatus]
    assert _enum("suite", "$defs", "outcome") == [s.value for s in OUTCOMES]


def test_every_cell_status_has_one_term_and_the_legend_has_every_line_once():
    assert set(CELL_TERMS) == set(CellStatus)
    lines = [term.legend for term in legend()]
    assert len(lines) == len(set(lines))
    words = [term.word for term in CELL_TERMS.values()]
    assert len(words) == len(set(words))


def test_each_outcome_is_a_cell_status():
    assert {CellStatus.of(outcome) for outcome in Outcome} <= set(CellStatus)


def test_the_recorder_spells_not_run_as_the_vocabulary_does():
    """The recorder keeps its own literal: its source is part of every column's fingerprint,
    so editing it would mark every published column stale."""
    assert because(CellStatus.NOT_RUN, "") == NOT_RUN_PREFIX


def test_the_module_docstring_counts_and_names_every_closed_set():
    """The docstring said "four closed sets" over a list of seven: its count and its list
    are held to the enums the module defines."""
    enums = sorted(
        name
        for name, value in vars(vocabulary).items()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__module__ == vocabulary.__name__
        and not name.startswith("_")
    )
    doc = vocabulary.__doc__
    listed = sorted(re.findall(r"^``(\w+)``  ", doc, re.MULTILINE))
    assert listed == enums
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    words += ["ten", "eleven", "twelve"]
    count = re.search(r"(\w+) closed sets", doc).group(1).lower()
    assert count == words[len(enums)]
