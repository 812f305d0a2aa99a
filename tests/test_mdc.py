"""Making Data Count in the dashboard: each KPI's settings reach the engine, and the board's icon
summary puts concerns first."""

from __future__ import annotations

import pandas as pd

from kpi import mdc
from kpi.formats import KPI

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)
FTE = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)
MONTHS = pd.date_range("2024-01-01", periods=20, freq="MS")


def frame(code: str, values: list[float], scope: str = "C&M") -> pd.DataFrame:
    return pd.DataFrame(
        {"kpi_code": code, "scope_code": scope, "period": MONTHS[: len(values)], "value": values}
    )


def test_kpi_settings_reach_the_engine():
    rising = [10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0]  # ends above the upper limit
    result, dates = mdc.kpi_spc(frame("VACANCY_RATE", rising), VACANCY)
    assert result.improvement == "down" and result.target == 7.5
    assert result.variation == "concern_high"  # higher vacancy is worse
    result, _ = mdc.kpi_spc(frame("SIP_FTE", rising), FTE)
    assert result.variation == "improvement_high" and result.assurance is None
    assert len(dates) == 20


def test_rebase_months_start_a_new_segment():
    values = [10.0, 11.0] * 7 + [20.0, 21.0] * 6  # 14 points, then 12 points at a new level
    months = pd.date_range("2024-01-01", periods=26, freq="MS")
    data = pd.DataFrame({"kpi_code": "SIP_FTE", "scope_code": "C&M", "period": months, "value": values})
    result, _ = mdc.kpi_spc(data, FTE, [pd.Timestamp("2025-03-01")])
    assert sorted(result.points["segment"].unique()) == [0, 1]
    assert result.mean == 20.5


def test_icon_summary_puts_concerns_first_and_lists_kpis_without_data():
    series = pd.concat(
        [frame("SIP_FTE", [100.0, 101.0] * 10), frame("VACANCY_RATE", [10.0, 10.5] * 8 + [12, 12.5, 13, 14])]
    )
    leavers = KPI("LEAVER_RATE", "Leaver rate", "RET", "%", "down", 10, "ratio", 1)
    summary = mdc.icon_summary(
        series, {"SIP_FTE": FTE, "VACANCY_RATE": VACANCY, "LEAVER_RATE": leavers}, "C&M"
    )
    assert list(summary["kpi_code"]) == ["VACANCY_RATE", "SIP_FTE", "LEAVER_RATE"]
    vacancy = summary.iloc[0]
    assert vacancy["variation_label"] == "Special cause concern (high)"
    assert vacancy["latest"] == "14.0%" and vacancy["target"] == "7.5%"
    assert vacancy["variation_icon"].startswith("data:image/svg+xml;base64,")
    assert vacancy["reading"].startswith("Special cause concern")
    assert summary.iloc[1]["variation_label"] == "Common cause variation"
    assert summary.iloc[2]["latest"] == "No data"


def test_accumulating_kpis_are_shown_as_trends_with_the_reason_in_the_summary():
    rolling = KPI("LEAVER_RATE", "Leaver rate, 12 months rolling", "RET", "%", "down", 10, "ratio", 1,
                  accumulation="rolling_12_months")  # fmt: skip
    ytd = KPI("FUNDING_UTILISED", "Funding utilised", "FUND", "%", "up", 95, "ratio", 1,
              accumulation="year_to_date")  # fmt: skip
    rising = [float(v) for v in range(20)]  # a trend of 7+ rising months on an XmR chart
    series = pd.concat(
        [frame("LEAVER_RATE", rising), frame("FUNDING_UTILISED", rising), frame("SIP_FTE", rising)]
    )
    summary = mdc.icon_summary(
        series, {"LEAVER_RATE": rolling, "FUNDING_UTILISED": ytd, "SIP_FTE": FTE}, "C&M"
    ).set_index("kpi_code")
    assert summary.loc["SIP_FTE", "variation"] == "improvement_high"
    leavers = summary.loc["LEAVER_RATE"]
    assert pd.isna(leavers["variation"]) and pd.isna(leavers["assurance"])
    assert leavers["variation_label"].startswith("No variation icon: a 12-month rolling figure")
    assert leavers["assurance_label"].startswith("No assurance icon: a 12-month rolling figure")
    assert leavers["reading"] == (
        "Leaver rate is a 12-month rolling figure: each month shares 11 months with the one before, so the "
        "SPC rules do not apply; shown as a trend."
    )
    assert summary.loc["FUNDING_UTILISED", "reading"].startswith("Funding utilised is a year-to-date figure")
    assert list(summary.index)[-2:] == ["LEAVER_RATE", "FUNDING_UTILISED"]  # no icons: listed last
    result, _ = mdc.kpi_spc(frame("LEAVER_RATE", rising), rolling)
    assert result.chart_type == "trend"


def test_a_board_measure_at_its_ceiling_reads_as_met_with_a_recalculation_suggested():
    lead = KPI("BOARD_AHP_LEAD", "Trusts with a named AHP lead reporting to board", "LEAD", "%", "up", 100,
               "ratio", 0)  # fmt: skip
    values = [64.7] * 3 + [94.1] * 8 + [100.0] * 25
    months = pd.date_range("2023-11-01", periods=36, freq="MS")
    data = pd.DataFrame(
        {"kpi_code": "BOARD_AHP_LEAD", "scope_code": "C&M", "period": months, "value": values}
    )
    row = mdc.icon_summary(data, {"BOARD_AHP_LEAD": lead}, "C&M").iloc[0]
    assert row["variation_label"] == "Special cause improvement (high)"
    assert pd.isna(row["assurance"])
    assert row["assurance_label"].startswith("No assurance icon: the latest months meet the target")
    assert "consistently be missed" not in row["reading"]
    assert "recalculating them (rebasing) from Oct 2024 is worth considering" in row["reading"]
