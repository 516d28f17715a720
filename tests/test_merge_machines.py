"""Raw results from several machines merge into one matrix; each column keeps its own origin.

Two cells ran on two machines (a laptop and a CI runner) with different Python patch
versions, Redis versions and platforms; a third raw file arrived truncated.
"""

import shutil

import pytest

from session_matrix import report
from tests.conftest import RESOURCES

SEED = "matrix_tests/test_before_request.py::SeedTests::test_naive_save"
MACHINES = {
    "cache-dj5.2": "machine_laptop_cache-dj5.2.json",
    "cached_db-dj6.1": "machine_ci_cached_db-dj6.1.json",
}


@pytest.fixture
def merged(results_dir):
    raw_dir = results_dir / "raw"
    for cell, fixture in MACHINES.items():
        shutil.copy(RESOURCES / fixture, raw_dir / f"{cell}.json")
    text = (RESOURCES / MACHINES["cache-dj5.2"]).read_text()
    truncated = raw_dir / "db-dj6.1.json"
    truncated.write_text(text.replace('"cache', '"db')[: len(text) // 2])
    records, problems = report.load_records(raw_dir)
    matrix = report.build(records)
    return {column["id"]: column for column in matrix["columns"]}, matrix, problems, truncated


def test_each_machine_keeps_its_own_environment(merged):
    columns, _, _, _ = merged
    laptop, ci = columns["cache-dj5.2"], columns["cached_db-dj6.1"]
    assert laptop["status"] == ci["status"] == "ok"
    assert laptop["environment"]["python"] == "3.13.0"
    assert laptop["environment"]["services"]["redis"] == "7.0.15"
    assert laptop["environment"]["django"] == "5.2.8"
    assert ci["environment"]["python"] == "3.12.12"
    assert ci["environment"]["services"]["redis"] == "7.4.7"
    assert ci["environment"]["django"] == "6.1.1"


def test_each_column_says_where_it_came_from(merged):
    columns, _, _, _ = merged
    laptop, ci = columns["cache-dj5.2"], columns["cached_db-dj6.1"]
    assert laptop["origin"] == {"host": "dev-laptop", "platform": "Darwin arm64", "ci_run": ""}
    assert ci["origin"]["host"] == "runner-7"
    assert ci["origin"]["platform"] == "Linux x86_64"
    assert ci["origin"]["ci_run"].endswith("/actions/runs/123456")


def test_both_machines_outcomes_land_in_their_own_column(merged):
    _, matrix, _, _ = merged
    assert matrix["cells"][SEED]["cache-dj5.2"]["status"] == "passed"
    assert matrix["cells"][SEED]["cached_db-dj6.1"]["status"] == "passed"
    assert matrix["cells"][SEED]["cache-dj6.1"]["status"] == "absent"


def test_a_truncated_raw_file_is_named_and_skipped(merged):
    columns, _, problems, truncated = merged
    assert len(problems) == 1
    assert str(truncated) in problems[0]
    assert "not valid JSON" in problems[0]
    assert columns["db-dj6.1"]["status"] == "absent"
