"""matrix.md and the README block: compact, escaped, refreshed between markers only."""

import re

import pytest

from session_matrix.readme import END, START, ReadmeError, refresh
from session_matrix.render_markdown import anchor, markdown_report, readme_block
from tests.test_merge import NAIVE, build, raw_record, row


@pytest.fixture
def matrix():
    hostile = row("failed", "KeyError", "<script>alert(1)</script> | `x`")
    return build(
        [
            raw_record("signed_cookies-dj6.1", {NAIVE: hostile}),
            raw_record("db-dj6.1", {NAIVE: row()}),
        ]
    )


def test_rows_show_engines_and_version_ranges(matrix):
    text = markdown_report(matrix)
    assert "| idiom | db | signed_cookies |" in text
    assert f"(#{anchor(NAIVE)})" in text
    assert "❔ 5.2, ✅ 6.1+" in text


def test_text_from_a_run_cannot_break_the_table_or_inject_html(matrix):
    text = markdown_report(matrix)
    # Inside a code span Markdown shows <script> as text (entities would show literally).
    assert "`KeyError: <script>alert(1)</script> \\| 'x'`" in text
    outside_code = re.sub(r"`[^`]*`", "", text)
    assert "<script>" not in outside_code


def test_readme_refresh_replaces_only_the_block(tmp_path, matrix):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold table\n{END}\noutro\n")
    assert refresh(readme, readme_block(matrix)) is True
    text = readme.read_text()
    assert text.startswith("intro\n")
    assert text.endswith(f"{END}\noutro\n")
    assert "old table" not in text
    assert "signed_cookies" in text
    assert refresh(readme, readme_block(matrix)) is False


def test_readme_without_markers_is_a_clear_error_and_is_left_alone(tmp_path, matrix):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    with pytest.raises(ReadmeError, match="needs exactly one '<!-- matrix:start -->'"):
        refresh(readme, readme_block(matrix))
    assert readme.read_text() == "no markers here\n"
