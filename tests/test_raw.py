"""Raw result files: written atomically, read with one-line errors that name the file."""

import json
import os

import pytest

from session_matrix import raw
from tests.conftest import raw_record, row


def test_write_then_read_round_trip(tmp_path):
    path = tmp_path / "raw" / "db-dj6.1.json"
    record = raw_record("db-dj6.1", {"t.py::test_x": row()})
    raw.write_atomic(path, record)
    assert raw.read(path) == record
    assert [p.name for p in path.parent.iterdir()] == ["db-dj6.1.json"]
    assert path.stat().st_mode & 0o044, "results are readable by others, as any file"


def test_a_crash_while_writing_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "db-dj6.1.json"
    raw.write_atomic(path, raw_record("db-dj6.1"))
    before = path.read_text()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        raw.write_atomic(path, raw_record("db-dj6.1", {"t.py::test_x": row()}))
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["db-dj6.1.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format": 1, "cell": {"id"', "not valid JSON, probably truncated"),
        ("[]", "not a raw result"),
        ('{"format": 99}', "raw format 99"),
        ('{"format": 1, "cell": {}}', "missing its cell"),
    ],
)
def test_unreadable_raw_files_are_named_in_one_line(tmp_path, content, expected):
    path = tmp_path / "db-dj6.1.json"
    path.write_text(content)
    with pytest.raises(raw.RawError) as raised:
        raw.read(path)
    message = str(raised.value)
    assert str(path) in message
    assert expected in message
    assert "re-run that cell" in message
    assert "\n" not in message


def test_an_unknown_outcome_is_rejected(tmp_path):
    path = tmp_path / "db-dj6.1.json"
    path.write_text(json.dumps(raw_record("db-dj6.1", {"t.py::x": row("exploded")})))
    with pytest.raises(raw.RawError, match="has no valid outcome"):
        raw.read(path)


def test_results_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_MATRIX_RESULTS", str(tmp_path))
    assert raw.path_for("db-dj6.1") == tmp_path / "raw" / "db-dj6.1.json"
