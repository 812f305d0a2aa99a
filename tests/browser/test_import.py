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
