"""The reading of a KPI (kpi.reading): each KPI's settings reach the engine, the summary built from the
readings puts concerns first, the target in force is the lead's dated one where it applies, and a
suggested recalculation is read on the whole history, so every window names the same month."""

from __future__ import annotations

import pandas as pd

from kpi.notes.chart_settings import ChartSettings
from kpi.reading import Window, read_kpi, read_scope
from kpi.reading.tables import summary_frame
from kpi.reference.catalogue import KPI

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)
FTE = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)
MONTHS = pd.date_range("2024-01-01", periods=20, freq="MS")


def frame(code: str, values: list[float], scope: str = "C&M") -> pd.DataFrame:
    return pd.DataFrame(
        {"kpi_code": code, "scope_code": scope, "period": MONTHS[: len(values)], "value": values}
    )


def read(data: pd.DataFrame, kpi: KPI, **options):
    return read_kpi(data, kpi, "C&M", "Cheshire and Merseyside", window=Window(None, None), **options)


def summary(series: pd.DataFrame, kpis: dict[str, KPI]) -> pd.DataFrame:
    readings = read_scope(series, kpis, "C&M", "Cheshire and Merseyside", window=Window(None, None))
    return summary_frame(readings.values())


def test_kpi_settings_reach_the_engine():
    rising = [10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0]  # ends above the upper limit
    reading = read(frame("VACANCY_RATE", rising), VACANCY)
    assert reading.result.improvement == "down" and reading.result.target == 7.5
    assert reading.variation == "concern_high"  # higher vacancy is worse
    fte = read(frame("SIP_FTE", rising), FTE)
    assert fte.variation == "improvement_high" and fte.assurance is None
    assert len(reading.dates) == 20


def test_rebase_months_start_a_new_segment():
    values = [10.0, 11.0] * 7 + [20.0, 21.0] * 6  # 14 points, then 12 points at a new level
    months = pd.date_range("2024-01-01", periods=26, freq="MS")
    data = pd.DataFrame({"kpi_code": "SIP_FTE", "scope_code": "C&M", "period": months, "value": values})
    reading = read(data, FTE, rebase=[pd.Timestamp("2025-03-01")])
    assert sorted(reading.result.points["segment"].unique()) == [0, 1]
    assert reading.result.mean == 20.5


def test_icon_summary_puts_concerns_first_and_lists_kpis_without_data():
    series = pd.concat(
        [frame("SIP_FTE", [100.0, 101.0] * 10), frame("VACANCY_RATE", [10.0, 10.5] * 8 + [12, 12.5, 13, 14])]
    )
    leavers = KPI("LEAVER_RATE", "Leaver rate", "RET", "%", "down", 10, "ratio", 1)
    table = summary(series, {"SIP_FTE": FTE, "VACANCY_RATE": VACANCY, "LEAVER_RATE": leavers})
    assert list(table["kpi_code"]) == ["VACANCY_RATE", "SIP_FTE", "LEAVER_RATE"]
    vacancy = table.iloc[0]
    assert vacancy["variation_label"] == "Special cause concern (high)"
    assert vacancy["latest"] == "14.0%" and vacancy["target"] == "7.5%"
    assert vacancy["variation_icon"].startswith("data:image/svg+xml;base64,")
    assert vacancy["reading"].startswith("Special cause concern")
    assert table.iloc[1]["variation_label"] == "Common cause variation"
    assert table.iloc[2]["latest"] == "No data"


