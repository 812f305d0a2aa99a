"""What a chart says in words (kpi.reading.chart_text): the sentence beside each chart, read against the KPI's
improvement direction, and the data table of the figures it draws, on small exact series."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.reading import chart_text
from kpi.reading.chart_text import ChartIcon, ChartWords
from kpi.reference.catalogue import KPI
from tests.readings import reading_of

SIP = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)
VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)
FUNDED = KPI("FUNDED_FTE", "Funded establishment (FTE)", "PLAN", "FTE", "neither", None, "sum", 1)
SPEND = KPI("AGENCY_SPEND", "Agency spend", "PLAN", "GBP", "down", None, "sum", 0)


def months(values: dict[str, float], scope: str = "C&M", provisional: dict[str, tuple[int, int]] = {}):  # noqa: B006
    """A scope's series from {'2026-10': value}; `provisional` months as {'2026-11': (reported, expected)}."""
    rows = [
        {"scope_code": scope, "period": pd.Timestamp(f"{month}-01"), "value": value,
         "provisional": month in provisional,
         "contributors": provisional.get(month, (16, 16))[0], "expected": provisional.get(month, (16, 16))[1]}
        for month, value in values.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_latest_month_with_its_change_on_the_month_and_the_year_read_as_better():
    rows = months({"2025-10": 5600.0, "2026-09": 5758.2, "2026-10": 5779.2})
    assert chart_text.value_sentence(rows, SIP, "C&M system") == (
        "AHP staff in post (FTE) for C&M system was 5,779.2 FTE in Oct 2026, up 21.0 FTE on Sep 2026 and "
        "3.2% on Oct 2025: better."
    )


def test_changes_that_disagree_each_say_better_or_worse_and_a_percentage_changes_in_points():
    rows = months({"2025-10": 7.1, "2026-09": 8.5, "2026-10": 8.2})
    assert chart_text.value_sentence(rows, VACANCY, "CMAST") == (
        "Vacancy rate for CMAST was 8.2% in Oct 2026, down 0.3 pts on Sep 2026 (better) and up 1.1 pts on "
        "Oct 2025 (worse)."
    )


def test_both_changes_down_say_down_once_and_worse_for_a_kpi_where_higher_is_better():
    rows = months({"2025-10": 6000.0, "2026-09": 5800.0, "2026-10": 5700.0})
    assert chart_text.value_sentence(rows, SIP, "MHLDC") == (
        "AHP staff in post (FTE) for MHLDC was 5,700.0 FTE in Oct 2026, down 100.0 FTE on Sep 2026 and 5.0% "
        "on Oct 2025: worse."
    )


@pytest.mark.parametrize(
    ("september", "words"),
    [
        (5779.16, "unchanged on Sep 2026"),  # -0.04 rounds to 0.0 at the KPI's one decimal
        (5779.14, "up 0.1 FTE on Sep 2026: better"),  # +0.06 rounds to 0.1
    ],
)
def test_a_change_that_rounds_to_nothing_is_unchanged(september, words):
    rows = months({"2026-09": september, "2026-10": 5779.2})
    assert chart_text.value_sentence(rows, SIP, "C&M system") == (
        f"AHP staff in post (FTE) for C&M system was 5,779.2 FTE in Oct 2026, {words}."
    )


def test_an_unchanged_month_and_a_changed_year_keep_the_verdict_on_the_change():
    rows = months({"2025-10": 5000.0, "2026-09": 5779.2, "2026-10": 5779.2})
    assert chart_text.value_sentence(rows, SIP, "C&M system") == (
        "AHP staff in post (FTE) for C&M system was 5,779.2 FTE in Oct 2026, unchanged on Sep 2026 and up "
        "15.6% on Oct 2025 (better)."
    )


def test_where_neither_direction_is_better_the_sentence_gives_no_verdict():
    rows = months({"2025-10": 6000.0, "2026-09": 6100.0, "2026-10": 6194.7})
    assert chart_text.value_sentence(rows, FUNDED, "C&M system") == (
        "Funded establishment (FTE) for C&M system was 6,194.7 FTE in Oct 2026, up 94.7 FTE on Sep 2026 and "
        "3.2% on Oct 2025."
    )


def test_a_tiny_relative_change_says_less_than_a_tenth_and_money_is_in_whole_pounds():
    rows = months({"2025-10": 1_000_000.0, "2026-09": 1_001_200.0, "2026-10": 1_000_200.0})
    assert chart_text.value_sentence(rows, SPEND, "C&M system") == (
        "Agency spend for C&M system was £1,000,200 in Oct 2026, down £1,000 on Sep 2026 (better) and up "
        "less than 0.1% on Oct 2025 (worse)."
    )


def test_without_the_month_before_or_a_year_ago_the_sentence_gives_the_figure_alone():
    rows = months({"2026-06": 5700.0, "2026-10": 5779.2})
    assert chart_text.value_sentence(rows, SIP, "CMAST") == (
        "AHP staff in post (FTE) for CMAST was 5,779.2 FTE in Oct 2026."
    )


def test_a_provisional_month_is_said_not_compared():
    rows = months({"2026-09": 5758.2, "2026-10": 5779.2, "2026-11": 920.0}, provisional={"2026-11": (2, 16)})
    assert chart_text.value_sentence(rows, SIP, "C&M system") == (
        "AHP staff in post (FTE) for C&M system was 5,779.2 FTE in Oct 2026, up 21.0 FTE on Sep 2026: "
        "better. Nov 2026 provisional: 2 of 16 trusts reported (drawn hollow, apart from the line)."
    )
    assert chart_text.value_sentence(rows, SIP, "C&M system", say_provisional=False).endswith("better.")


def test_only_provisional_months_say_there_is_no_complete_month():
    rows = months({"2026-11": 920.0}, provisional={"2026-11": (2, 16)})
    assert chart_text.value_sentence(rows, SIP, "CMAST") == (
        "AHP staff in post (FTE) for CMAST: no complete month yet. Nov 2026 provisional: 2 of 16 trusts "
        "reported (drawn hollow, apart from the line)."
    )


def test_a_trend_has_a_sentence_per_line_in_the_charts_order_and_its_target():
    data = pd.concat(
        [months({"2026-09": 8.5, "2026-10": 8.2}, "CMAST"), months({"2026-09": 9.0, "2026-10": 9.0}, "C&M")]
    )
    names = {"C&M": "C&M system", "CMAST": "CMAST"}
    assert chart_text.trend_sentences(data, VACANCY, names, ["C&M", "MHLDC", "CMAST"]) == [
        "Vacancy rate for C&M system was 9.0% in Oct 2026, unchanged on Sep 2026.",
        "Vacancy rate for CMAST was 8.2% in Oct 2026, down 0.3 pts on Sep 2026: better.",
    ]
    for kpi, words in ((VACANCY, "Target 7.5%; lower is better."), (SIP, "Higher is better."),
                       (FUNDED, "Neither direction is better.")):  # fmt: skip
        assert reading_of(months({"2026-10": 1.0}), kpi).target_sentence == words


def test_the_trend_data_table_has_a_row_a_month_newest_first_and_a_column_a_line():
    data = pd.concat(
        [
            months(
                {"2026-09": 5758.2, "2026-10": 5779.2, "2026-11": 920.0}, provisional={"2026-11": (2, 16)}
            ),
            months({"2026-10": 4429.2}, "CMAST"),
        ]
    )
    table = chart_text.trend_table(data, SIP, {"C&M": "C&M system"}, ["C&M", "CMAST"])
    assert table.index.name == "Month"
    assert list(table.index) == ["Nov 2026", "Oct 2026", "Sep 2026"]
    assert list(table.columns) == ["C&M system", "CMAST"]
    assert table.loc["Nov 2026", "C&M system"] == "920.0 FTE (provisional: 2 of 16 trusts reported)"
    assert table.loc["Oct 2026", "CMAST"] == "4,429.2 FTE"
    assert table.loc["Sep 2026", "CMAST"] == "–"


def test_the_spc_data_table_gives_each_months_point_type_mean_and_limits():
    values = [10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0]
    periods = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(20)]
    data = months(dict(zip(periods, values, strict=True)))
    reading = reading_of(data, VACANCY)
    table = chart_text.spc_table(reading.result, reading.dates, reading.rows, VACANCY)
    assert list(table.columns) == [
        "Value", "Point", "Mean", "Lower process limit", "Upper process limit", "Target"
    ]  # fmt: skip
    assert table.loc["Aug 2025", "Target"] == "7.5%"
    newest = table.loc["Aug 2025"]
    assert newest["Value"] == "14.0%" and newest["Point"] == "Special cause concern"
    assert table.loc["Jan 2024", "Point"] == "Special cause improvement"  # below the mean, lower is better
    mean = sum(values) / len(values)
    assert newest["Mean"] == f"{mean:.2f}%"
    assert table.index[0] == "Aug 2025" and table.index[-1] == "Jan 2024"


