"""The dashboard on a phone (390 x 844) and a tablet (820 x 1180) in a real browser: no page scrolls
sideways, and what matters shows without it: the headline cards, the Making Data Count summary's
variation and assurance (cards on a phone), each page's title, charts with the width of the screen, and
the milestones and the heatmap by profession as lists on a phone. Screenshots of every page at both
widths go to test-artifacts/ to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import open_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
PAGES = {
    "overview": "",
    "workstreams": "workstreams?workstream=PLAN",
    "workstreams-spc": "workstreams?workstream=PLAN&view=spc",
    "collaboratives": "collaboratives?workstream=PLAN",
    "trusts": "trusts?trust=REM&workstream=PLAN",
    "trusts-professions": "trusts?section=professions",
    "trusts-heatmap": "trusts?section=professions&prof_view=heatmap",
    "trusts-ranking": "trusts?section=ranking",
    "milestones": "milestones",
    "workforce-plan": "workforce_plan?scenario=Retention+%2B2+pts",
    "submissions": "submissions",
    "board-pack": "board_pack",
    "definitions": "definitions",
    "import": "import_data",
}
MIN_PLOT_WIDTH = 285  # of the 343 px a chart card holds at 390 (was 129 for an SPC chart)


def _page(browser, viewport: dict[str, int]) -> Iterator[object]:
    context = browser.new_context(viewport=viewport, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    yield from _page(browser, PHONE)


@pytest.fixture
def tablet(browser) -> Iterator[object]:
    yield from _page(browser, TABLET)


def sideways_scroll(page) -> dict[str, list[int]]:
    """Every scrolling box wider than its window: the page itself and Streamlit's main block."""
    return page.evaluate(
        """() => {
            const boxes = {page: document.scrollingElement};
            for (const id of ['stMain', 'stMainBlockContainer']) {
                boxes[id] = document.querySelector(`[data-testid='${id}']`);
            }
            const wide = {};
            for (const [name, box] of Object.entries(boxes)) {
                const window = name === 'page' ? innerWidth : box.clientWidth;
                if (box.scrollWidth > window) wide[name] = [box.scrollWidth, window];
            }
            return wide;
        }"""
    )


