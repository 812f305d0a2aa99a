"""A partial month in a real browser: two trusts' staff in post for the month after the demo history,
imported through the Import data page, leave the Overview's headline on the last complete month and say
the new month is provisional; switching "Include provisional months" on by mouse shows the provisional
figure and puts provisional=include in the link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from kpi.seed.demo import generate_observations, last_complete_month
from kpi.words.formats import month_label
from kpi.words.months import add_months
from tests.browser.conftest import demo_app, screenshot
from tests.browser.test_dashboard import metric_value, open_page, url_has, wait_idle
from tests.browser.test_import import HEADER, upload

pytestmark = pytest.mark.browser

CARD = "AHP staff in post (FTE)"
EXPECTED_TRUSTS = 16  # every member trust sends staff in post in the demo history (RX7 is a partner)


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a database of its own (this test imports into it), with the demo history."""
    with demo_app(tmp_path_factory, "provisional") as url:
        yield url


def test_a_month_two_trusts_have_sent_is_provisional_until_asked_for(page, fresh_app, tmp_path: Path):
    last = last_complete_month()  # the demo history's last month
    new = add_months(last, 1)
    demo = generate_observations(last)
    in_system = demo[(demo["kpi_code"] == "SIP_FTE") & (demo["trust_code"] != "RX7")]
    complete = in_system[pd.to_datetime(in_system["period"]) == pd.Timestamp(last)]["value"].sum()
    complete_shown = f"{complete:,.1f} FTE"

    open_page(page, fresh_app, "")
    assert metric_value(page, CARD) == complete_shown
    assert page.get_by_text("trusts reported").count() == 0, "no month is provisional yet"

    partial = tmp_path / "partial-month.csv"
    partial.write_text(
        HEADER + f"{new:%Y-%m},REM,,SIP_FTE,1000,,\n{new:%Y-%m},RBS,,SIP_FTE,400,,\n", encoding="utf-8"
    )
    open_page(page, fresh_app, "import_data")
    upload(page, partial)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page, 1000)
    page.get_by_text("Imported partial-month.csv").wait_for()

    open_page(page, fresh_app, "")
    assert metric_value(page, CARD) == complete_shown, "the headline stays on the last complete month"
    card = page.locator(".st-key-headline_SIP_FTE")
    note = f"{month_label(new)} provisional: 2 of {EXPECTED_TRUSTS} trusts reported"
    assert card.get_by_text(note, exact=True).is_visible()
    assert card.get_by_text(f"Data as at {month_label(last)}", exact=True).is_visible()
    assert "provisional=" not in page.url
    screenshot(page, "provisional-left-out")

    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Include provisional months").click()
    wait_idle(page)
    assert url_has(page, "provisional=include"), page.url
    assert metric_value(page, CARD) == "1,400.0 FTE", "REM's 1,000 and RBS's 400"
    included = f"{month_label(new)} (provisional): 2 of {EXPECTED_TRUSTS} trusts reported"
    assert card.get_by_text(included, exact=True).is_visible()
    screenshot(page, "provisional-included")

    sidebar.get_by_text("Include provisional months").click()
    wait_idle(page)
    assert metric_value(page, CARD) == complete_shown
    for _ in range(40):  # the address bar follows the click by a moment
        if "provisional=" not in page.url:
            break
        page.wait_for_timeout(250)
    assert "provisional=" not in page.url