def test_a_provisional_month_left_out_of_the_spc_says_so_in_the_table():
    values = {f"2025-{m:02d}": 10.0 + m % 2 for m in range(1, 11)}
    data = months({**values, "2025-11": 3.0}, provisional={"2025-11": (2, 16)})
    reading = reading_of(data, VACANCY)
    table = chart_text.spc_table(reading.result, reading.dates, reading.rows, VACANCY)
    assert table.loc["Nov 2025"].to_dict() == {
        "Value": "3.0% (provisional: 2 of 16 trusts reported)",
        "Point": "Provisional: left out of the mean and limits",
        "Mean": "–",
        "Target": "–",
    }
    assert table.loc["Oct 2025", "Point"] == "Common cause"  # a run chart: fewer than 15 months


def test_profession_sentences_name_the_highest_and_lowest_and_count_who_meets_the_target():
    frame = pd.DataFrame(
        {"profession_code": ["DIET", "PHYSIO", "OT"], "value": [7.5, 12.5, 5.0],
         "period": pd.Timestamp("2026-10-01")}
    )  # fmt: skip
    names = {"DIET": "Dietitians", "PHYSIO": "Physiotherapists", "OT": "Occupational therapists"}
    # Lower is better: 7.5% exactly on the target meets it.
    assert chart_text.profession_sentence(frame, VACANCY, names, "C&M system", 7.5) == (
        "Vacancy rate by profession for C&M system in Oct 2026: highest Physiotherapists 12.5%, lowest "
        "Occupational therapists 5.0%. 2 of 3 professions meet the target of 7.5%."
    )
    earlier = frame.assign(period=pd.Timestamp("2026-09-01"), value=[1.0, 2.0, 3.0])
    assert chart_text.heatmap_sentence(pd.concat([earlier, frame]), VACANCY, names, "CMAST", 7.5) == (
        "Vacancy rate by profession and month for CMAST, Sep 2026 to Oct 2026; darker cells are higher. "
        "Vacancy rate by profession for CMAST in Oct 2026: highest Physiotherapists 12.5%, lowest "
        "Occupational therapists 5.0%. 2 of 3 professions meet the target of 7.5%."
    )
    table = chart_text.profession_table(frame, VACANCY, names)
    assert list(table["Profession"]) == ["Dietitians", "Occupational therapists", "Physiotherapists"]
    assert list(table["Value"]) == ["7.5%", "5.0%", "12.5%"]


