"""Provisional months in every view, on a small exact series: 20 complete months of staff in post and a
newest month only 2 of 16 expected trusts have sent (1,400 FTE). The headline, the Making Data Count
summary, the scorecard, the SPC calculation and the CSV files keep to the last complete month and say the
new month is provisional, unless provisional months are asked for; charts draw it hollow."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi import charts, spc
from kpi.exports import tables as export
from kpi.figures import provisional
from kpi.reading import Window, read_scope, scorecard
from kpi.reading.tables import scorecard_frame
from kpi.reference.catalogue import KPI
from tests.conftest import add_observations
from tests.readings import reading_of, summary_of
from tests.ui.test_app import ROWS, assert_page_ok, metric, run_app, url

FTE = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)
KPIS = {"SIP_FTE": FTE}
COMPLETE = [5000.0, 5010.0] * 10  # Mar 2025 to Oct 2026, every expected trust reported
NOV = pd.Timestamp("2026-11-01")


def series(scope: str = "C&M", newest: float = 1400.0) -> pd.DataFrame:
    periods = pd.date_range("2025-03-01", periods=21, freq="MS")
    values = [*COMPLETE, newest]
    return pd.DataFrame(
        {"kpi_code": "SIP_FTE", "level": "system", "scope_code": scope, "period": periods, "value": values,
         "numerator": values, "denominator": values, "contributors": [16] * 20 + [2], "synthetic": False,
         "expected": 16, "provisional": [False] * 20 + [True]}
    )  # fmt: skip


def readings(include: bool):
    """The system's readings of the series above, provisional months included or not."""
    return read_scope(
        series(), KPIS, "C&M", "C&M system", window=Window(None, None), include_provisional=include
    )


# --- the words ---------------------------------------------------------------------------------------


def test_the_line_names_the_month_and_how_many_of_the_expected_trusts_reported():
    newest = series().tail(1)
    assert provisional.line(newest) == "Nov 2026 provisional: 2 of 16 trusts reported"
    assert provisional.line(newest, included=True) == "Nov 2026 (provisional): 2 of 16 trusts reported"
    assert provisional.hover_words(1, 1) == "provisional: 1 of 1 expected trust reported"
    two = series().tail(2).assign(provisional=True, contributors=[9, 2])
    assert provisional.line(two) == "Oct 2026 to Nov 2026 provisional (Nov 2026: 2 of 16 trusts reported)"
    assert provisional.line(newest.iloc[0:0]) == ""


def test_only_provisional_months_newer_than_the_last_complete_one_are_pending():
    rows = series().tail(3).assign(provisional=[True, False, True])  # Sep provisional, Oct complete, Nov
    assert list(provisional.pending(rows)["period"]) == [NOV]
    assert provisional.headline_line(rows, include=False) == "Nov 2026 provisional: 2 of 16 trusts reported"
    complete_last = rows.assign(provisional=[True, True, False])
    assert provisional.headline_line(complete_last, include=False) == ""
    assert provisional.headline_line(complete_last, include=True) == "", "the newest month is complete"


# --- SPC: provisional months never make the limits or a signal -----------------------------------------


def test_spc_leaves_the_provisional_month_out_of_the_mean_limits_and_rules():
    reading = reading_of(series(), FTE)
    assert reading.result.n_points == 20 and reading.dates[-1] == pd.Timestamp("2026-10-01")
    assert reading.result.mean == pytest.approx(5005.0)
    assert reading.variation == "common_cause", "1,400 FTE from two trusts is no signal"
    included = reading_of(series(), FTE, include_provisional=True)
    assert included.result.n_points == 21 and included.dates[-1] == NOV
    assert included.variation == "concern_low"


def test_the_summary_reads_the_last_complete_month_and_says_what_is_provisional():
    row = summary_of(series(), KPIS).iloc[0]
    assert (row["month"], row["latest"], row["variation"]) == ("Oct 2026", "5,010.0 FTE", "common_cause")
    assert (row["provisional"], row["provisional_note"]) == (
        False,
        "Nov 2026 provisional: 2 of 16 trusts reported",
    )
    assert row["reading"].endswith(
        "Nov 2026 provisional: 2 of 16 trusts reported, so it is left out of the calculation."
    )
    asked = summary_of(series(), KPIS, include_provisional=True).iloc[0]
    assert (asked["month"], asked["latest"], asked["variation"]) == (
        "Nov 2026 (provisional)",
        "1,400.0 FTE",
        "concern_low",
    )
    assert asked["provisional_note"] == "Nov 2026 (provisional): 2 of 16 trusts reported"


