"""The renderers on a fixture matrix: hostile ids, docstrings and messages stay inert in
matrix.md, the README block and the page; the tables keep their shape."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from session_matrix.core.markdown_escape import code, sources, text
from session_matrix.core.vocabulary import Kind, Verdict
from session_matrix.matrix.render.html import html_report
from session_matrix.matrix.render.markdown import markdown_report, readme_block
from session_matrix.matrix.render.svg import heatmap
from tests.helpers import DEFAULTS, HOSTILE_MESSAGE, SAMPLE, fixture_matrix

ALLOWED_TAGS = {
    "p",
    "a",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h1",
    "h2",
    "h3",
    "ul",
    "li",
    "strong",
    "em",
    "br",
}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = 0
        self.names = set()
        self.handlers = []
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.names.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


@pytest.fixture(scope="module")
def matrix():
    return fixture_matrix()


def github(markdown):
    """Markdown rendered the way GitHub does it (tables, strikethrough, raw HTML allowed)."""
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .render(markdown)
    )


def table_shapes(markdown):
    """For every table: the header's cell count, and every body row's."""
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown)
    shapes, current, cells = [], None, 0
    for token in tokens:
        if token.type == "table_open":
            current = []
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            current.append(cells)
        elif token.type == "table_close":
            shapes.append(current)
    return shapes


def test_the_readme_block_is_a_summary_that_links_to_matrix_md(matrix):
    block = readme_block(matrix)
    assert "index.html" not in block
    assert "(results/matrix.md)" in block
    assert len(block.splitlines()) < 40
    for shape in table_shapes(block):
        assert len(set(shape)) == 1, f"a row has a different number of cells: {shape}"


@pytest.mark.parametrize("render", [markdown_report])
def test_hostile_text_is_inert_in_markdown(matrix, render):
    markdown = render(matrix)
    rendered = github(markdown)
    tags = _Tags()
    tags.feed(rendered)
    assert tags.names <= ALLOWED_TAGS, tags.names - ALLOWED_TAGS
    assert tags.handlers == []
    assert not any(h.startswith("javascript") for h in tags.hrefs)
    assert "window.pwned" in rendered, "the text is still there, as text"
    for shape in table_shapes(markdown):
        assert len(set(shape)) == 1, f"a row has a different number of cells: {shape}"


def test_code_spans_hold_backticks_and_pipes_verbatim():
    rendered = github(f"| a |\n|---|\n| {code('s[`k`] = `x` | <b>')} |")
    assert "<code>s[`k`] = `x` | &lt;b&gt;</code>" in rendered


def test_text_and_sources_escape_every_inline_construct():
    rendered = github(text("*a* _b_ [c](d) `e` <f> ~~g~~ | h"))
    assert rendered.strip() == "<p>*a* _b_ [c](d) `e` &lt;f&gt; ~~g~~ | h</p>"
    linked = github(sources("see https://example.com/t?a=1&b=2 and javascript:alert(1)"))
    assert '<a href="https://example.com/t?a=1&amp;b=2">' in linked
    assert "javascript:alert" in linked
    assert 'href="javascript' not in linked


def test_markdown_names_the_kind_and_the_setup_dependency(matrix):
    markdown = markdown_report(matrix)
    assert f"{Verdict.FAILS_EVERYWHERE.term.symbol} ({Kind.MISTAKE.term.word})" in markdown
    assert "not run: no Redis at redis://x" in markdown


def test_the_page_has_only_its_own_scripts_and_no_handlers(matrix):
    page = html_report(matrix)
    tags = _Tags()
    tags.feed(page)
    assert tags.scripts == 2  # the JSON config and the page's own hashed script
    assert tags.handlers == []
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "script-src 'sha256-" in page


def test_the_page_shows_defaults_first_and_variants_behind_the_toggle(matrix):
    page = html_report(matrix)
    headers = re.findall(r'<th scope="col" class="config( variant)?" data-config="([^"]+)"', page)
    defaults = [name for variant, name in headers if not variant]
    assert defaults == DEFAULTS
    assert all(name not in DEFAULTS for variant, name in headers if variant)
    assert 'name="variants"' in page


def test_the_heatmap_is_well_formed_svg_with_one_column_per_engine(matrix):
    svg = heatmap(matrix)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    for name in DEFAULTS:
        assert f">{name}<" in svg


def test_a_failure_message_reaches_the_detail_as_text(matrix):
    page = html_report(matrix)
    assert f"{SAMPLE}::test_key_error" in page
    # The detail is built from the page's JSON, in which "<" cannot close the script.
    data = page.split('<script type="application/json" id="matrix-data">')[1].split("</script>")[0]
    assert "<" not in data
    assert HOSTILE_MESSAGE in json.loads(data)["strings"]


def test_a_column_header_names_the_backend_and_tells_a_server_from_its_client():
    """cache (django-redis) and cache-redis-builtin (Django's RedisCache) both use a class
    called RedisCache; the Redis server and redis-py are both called redis."""
    from session_matrix.core import config, records
    from session_matrix.core.catalogue import read_catalogue
    from session_matrix.matrix.fingerprint import fingerprint
    from session_matrix.matrix.merge import build_matrix
    from tests.helpers import RESOURCES, fixture_raws

    names = ["cache", "cache-redis-builtin", "cache-redis-json"]
    raws = fixture_raws(configurations=names)
    for raw in raws.values():
        if raw.results:
            raw.results.environment["services"] = {"redis": "7.0.15"}
            raw.results.environment["packages"] = {"redis": "8.1.0", "django-redis": "7.0.0"}
    every = [records.load(name) for name in names]
    page = html_report(
        build_matrix(
            raws=raws,
            catalogue=read_catalogue(RESOURCES / "patterns", config.themes()),
            configurations=every,
            django=config.django_versions(),
            themes=config.themes(),
            fingerprints={r.name: fingerprint(r) for r in every},
        )
    )
    # The configurations table under the matrix: one row per configuration.
    rows = dict(re.findall(r'<tr id="cfg-([^"]+)">(.*?)</tr>', page, re.S))
    envs = {
        name: " " + re.sub(r"<[^>]+>", "", row).replace("\n", " ") + ";"
        for name, row in rows.items()
    }
    assert "cache default: django_redis.cache.RedisCache;" in envs["cache"]
    assert "cache default: Django&#39;s RedisCache;" in envs["cache-redis-builtin"]
    assert (
        "cache default: django_redis.cache.RedisCache, JSONSerializer;" in envs["cache-redis-json"]
    )
    for name in names:
        assert " redis server 7.0.15;" in envs[name]
        assert re.search(r"; redis 8\.1\.0\b", envs[name])
    assert "django-redis 7.0.0" not in envs["cache-redis-builtin"]
