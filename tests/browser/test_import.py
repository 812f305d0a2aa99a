"""The lead's monthly upload in a real browser: a bad file lists its problems and writes nothing; a good
file is previewed, imported on confirmation, shown in the history, and undone."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import open_page, wait_idle

pytestmark = pytest.mark.browser

HEADER = "period,trust_code,profession,kpi_code,value,numerator,denominator\n"


def upload(page, path) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    wait_idle(page, 1000)


def test_bad_file_lists_problems_and_imports_nothing(page, app_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "2026-13,REM,Physiotherapists,SIP_FTE,1,,\n2026-11,XYZ,,SIP_FTE,abc,,\n", encoding="utf-8"
    )
    open_page(page, app_url, "import_data")
    upload(page, bad)
    page.get_by_text("Nothing has been imported").wait_for()  # the check may outlast the first idle
    assert page.get_by_text("Nothing has been imported").count() == 1
    assert page.get_by_role("button", name="Import", exact=True).count() == 0
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the problems (CSV)").click()
    saved = tmp_path / "problems.csv"
    download_info.value.save_as(saved)
    rows = saved.read_bytes().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("row,column,problem")
    assert any(line.startswith("2,period,") for line in rows)
    assert any(line.startswith("3,trust_code,") for line in rows)
    assert any(line.startswith("3,value,") for line in rows)
    screenshot(page, "import-problems")


def test_good_file_preview_import_and_undo(page, app_url, tmp_path):
    # This month: after the demo's last (the last complete month), never in the future, whatever the date.
    month = f"{dt.date.today():%Y-%m}"
    good = tmp_path / "november.csv"
    # This month: the demo data runs to last month, so both figures are new (a fixed month stopped being
    # new once the demo's history reached it).
    month = dt.date.today().strftime("%Y-%m")
    rows = [
        f"{month},REM,Physiotherapists,SIP_FTE,312.4,,",
        f"{month},REM,Physiotherapists,VACANCY_RATE,,24.6,337",
    ]
    good.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    open_page(page, app_url, "import_data")
    upload(page, good)
    new = page.locator("[data-testid='stMetric']").filter(has_text="New figures")
    new.wait_for()
    assert new.locator("[data-testid='stMetricValue']").inner_text().strip() == "2"
    screenshot(page, "import-preview")

    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page, 1000)
    page.get_by_text("Imported november.csv").wait_for()
    assert page.get_by_text("Imported november.csv").count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the import history (CSV)").click()
    saved = tmp_path / "history.csv"
    download_info.value.save_as(saved)
    latest = saved.read_bytes().decode("utf-8-sig").splitlines()[1]
    assert ",november.csv,upload," in latest and ",applied," in latest

    form = page.locator("[data-testid='stForm']")
    form.get_by_text("I understand").click()
    form.get_by_role("button", name="Undo import").click()
    wait_idle(page, 1000)
    page.get_by_text("undone").first.wait_for()
    screenshot(page, "import-undone")


def test_an_oversized_file_is_refused_with_a_sentence_naming_the_limit(page, app_url, tmp_path):
    # 30 MB: over the importer's 20 MB limit but under Streamlit's upload limit (60 MB), so the importer
    # refuses it in words instead of the uploader showing only a red icon.
    big = tmp_path / "big.csv"
    row = b"2026-11,REM,Physiotherapists,SIP_FTE,312.4,,\n"
    big.write_bytes(HEADER.encode() + row * (30 * 1024 * 1024 // len(row)))
    open_page(page, app_url, "import_data")
    assert page.get_by_text("Files up to 20 MB").count() == 1, "the limit is stated next to the uploader"
    upload(page, big)
    page.get_by_text("over the 20 MB limit").first.wait_for()
    assert page.get_by_text("Nothing has been imported").count() == 1
    alert = page.locator("[data-testid='stAlert']").filter(has_text="Nothing has been imported")
    assert "The file is 30.0 MB, over the 20 MB limit" in alert.inner_text()
    assert page.get_by_role("button", name="Import", exact=True).count() == 0
    screenshot(page, "import-oversized")


def newest_month(page) -> str:
    """The sidebar's "Newest figures received" month."""
    line = page.locator("[data-testid='stSidebar']").get_by_text("Newest figures received").inner_text()
    return line.split(": ", 1)[1].split(".", 1)[0]


def history_rows(page, tmp_path, name: str) -> list[str]:
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the import history (CSV)").click()
    saved = tmp_path / name
    download_info.value.save_as(saved)
    return saved.read_bytes().decode("utf-8-sig").splitlines()[1:]


def undo_choices(page) -> list[str]:
    """The imports the undo form offers, read from its open list (then closed again); none without the
    form (nothing left to undo: the demo data never is)."""
    form = page.locator("[data-testid='stForm']")
    if form.count() == 0:
        return []
    form.locator("[data-testid='stSelectbox'] input").click()
    options = [o.inner_text().strip() for o in page.get_by_role("option").all()]
    page.keyboard.press("Escape")
    return options


def test_one_undo_click_updates_the_history_the_undo_list_and_the_newest_month(page, app_url, tmp_path):
    # This month's figures: newer than the demo's newest month, so the sidebar's "Newest" moves and back.
    month = dt.date.today().strftime("%Y-%m")
    fresh = tmp_path / "this-month.csv"
    fresh.write_text(HEADER + f"{month},REM,Physiotherapists,SIP_FTE,312.4,,\n", encoding="utf-8")
    open_page(page, app_url, "import_data")
    before = newest_month(page)
    upload(page, fresh)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page, 1000)
    page.get_by_text("Imported this-month.csv").wait_for()
    this_month = dt.date.today().strftime("%b %Y")
    assert before != this_month and newest_month(page) == this_month
    assert ",this-month.csv,upload," in history_rows(page, tmp_path, "after-import.csv")[0]
    assert undo_choices(page)[0].endswith(": this-month.csv")

    form = page.locator("[data-testid='stForm']")
    form.get_by_text("I understand").click()
    form.get_by_role("button", name="Undo import").click()
    wait_idle(page, 1000)
    page.get_by_text("this-month.csv) undone").wait_for()
    # No other click, no reload: every part of the page already shows the undo.
    assert newest_month(page) == before
    latest = history_rows(page, tmp_path, "after-undo.csv")[0]
    assert ",this-month.csv,upload," in latest and ",undone," in latest
    assert not [o for o in undo_choices(page) if o.endswith(": this-month.csv")]
    screenshot(page, "import-undone-at-once")
