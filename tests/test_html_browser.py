"""results/index.html as a person sees it: real headless Chromium, driven by Playwright.

Uses the system's Chromium (Debian's ``chromium`` package; never ``playwright install``):
``CHROMIUM`` names another binary. Without one the test fails: .ci/run installs it. The screenshot
goes to ``SESSION_MATRIX_SCREENSHOT`` when set, else into the test's tmp dir.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from session_matrix.core import paths
from session_matrix.core.anchors import anchor
from session_matrix.core.vocabulary import CellStatus
from session_matrix.matrix.render.html import html_report
from session_matrix.matrix.render.page_metrics import tab_stops
from tests.helpers import DEFAULTS, SAMPLE, fixture_matrix

NAIVE = f"{SAMPLE}::test_key_error"  # fails on the last default configuration only
MISTAKE = "hostile/test_hostile.py::test_hostile_ids[a`b]"  # fails everywhere
ODD = DEFAULTS[-1]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_binary():
    named = os.environ.get("CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    binary = chromium_binary()
    if binary is None:
        pytest.fail("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """Open a local page; fail the test on any script error or console error."""
    pages, errors = [], []

    def _open(path, fragment=""):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(Path(path).resolve().as_uri() + fragment)
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.close()
    assert errors == []


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "index.html"
    path.write_text(html_report(fixture_matrix()), encoding="utf-8")
    return path


def row(page, pattern_id):
    return page.locator(f"#{anchor(pattern_id)}")


def detail(page, pattern_id):
    return page.locator(f"#d-{anchor(pattern_id)}")


def visible_rows(page):
    return page.locator("tr.pattern:visible").count()


def cells(page, pattern_id, config=None):
    """A row's cells (or one configuration's), as a reader reaches them: scrolled to (they
    are drawn near the screen)."""
    row(page, pattern_id).scroll_into_view_if_needed()
    found = row(page, pattern_id).locator("td.cell")
    return found.and_(page.locator(f'[data-config="{config}"]')) if config else found


def test_a_hostile_message_is_shown_as_text_and_never_runs(open_page, fixture_page, tmp_path):
    page = open_page(fixture_page)
    assert page.evaluate("window.pwned") is None
    assert not detail(page, NAIVE).is_visible()
    cells(page, NAIVE, ODD).locator("button").click()
    assert detail(page, NAIVE).is_visible()
    assert "<script>window.pwned=1</script>" in detail(page, NAIVE).inner_text()
    assert page.evaluate("window.pwned") is None
    focused = detail(page, NAIVE).locator("tr.focus")
    assert focused.get_attribute("data-config") == ODD
    shot = Path(os.environ.get("SESSION_MATRIX_SCREENSHOT") or tmp_path / "matrix.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_detail_opens_and_closes_from_the_idiom(open_page, fixture_page):
    page = open_page(fixture_page)
    idiom = row(page, MISTAKE).locator("button.idiom")
    idiom.click()
    assert detail(page, MISTAKE).is_visible()
    assert "a mistake everywhere" in detail(page, MISTAKE).inner_text()
    assert idiom.get_attribute("aria-expanded") == "true"
    idiom.click()
    assert not detail(page, MISTAKE).is_visible()


def test_a_link_to_an_idiom_opens_its_detail(open_page, fixture_page):
    page = open_page(fixture_page, f"#{anchor(NAIVE)}")
    assert detail(page, NAIVE).is_visible()


def test_configuration_filters_hide_columns_and_differ_filter_rows(open_page, fixture_page):
    page = open_page(fixture_page)
    total = page.locator("tr.pattern").count()
    assert visible_rows(page) == total
    page.check('input[name="differ"]')
    assert row(page, NAIVE).is_visible()
    assert not row(page, MISTAKE).is_visible()
    page.uncheck(f'input[name="config"][value="{ODD}"]')
    assert not page.locator(f'th.config[data-config="{ODD}"]').is_visible()
    assert not row(page, NAIVE).is_visible()
    page.click('button[type="reset"]')
    page.wait_for_function(
        f"document.querySelectorAll('tr.pattern:not([hidden])').length == {total}"
    )
    assert page.locator("#shown").inner_text() == f"Showing {total} of {total} idioms"


def test_variants_appear_only_with_all_configurations(open_page, fixture_page):
    page = open_page(fixture_page)
    variants = page.locator("th.config.variant")
    if variants.count() == 0:
        pytest.skip("no variant configuration records")
    assert not variants.first.is_visible()
    page.check('input[name="variants"]')
    assert variants.first.is_visible()
    page.uncheck('input[name="variants"]')
    assert not variants.first.is_visible()


def test_django_filter_shows_one_version_per_cell(open_page, fixture_page):
    page = open_page(fixture_page)
    first = cells(page, NAIVE, DEFAULTS[0]).locator("button")
    not_run, works = CellStatus.NOT_RUN.term, CellStatus.PASSED.term
    assert first.locator(".sum").inner_text().startswith(f"{not_run.glyph} ")
    versions = fixture_matrix().django_versions
    page.select_option('select[name="django"]', versions[0])
    assert first.locator(".sum").inner_text() == not_run.glyph
    page.select_option('select[name="django"]', versions[-1])
    assert first.locator(".sum").inner_text() == works.glyph
    assert f"tone-{works.tone}" in first.get_attribute("class")


def test_theme_filter_and_search(open_page, fixture_page):
    page = open_page(fixture_page)
    page.select_option('select[name="theme"]', "auth")
    assert row(page, f"{SAMPLE}::TestGrouped::test_method").is_visible()
    assert not row(page, NAIVE).is_visible()
    page.select_option('select[name="theme"]', "")
    page.fill('input[name="q"]', "test_key_error")
    expect(page.locator("tr.pattern:visible")).to_have_count(1)  # after the debounce
    assert row(page, NAIVE).is_visible()


def test_the_committed_page_works(open_page):
    path = paths.PUBLISHED / "index.html"
    if not path.is_file():
        pytest.fail("no committed results/index.html: run `nox` and commit what it writes")
    page = open_page(path)
    rows = page.locator("tr.pattern")
    assert rows.count() > 0
    rows.first.locator("button.idiom").click()
    # The panel opens in the click's handler: wait for it (a busy machine answers late).
    expect(page.locator("tr.detail.open")).to_have_count(1)


# The page as published: the committed matrix and profile, at desktop and phone size.
VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
SEED = "matrix_tests/test_before_request.py::SeedTests::test_naive_save"
NEEDS = ("processes", "revocable", "async")


@pytest.fixture(scope="module")
def published_page(tmp_path_factory):
    """index.html rendered from the committed raw results and profile.json."""
    from session_matrix import profile
    from session_matrix.matrix import report

    results = paths.PUBLISHED
    raws, _ = report.load_raws(results)
    matrix = report.build(raws)
    measured = report.load_profile(results)
    if measured is None:
        pytest.fail("no committed results/profile.json: run `nox -s profile`")
    extra = {"profile": profile.section(measured, matrix)}
    path = tmp_path_factory.mktemp("published") / "index.html"
    path.write_text(html_report(matrix, extra, measured), encoding="utf-8")
    return path


@pytest.fixture(params=list(VIEWPORTS))
def sized(request, open_page, published_page):
    page = open_page(published_page)
    page.set_viewport_size(VIEWPORTS[request.param])
    return page


def test_the_needs_grid_is_in_the_first_screen(sized):
    top = sized.locator("#needs-grid").bounding_box()
    assert top is not None
    assert top["y"] < sized.viewport_size["height"]


def test_ticking_needs_keeps_only_the_configurations_that_meet_them_all(sized):
    grid = sized.locator("#needs-grid")
    sized.locator("#needs-variants").check()
    ticked = [n for n in NEEDS if grid.locator(f'tr[data-need="{n}"]').count()]
    assert len(ticked) >= 2, "the profile lacks the rows to tick"
    for need in ticked:
        grid.locator(f'tr[data-need="{need}"] input[name="need"]').check()
    kept = grid.locator("thead th[data-config]:visible")
    names = [kept.nth(i).get_attribute("data-config") for i in range(kept.count())]
    meeting = ("meets", "does_not_apply")
    for th in grid.locator("thead th[data-config]").all():
        config = th.get_attribute("data-config")
        statuses = [
            grid.locator(f'tr[data-need="{n}"] td[data-config="{config}"]').get_attribute(
                "data-status"
            )
            for n in ticked
        ]
        assert (config in names) == all(s in meeting for s in statuses), config
    pick = sized.locator("#needs-pick").inner_text()
    assert (
        (names and names[0] in pick)
        or (not names and "No " in pick)
        or any(n in pick for n in names)
    )


@pytest.mark.parametrize("query", ['s["foo"]=2', "KeyError", "  S[ 'foo' ] = 2 "])
def test_search_finds_what_people_paste(open_page, published_page, query):
    page = open_page(published_page)
    total = page.locator("tr.pattern").count()
    page.fill('input[name="q"]', query)
    expect(page.locator("#shown")).not_to_have_text(f"Showing {total} of {total} idioms")
    assert row(page, SEED).is_visible()


def test_the_header_row_stays_visible_while_the_table_scrolls(open_page, published_page):
    page = open_page(published_page)
    page.evaluate("document.querySelector('.matrix-box').scrollIntoView()")
    page.evaluate("document.querySelector('.matrix-box').scrollTop = 1500")
    header = page.locator("#matrix thead th.corner").bounding_box()
    box = page.locator(".matrix-box").bounding_box()
    assert header is not None
    assert box is not None
    assert box["y"] - 1 <= header["y"] <= box["y"] + 5
    rows_shown = page.evaluate(
        """() => { const box = document.querySelector('.matrix-box').getBoundingClientRect();
        return [...document.querySelectorAll('tr.pattern')].filter(r => {
          const b = r.getBoundingClientRect(); return b.top >= box.top && b.bottom <= box.bottom;
        }).length; }"""
    )
    assert rows_shown >= 20


def test_the_phone_has_no_page_level_horizontal_scroll(open_page, published_page):
    page = open_page(published_page)
    page.set_viewport_size(VIEWPORTS["phone"])
    row(page, SEED).locator("button.idiom").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    panel = detail(page, SEED).bounding_box()
    assert panel is not None
    assert panel["width"] >= VIEWPORTS["phone"]["width"] - 40


def test_cells_are_named_by_configuration_version_and_status(open_page, published_page):
    page = open_page(published_page)
    page.select_option('select[name="django"]', "6.1")
    cells(page, SEED)
    named = row(page, SEED).get_by_role("button", name="signed_cookies on Django 6.1: fails")
    expect(named).to_have_count(1)


def axe_source():
    """axe-core from npm (.ci/run installs it): AXE_CORE names its axe.min.js."""
    named = os.environ.get("AXE_CORE")
    candidates = [Path(named)] if named else []
    candidates.append(paths.ROOT / "node_modules" / "axe-core" / "axe.min.js")
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    pytest.fail("no axe-core: `npm install axe-core` (or set AXE_CORE to its axe.min.js)")


def test_axe_finds_no_serious_or_critical_violation(sized):
    # The page's Content-Security-Policy allows only its own script: axe comes in through
    # the DevTools protocol, which the policy does not govern.
    sized.context.new_cdp_session(sized).send("Page.setBypassCSP", {"enabled": True})
    sized.reload()
    # The cells are drawn near the screen, and a detail panel opens: axe sees them all.
    cells(sized, SEED).first.locator("button").click()
    expect(detail(sized, SEED)).to_be_visible()
    sized.add_script_tag(content=axe_source())
    found = sized.evaluate("async () => (await axe.run(document)).violations")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}, e.g. {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_a_page_without_a_profile_says_it_has_no_grid(open_page, fixture_page):
    page = open_page(fixture_page)
    assert page.locator("#needs-grid").count() == 0
    assert "No engine profile" in page.locator("#needs").inner_text()


# What the page holds before anyone touches it, and how a keyboard gets through it.
DOM_LIMIT = 15_000  # elements before any interaction (issue 19)
TAB_LIMIT = 120  # Tab presses from the top of the page into the engine profile


def elements(page):
    return page.evaluate("document.getElementsByTagName('*').length")


def defaults_shown(page):
    return page.locator("#matrix thead th[data-config]:visible").count()


def test_the_cells_are_drawn_when_the_table_comes_near(open_page, published_page):
    page = open_page(published_page)
    page.wait_for_load_state("load")
    far = page.evaluate("document.querySelector('.matrix-box').getBoundingClientRect().top")
    if far > 2 * VIEWPORTS["desktop"]["height"]:  # beyond the one screen of margin
        assert page.locator("#matrix td.cell").count() == 0, "cells drawn far below the screen"
    assert elements(page) <= DOM_LIMIT
    total = page.locator("tr.pattern").count()
    page.locator("#matrix-title").scroll_into_view_if_needed()
    expect(page.locator("#matrix td.cell")).to_have_count(total * defaults_shown(page))
    # Every default cell drawn still fits the budget; the variants come with the toggle.
    assert elements(page) <= DOM_LIMIT


def test_a_link_to_an_idiom_below_the_screen_opens_it_and_draws_its_cells(
    open_page, published_page
):
    page = open_page(published_page, f"#{anchor(SEED)}")
    expect(detail(page, SEED)).to_be_visible()
    assert "Expect" in detail(page, SEED).inner_text()
    expect(row(page, SEED).locator("td.cell")).to_have_count(defaults_shown(page))
    assert row(page, SEED).locator("button.idiom").is_visible()


def test_a_search_finds_a_row_whose_cells_are_not_drawn_yet(open_page, published_page):
    page = open_page(published_page)
    assert row(page, SEED).locator("td.cell").count() == 0
    page.fill('input[name="q"]', 's["foo"]=2')
    expect(page.locator("#shown")).not_to_have_text(re.compile(r"Showing (\d+) of \1 idioms"))
    assert row(page, SEED).is_visible()
    expect(cells(page, SEED)).to_have_count(defaults_shown(page))


def test_the_profile_is_a_few_tab_presses_from_the_top(open_page, published_page):
    presses = tab_stops(open_page(published_page))
    assert presses < TAB_LIMIT, f"{presses} Tab presses before the engine profile"
    # The skip link is the first stop, and leads into <main>; the header's link to the
    # profile is a few stops on.
    page = open_page(published_page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.locator('header a[href="#profile"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#profile")).to_be_in_viewport()


def focused(page, script):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


def test_the_table_is_one_tab_stop_and_the_arrow_keys_move_in_it(open_page, published_page):
    page = open_page(published_page)
    # The grid's own stop: an open detail panel's boxes that scroll take the focus too.
    stop = page.locator("#matrix tr:not(.detail) [tabindex='0']")
    expect(stop).to_have_count(1)
    stop.focus()
    first_row = focused(page, "el.closest('tr').id")
    page.keyboard.press("ArrowRight")
    configs = page.locator("#matrix thead th[data-config]:visible")
    first_config = configs.first.get_attribute("data-config")
    assert focused(page, "el.dataset.config") == first_config
    assert focused(page, "el.closest('tr').id") == first_row
    page.keyboard.press("ArrowDown")
    assert focused(page, "el.dataset.config") == first_config
    second_row = focused(page, "el.closest('tr').id")
    assert second_row != first_row
    page.keyboard.press("End")
    assert focused(page, "el.dataset.config") == configs.last.get_attribute("data-config")
    page.keyboard.press("Home")
    assert focused(page, "el.className") == "idiom"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator(f"#d-{first_row}")).to_be_visible()
    # Still one stop, and Tab leaves the row's cells for the open panel, not the next cell.
    expect(stop).to_have_count(1)
    page.keyboard.press("Tab")
    assert focused(page, "Boolean(el.closest('tr.detail'))")
    # A filter that hides the row moves the stop to a row that is shown.
    theme = page.locator(f"#{first_row}").get_attribute("data-theme")
    other = page.locator(f'select[name="theme"] option:not([value=""]):not([value="{theme}"])')
    page.select_option('select[name="theme"]', other.first.get_attribute("value"))
    expect(page.locator(f"#{first_row}")).to_be_hidden()
    expect(stop).to_have_count(1)
    assert stop.evaluate("el => !el.closest('[hidden]')")


def test_the_needs_grid_cells_are_one_tab_stop(open_page, published_page):
    page = open_page(published_page)
    grid = page.locator("#needs-grid")
    expect(grid.locator(".need-cell[tabindex='0']")).to_have_count(1)
    grid.locator(".need-cell[tabindex='0']").focus()
    first = focused(page, "el.getAttribute('aria-label')")
    page.keyboard.press("ArrowRight")
    second = focused(page, "el.getAttribute('aria-label')")
    assert second != first
    assert focused(page, "el.classList.contains('need-cell')")
    page.keyboard.press("ArrowDown")
    first_need = grid.locator("tbody tr").first.get_attribute("data-need")
    assert focused(page, "el.closest('tr').dataset.need") != first_need
    expect(grid.locator(".need-cell[tabindex='0']")).to_have_count(1)
