"""Issue 16 in a real browser: the Workforce plan page driven with the keyboard and the mouse (a scenario
chosen by typing, the horizon and the profession by clicking), the CSV of every projected month opened
with pandas, and the workforce lead changing an assumption (refused without a reason, then saved, the
projection following and the focus on the message) and saving a scenario; a board member gets no tools.
On a database of its own, since it writes."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote

import pandas as pd
import pytest
from playwright.sync_api import expect

from kpi.seed.demo import last_complete_month
from kpi.words.formats import month_label
from kpi.words.months import add_months
from tests.browser.conftest import demo_app, screenshot
from tests.browser.test_dashboard import metric_value, open_page, url_has, wait_idle

pytestmark = pytest.mark.browser

TOOLS = "Change an assumption or save a scenario"


@pytest.fixture(scope="module")
def plan_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_app(tmp_path_factory, "plan") as url:
        yield url


def demo_end(_url: str) -> dt.date:
    """The demo's last month: the last complete month today (kpi.seed.demo), which the projection starts
    from."""
    return last_complete_month()


def main(page):
    return page.locator("[data-testid='stMain']")


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`: click it, type to narrow the list (a click alone
    does not always open it), click the option."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_scenario_by_keyboard_profession_and_horizon_by_mouse_and_the_csv(page, plan_app):
    open_page(page, plan_app, "workforce_plan")
    expect(page.get_by_role("heading", name="Workforce plan", exact=True)).to_be_visible()
    first_card = page.locator("[class*='st-key-plan_gap_'] [data-testid='stMetricLabel']").first
    widest = first_card.inner_text().strip()
    expect(main(page)).to_contain_text(f"{widest}: projected supply, C&M system")

    scenarios = page.get_by_role("combobox", name=re.compile("Scenarios to compare with Baseline"))
    scenarios.focus()
    page.keyboard.type("Retention")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_idle(page)
    assert url_has(page, "scenario=Retention"), page.url
    end = demo_end(plan_app)  # the demo ends with the last complete month: the projection starts there
    expect(main(page)).to_contain_text(
        re.compile(rf"Retention \+2 pts: median supply [\d,]+ FTE in {month_label(add_months(end, 60))}")
    )
    legend = page.locator(".js-plotly-plot .legendtext").filter(has_text="Supply, Retention +2 pts (median)")
    expect(legend).to_have_count(1)

    choose(page, "Horizon", "3 years")
    assert url_has(page, "years=3"), page.url
    three_years = re.compile(
        rf"Baseline: median supply goes from [\d,]+ FTE in {month_label(add_months(end, 1))} to [\d,]+ FTE "
        rf"in {month_label(add_months(end, 36))}"
    )
    expect(main(page)).to_contain_text(three_years)
    choose(page, "Profession", "Dietitians")
    assert url_has(page, "chart=DIET"), page.url
    expect(main(page)).to_contain_text("Dietitians: projected supply, C&M system")
    screenshot(page, "workforce-plan")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download every projected month and scenario (CSV)").click()
    frame = pd.read_csv(io.BytesIO(download.value.path().read_bytes()))
    assert len(frame) == 36 * 14 * 2, "36 months, 14 professions, Baseline and one scenario"
    assert set(frame["scenario"]) == {"Baseline", "Retention +2 pts"}
    assert {
        "month",
        "supply_fte_p05",
        "supply_fte_p50",
        "supply_fte_p95",
        "establishment_fte",
        "gap_fte",
    } <= set(frame.columns)
    assert (frame["supply_fte_p05"] <= frame["supply_fte_p95"]).all()
    assert set(frame["Synthetic data"]) == {"yes"}, "the demo is synthetic and the file says so"


def test_the_lead_changes_an_assumption_saves_a_scenario_and_a_board_member_has_none(page, plan_app):
    open_page(page, plan_app, "workforce_plan")
    before = metric_value(page, "Physiotherapists")
    page.get_by_text(TOOLS).click()
    wait_idle(page)
    choose(page, "For the profession", "Physiotherapists")
    choose(page, "Assumption", "international recruits (people a year)")
    value = page.get_by_label("New value")
    expect(value).to_have_value("15.00")  # it starts at the value in force, with its source beside it
    expect(main(page)).to_contain_text("In force: 15 people a year. Source: local estimate (assumption)")
    value.fill("20")  # a gap still among the four widest
    page.get_by_role("button", name="Save the assumption").click()
    wait_idle(page)
    refused = page.locator("[class*='st-key-plan_tools_result'] [data-testid='stAlert']")
    expect(refused).to_contain_text("Write the reason")
    expect(refused).to_contain_text("Not saved")
    assert metric_value(page, "Physiotherapists") == before, "nothing written"

    page.get_by_label("Reason").fill("International recruitment <b>campaign</b> agreed")
    page.get_by_role("button", name="Save the assumption").click()
    wait_idle(page)
    saved = page.locator("[class*='st-key-plan_tools_result'] [data-testid='stAlert']")
    expect(saved).to_contain_text(
        "Saved: Physiotherapists, international recruits, all was 15, now 20 people a year."
    )
    focused = page.evaluate(
        "document.activeElement.closest(\"[class*='st-key-plan_tools_result']\") !== null"
    )
    assert focused, "the keyboard focus moves to the message"
    after = metric_value(page, "Physiotherapists")
    assert after != before, (before, after)
    assert int(after.split()[0].replace(",", "")) < int(before.split()[0].replace(",", "")), "a smaller gap"
    page.get_by_label("Reason").fill("Once more")
    page.get_by_role("button", name="Save the assumption").click()  # unchanged: refused, not saved
    wait_idle(page)
    expect(refused).to_contain_text("20 is the value in force already")
    page.get_by_role("tab", name="History").click()
    page.wait_for_timeout(500)
    screenshot(page, "workforce-plan-history")
    expect(page.get_by_role("tabpanel").locator("[data-testid='stDataFrame']")).to_be_visible()

    page.get_by_role("tab", name="Scenarios").click()
    page.get_by_label("Name").fill("Retention +1 pt [plan](https://example.org)")  # shown as typed
    page.get_by_label(re.compile("^Annual leaver rate, percentage points added")).fill("-1")
    page.get_by_role("button", name="Save the scenario").click()
    wait_idle(page)
    # escape_markdown keeps a link from forming with an invisible word joiner after "https:".
    expect(saved).to_contain_text(
        re.compile(r"Scenario saved: Retention \+1 pt \[plan\]\(https:\u2060?//example\.org\)\.")
    )
    expect(saved.locator("a")).to_have_count(0)
    screenshot(page, "workforce-plan-lead-saved")
    # The saved scenario is offered: a link naming it draws it beside the fan, its name as typed.
    name = "Retention +1 pt [plan](https://example.org)"
    open_page(page, plan_app, f"workforce_plan?scenario={quote(name)}")
    legend = page.locator(".js-plotly-plot .legendtext").filter(has_text=f"Supply, {name} (median)")
    expect(legend).to_have_count(1)
    expect(page.locator("[data-testid='stAlert']").filter(has_text="not offered")).to_have_count(0)
    screenshot(page, "workforce-plan-lead")

    open_page(page, plan_app, "workforce_plan?as=board")
    expect(page.get_by_role("heading", name="Workforce plan", exact=True)).to_be_visible()
    expect(page.get_by_text(TOOLS)).to_have_count(0)
    expect(main(page)).to_contain_text("set by")  # the lead's change and reason, as text, in the sources
    expect(main(page)).to_contain_text("International recruitment <b>campaign</b> agreed")


def test_the_fan_charts_image_names_the_professions_chosen_and_the_projected_months(page, plan_app):
    """The downloaded image says which filters made it: the professions chosen in the sidebar, and the
    projection's own months (the period filter does not apply to it), never 'Filters: none'."""
    open_page(page, plan_app, "workforce_plan?profession=PHYSIO&profession=DIET&years=5&chart=PHYSIO")
    expect(main(page)).to_contain_text("Physiotherapists: projected supply, C&M system")
    with page.expect_download() as download:
        page.get_by_role("button", name="Image (SVG)").first.click()  # the fan's (then the flows', levers')
    caption = " ".join(" ".join(ET.fromstring(download.value.path().read_bytes()).itertext()).split())
    assert "Filters: professions Dietitians, Physiotherapists" in caption or (
        "Filters: professions Physiotherapists, Dietitians" in caption
    ), caption
    end = month_label(add_months(demo_end(plan_app), 60))
    assert re.search(rf"Period: projected from [A-Z][a-z]{{2}} \d{{4}} to {end}", caption), caption
    assert "Filters: none" not in caption
