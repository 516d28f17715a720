"""results/matrix.json has a JSON Schema (session_matrix/schemas/matrix.schema.json) that every
matrix the harness builds, and the committed one, must satisfy."""

import copy
import json

import jsonschema
import pytest

from session_matrix.merge import STATUSES
from session_matrix.report import SCHEMA
from tests.conftest import ROOT
from tests.resources.html_fixture import MISTAKE, NAIVE, fixture_matrix

COMMITTED = ROOT / "results" / "matrix.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator, document):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def assert_complete(matrix):
    """Every pattern has one cell per column, and nothing else."""
    columns = {column["id"] for column in matrix["columns"]}
    assert {p["id"] for p in matrix["patterns"]} == set(matrix["cells"])
    for pattern_id, cells in matrix["cells"].items():
        assert set(cells) == columns, pattern_id


def test_a_matrix_built_from_fixture_raw_files_is_valid(validator):
    matrix = fixture_matrix()
    assert problems(validator, matrix) == []
    assert problems(validator, {"$schema": "matrix.schema.json"} | matrix) == []
    assert_complete(matrix)


def test_the_fixture_exercises_every_cell_status(validator):
    seen = {c["status"] for cells in fixture_matrix()["cells"].values() for c in cells.values()}
    assert seen == set(STATUSES)


def test_the_schema_knows_exactly_merges_statuses():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    ran = schema["$defs"]["ran_cell"]["properties"]["status"]["enum"]
    empty = schema["$defs"]["empty_cell"]["properties"]["status"]["enum"]
    assert sorted(ran + empty) == sorted(STATUSES)


@pytest.mark.skipif(not COMMITTED.is_file(), reason="no committed results/matrix.json yet")
def test_the_committed_matrix_is_valid(validator):
    matrix = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert problems(validator, matrix) == []
    assert_complete(matrix)


def broken(change):
    matrix = copy.deepcopy(fixture_matrix())
    change(matrix)
    return matrix


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: m["cells"][NAIVE]["db-dj6.1"].update(status="works"), id="status"),
        pytest.param(lambda m: m["cells"][NAIVE]["db-dj6.1"].pop("runs"), id="no-runs"),
        pytest.param(lambda m: m["cells"][NAIVE]["db-dj6.1"].update(runs=[]), id="empty-runs"),
        pytest.param(
            lambda m: m["cells"][NAIVE]["cache-dj6.1"].update(exception="X"), id="not-run-extra"
        ),
        pytest.param(lambda m: m["columns"][0].pop("stale"), id="column-without-stale"),
        pytest.param(lambda m: m["columns"][0].update(status="done"), id="column-status"),
        pytest.param(lambda m: m["patterns"][0].update(verdict="fine"), id="verdict"),
        pytest.param(lambda m: m["patterns"][0].update(differs_by=["os"]), id="differs-by"),
        pytest.param(lambda m: m["patterns"][0].pop("code"), id="pattern-without-code"),
        pytest.param(lambda m: m.pop("cells"), id="no-cells"),
        pytest.param(lambda m: m["django_versions"].append("latest"), id="version"),
    ],
)
def test_the_schema_rejects_a_malformed_matrix(validator, change):
    assert problems(validator, broken(change))


def test_a_mistake_row_keeps_its_failure_details(validator):
    cell = fixture_matrix()["cells"][MISTAKE]["db-dj4.2"]
    assert (cell["status"], cell["exception"], cell["message"]) == ("failed", "KeyError", "'foo'")
