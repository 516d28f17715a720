"""The GitHub Actions workflow that fans the matrix out: one job per cell, then the report.

actionlint (from the ``tests`` group) checks it, as GitHub cannot run it here; the other tests
check what the workflow relies on with the tools this repository already uses.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "matrix.yml"


@pytest.fixture
def actionlint():
    # The tests' own environment first: pytest may run without its bin/ on PATH.
    found = shutil.which(
        "actionlint", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    if found is None:
        pytest.skip("actionlint not found: install the tests group (nox -s tests does)")
    return found


def lint(actionlint, path):
    return subprocess.run(
        [actionlint, "-no-color", str(path)], capture_output=True, text=True, check=False
    )


def test_actionlint_finds_nothing(actionlint):
    result = lint(actionlint, WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / ".github" / "workflows" / "matrix.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on: ubuntu-", "runs-on: ubunto-", 1))
    result = lint(actionlint, broken)
    assert result.returncode != 0
    assert 'label "ubunto-' in result.stdout


def test_permissions_are_read_only_and_actions_pinned():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert re.search(r"^permissions:\n  contents: read\n(?!  )", text, re.MULTILINE)
    uses = re.findall(r"uses: (\S+)", text)
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", action), action


def _job_matrix(listing: str) -> dict:
    """Run the workflow's own jq program over a ``nox -l --json`` listing."""
    program = re.search(r"jq -c '(.*?)' sessions\.json", WORKFLOW.read_text(), re.DOTALL)
    assert program, "the workflow no longer builds its matrix with `jq -c '...' sessions.json`"
    out = subprocess.run(
        ["jq", "-c", program.group(1)], input=listing, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_job_matrix_has_one_job_per_cell_named_like_its_raw_file(nox_listing):
    listing = nox_listing
    cells = [s for s in json.loads(listing) if s["name"] == "matrix"]
    include = _job_matrix(listing)["include"]
    assert [job["session"] for job in include] == [s["session"] for s in cells]
    for job, session in zip(include, cells, strict=True):
        spec = session["call_spec"]
        assert job["cell"] == f"{spec['engine']}-dj{spec['django']}"
        assert f"matrix({job['cell']})" == job["session"]


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_a_cell_without_interpreter_still_gets_a_job():
    listing = [
        {
            "session": "matrix(db-dj4.2)",
            "name": "matrix",
            "python": False,
            "call_spec": {"django": "4.2", "engine": "db"},
        },
        {"session": "report", "name": "report", "python": None, "call_spec": {}},
    ]
    include = _job_matrix(json.dumps(listing))["include"]
    assert include == [{"session": "matrix(db-dj4.2)", "cell": "db-dj4.2", "python": "none"}]