def test_a_kpi_with_only_provisional_months_has_no_complete_month():
    only = series().tail(1)
    row = summary_of(only, KPIS).iloc[0]
    assert (row["latest"], row["provisional_note"]) == (
        "No complete month",
        "Nov 2026 provisional: 2 of 16 trusts reported",
    )


# --- the scorecard and the headline card ---------------------------------------------------------------


def test_the_headline_card_keeps_the_complete_month_and_names_the_provisional_one():
    read = readings(False)
    card = scorecard_frame(read.values(), {"PLAN": "Planning"})
    (item,) = scorecard.headline_cards(read, codes=("SIP_FTE",))
    assert (item.value, item.note) == ("5,010.0 FTE", "Nov 2026 provisional: 2 of 16 trusts reported")
    assert item.trend[-1] == 5010.0 and len(item.trend) == 20, "the sparkline leaves the month out"
    assert card.iloc[0]["month"] == "Oct 2026"


def test_asked_for_the_card_shows_the_provisional_month_labelled():
    read = readings(True)
    card = scorecard_frame(read.values(), {"PLAN": "Planning"})
    (item,) = scorecard.headline_cards(read, codes=("SIP_FTE",))
    assert (item.value, item.note) == ("1,400.0 FTE", "Nov 2026 (provisional): 2 of 16 trusts reported")
    assert item.trend[-1] == 1400.0
    assert card.iloc[0]["month"] == "Nov 2026 (provisional)"


@pytest.mark.parametrize(
    ("complete", "stale", "words"),
    [
        ("2026-10-01", False, "Data as at Oct 2026"),
        ("2026-08-01", True, "Data as at Aug 2026 — stale: Sep 2026 expected by now"),
        (None, True, "No complete month yet — stale: Sep 2026 expected by now"),
    ],
)
def test_data_as_at_says_stale_in_words(complete, stale, words):
    row = {"latest_complete_period": pd.Timestamp(complete) if complete else None, "stale": stale,
           "due_period": pd.Timestamp("2026-09-01")}  # fmt: skip
    assert reading_of(series(), FTE, freshness=row).as_at == words
    assert reading_of(series(), FTE).as_at == ""


# --- the CSV files -----------------------------------------------------------------------------------


def test_the_kpi_summary_csv_says_provisional_and_how_many_trusts_reported():
    left_out = export.scorecard_table(readings(False).values(), {}).iloc[0]
    assert (left_out["Month"], left_out["Value"]) == ("2026-10", 5010)
    assert (left_out["provisional"], left_out["trusts_reported"], left_out["trusts_expected"]) == (
        "false",
        16,
        16,
    )
    asked = export.scorecard_table(readings(True).values(), {}).iloc[0]
    assert (asked["Month"], asked["Value"], asked["provisional"], asked["trusts_reported"]) == (
        "2026-11",
        1400,
        "true",
        2,
    )
    assert list(asked.index[-5:]) == [*export.PROVISIONAL_COLUMNS, "Source", export.SYNTHETIC_COLUMN]


def test_the_chart_and_summary_csvs_carry_the_flag_per_row():
    rows = export.chart_table(series(), FTE, {"C&M": "C&M system"})
    assert list(rows["provisional"].tail(2)) == ["false", "true"]
    assert list(rows["trusts_reported"].tail(2)) == [16, 2] and set(rows["trusts_expected"]) == {16}
    row = export.summary_table(readings(False).values()).iloc[0]
    assert (row["Month"], row["Value"], row["provisional"]) == ("2026-10", 5010, "false")
    row = export.summary_table(readings(True).values()).iloc[0]
    assert (row["Month"], row["Value"], row["provisional"], row["trusts_reported"]) == (
        "2026-11",
        1400,
        "true",
        2,
    )


# --- the charts --------------------------------------------------------------------------------------


def traces(fig, name):
    return [trace for trace in fig.data if trace.name == name]


