"""A column is stale when what decides its outcomes changed: code, not docstrings."""

import shutil

import pytest

from session_matrix.core import records
from session_matrix.matrix.fingerprint import fingerprint
from tests.helpers import ROOT


def _tree(tmp_path):
    for folder in ("matrix_tests", "project", "engines"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.fixture
def pattern_module(tmp_path):
    """A copy of the tree: (the db record, its fingerprint, a pattern module, its text)."""
    root = _tree(tmp_path)
    record = records.load("db", [root / "engines"])
    module = root / "matrix_tests" / "test_before_request.py"
    return record, fingerprint(record, root), module, module.read_text()


def test_a_reworded_docstring_keeps_the_fingerprint_and_code_changes_it(pattern_module):
    record, before, module, text = pattern_module
    root = module.parent.parent
    module.write_text(
        text.replace("Expect: the view reads foo == 2", "Expect: the view reads foo", 1)
    )
    assert fingerprint(record, root) == before
    module.write_text(text.replace('        s["foo"] = 2\n', '        s["foo"] = 3\n', 1))
    assert fingerprint(record, root) != before


def test_the_record_and_the_records_it_extends_count(tmp_path):
    root = _tree(tmp_path)
    variant = next(r for r in records.load_all([root / "engines"]) if not r.default)
    before = fingerprint(variant, root)
    base = root / "engines" / f"{variant.extends}.toml"
    base.write_text(base.read_text() + "\n# a comment changes no outcome\n")
    assert fingerprint(records.load(variant.name, [root / "engines"]), root) == before
    text = base.read_text()
    base.write_text(text.replace("[settings]\n", "[settings]\nSESSION_COOKIE_AGE = 600\n", 1))
    assert "SESSION_COOKIE_AGE" in base.read_text()
    assert fingerprint(records.load(variant.name, [root / "engines"]), root) != before


def test_a_docstring_that_grows_a_line_keeps_the_fingerprint(pattern_module):
    record, before, module, text = pattern_module
    root = module.parent.parent
    grown = text.replace("    Expect: ", "    Expect: (a line more)\n    ", 1)
    assert grown != text
    module.write_text(grown)
    assert fingerprint(record, root) == before