def wait_for_charts(page) -> None:
    """Plotly draws after the run ends, and its code loads lazily (a skeleton shows until then): wait for
    the skeletons to go and every chart shown to have its plot."""
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stSkeleton']")
                 && [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                    .filter(c => c.offsetParent !== null).every(c => c.querySelector('.nsewdrag'))"""
    )


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_no_page_scrolls_sideways(request, app_url, name, size):
    page = request.getfixturevalue(size)
    open_page(page, app_url, PAGES[name])
    wait_for_charts(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert sideways_scroll(page) == {}
    title = page.locator("h1").first.bounding_box()  # the page's title, whole, on screen
    assert title["x"] >= 0 and title["x"] + title["width"] <= page.viewport_size["width"], title
    screenshot(page, f"{size}-{name}")


def test_the_overview_on_a_phone_shows_the_cards_and_each_kpis_variation_and_assurance(phone, app_url):
    open_page(phone, app_url, "")
    metrics = phone.locator("[data-testid='stMetric']")
    # The first visit to a cold server can end its run before every card is drawn (CI under load): wait
    # until eight are there, then check them.
    phone.wait_for_function(
        "document.querySelectorAll(\"[data-testid='stMetric']\").length >= 8", timeout=60_000
    )
    assert metrics.count() >= 8
    first = metrics.first.bounding_box()
    assert first["x"] >= 0 and first["x"] + first["width"] <= PHONE["width"], "a headline card fits"
    phone.locator("[class*='st-key-wide_only_mdc_summary']").wait_for(state="hidden")  # no sideways table
    cards = phone.locator("[class*='st-key-narrow_only_mdc_summary'] li")
    assert cards.count() >= 19
    card = cards.first
    for kind in ("Variation", "Assurance"):
        line = card.locator("p").filter(has_text=f"{kind}: ")
        assert line.is_visible()
        box = line.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{kind} on screen"
        assert line.locator("strong").inner_text().strip(), f"{kind} in words"


def test_the_overview_on_a_tablet_keeps_the_table_with_its_icons_next_to_the_figures(tablet, app_url):
    open_page(tablet, app_url, "")
    tablet.locator("[class*='st-key-narrow_only_mdc_summary']").wait_for(state="hidden")
    table = tablet.locator("[class*='st-key-wide_only_mdc_summary'] [data-testid='stDataFrame']")
    table.wait_for(state="visible")  # the grid draws a moment after the run ends
    box = table.bounding_box()
    assert box["x"] + box["width"] <= TABLET["width"]
    # Each headline card's change in words is whole, not cut to "+21.0 FTE o…" (two cards a row here).
    notes = "[data-testid='stMetric'] [data-testid='stCaptionContainer']"
    tablet.wait_for_function(f"document.querySelectorAll(`{notes}`).length >= 8", timeout=60_000)
    cut = tablet.locator(notes).evaluate_all(
        "notes => notes.filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.innerText)"
    )
    assert cut == [], cut


@pytest.mark.parametrize("path", ["workstreams?workstream=PLAN", "workstreams?workstream=PLAN&view=spc"])
def test_a_chart_on_a_phone_has_the_width_of_the_screen_and_its_words_above(phone, app_url, path):
    open_page(phone, app_url, path)
    wait_for_charts(phone)
    block = phone.locator("[class*='st-key-chart_block_ws_SIP_FTE']")
    plot = block.locator(".nsewdrag").bounding_box()
    assert plot["width"] >= MIN_PLOT_WIDTH and plot["height"] >= 240, plot
    titles = block.locator(".gtitle").evaluate_all("titles => titles.map(t => t.textContent).join('')")
    assert titles.strip() == "", "the heading is text above the chart, where it wraps"
    heading = block.get_by_text("AHP staff in post (FTE)", exact=False).first.bounding_box()
    assert heading["x"] + heading["width"] <= PHONE["width"]
    legend = block.locator(".legend").bounding_box()
    assert legend["y"] >= plot["y"] + plot["height"], "the legend is under the plot"


def test_the_milestones_are_a_list_on_a_phone_and_a_timeline_on_a_tablet(phone, tablet, app_url):
    open_page(phone, app_url, "milestones")
    listed = phone.locator("[class*='st-key-narrow_only_chart_milestone_timeline'] li")
    assert listed.count() == 6 and listed.first.is_visible()
    assert listed.first.inner_text().startswith("M1: ")
    phone.locator("[class*='st-key-wide_only_chart_milestone_timeline']").wait_for(state="hidden")

    open_page(tablet, app_url, "milestones")
    wait_for_charts(tablet)
    tablet.locator("[class*='st-key-narrow_only_chart_milestone_timeline']").wait_for(state="hidden")
    timeline = tablet.locator("[class*='st-key-wide_only_chart_milestone_timeline'] .nsewdrag")
    assert timeline.bounding_box()["width"] >= 300


def test_the_heatmap_is_a_line_per_profession_on_a_phone_and_a_heatmap_on_a_tablet(phone, tablet, app_url):
    """36 months of cells in the 343 px a phone leaves would be a few pixels each (the plot was 85 px
    wide): on a phone each profession's months are said in a line instead."""
    open_page(phone, app_url, PAGES["trusts-heatmap"])
    phone.locator("[class*='st-key-wide_only_chart_prof_heatmap']").wait_for(state="hidden")
    listed = phone.locator("[class*='st-key-narrow_only_chart_prof_heatmap'] li")
    expect(listed).to_have_count(14)  # every profession in the demo data (waits for the list to be drawn)
    first = listed.first
    assert first.is_visible()
    assert re.match(
        r"^Art therapists: \d+\.\d% in \w{3} \d{4}, (up|down) [\d.]+ pts on \w{3} \d{4}: (better|worse); "
        r"lowest \d+\.\d% in \w{3} \d{4}, highest \d+\.\d% in \w{3} \d{4}\.$",
        first.inner_text(),
    ), first.inner_text()
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    open_page(tablet, app_url, PAGES["trusts-heatmap"])
    wait_for_charts(tablet)
    tablet.locator("[class*='st-key-narrow_only_chart_prof_heatmap']").wait_for(state="hidden")
    plot = tablet.locator("[class*='st-key-wide_only_chart_prof_heatmap'] .nsewdrag").bounding_box()
    assert plot["width"] >= 200 and plot["height"] >= 300, plot
