"""Each KPI's own latest complete month, on SQLite and PostgreSQL: a partial month of staff in post (one of
three trusts) moves no other KPI's chart, icon or words, and never becomes a headline; a chosen period
is the same for every KPI; a recalculation that cannot apply in a chosen period is not named."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.notes import chart_settings
from kpi.reading import Window, chosen_window
from kpi.reading.load import readings_for
from tests.conftest import add_observations
from tests.notes.test_chart_notes import LEAD
from tests.ui.test_app import assert_page_ok, run_app

MONTHS = pd.date_range("2022-11-01", periods=48, freq="MS")  # Nov 2022 to Oct 2026
DEFAULT = MONTHS[-36:]  # the default period: Nov 2023 to Oct 2026
TRUSTS = ("REM", "RBS", "RW4")


def history() -> list[tuple]:
    """Staff in post and the bank and agency share for three member trusts, every month to Oct 2026;
    the share steps down from Nov 2025 (an improvement the SPC finds)."""
    rows = []
    for i, month in enumerate(MONTHS):
        for k, trust in enumerate(TRUSTS):
            rows.append(("SIP_FTE", trust, None, f"{month:%Y-%m}", 100.0 + 10 * k + i % 3, None, None))
            bank = 80.0 - (20.0 if month >= pd.Timestamp("2025-11-01") else 0.0) + (i * 7) % 5
            rows.append(("TEMP_STAFF_RATE", trust, None, f"{month:%Y-%m}", None, bank, 1000.0))
    return rows


@pytest.fixture
def three_years(engine):
    add_observations(engine, history(), synthetic=True)
    return engine


def summary_row(at, code: str) -> pd.Series:
    frame = next(f for f in at.dataframe if "reading" in f.value.columns).value
    return frame.set_index("kpi_code").loc[code]


def test_a_partial_month_of_one_kpi_moves_no_other_kpi(three_years):
    before = readings_for(three_years, "C&M")
    page_before = run_app()
    assert_page_ok(page_before)
    add_observations(three_years, [("SIP_FTE", "REM", None, "2026-11", 5.0, None, None)], synthetic=True)
    after = readings_for(three_years, "C&M")
    page_after = run_app()
    assert_page_ok(page_after)
    share_before, share_after = before["TEMP_STAFF_RATE"], after["TEMP_STAFF_RATE"]
    assert list(share_after.dates) == list(share_before.dates) == list(DEFAULT)
    assert (share_after.variation, share_after.sentence) == (share_before.variation, share_before.sentence)
    columns = ["month", "latest", "variation", "assurance", "reading"]
    assert summary_row(page_after, "TEMP_STAFF_RATE")[columns].equals(
        summary_row(page_before, "TEMP_STAFF_RATE")[columns]
    )
    # Staff in post keeps October as its headline and says November is provisional, drawn but not read.
    staff = after["SIP_FTE"]
    assert staff.month == pd.Timestamp("2026-10-01") and staff.value_text == "336.0 FTE"
    assert staff.provisional_note == "Nov 2026 provisional: 1 of 3 trusts reported"
    assert list(staff.dates) == list(DEFAULT), "the SPC reads the same 36 complete months"
    assert staff.rows["period"].max() == pd.Timestamp("2026-11-01"), "the chart draws it, hollow"
    row = summary_row(page_after, "SIP_FTE")
    assert (row["month"], row["latest"]) == ("Oct 2026", "336.0 FTE")


def test_a_provisional_month_is_the_headline_only_when_asked_for(three_years):
    add_observations(three_years, [("SIP_FTE", "REM", None, "2026-11", 5.0, None, None)], synthetic=True)
    asked = readings_for(three_years, "C&M", include_provisional=True)["SIP_FTE"]
    assert asked.month == pd.Timestamp("2026-11-01") and asked.is_provisional
    assert asked.month_text == "Nov 2026 (provisional)"


def test_a_chosen_period_is_the_same_for_every_kpi(three_years):
    add_observations(three_years, [("SIP_FTE", "REM", None, "2026-11", 5.0, None, None)], synthetic=True)
    window = chosen_window(dt.date(2024, 12, 1), dt.date(2026, 11, 1))
    chosen = readings_for(three_years, "C&M", window=window)
    for code in ("SIP_FTE", "TEMP_STAFF_RATE"):
        assert chosen[code].rows["period"].min() == pd.Timestamp("2024-12-01"), code
    assert chosen["SIP_FTE"].month == pd.Timestamp("2026-10-01"), "still the latest complete month"


def test_a_recalculation_outside_what_a_chosen_period_can_read_is_not_named(three_years):
    chart_settings.add_setting(
        three_years,
        LEAD,
        "TEMP_STAFF_RATE",
        "C&M",
        "recalculation",
        "bank rules",
        period=dt.date(2025, 11, 1),
    )
    whole = readings_for(three_years, "C&M")["TEMP_STAFF_RATE"]
    assert "Limits recalculated from Nov 2025: bank rules." in whole.sentence
    # Six months before it only: the engine cannot keep it there, so no reading names it, and a note says why.
    short = readings_for(three_years, "C&M", window=Window(pd.Timestamp("2025-05-01"), None))[
        "TEMP_STAFF_RATE"
    ]
    assert "Limits recalculated" not in short.sentence
    assert short.refused == (
        "The recalculation from Nov 2025 does not apply in this period: each part of the chart needs at "
        "least 12 months.",
    )
    # The default period goes back far enough to keep 12 months before a recalculation near its start.
    chart_settings.add_setting(
        three_years, LEAD, "SIP_FTE", "C&M", "recalculation", "merger", period=dt.date(2024, 5, 1)
    )
    staff = readings_for(three_years, "C&M")["SIP_FTE"]
    assert staff.rows["period"].min() == pd.Timestamp("2023-05-01"), "12 months before May 2024"
    assert "Limits recalculated from May 2024: merger." in staff.sentence
