"""The browser's Back button in a real browser: one action (a drill from a summary row, a filter change, a
page choice) is one entry in the browser's history, so the first Back press goes back to the view before
it, with its filters; and Forward goes forward again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import open_page, wait_idle

pytestmark = pytest.mark.browser


def where(page) -> tuple[str, dict[str, list[str]]]:
    """The page path and its query, as the address bar has them."""
    parts = urlsplit(page.url)
    return parts.path, parse_qs(parts.query)


def history_length(page) -> int:
    return page.evaluate("history.length")


def title(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def collaborative(page) -> str:
    """The collaborative the sidebar's filter has chosen."""
    control = page.locator("[data-testid='stSidebar'] .st-key-f_collab")
    return control.locator("button[aria-checked='true']").inner_text().strip()


def back(page) -> None:
    page.go_back()
    wait_idle(page, 1200)


def test_the_first_back_after_a_drill_returns_to_the_overview(page, app_url):
    open_page(page, app_url, "?profession=PHYSIO")
    before, entries = where(page), history_length(page)
    page.get_by_role("link", name="Open the chart").click()
    wait_idle(page, 1500)
    path, query = where(page)
    assert path == "/workstreams" and query["view"] == ["spc"] and "kpi" in query
    assert query["profession"] == ["PHYSIO"], "the drill keeps the filters"
    assert history_length(page) == entries + 1, "the drill is one entry in the browser's history"
    page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()

    back(page)
    assert where(page) == before
    assert title(page) == "Overview"
    assert page.get_by_role("link", name="Open the chart").count() == 1
    page.go_forward()
    wait_idle(page, 1200)
    assert where(page) == (path, query)
    assert title(page) == "Workstreams"


def test_the_first_back_after_a_drill_to_a_trust_returns_to_the_overview(page, app_url):
    open_page(page, app_url, "?trust=REM&scope=REM")
    before, entries = where(page), history_length(page)
    page.get_by_role("link", name="Open the chart").click()
    wait_idle(page, 1500)
    path, query = where(page)
    assert path == "/trusts" and query["spc_scope"] == ["REM"] and query["section"] == ["kpis"]
    assert history_length(page) == entries + 1
    back(page)
    assert where(page) == before and title(page) == "Overview"


def test_the_first_back_after_a_filter_change_restores_the_filter(page, app_url):
    open_page(page, app_url, "workstreams")
    assert collaborative(page) == "Both"
    entries = history_length(page)
    page.locator("[data-testid='stSidebar'] .st-key-f_collab").get_by_text("CMAST", exact=True).click()
    wait_idle(page, 1200)
    assert where(page) == ("/workstreams", {"collab": ["CMAST"]})
    assert collaborative(page) == "CMAST"
    assert history_length(page) == entries + 1

    back(page)
    assert where(page) == ("/workstreams", {})
    assert collaborative(page) == "Both", "Back restores the filter, not only the address"
    assert page.get_by_text("MHLDC").count() > 0
    screenshot(page, "back-after-filter")
    page.go_forward()
    wait_idle(page, 1200)
    assert where(page) == ("/workstreams", {"collab": ["CMAST"]})
    assert collaborative(page) == "CMAST"


def test_the_first_back_after_a_page_choice_restores_it(page, app_url):
    open_page(page, app_url, "workstreams")
    view = page.locator(".st-key-ws_view")
    entries = history_length(page)
    view.get_by_role("radio", name="SPC (Making Data Count)").click()
    wait_idle(page, 1200)
    assert where(page) == ("/workstreams", {"view": ["spc"]})
    assert history_length(page) == entries + 1
    back(page)
    assert where(page) == ("/workstreams", {})
    assert view.locator("button[aria-checked='true']").inner_text().strip() == "Trend"
