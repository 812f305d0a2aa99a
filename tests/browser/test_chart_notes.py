"""Issue 14 in a real browser: the workforce lead annotates a KPI, writes the month's commentary, ghosts a
month and accepts a suggested recalculation under an SPC chart, and each shows on the chart, in its
sentences and its reading; a board member reads the commentary and annotations but gets no tools; a
row of the Overview's Making Data Count summary opens that KPI's SPC chart, by mouse and by keyboard.
On a database of its own, since it writes."""

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

CHART = f"workstreams?workstream=PLAN&view=spc&spc_scope={quote('C&M')}&kpi=SIP_FTE"
LEAD_CHART = f"workstreams?workstream=LEAD&view=spc&spc_scope={quote('C&M')}&kpi=BOARD_AHP_LEAD"
TOOLS = re.compile(r"Annotate, comment on or adjust this chart")


@pytest.fixture(scope="module")
def notes_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_app(tmp_path_factory, "notes") as url:
        yield url


def main(page):
    return page.locator("[data-testid='stMain']")


def open_tools(page, tab: str) -> None:
    """Open the lead's tools under the chart (unless open) and choose a tab."""
    if page.locator("details[open]").filter(has=page.get_by_text(TOOLS)).count() == 0:
        page.get_by_text(TOOLS).click()
        wait_idle(page)
    page.get_by_role("tab", name=tab).click()
    wait_idle(page)


def saved_message(page, text: str) -> None:
    message = page.locator("[class*='st-key-'][class*='_notes_result'] [data-testid='stAlert']")
    expect(message).to_contain_text(text)


def test_lead_annotates_and_comments_and_a_board_member_reads_them(page, notes_app):
    latest = month_label(last_complete_month())
    open_page(page, notes_app, CHART)
    open_tools(page, "Annotations")
    page.get_by_label("What happened").fill("Recruitment drive <b>launched</b>")
    page.get_by_role("button", name="Add annotation").click()
    wait_idle(page)
    saved_message(page, f"Annotation added at {latest}.")
    # The chart's sentences list it as typed (never as markup), numbered as its flag on the chart.
    expect(main(page)).to_contain_text(f"Annotated: 1 {latest}, Recruitment drive <b>launched</b>.")
    flags = page.locator(".js-plotly-plot g.annotation-text-g text").filter(has_text=re.compile(r"^1$"))
    expect(flags).to_have_count(1)
    # Edited in place (the old text kept in its history): the sentence follows.
    page.get_by_label(f"{latest} (C&M)").fill("Recruitment drive <b>launched</b> in all trusts")
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)
    saved_message(page, f"Annotation at {latest} saved.")
    expect(main(page)).to_contain_text(
        f"Annotated: 1 {latest}, Recruitment drive <b>launched</b> in all trusts."
    )

    open_tools(page, "Commentary")
    page.get_by_label(f"What the chart tells us ({latest})").fill("Growth continues **as planned**.")
    page.get_by_label("Owner").fill("AHP workforce lead")
    page.get_by_text("Final (ready for the board pack)").click()
    page.get_by_role("button", name="Save commentary").click()
    wait_idle(page)
    saved_message(page, f"Commentary for {latest} saved.")
    expect(main(page)).to_contain_text(
        f"Commentary, {latest} (final; not yet reviewed, owner AHP workforce lead)"
    )
    expect(main(page)).to_contain_text("What the chart tells us: Growth continues **as planned**.")
    screenshot(page, "chart-notes-lead")

    open_page(page, notes_app, f"{CHART}&as=board")
    expect(main(page)).to_contain_text("What the chart tells us: Growth continues **as planned**.")
    expect(main(page)).to_contain_text(
        f"Annotated: 1 {latest}, Recruitment drive <b>launched</b> in all trusts."
    )
    expect(page.get_by_text(TOOLS)).to_have_count(0)
    expect(page.get_by_text(re.compile("^Suggested: recalculate"))).to_have_count(0)


def test_lead_ghosts_a_month_and_sets_a_target_from_a_month(page, notes_app):
    latest = month_label(last_complete_month())
    open_page(page, notes_app, CHART)
    open_tools(page, "Chart settings")
    page.get_by_role("combobox", name="Change", exact=True).click()
    page.get_by_role("option", name=re.compile("^Ghost a month")).click()
    wait_idle(page)
    page.get_by_role("button", name="Apply").click()  # no reason yet: refused, nothing written
    wait_idle(page)
    expect(page.locator("[data-testid='stAlert']").filter(has_text="Not saved")).to_contain_text(
        "Write the reason"
    )
    expect(main(page)).not_to_contain_text("is a ghost point")
    page.get_by_label("Reason (shown in the chart's reading)").fill("Payroll cut-off moved")
    page.get_by_role("button", name="Apply").click()
    wait_idle(page)
    saved_message(page, "Chart setting applied.")
    expect(main(page)).to_contain_text(
        f"{latest} is a ghost point, left out of the limits and rules: Payroll cut-off moved."
    )

    # A target from a month: the chart's words give it as the target in force, the catalogue's named.
    open_tools(page, "Chart settings")
    page.get_by_role("combobox", name="Change", exact=True).click()
    page.get_by_role("option", name=re.compile("^A new target from a month")).click()
    wait_idle(page)
    page.get_by_label("Target (FTE)", exact=True).and_(page.get_by_role("spinbutton")).fill("6000")
    page.get_by_label("Reason (shown in the chart's reading)").fill("Plan refresh")
    page.get_by_role("button", name="Apply").click()
    wait_idle(page)
    saved_message(page, "Chart setting applied.")
    expect(main(page)).to_contain_text(f"Target 6,000 FTE from {latest}: Plan refresh.")
    screenshot(page, "chart-notes-settings")