def test_the_heatmap_in_words_a_line_per_profession_for_a_phone():
    frame = pd.DataFrame(
        {"profession_code": ["DIET", "PHYSIO", "OT"] * 3,
         "value": [7.5, 12.5, 5.0, 1.0, 12.5, 6.0, 4.0, 9.0, 5.0],
         "period": pd.to_datetime(["2026-10-01"] * 3 + ["2026-08-01"] * 3 + ["2026-09-01"] * 3)}
    )  # fmt: skip
    names = {"DIET": "Dietitians", "PHYSIO": "Physiotherapists", "OT": "Occupational therapists"}
    assert chart_text.heatmap_lines(frame, VACANCY, names) == [
        ("Dietitians:", "7.5% in Oct 2026, up 6.5 pts on Aug 2026: worse; lowest 1.0% in Aug 2026, highest "
         "7.5% in Oct 2026."),
        ("Occupational therapists:", "5.0% in Oct 2026, down 1.0 pts on Aug 2026: better; lowest 5.0% in "
         "Sep 2026, highest 6.0% in Aug 2026."),
        ("Physiotherapists:", "12.5% in Oct 2026, unchanged on Aug 2026; lowest 9.0% in Sep 2026, highest "
         "12.5% in Aug 2026."),
    ]  # fmt: skip
    one_month = frame[frame["period"] == pd.Timestamp("2026-10-01")]
    assert chart_text.heatmap_lines(one_month, SIP, {})[0] == ("DIET:", "7.5 FTE in Oct 2026.")


