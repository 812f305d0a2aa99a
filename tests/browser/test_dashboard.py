"""The dashboard in a real browser: every page draws its charts, the trust filter changes the URL and
the numbers, a reload restores the view, and the image and CSV downloads give real files."""

from __future__ import annotations

import io
import re
import struct

import pandas as pd
import pytest

from tests.browser.conftest import screenshot
from tests.exports.test_report import external_references

pytestmark = pytest.mark.browser

PAGES = {
    "overview": ("", "metric"),
    "workstreams": ("workstreams", "chart"),
    "collaboratives": ("collaboratives", "chart"),
    "trusts": ("trusts", "chart"),
    "milestones": ("milestones", "chart"),
    "definitions": ("definitions", "expander"),
}
SELECTORS = {
    "chart": "[data-testid='stPlotlyChart'] .main-svg",
    "metric": "[data-testid='stMetric']",
    "table": "[data-testid='stDataFrame']",
    "expander": "[data-testid='stExpander']",
}


def wait_idle(page, settle_ms: int = 400) -> None:
    """Wait until the script run triggered by the last action has finished."""
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.wait_for_timeout(200)


def open_page(page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    page.wait_for_selector("[data-testid='stApp']")
    wait_idle(page, 800)


def url_has(page, *parts: str, seconds: float = 30) -> bool:
    """Whether the address bar comes to hold every one of `parts` within `seconds` (the app writes the
    URL from the server as the run goes, so it can follow a click by a moment on a busy machine)."""
    for _ in range(int(seconds * 4)):
        if all(part in page.url for part in parts):
            return True
        page.wait_for_timeout(250)
    return all(part in page.url for part in parts)


def metric_value(page, label: str) -> str:
    card = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return card.locator("[data-testid='stMetricValue']").inner_text().strip()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_and_draws(page, app_url, name):
    path, kind = PAGES[name]
    open_page(page, app_url, path)
    page.wait_for_selector(SELECTORS[kind], timeout=60_000)
    assert page.locator(SELECTORS[kind]).count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()
    assert page.get_by_text("Synthetic demo data").count() >= 1 or name == "definitions"
    screenshot(page, f"page-{name}")


def test_trust_filter_changes_url_and_numbers_and_survives_a_reload(page, app_url):
    open_page(page, app_url, "")
    system_vacancy = metric_value(page, "Vacancy rate")

    sidebar = page.locator("[data-testid='stSidebar']")
    # the box itself, where a user clicks (the widget's centre is the gap under its label); the list
    # shows only the options that fit, so the user types to find one, as a lead would
    box = sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="Trusts").get_by_role("combobox")
    box.click()
    box.press_sequentially("Liverpool Univ")
    page.get_by_role("option", name=re.compile(r"Liverpool University Hospitals \(REM\)")).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    assert url_has(page, "trust=REM"), page.url

    main = page.locator("[data-testid='stMain']")
    main.get_by_role("radio", name="Liverpool University Hospitals", exact=True).click()
    wait_idle(page)
    assert url_has(page, "scope=REM"), page.url
    trust_vacancy = metric_value(page, "Vacancy rate")
    assert trust_vacancy != system_vacancy
    assert page.get_by_text("Headline KPIs: Liverpool University Hospitals").count() == 1
    screenshot(page, "overview-trust-REM")

    page.reload()
    page.wait_for_selector("[data-testid='stMetric']")
    wait_idle(page, 800)
    assert url_has(page, "trust=REM", "scope=REM"), page.url
    assert metric_value(page, "Vacancy rate") == trust_vacancy
    assert page.get_by_text("Headline KPIs: Liverpool University Hospitals").count() == 1


def test_a_link_with_bad_values_warns_and_falls_back(page, app_url):
    open_page(page, app_url, "trusts?trust=XYZ&from=2024-13&collab=CMAST")
    warning = page.locator("[data-testid='stAlert']").filter(has_text="could not be used")
    assert warning.count() == 1
    assert "'XYZ' is not a Cheshire and Merseyside trust" in warning.inner_text()
    assert url_has(page, "collab=CMAST") and "XYZ" not in page.url
    page.wait_for_selector(SELECTORS["chart"])


def test_a_chart_has_no_modebar_and_nothing_inside_it_takes_a_tab_stop(page, app_url):
    """The modebar's 8 buttons were 8 Tab stops a chart (56 on Workstreams), each doing what the
    buttons under the chart do; hovering still gives each point's exact value."""
    open_page(page, app_url, "workstreams?workstream=PLAN")
    chart = page.locator(".st-key-ws_card_SIP_FTE [data-testid='stPlotlyChart']")
    chart.locator(".main-svg").first.wait_for()
    chart.hover()
    assert chart.locator(".modebar-btn").count() == 0
    focusable = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"
    assert chart.locator(focusable).count() == 0
    assert chart.get_attribute("role") == "figure"
    assert chart.get_attribute("aria-label").startswith(
        "Line chart: AHP staff in post (FTE). AHP staff in post (FTE) for C&M system was "
    )


