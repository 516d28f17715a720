"""The detectors checked against the matrix itself: linting ``matrix_tests/`` flags each
engine-dependent pattern as its own idiom, on exactly the engines where the published matrix
says it fails, and every finding it makes elsewhere is one the matrix confirms (nothing on
a Twin that works). Precision and recall per idiom are printed (``-s``)."""

from __future__ import annotations

import ast

import pytest

from session_matrix.core import catalogue, detect, paths, records
from session_matrix.core.model import column_id
from session_matrix.core.vocabulary import CellStatus
from session_matrix.lint.rules import code_for, load_rules
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def rules():
    defaults = {record.name: record.engine for record in records.load_all() if record.default}
    return load_rules(defaults, matrix=paths.PUBLISHED / "matrix.json")


@pytest.fixture(scope="module")
def patterns():
    return catalogue.read_catalogue(ROOT / paths.PATTERNS_DIR, {})


@pytest.fixture(scope="module")
def cells():
    from session_matrix.core import schemas

    return schemas.load_json(paths.PUBLISHED / "matrix.json")["cells"]


def _fails(cells, pattern, configurations, version):
    """The configurations where the matrix says the pattern failed (newest version)."""
    return {
        name
        for name in configurations
        if (cell := cells.get(pattern, {}).get(column_id(name, version)))
        and CellStatus(cell["status"]).failed
    }


def _ran(cells, pattern, configurations, version):
    return {
        name
        for name in configurations
        if (cell := cells.get(pattern, {}).get(column_id(name, version)))
        and (CellStatus(cell["status"]).failed or cell["status"] == CellStatus.PASSED)
    }


def _findings(rules):
    """(pattern id of the test, pattern id of the rule, engines) for every finding."""
    detectors = {p: r.detector for p, r in rules.rules.items() if r.fails}
    found = []
    for path in sorted((ROOT / paths.PATTERNS_DIR).glob("test_*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for code in detect.tests_in(ast.parse(path.read_text(encoding="utf-8")), path):
            for rule, _ in detect.find(code, detectors):
                found.append((f"{rel}::{code.name}", rule, rules.rules[rule].fails))
    return found


def _own_rule(node, patterns, parsed):
    detector = parsed.get(node)
    if detector is None or detector.none:
        return None
    return f"{patterns[node].path}::{detector.like}" if detector.like else node


def test_every_engine_dependent_pattern_has_a_detect_field(rules, patterns, cells):
    """An idiom whose outcome differs between the default engines says how to find it (or,
    with ``none: why``, why a test's code cannot show it)."""
    missing = [
        node
        for node, pattern in patterns.items()
        if not pattern.detect
        and len(_ran(cells, node, rules.configurations, rules.django)) > 1
        and 0
        < len(_fails(cells, node, rules.configurations, rules.django))
        < len(_ran(cells, node, rules.configurations, rules.django))
    ]
    assert missing == []


def test_lint_on_the_catalogue_is_precise_and_complete(rules, patterns, cells):
    parsed = catalogue.detectors(patterns)
    found = _findings(rules)
    configurations = rules.configurations
    per_rule: dict[str, dict[str, int]] = {}
    problems = []
    # recall: each engine-dependent pattern with a detector, flagged as its own idiom
    for node in patterns:
        own = _own_rule(node, patterns, parsed)
        fails = _fails(cells, node, configurations, rules.django)
        ran = _ran(cells, node, configurations, rules.django)
        if own is None or not fails or fails == ran:
            continue
        tally = per_rule.setdefault(own, {"expected": 0, "hit": 0, "flagged": 0, "right": 0})
        tally["expected"] += 1
        hits = [engines for test, rule, engines in found if test == node and rule == own]
        if hits and set(hits[0]) == fails:
            tally["hit"] += 1
        else:
            problems.append(f"missed: {node} (fails on {sorted(fails)}; found {hits})")
    # precision: a finding is right when the matrix confirms its claim for that test
    for test, rule, engines in found:
        tally = per_rule.setdefault(rule, {"expected": 0, "hit": 0, "flagged": 0, "right": 0})
        tally["flagged"] += 1
        claim_true = set(engines) <= _fails(cells, test, configurations, rules.django)
        if claim_true:
            tally["right"] += 1
        else:
            problems.append(f"wrong: {test} flagged as {rule} failing on {sorted(engines)}")
    print(f"\nlint on {paths.PATTERNS_DIR}/ against Django {rules.django}, {configurations}")
    print(f"{'idiom':<78} {'precision':>9} {'recall':>7}")
    for rule, tally in sorted(per_rule.items()):
        precision = tally["right"] / tally["flagged"] if tally["flagged"] else 1.0
        recall = tally["hit"] / tally["expected"] if tally["expected"] else 1.0
        print(f"{rule.split('/', 1)[-1]:<78} {precision:>9.0%} {recall:>7.0%}")
    assert problems == []


def test_nothing_is_flagged_on_a_twin_that_works(rules, patterns, cells):
    found = _findings(rules)
    for pattern in patterns.values():
        twin = pattern.twin
        if not twin or twin not in patterns:
            continue
        if _fails(cells, twin, rules.configurations, rules.django):
            continue
        assert [rule for test, rule, _ in found if test == twin] == [], twin


def test_rule_codes_are_unique(rules):
    codes = [code_for(pattern) for pattern in rules.rules]
    assert len(codes) == len(set(codes))