def test_a_trend_draws_provisional_months_hollow_apart_from_the_line_with_words_on_hover():
    data = pd.concat([series(), series("CMAST", newest=900.0)])
    fig = charts.trend_figure(data, FTE, {"C&M": "C&M system", "CMAST": "CMAST"})
    system = traces(fig, "C&M system")[0]
    assert pd.isna(system.y[-1]) and system.y[-2] == 5010.0, "the solid line stops at the complete month"
    hollow = traces(fig, provisional.LEGEND)
    assert [t.marker.symbol for t in hollow] == ["circle-open", "square-open"]
    assert [t.marker.color for t in hollow] == [charts.NHS_DARK_BLUE, charts.NHS_BRIGHT_BLUE]
    assert [t.showlegend for t in hollow] == [True, False], "one legend entry explains hollow points"
    assert list(hollow[0].y) == [1400.0] and list(hollow[0].text) == ["provisional: 2 of 16"]
    assert hollow[0].customdata[0][2] == "provisional: 2 of 16 expected trusts reported"
    # Not joined to the line: a line from 5,010 to a partial 1,400 would read as a fall.
    assert not [t for t in fig.data if t.mode == "lines" and NOV in list(t.x) and 1400.0 in list(t.y)]


def test_a_trend_without_provisional_months_has_no_hollow_points():
    fig = charts.trend_figure(series().iloc[:-1], FTE, {"C&M": "C&M system"})
    assert traces(fig, provisional.LEGEND) == []


def test_spc_draws_a_left_out_month_hollow_grey_outside_the_limits():
    fig = charts.spc_figure(reading_of(series(), FTE), words="")
    (grey,) = traces(fig, "Provisional month (hollow, not in the limits)")
    assert (grey.marker.symbol, grey.marker.color) == ("circle-open", spc.COLOUR_COMMON_CAUSE)
    assert list(grey.x) == [NOV] and list(grey.text) == ["provisional: 2 of 16"]
    assert traces(fig, "Mean")[0].x[-1] == pd.Timestamp("2026-10-01"), (
        "the mean stops at the last complete month"
    )
    assert all(NOV not in list(t.x) for t in fig.data if t.name and t.name.startswith("Special cause"))


def test_spc_asked_to_include_draws_the_month_hollow_in_its_point_type():
    fig = charts.spc_figure(reading_of(series(), FTE, include_provisional=True), words="")
    (concern,) = traces(fig, "Special cause: concern")
    assert list(concern.x)[-1] == NOV and list(concern.marker.symbol)[-1] == "square-open"
    assert concern.customdata[-1][1] == "<br>provisional: 2 of 16 expected trusts reported"
    assert traces(fig, "Provisional month (hollow, not in the limits)") == []


# --- the Overview and the sidebar switch, in AppTest -----------------------------------------------------


@pytest.fixture
def partial_db(engine):
    """tests.ui.test_app's three trusts (Oct 2026: 102 + 51 + 33 = 186 FTE), and November from REM alone."""
    add_observations(engine, ROWS, file_name="app-fixture.csv")
    add_observations(engine, [("SIP_FTE", "REM", "PHYSIO", "2026-11", 103, None, None)], file_name="nov.csv")
    return engine


def captions(at) -> list[str]:
    return [caption.value for caption in at.caption]


def test_the_overview_keeps_the_complete_month_and_names_the_provisional_one(partial_db):
    at = run_app()
    assert_page_ok(at)
    assert metric(at, "AHP staff in post (FTE)").value == "186.0 FTE"
    assert "Nov 2026 provisional: 1 of 3 trusts reported" in captions(at)
    assert at.toggle(key="f_provisional").value is False
    assert url(at, "provisional") == []

    at.toggle(key="f_provisional").set_value(True).run()
    assert metric(at, "AHP staff in post (FTE)").value == "103.0 FTE"
    assert "Nov 2026 (provisional): 1 of 3 trusts reported" in captions(at)
    assert url(at, "provisional") == ["include"]


def test_a_link_asks_for_provisional_months_and_a_wrong_value_falls_back_with_a_message(partial_db):
    at = run_app(provisional="include")
    assert_page_ok(at)
    assert at.toggle(key="f_provisional").value is True
    assert metric(at, "AHP staff in post (FTE)").value == "103.0 FTE"

    at = run_app(provisional="yes")
    assert_page_ok(at)
    warning = next(w for w in at.warning if "could not be used" in str(w.proto.title))
    assert (
        "The link's provisional 'yes' is not 'include'; provisional months are left out of headline figures."
        in warning.value
    )
    assert at.toggle(key="f_provisional").value is False
    assert metric(at, "AHP staff in post (FTE)").value == "186.0 FTE"
    assert url(at, "provisional") == []