def test_chart_csv_download_is_excel_ready_and_labelled_synthetic(page, app_url, tmp_path):
    open_page(page, app_url, "workstreams?workstream=PLAN")
    button = page.locator(".st-key-ws_card_SIP_FTE").get_by_role("button", name="Download data (CSV)")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.startswith("SIP_FTE_") and download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("KPI code,KPI,Scope code,Scope,Month,Value"), "the header is the first line"
    assert any(line.startswith("SIP_FTE,AHP staff in post (FTE),C&M,C&M system,") for line in lines)
    frame = pd.read_csv(io.BytesIO(data))  # as any tool reads it: no rows to skip
    assert pd.api.types.is_float_dtype(frame["Value"])
    assert set(frame["Synthetic data"]) == {"yes"}, "every row says the demo data is synthetic"
    assert set(frame["Professions"]) == {"All AHPs"}


def test_chart_csv_with_a_profession_filter_says_which_in_its_name_and_rows(page, app_url, tmp_path):
    open_page(page, app_url, "workstreams?workstream=PLAN&profession=PHYSIO")
    card = page.locator(".st-key-ws_card_SIP_FTE")
    chart = card.locator("[data-testid='stPlotlyChart']")
    chart.locator(".main-svg").first.wait_for()  # Plotly draws after the run ends
    heading = card.locator("[class*='st-key-chart_block_']").get_by_text(
        "AHP staff in post (FTE) · Physiotherapists", exact=True
    )
    assert heading.is_visible(), "the heading above the chart names the profession"
    with page.expect_download() as download_info:
        card.get_by_role("button", name="Download data (CSV)").click()
    download = download_info.value
    assert re.fullmatch(
        r"SIP_FTE_C-M-CMAST-MHLDC_PHYSIO_\d{4}-\d{2}_to_\d{4}-\d{2}\.csv", download.suggested_filename
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    frame = pd.read_csv(path)
    assert set(frame["Professions"]) == {"Physiotherapists"}
    assert set(frame["Synthetic data"]) == {"yes"}
    assert (frame["Value"] == frame["Value"].round(1)).all(), "values at the KPI's one decimal"


def test_spc_view_and_the_icon_summary(page, app_url):
    open_page(page, app_url, "workstreams?workstream=RET")
    page.locator("[data-testid='stMain']").get_by_role("radio", name="SPC (Making Data Count)").click()
    wait_idle(page)
    assert url_has(page, "view=spc"), page.url
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
    charts = page.locator("[data-testid='stPlotlyChart']")
    charts.nth(1).locator(".main-svg").first.wait_for()  # Plotly draws each chart after the run ends
    blocks = page.locator("[class*='st-key-chart_block_']")
    leavers = blocks.nth(0).inner_text()  # a 12-month rolling figure: a trend, no SPC rules
    assert "(trend)" in leavers and "shown as a trend" in leavers and "Mean" not in charts.nth(0).inner_text()
    stability = blocks.nth(1)  # a 12-month window too (kpis.csv accumulation): a trend as well
    assert "(trend)" in stability.inner_text() and "Mean" not in charts.nth(1).inner_text()
    sickness = blocks.nth(2)  # a month's own figure: the XmR chart, with the MDC icons
    charts.nth(2).locator(".main-svg").first.wait_for()
    assert "XmR chart" in sickness.inner_text() and "Mean" in charts.nth(2).inner_text()
    icons = sickness.locator("[data-testid='stHtml'] img[alt='']")
    assert icons.count() == 2 and icons.nth(0).is_visible(), "the MDC icons beside the chart"
    assert "Variation: " in sickness.inner_text() and "Assurance: " in sickness.inner_text()
    screenshot(page, "workstreams-spc")

    open_page(page, app_url, "")
    summary = page.locator("[data-testid='stDataFrame']").first
    summary.wait_for()
    assert page.get_by_text("Making Data Count summary: C&M system").count() == 1
    screenshot(page, "overview-mdc-summary")


def test_server_side_chart_images_carry_their_caption(page, app_url, tmp_path):
    open_page(page, app_url, "workstreams?workstream=PLAN")
    card = page.locator(".st-key-ws_card_SIP_FTE")
    with page.expect_download(timeout=90_000) as download_info:
        card.get_by_role("button", name="Image (PNG)").click()
    png = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(png)
    assert png.name.startswith("SIP_FTE_") and png.suffix == ".png"
    width, _ = png_size(png.read_bytes())
    assert width == 2200, "1100 px wide at 2x"
    with page.expect_download(timeout=90_000) as download_info:
        card.get_by_role("button", name="Image (SVG)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    svg = path.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:500]
    for text in ("AHP staff in post (FTE)", "Scope: C&amp;M system", "Data as at", "SYNTHETIC DEMO DATA"):
        assert text in svg, text


def test_board_pack_page_builds_a_self_contained_html_pack(page, app_url, tmp_path):
    open_page(page, app_url, "board_pack?pack_format=html")
    page.get_by_role("button", name="Build the board pack").click()
    download_button = page.get_by_role(
        "button", name=re.compile(r"Download board-pack_system_\d{4}-\d{2}\.html")
    )
    download_button.wait_for(timeout=120_000)
    screenshot(page, "board-pack-page")
    with page.expect_download() as download_info:
        download_button.click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert "SYNTHETIC" in html and "Board pack" in html
    assert external_references(html) == [], "no network needed to open it"


def test_an_unknown_page_is_named_not_silently_replaced(page, app_url):
    open_page(page, app_url, "nosuchpage")
    warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="There is no page")
    assert "There is no page “nosuchpage” open to you in this dashboard, so Overview is shown" in (
        warning.inner_text()
    )
    open_page(page, app_url, "trusts")
    assert (
        page.locator("[data-testid='stAlertContentWarning']").filter(has_text="There is no page").count() == 0
    )
