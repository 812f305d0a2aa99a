"""The board summaries: the KPI scorecard and headline cards (both rendered from the readings), trust
ranking, and milestones needing attention."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.reading import Window, read_scope
from kpi.reading.scorecard import (
    card_arrow,
    card_colour,
    headline_cards,
    milestone_status_counts,
    milestones_needing_attention,
    rank_trusts,
)
from kpi.reading.tables import scorecard_frame
from kpi.reference.catalogue import KPI

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)
FTE = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)


def readings(rows: dict[str, list[tuple[str, float]]], kpis: dict[str, KPI]):
    """The readings of `kpis` for the system from (month, value) rows by KPI code."""
    frame = pd.DataFrame(
        [
            {"kpi_code": code, "scope_code": "C&M", "period": pd.Timestamp(month), "value": value}
            for code, points in rows.items()
            for month, value in points
        ]
    )
    return read_scope(frame, kpis, "C&M", "Cheshire and Merseyside", window=Window(None, None))


def test_scorecard_reads_changes_by_direction_and_lists_kpis_without_data():
    kpis = {"VACANCY_RATE": VACANCY, "SIP_FTE": FTE}
    rows = {"VACANCY_RATE": [("2025-10-01", 7.0), ("2026-09-01", 8.5), ("2026-10-01", 8.0)]}
    card = scorecard_frame(readings(rows, kpis).values(), {"PLAN": "Planning"}).set_index("kpi_code")
    vacancy = card.loc["VACANCY_RATE"]
    assert vacancy["latest"] == "8.0%" and vacancy["target"] == "7.5%"
    assert vacancy["vs_previous"] == "-0.5 pts on Sep 2026 (better)"
    assert vacancy["vs_last_year"] == "+1.0 pts on Oct 2025 (worse)"
    assert vacancy["trend"] == [7.0, 8.5, 8.0]
    assert card.loc["SIP_FTE", "latest"] == "No data"


def test_ranking_is_best_first_for_the_direction_with_shared_ranks():
    rows = pd.DataFrame(
        {"scope_code": ["REM", "RBS", "RW4", "RXA"], "value": [12.5, 5.0, 30.0, 12.5],
         "numerator": [15, 3, 9, 5], "denominator": [120, 60, 30, 40]}
    )  # fmt: skip
    ranking = rank_trusts(rows, 12.857, VACANCY, {"REM": "LUH"}, {"REM": ["CMAST"]})
    assert list(ranking["ods_code"]) == ["RBS", "REM", "RXA", "RW4"]
    assert list(ranking["rank"]) == [1, 2, 2, 4]
    assert ranking.iloc[1]["trust"] == "LUH" and ranking.iloc[1]["collaboratives"] == "CMAST"
    assert ranking.iloc[0]["against_system"] == "-7.9 pts vs system (better)"


def test_milestones_needing_attention():
    milestones = pd.DataFrame(
        {
            "code": ["M1", "M2", "M3", "M4"],
            "title": ["Done", "Late", "Risky", "Fine"],
            "status": ["complete", "on track", "at risk", "on track"],
            "baseline_due": pd.to_datetime(["2024-01-01", "2025-01-01", "2027-01-01", "2027-01-01"]),
            "forecast_due": pd.to_datetime([None, None, "2027-01-01", "2027-01-01"]),
        }
    )
    attention = milestones_needing_attention(milestones, dt.date(2026, 11, 25))
    assert list(attention["code"]) == ["M2", "M3"]
    assert attention.iloc[0]["why"] == "Overdue since 01/01/2025"
    assert attention.iloc[1]["why"] == "At risk"
    assert milestone_status_counts(milestones) == {
        "complete": 1, "on track": 2, "at risk": 1, "off track": 0, "not started": 0
    }  # fmt: skip


def monthly(values: list[float], start: str = "2025-03-01") -> list[tuple[str, float]]:
    return [
        (str(month.date()), value)
        for month, value in zip(pd.date_range(start, periods=len(values), freq="MS"), values, strict=True)
    ]


def test_headline_cards_take_colour_and_words_from_making_data_count_not_the_monthly_change():
    sickness = KPI("SICKNESS_RATE", "Sickness absence rate", "RET", "%", "down", 4.5, "ratio", 2)
    leavers = KPI(
        "LEAVER_RATE", "Leaver rate", "RET", "%", "down", 10, "ratio", 1, accumulation="rolling_12_months"
    )
    kpis = {"SICKNESS_RATE": sickness, "LEAVER_RATE": leavers, "VACANCY_RATE": VACANCY, "SIP_FTE": FTE}
    rows = {
        # Above the upper limit (concern: lower is better) and target 4.5 below the lower limit (failing);
        # the latest month 0.05 lower than the one before.
        "SICKNESS_RATE": monthly([4.8, 4.9] * 8 + [6.0, 6.4, 7.05, 7.0]),
        "LEAVER_RATE": monthly([11.1] * 20),
        # Alternating 6.0 and 6.2: common cause, target 7.5 above the upper limit (met every month).
        "VACANCY_RATE": monthly([6.0, 6.2] * 10),
    }
    cards = {c.code: c for c in headline_cards(readings(rows, kpis), tuple(kpis))}
    sick = cards["SICKNESS_RATE"]
    assert sick.reading == "Concern (high) · failing target"  # one line; the full names are in the help
    assert "Special cause concern (high). Consistently failing target." in sick.help
    assert (sick.colour, sick.arrow) == ("orange", "up")
    assert sick.change == "-0.05 pts on Sep 2026"  # plain text, no "better"
    leaver = cards["LEAVER_RATE"]
    assert leaver.reading == "No SPC icon"
    assert "No variation icon: a 12-month rolling figure, shown as a trend" in leaver.help
    assert (leaver.colour, leaver.arrow, leaver.change) == ("gray", "off", "No change on Sep 2026")
    vacancy = cards["VACANCY_RATE"]  # common cause: the assurance icon's colour
    assert (vacancy.reading, vacancy.colour, vacancy.arrow) == (
        "Common cause · meeting target", "blue", "off"
    )  # fmt: skip
    assert cards["SIP_FTE"].reading is None and cards["SIP_FTE"].value == "No data"


def test_card_colours_follow_the_icons():
    assert card_colour("improvement_low", "fail") == "blue"
    assert card_colour("concern_low", "pass") == "orange"
    assert card_colour("neither_high", None) == "violet"
    assert card_colour("common_cause", "fail") == "orange"
    assert card_colour("common_cause", "hit_or_miss") == "gray"
    assert card_colour("common_cause", None) == "gray"
    assert card_colour(None, None) == "gray"
    assert (card_arrow("neither_low"), card_arrow("common_cause"), card_arrow(None)) == ("down", "off", "off")
    only_one = readings({"SIP_FTE": [("2026-10-01", 1.0)]}, {"SIP_FTE": FTE})["SIP_FTE"]
    assert only_one.plain_change(only_one.previous) == "No earlier month"