MILESTONES = pd.DataFrame(
    {"code": ["M2", "M1", "M3"], "title": ["Publish the plan", "Recruit the lead", "Final report"],
     "status": ["at risk", "complete", "on track"],
     "baseline_due": pd.to_datetime(["2024-03-31", "2022-09-30", "2027-03-31"]),
     "forecast_due": pd.to_datetime(["2026-12-31", "2022-09-30", "2027-03-31"]),
     "completed_on": pd.to_datetime([None, "2022-08-15", None])}
)  # fmt: skip


def test_the_milestone_timeline_in_words():
    assert chart_text.milestone_sentence(MILESTONES, dt.date(2026, 11, 25)) == (
        "3 milestones: 1 complete, 1 on track, 1 at risk. 1 forecast after their baseline due date."
    )
    assert chart_text.milestone_sentence(MILESTONES, dt.date(2027, 1, 1)) == (
        "3 milestones: 1 complete, 1 on track, 1 at risk. 1 forecast after their baseline due date. "
        "1 overdue on 01/01/2027."
    )
    lines = [chart_text.milestone_line(row) for row in MILESTONES.sort_values("code").itertuples()]
    assert lines == [
        ("M1: Recruit the lead.", "Complete: baseline due 30/09/2022, completed 15/08/2022."),
        (
            "M2: Publish the plan.",
            "At risk: baseline due 31/03/2024, forecast 31/12/2026 (after the baseline).",
        ),
        ("M3: Final report.", "On track: baseline due 31/03/2027, forecast 31/03/2027."),
    ]
    table = chart_text.milestone_table(MILESTONES)
    assert table.loc["M2: Publish the plan"].to_dict() == {
        "Status": "At risk", "Baseline due": "31/03/2024", "Forecast": "31/12/2026", "Completed": "–"
    }  # fmt: skip


def test_the_accessible_name_carries_the_heading_the_sentences_the_icons_and_the_notes():
    words = ChartWords(
        heading="Vacancy rate (%): C&M system (XmR chart)",
        sentences=(
            "Vacancy rate for C&M system was 8.2% in Oct 2026.",
            "Common cause variation: no signals.",
        ),
        notes=("Target 7.5%; lower is better.",),
        icons=(ChartIcon("Variation", "data:,", "Common cause variation"),),
        kind="SPC chart",
    )
    assert words.accessible_name == (
        "SPC chart: Vacancy rate (%): C&M system (XmR chart). Vacancy rate for C&M system was 8.2% in Oct "
        "2026. Common cause variation: no signals. Variation: Common cause variation. Target 7.5%; lower "
        "is better."
    )