def test_a_recalculation_that_cannot_apply_is_refused_and_a_suggestion_is_accepted(page, notes_app):
    latest = month_label(last_complete_month())
    open_page(page, notes_app, LEAD_CHART)
    open_tools(page, "Chart settings")
    page.get_by_role("combobox", name="Change", exact=True).click()
    page.get_by_role("option", name=re.compile("^Recalculate the limits from a month")).click()
    wait_idle(page)
    page.get_by_label("Reason (shown in the chart's reading)").fill("Too soon")
    page.get_by_role("button", name="Apply").click()  # the latest month: 1 month after it, not 12
    wait_idle(page)
    refusal = page.locator("[data-testid='stAlert']").filter(has_text="Not saved")
    expect(refusal).to_contain_text(f"A recalculation needs at least 12 months after it; {latest} has 1")
    expect(main(page)).not_to_contain_text(f"Limits recalculated from {latest}")
    screenshot(page, "chart-notes-refused")

    # The named-AHP-lead share reached 100% in Oct 2024: the reading and the box name that month.
    box = page.locator("[class*='_suggestion']").filter(has_text="Suggested: recalculate the limits from")
    suggested = re.search(r"recalculate the limits from (\w{3} \d{4})", box.first.inner_text()).group(1)
    assert suggested == "Oct 2024"
    expect(main(page)).to_contain_text("Recalculating the limits from Oct 2024 is worth considering")
    box.get_by_text(re.compile("^See the chart with limits recalculated")).click()
    wait_idle(page)
    expect(box.locator(".js-plotly-plot")).to_have_count(1)  # the chart as it would be
    expect(box).to_contain_text("Limits recalculated from Oct 2024: as suggested.")
    box.get_by_label("Reason (kept with the decision)").fill("Every trust has a named AHP lead")
    box.get_by_role("button", name="Accept: recalculate").click()
    wait_idle(page)
    saved_message(page, f"Suggestion accepted: limits from {suggested}.")
    expect(main(page)).to_contain_text(
        f"Limits recalculated from {suggested}: Every trust has a named AHP lead."
    )
    expect(page.get_by_text(f"Suggested: recalculate the limits from {suggested}")).to_have_count(0)
    screenshot(page, "chart-notes-accepted")


def test_a_summary_row_opens_its_spc_chart_by_mouse_and_by_keyboard(page, notes_app):
    open_page(page, notes_app, "?scope=CMAST")
    grid = page.locator("[class*='st-key-overview_mdc'] [data-testid='stDataFrame']").first
    # The phone's list of cards (in the page, hidden at this width) holds the rows in the table's order.
    cards = page.locator("ul[aria-label^='Making Data Count summary'] > li > p:first-child")
    first_kpi = cards.first.text_content()
    grid.evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )  # its first row in view: it is taller than the window
    page.wait_for_timeout(300)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 44 + 22)  # the first row's selection box
    assert url_has(page, "kpi=", "spc_scope=CMAST", "view=spc"), page.url
    wait_idle(page)
    expect(page.get_by_role("heading", name="Workstreams")).to_be_visible()
    expect(page.get_by_text(f"Showing {first_kpi} from the Making Data Count summary.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Show every KPI in"))).to_be_visible()

    open_page(page, notes_app, "?scope=CMAST")
    choice = page.get_by_label("Open the SPC chart of")
    choice.focus()
    page.keyboard.type("Vacancy rate")
    page.keyboard.press("Enter")
    wait_idle(page)
    link = page.get_by_role("link", name="Open the chart")
    link.focus()
    page.keyboard.press("Enter")
    assert url_has(page, "kpi=VACANCY_RATE", "spc_scope=CMAST"), page.url
    wait_idle(page)
    expect(page.get_by_text("Showing Vacancy rate from the Making Data Count summary.")).to_be_visible()
    expect(main(page)).to_contain_text("Vacancy rate (%): CMAST (XmR chart)")
    expect(page.locator("[class*='st-key-ws_card_']")).to_have_count(1)
    page.get_by_role("button", name=re.compile("^Show every KPI in")).click()
    wait_idle(page)
    assert page.locator("[class*='st-key-ws_card_']").count() > 1
