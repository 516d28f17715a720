"""A small matrix built from the raw files in ``html_raw/``: three engines on three Django
versions, with every cell status, a stale column, a column that was not run, one whose run
broke, a deselected run (db-dj5.2), a negative control, a parametrized pattern, CI origins and
a hostile failure message. The patterns are in ``html_patterns.json``, the engines, versions
and themes in ``html_engines.json``."""

import json
import shutil
from pathlib import Path

from session_matrix.catalogue import Pattern
from session_matrix.merge import build_matrix
from session_matrix.report import load_records

HERE = Path(__file__).resolve().parent
RAW = HERE / "html_raw"
HOSTILE = "<script>window.pwned=1</script>"
NAIVE = "matrix_tests/test_before_request.py::test_naive_save"
MISTAKE = "matrix_tests/test_before_request.py::test_chained_assignment"
REPLAY = "matrix_tests/test_auth.py::test_replay[old-cookie]"
ASYNC = "matrix_tests/test_async_session.py::test_asession"


def catalogue():
    patterns = json.loads((HERE / "html_patterns.json").read_text(encoding="utf-8"))
    return {pattern["id"]: Pattern(**pattern) for pattern in patterns}


def build(records):
    """The matrix document for ``records`` (by cell id) on the fixture's engines and patterns."""
    setup = json.loads((HERE / "html_engines.json").read_text(encoding="utf-8"))
    return build_matrix(records=records, catalogue=catalogue(), **setup)


def fixture_matrix(raw_dir=RAW):
    """The matrix document for the raw files in ``raw_dir`` (default: the fixture's)."""
    records, problems = load_records(raw_dir)
    assert not problems, problems
    return build(records)


def copy_raw(target):
    """The fixture's raw files copied into ``target/raw`` (a results directory)."""
    shutil.copytree(RAW, target / "raw", dirs_exist_ok=True)
    return target / "raw"