def test_accumulating_kpis_are_shown_as_trends_with_the_reason_in_the_summary():
    rolling = KPI("LEAVER_RATE", "Leaver rate, 12 months rolling", "RET", "%", "down", 10, "ratio", 1,
                  accumulation="rolling_12_months")  # fmt: skip
    ytd = KPI("FUNDING_UTILISED", "Funding utilised", "FUND", "%", "up", 95, "ratio", 1,
              accumulation="year_to_date")  # fmt: skip
    rising = [float(v) for v in range(20)]  # a trend of 7+ rising months on an XmR chart
    series = pd.concat(
        [frame("LEAVER_RATE", rising), frame("FUNDING_UTILISED", rising), frame("SIP_FTE", rising)]
    )
    table = summary(series, {"LEAVER_RATE": rolling, "FUNDING_UTILISED": ytd, "SIP_FTE": FTE})
    table = table.set_index("kpi_code")
    assert table.loc["SIP_FTE", "variation"] == "improvement_high"
    leavers = table.loc["LEAVER_RATE"]
    assert pd.isna(leavers["variation"]) and pd.isna(leavers["assurance"])
    assert leavers["variation_label"].startswith("No variation icon: a 12-month rolling figure")
    assert leavers["assurance_label"].startswith("No assurance icon: a 12-month rolling figure")
    assert leavers["reading"] == (
        "Leaver rate is a 12-month rolling figure: each month shares 11 months with the one before, so the "
        "SPC rules do not apply; shown as a trend."
    )
    assert table.loc["FUNDING_UTILISED", "reading"].startswith("Funding utilised is a year-to-date figure")
    assert list(table.index)[-2:] == ["LEAVER_RATE", "FUNDING_UTILISED"]  # no icons: listed last
    assert read(frame("LEAVER_RATE", rising), rolling).chart_type == "trend"


LEAD = KPI("BOARD_AHP_LEAD", "Trusts with a named AHP lead reporting to board", "LEAD", "%", "up", 100,
           "ratio", 0)  # fmt: skip
# The demo's system share: 70.6% until Jan 2024, 94.1% from Feb 2024, 100% from Oct 2024 (to Oct 2026).
CEILING_MONTHS = pd.date_range("2022-04-01", "2026-10-01", freq="MS")
CEILING = [70.6 if m < pd.Timestamp("2024-02-01") else 94.1 if m < pd.Timestamp("2024-10-01") else 100.0
           for m in CEILING_MONTHS]  # fmt: skip


def ceiling(window: Window | None = None, **options):
    data = pd.DataFrame({"kpi_code": "BOARD_AHP_LEAD", "scope_code": "C&M", "period": CEILING_MONTHS,
                         "value": CEILING})  # fmt: skip
    return read_kpi(
        data, LEAD, "C&M", "Cheshire and Merseyside", window=window or Window(None, None), **options
    )


def test_a_ceiling_reached_reads_as_nhs_england_reads_it_and_names_the_month_the_level_began():
    # NHS England's query: target 100 at or above the upper limit is "consistently failing", though the
    # latest 25 months met it; the reading suggests recalculating from the month the new level began.
    reading = ceiling()
    assert reading.variation_label == "Special cause improvement (high)"
    assert reading.assurance == "fail"
    assert reading.suggestion is not None and reading.suggestion.period == pd.Timestamp("2024-10-01")
    assert reading.sentence.endswith(
        "Recalculating the limits from Oct 2024 is worth considering (25 months in a row above the mean, at "
        "a new level since Oct 2024 (a step, not a trend))."
    )


def test_every_window_suggests_the_same_month():
    # The default three years (Nov 2023 to Oct 2026) leave only 11 months before Oct 2024: the window
    # alone could not suggest it, but the reading reads the suggestion on the whole history.
    three_years = ceiling(Window(pd.Timestamp("2023-11-01"), pd.Timestamp("2026-10-01")))
    assert len(three_years.dates) == 36
    assert three_years.suggestion.period == pd.Timestamp("2024-10-01")
    assert "Recalculating the limits from Oct 2024" in three_years.sentence


def test_an_accepted_suggestion_takes_effect_and_is_named():
    settings = ChartSettings(recalculations=[(pd.Timestamp("2024-10-01"), "new level")])
    reading = ceiling(settings=settings)
    assert reading.suggestion is None  # decided: never suggested again
    assert reading.result.segment_starts[-1] == list(reading.dates).index(pd.Timestamp("2024-10-01"))
    assert reading.assurance == "pass"
    assert "Limits recalculated from Oct 2024: new level." in reading.sentence
