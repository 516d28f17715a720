"""The report refuses to publish from bad input, and publishes its files as one set."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from session_matrix.core import paths
from session_matrix.core.model import to_json
from tests.helpers import ROOT, fixture_raws, snapshot, write_raw


def report(results, readme, *args, env=None):
    environment = os.environ | {"SESSION_MATRIX_RESULTS": str(results)} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "session_matrix", "report", "--readme", str(readme), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def published(results_dir, tmp_path):
    """A results directory with a good publication and a README that holds its table."""
    for record in fixture_raws().values():
        write_raw(results_dir, record)
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    done = report(results_dir, readme)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in results_dir.iterdir()} >= {
        "matrix.json",
        "index.html",
        "matrix.md",
        "matrix.svg",
        "matrix.schema.json",
    }
    return results_dir, readme


def _everything(results, readme):
    return snapshot(results) | {"README.md": readme.read_bytes()}


def _set(path, block, key, value):
    data = json.loads(path.read_text())
    data[block][key] = value
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda p: p.write_text(p.read_text()[:200]), "not valid JSON, probably truncated"),
        (lambda p: p.write_text("not json at all"), "not valid JSON"),
        (lambda p: p.write_text("[1, 2]"), "(top level): [1, 2] is not of type 'object'"),
        (
            lambda p: _set(p, "results", "timings", []),
            "results.timings: [] is not of type 'object'",
        ),
        (lambda p: _set(p, "last_run", "status", "fine"), "last_run.status: 'fine' is not one of"),
        (
            lambda p: p.write_text(json.dumps(json.loads(p.read_text()) | {"format": 1})),
            "format: 2 was expected",
        ),
        # Right types, wrong values: these were published as data.
        (lambda p: _set(p, "results", "finished", "yesterday"), "results.finished: 'yesterday'"),
        (
            lambda p: p.write_text(json.dumps(json.loads(p.read_text()) | {"results": None})),
            "outcomes but no results",
        ),
        (
            lambda p: p.write_text(
                json.dumps(json.loads(p.read_text()) | {"results": None, "tests": {}})
            ),
            "last_run.status is ok but there are no results",
        ),
    ],
)
def test_a_bad_raw_file_publishes_nothing(published, damage, expected):
    results, readme = published
    target = next(
        p for p in sorted((results / "raw").glob("*.json")) if json.loads(p.read_text())["results"]
    )
    damage(target)
    before = _everything(results, readme)
    done = report(results, readme)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert target.name in errors[0]
    assert expected in errors[0], done.stderr
    assert "nothing published" in done.stderr
    assert _everything(results, readme) == before


def test_every_bad_file_is_named_and_allow_partial_publishes_the_rest(published):
    results, readme = published
    bad = sorted((results / "raw").glob("*.json"))[:2]
    for path in bad:
        path.write_text("{")
    done = report(results, readme)
    assert done.returncode == 1
    assert all(path.name in done.stderr for path in bad)
    done = report(results, readme, "--allow-partial")
    assert done.returncode == 0
    assert done.stderr.count("warning: skipped (--allow-partial)") == 2
    matrix = json.loads((results / "matrix.json").read_text())
    gone = {path.stem for path in bad}
    assert {c["id"]: c["status"] for c in matrix["columns"] if c["id"] in gone} == dict.fromkeys(
        gone, "absent"
    )


@pytest.mark.parametrize("how", ["empty", "missing"])
def test_no_raw_results_is_an_error(published, how):
    results, readme = published
    shutil.rmtree(results / "raw")
    if how == "empty":
        (results / "raw").mkdir()
    before = _everything(results, readme)
    done = report(results, readme)
    assert done.returncode == 1
    assert "no raw results in" in done.stderr
    assert _everything(results, readme) == before


def test_a_malformed_record_publishes_nothing(published, tmp_path):
    results, readme = published
    engines = tmp_path / "engines"
    shutil.copytree(ROOT / "engines", engines)
    (engines / "broken.toml").write_text('description = "x"\n[settings]\nSESSION_ENGINE = 42\n')
    before = _everything(results, readme)
    done = report(results, readme, env={"SESSION_MATRIX_ENGINES_DIR": str(engines)})
    assert done.returncode == 1
    assert "broken.toml: settings.SESSION_ENGINE: 42 is not of type 'string'" in done.stderr
    assert _everything(results, readme) == before


def test_a_readme_without_markers_publishes_nothing(published):
    results, readme = published
    readme.write_text("# no markers\n")
    before = _everything(results, readme)
    done = report(results, readme)
    assert done.returncode == 1
    assert "needs exactly one" in done.stderr
    assert _everything(results, readme) == before


def test_publish_replaces_the_set_or_nothing(tmp_path):
    target = tmp_path / "results"
    (target / "raw").mkdir(parents=True)
    (target / "raw" / "kept.json").write_text("{}")
    paths.publish({"a.txt": "1", "b.txt": "1"}, target)
    with pytest.raises(paths.PublishError, match="Is a directory"):
        paths.publish({"a.txt": "2", "raw": "a file where a directory is"}, target)
    assert snapshot(target) == {"a.txt": b"1", "b.txt": b"1", "raw/kept.json": b"{}"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results.")] == [
        ".results.lock"
    ]


def test_a_reader_of_the_directory_never_sees_two_generations(tmp_path):
    target = tmp_path / "results"
    paths.publish({"matrix.json": "0", "index.html": "0"}, target)
    stop = threading.Event()
    mixed = []

    def read():
        while not stop.is_set():
            fd = os.open(target, os.O_RDONLY)
            try:
                pair = []
                for name in ("matrix.json", "index.html"):
                    with open(name, opener=lambda p, f, fd=fd: os.open(p, f, dir_fd=fd)) as handle:
                        pair.append(handle.read())
            except FileNotFoundError:
                continue  # this generation was swapped out and removed: read the new one
            finally:
                os.close(fd)
            if pair[0] != pair[1]:
                mixed.append(pair)

    reader = threading.Thread(target=read)
    reader.start()
    for generation in range(1, 150):
        paths.publish({"matrix.json": str(generation), "index.html": str(generation)}, target)
    stop.set()
    reader.join()
    assert mixed == []
    assert (target / "matrix.json").read_text() == "149"


def test_the_published_matrix_is_valid_and_rebuilt_byte_for_byte(published):
    results, readme = published
    first = _everything(results, readme)
    assert report(results, readme).returncode == 0
    assert _everything(results, readme) == first
    assert to_json  # the same writer made every file


def test_leftovers_of_an_interrupted_publish_are_removed_by_the_next(published):
    """Ctrl-C during the report left up to 80 `.results.new-*` folders, and nothing removed
    them."""
    results, readme = published
    for name in (".results.new-abc", ".results.old-def"):
        (results.parent / name / "raw").mkdir(parents=True)
    (readme.parent / f".{readme.name}.x1.tmp").write_text("half")
    done = report(results, readme)
    assert done.returncode == 0, done.stderr
    left = [p.name for p in results.parent.iterdir() if p.name.startswith(".results.")]
    assert left == [".results.lock"]
    assert not list(readme.parent.glob(f".{readme.name}.*.tmp"))


def _open_files(pid):
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while we look
            found.add(str(fd.readlink()))
    return found


def test_a_readme_edited_while_the_report_runs_is_not_overwritten(published):
    """A README edit made while the report publishes was overwritten silently (8 of 8)."""
    results, readme = published
    before = snapshot(results)
    process = subprocess.Popen(
        [sys.executable, "-m", "session_matrix", "report", "--readme", str(readme)],
        cwd=ROOT,
        env=os.environ | {"SESSION_MATRIX_RESULTS": str(results)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Publishing starts by taking the results lock, long after the README was read: hold
    # it, wait until the report opens the lock file to wait for it, then edit the README.
    lock = results.parent / f".{results.name}.lock"
    with paths.results_lock(results):
        deadline = time.monotonic() + 120
        while str(lock) not in _open_files(process.pid):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the report never came to publish"
            time.sleep(0.01)
        readme.write_text(readme.read_text() + "\nmy edit\n")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert stderr.strip().count("\n") == 0, stderr
    assert "changed since the report started" in stderr
    assert readme.read_text().endswith("\nmy edit\n")
    assert snapshot(results) == before


def test_publishing_into_an_immutable_results_dir_is_one_line(published):
    """A read-only results/ printed a 10 KB shutil.Error."""
    results, readme = published
    before = _everything(results, readme)
    if subprocess.run(["chattr", "-R", "+i", str(results)], check=False).returncode:
        pytest.skip("chattr +i is not possible here (needs root and ext4/xfs)")
    try:
        done = report(results, readme)
    finally:
        subprocess.run(["chattr", "-R", "-i", str(results)], check=True)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith(f"error: nothing published: cannot write {results}")
    assert "make it writable" in done.stderr
    assert _everything(results, readme) == before
