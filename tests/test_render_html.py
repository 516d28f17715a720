"""results/index.html, results/matrix.svg and the report that writes them, on fixture data."""

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import pytest

from session_matrix import report
from session_matrix.render_html import html_report, page_context
from session_matrix.render_markdown import anchor, markdown_report, readme_block
from session_matrix.render_svg import heatmap, shares
from tests.resources.html_fixture import (
    ASYNC,
    HOSTILE,
    MISTAKE,
    NAIVE,
    REPLAY,
    copy_raw,
    fixture_matrix,
)


@pytest.fixture(scope="module")
def matrix():
    return fixture_matrix()


@pytest.fixture(scope="module")
def page(matrix):
    return html_report(matrix)


def row_html(page, pattern_id):
    """The pattern's row and its detail row."""
    start = page.index(f'<tr class="pattern" id="{anchor(pattern_id)}"')
    end = page.find('<tr class="pattern"', start + 1)
    return page[start : end if end != -1 else None]


def test_text_from_test_runs_and_docstrings_is_escaped(page):
    assert HOSTILE not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "<b>save()</b>" not in page
    assert "&lt;b&gt;save()&lt;/b&gt;" in page
    assert "Async &lt;sessions&gt;" in page
    assert "fixture broke &lt;&amp;&gt;" in page
    assert page.count("<script") == 2  # the JSON config and the page's own script


def test_only_the_pages_own_script_may_run(page):
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_the_page_loads_nothing_from_elsewhere(page):
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert " src=" not in page
    assert "@import" not in page
    assert "url(" not in page


def test_the_embedded_config_is_json(page, matrix):
    blob = re.search(r'<script type="application/json" id="matrix-config">(.*?)</script>', page)
    assert json.loads(blob.group(1)) == {"versions": matrix["django_versions"]}


def test_every_pattern_has_a_row_and_a_detail_with_the_markdown_anchor(page, matrix):
    for pattern in matrix["patterns"]:
        assert f'id="{anchor(pattern["id"])}"' in page
        assert f'id="d-{anchor(pattern["id"])}"' in page
    links = re.findall(r"\]\(index\.html#([^)]+)\)", markdown_report(matrix, "index.html"))
    assert links
    assert all(f'id="{target}"' in page for target in links)
    readme = readme_block(matrix, detail_link="results/index.html")
    assert f"(results/index.html#{anchor(NAIVE)})" in readme


def test_django_versions_collapse_when_they_agree_and_read_as_ranges_when_not(page):
    replay = row_html(page, REPLAY)
    assert "✗ 4.2, ✓ 5.2+" in replay
    assert "fails on 4.2, works since 5.2" in replay
    naive = row_html(page, NAIVE)
    db_cell = re.search(r'<td class="cell" data-engine="db">.*?</td>', naive, re.DOTALL).group(0)
    assert '<span class="sum">✓</span>' in db_cell
    assert "words" not in db_cell
    assert "– 4.2, ✓ 5.2+" in row_html(page, ASYNC)


def test_a_cells_detail_has_the_exception_code_why_and_fix(page):
    naive = row_html(page, NAIVE)
    assert "AssertionError: assert b&#39;1&#39; == b&#39;2&#39;" in naive
    assert "write session.session_key into client.cookies" in naive
    assert "def test_naive_save(client):" in naive
    assert 'href="https://code.djangoproject.com/ticket/10899"' in naive
    assert "runs: passed, failed" in row_html(page, REPLAY)


def test_negative_controls_stale_and_not_run_columns_are_marked(page, matrix):
    assert "mistake everywhere" in row_html(page, MISTAKE)
    assert "tone-mistake" in row_html(page, MISTAKE)
    assert "stale: 5.2" in page
    assert "6.1 not run</b>: no Redis at redis://127.0.0.1:6379/0" in page
    assert "4.2 harness error</b>: collection failed" in page
    context = page_context(matrix)
    cache = next(engine for engine in context["engines"] if engine["name"] == "cache")
    assert cache["python"] == "3.12.1 (4.2), 3.13.0 (5.2+)"
    assert cache["services"] == ["redis 7.0.15", "sqlite 3.40.1"]


def test_the_per_engine_summary_counts_the_newest_django_that_ran(matrix):
    summary = {row["engine"]: row for row in page_context(matrix)["summary"]}
    assert (summary["db"]["django"], summary["db"]["works"]) == ("6.1", 4)
    assert summary["db"]["mistakes"] == 1
    assert summary["cache"]["django"] == "5.2"  # 6.1 was not run


def test_filters_offer_every_engine_version_and_theme(page, matrix):
    for engine in matrix["engines"]:
        assert f'name="engine" value="{engine["name"]}" checked' in page
    for version in matrix["django_versions"]:
        assert f'<option value="{version}">' in page
    assert '<option value="auth">Authentication</option>' in page
    assert 'name="differ"' in page


def test_the_heatmap_is_well_formed_svg_with_escaped_titles(matrix):
    svg = heatmap(matrix)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [text.text for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"cache", "db", "signed_cookies", "All themes"} <= set(texts)
    assert "Async &lt;sessions&gt;" in svg


def test_the_heatmap_leaves_out_negative_controls_and_what_did_not_run(matrix):
    rows = {row["theme"]: row["cells"] for row in shares(matrix)}
    assert rows["before_request"] == {"cache": (1, 1), "db": (1, 1), "signed_cookies": (0, 1)}
    assert rows["async_session"]["db"] == (1, 1)
    assert rows["*"]["signed_cookies"] == (3, 5)  # the flaky one ran and did not work
    assert list(rows)[-2:] == ["", "*"]  # an idiom without a theme: "Other patterns"


def test_report_writes_the_page_heatmap_schema_and_linked_markdown(results_dir):
    copy_raw(results_dir)
    assert report.main(["--no-readme"]) == 0
    names = {path.name for path in results_dir.iterdir()}
    assert {"matrix.json", "matrix.schema.json", "matrix.md", "index.html", "matrix.svg"} <= names
    assert (results_dir / "matrix.schema.json").read_text() == report.SCHEMA.read_text()
    matrix = json.loads((results_dir / "matrix.json").read_text())
    assert matrix["$schema"] == "matrix.schema.json"
    page = (results_dir / "index.html").read_text()
    for target in re.findall(
        r"\]\(index\.html#([^)]+)\)", (results_dir / "matrix.md").read_text()
    ):
        assert f'id="{target}"' in page
