"""Issue 29 in a real browser: the KPI grid at 1440 px (a table of organisations) and at 390 px (a list per
organisation), sorted and filtered by mouse and by keyboard, a cell opening its chart by either; the draft
made from the data under a chart, accepted by the lead; and the month's sign-off, marked by the keyboard,
which the board sees without the button. On a database of its own, since it writes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from kpi.seed.demo import last_complete_month
from kpi.words.formats import month_label
from tests.browser.conftest import demo_app, screenshot
from tests.browser.test_dashboard import open_page, url_has, wait_idle

pytestmark = pytest.mark.browser

GRID = "kpi-grid"  # the table's class
TABLE = "table.kpi-grid"


@pytest.fixture(scope="module")
def month_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_app(tmp_path_factory, "month") as url:
        yield url


def rows(page) -> list[str]:
    return [text.strip() for text in page.locator(f"{TABLE} tbody th").all_inner_texts()]


def test_the_grid_sorts_filters_and_opens_a_chart_by_mouse_and_by_keyboard(page, month_app):
    open_page(page, month_app, "grid?scope=CMAST")
    table = page.locator(TABLE)
    expect(table).to_be_visible()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[0] == "KPI" and headers[-2:] == ["CMAST", "C&M system"] and len(headers) == 15
    first_rows = rows(page)
    assert len(first_rows) == 22
    screenshot(page, "grid-1440")

    # Filter by mouse: only the KPIs with a concern somewhere; every shown cell of theirs is a concern or "–".
    page.get_by_role("combobox", name="Show").click()
    page.get_by_role("option", name="Only concern").click()
    wait_idle(page)
    assert url_has(page, "grid_show=concern")
    concern_rows = rows(page)
    assert 0 < len(concern_rows) < len(first_rows)
    for text in table.locator("td a").all_inner_texts():
        assert "Concern" in text, text

    # Sort by keyboard: the Sort by box, typed into, Enter.
    page.get_by_role("combobox", name="Show").click()
    page.get_by_role("option", name="Every KPI").click()
    wait_idle(page)
    sort = page.get_by_role("combobox", name="Sort by")
    sort.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("KPI name")
    page.keyboard.press("Enter")
    wait_idle(page)
    assert url_has(page, "grid_sort=name")
    names = rows(page)
    assert names == sorted(names, key=str.lower)

    # Open a cell's chart by keyboard: focus the first cell's link, Enter.
    link = table.locator("tbody tr").first.locator("td a").first
    link.focus()
    expect(link).to_be_focused()
    kpi_name = link.locator(".kpi-grid-hidden").first.inner_text().split(",", 1)[0]
    page.keyboard.press("Enter")
    assert url_has(page, "trusts", "kpi=", "view=spc", seconds=20), page.url
    wait_idle(page)
    expect(page.locator("[data-testid='stMain']")).to_contain_text(kpi_name)

    # And by mouse: the system's cell of the first row opens the Workstreams page's SPC chart.
    open_page(page, month_app, "grid?scope=CMAST")
    system_cell = page.locator(TABLE).locator("tbody tr").first.locator("td a").last
    system_cell.click()
    assert url_has(page, "workstreams", f"spc_scope={quote('C&M')}", "view=spc", seconds=20), page.url


def test_on_a_phone_the_grid_is_a_list_per_organisation(browser, month_app):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_page(page, month_app, "grid?scope=CMAST")
        expect(page.locator(TABLE)).to_be_hidden()
        system = page.locator("details").filter(
            has=page.locator("summary", has_text=re.compile("^C&M system"))
        )
        expect(system).to_have_count(1)
        width = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollWidth")
        assert width <= 390, "nothing scrolls sideways on a phone"
        system.locator("summary").click()
        link = system.locator("a").first
        expect(link).to_be_visible()
        screenshot(page, "grid-390")
        link.click()
        assert url_has(page, "workstreams", "view=spc", seconds=20), page.url
    finally:
        context.close()


def test_the_lead_accepts_a_draft_signs_off_by_keyboard_and_the_board_sees_it(page, month_app):
    month = month_label(last_complete_month())
    chart = f"workstreams?workstream=PLAN&view=spc&spc_scope={quote('C&M')}&kpi=VACANCY_RATE"
    open_page(page, month_app, chart)
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text(
        f"What the chart tells us, {month} (drafted from the data, not the lead's words)"
    )
    expect(main).to_contain_text("Vacancy rate for C&M system was")
    page.get_by_text(re.compile("Annotate, comment on or adjust this chart")).click()
    wait_idle(page)
    page.get_by_role("tab", name="Commentary").click()
    wait_idle(page)
    page.get_by_role("button", name="Accept the draft as this month's commentary").click()
    wait_idle(page)
    expect(main).to_contain_text(f"Commentary, {month} (draft; not yet reviewed)")
    expect(main).not_to_contain_text("drafted from the data, not the lead's words")

    open_page(page, month_app, "grid")
    expect(main).to_contain_text("0 of 22 KPIs' commentary for C&M system is reviewed")
    button = page.get_by_role("button", name="Mark the 1 written commentaries reviewed")
    button.focus()
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(main).to_contain_text("Marked 1 commentaries reviewed by")
    expect(main).to_contain_text("1 of 22 KPIs' commentary for C&M system is reviewed")
    screenshot(page, "grid-signed-off")

    open_page(page, month_app, f"{chart}&as=board")
    expect(main).to_contain_text(
        re.compile(rf"Commentary, {month} \(draft; reviewed by .+ on \d+ \w+ \d{{4}}\)")
    )
    open_page(page, month_app, "grid?as=board")
    expect(main).to_contain_text("1 of 22 KPIs' commentary for C&M system is reviewed")
    expect(page.get_by_role("button", name=re.compile("^Mark the"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Nothing written"))).to_have_count(0)
