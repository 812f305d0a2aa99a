"""The period filter in a real browser: From and To are chosen with the keyboard and with the mouse,
the choice lands in the URL, and the charts start and end at the months chosen."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.seed.demo import last_complete_month
from tests.browser.test_dashboard import open_page, url_has, wait_idle

pytestmark = pytest.mark.browser

#: The demo data end at the last complete calendar month, so the default period moves with the date.
_END = last_complete_month()
DEMO_END = f"{_END:%Y-%m}"
DEFAULT_FROM = f"{pd.Timestamp(_END) - pd.DateOffset(months=35):%Y-%m}"


def first_and_last_month(page, expected: tuple[str, str] | None = None) -> tuple[str, str]:
    """The first and last x value of the first trend line drawn on the page (Plotly's own data). Given
    `expected`, waits up to ten seconds for Plotly to redraw before answering."""
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=60_000)
    script = "() => document.querySelector(\"[data-testid='stPlotlyChart'] .js-plotly-plot\").data[0].x"
    for _ in range(40):
        xs = page.evaluate(script)
        months = (str(xs[0])[:7], str(xs[-1])[:7])
        if expected is None or months == expected:
            break
        page.wait_for_timeout(250)
    return months


def test_from_by_keyboard_lands_in_url_and_chart(page, app_url):
    open_page(page, app_url, "workstreams")
    before = first_and_last_month(page)
    assert before == (DEFAULT_FROM, DEMO_END), "the default period is the last 36 months"

    picker = page.get_by_role("combobox", name="From")
    picker.focus()
    page.keyboard.press("Enter")  # opens the list
    page.keyboard.type("Jan 2025")
    page.keyboard.press("Enter")
    wait_idle(page)

    assert url_has(page, "from=2025-01"), page.url
    assert first_and_last_month(page, ("2025-01", DEMO_END)) == ("2025-01", DEMO_END)


def test_to_by_mouse_lands_in_url_and_chart_and_survives_a_page_switch(page, app_url):
    open_page(page, app_url, "workstreams?from=2024-04")
    page.get_by_role("combobox", name="To").click()
    page.keyboard.type("2025")  # narrows the long list, whose rows are drawn only when scrolled to
    page.get_by_role("option", name="Mar 2025", exact=True).click()
    wait_idle(page)

    assert url_has(page, "from=2024-04", "to=2025-03"), page.url
    assert first_and_last_month(page, ("2024-04", "2025-03")) == ("2024-04", "2025-03")

    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Collaboratives").click()
    wait_idle(page)
    assert url_has(page, "to=2025-03"), page.url
    assert first_and_last_month(page, ("2024-04", "2025-03")) == ("2024-04", "2025-03")


def test_from_after_to_is_swapped_and_said(page, app_url):
    open_page(page, app_url, "workstreams?to=2024-06")
    page.get_by_role("combobox", name="From").click()
    page.keyboard.type("2024")
    page.get_by_role("option", name="Dec 2024", exact=True).click()
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text("From is after To, so the period shown is Jun 2024 to Dec 2024").count() == 1
    assert first_and_last_month(page, ("2024-06", "2024-12")) == ("2024-06", "2024-12")
