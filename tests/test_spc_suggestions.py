"""Suggested recalculation, against hand-worked vectors: a sustained shift of 12 points in a row on one
side of the mean, or a confirmed merger with 12 points on each side, suggests a month; 11 do not; a
month already decided is not suggested again."""

from __future__ import annotations

import pandas as pd

from kpi import spc
from kpi.spc.suggestions import suggested_recalculation

MONTHS = pd.date_range("2023-01-01", periods=40, freq="MS")
# 15 points alternating 10 and 12 (mean of the segment pulled up by the shift below).
STEADY = [10.0, 12.0] * 7 + [10.0]


def chart(values):
    return spc.xmr(values, MONTHS[: len(values)])


def test_twelve_points_in_a_row_above_the_mean_suggest_the_first_of_them():
    result = chart(STEADY + [15.0] * 12)  # mean (164 + 180) / 27 = 12.74: the 15s are all above it
    suggestion = suggested_recalculation(result)
    assert suggestion is not None and suggestion.period == MONTHS[15]
    assert suggestion.why == "12 months in a row above the mean since Apr 2024"


def test_eleven_points_in_a_row_do_not():
    assert suggested_recalculation(chart(STEADY + [15.0] * 11)) is None


def test_a_run_must_leave_twelve_points_before_it_in_the_segment():
    # 11 steady points then 14 high: the run starts 11 points in, too early for a segment of its own.
    assert suggested_recalculation(chart(STEADY[:11] + [15.0] * 14)) is None
    assert suggested_recalculation(chart(STEADY[:12] + [15.0] * 13)).period == MONTHS[12]


def test_a_decided_month_is_not_suggested_again():
    result = chart(STEADY + [15.0] * 12)
    assert suggested_recalculation(result, decided=[MONTHS[15]]) is None


def test_a_confirmed_merger_with_twelve_points_each_side_is_suggested():
    values = [10.0, 12.0] * 12  # no shift at all
    merger = [(MONTHS[12], "RVY merged into RBN")]
    suggestion = suggested_recalculation(chart(values), events=merger)
    assert suggestion is not None
    assert (suggestion.period, suggestion.why) == (MONTHS[12], "RVY merged into RBN")
    assert suggested_recalculation(chart(values), events=[(MONTHS[13], "late")]) is None  # 11 after it


def test_a_run_chart_has_nothing_to_suggest():
    assert suggested_recalculation(chart([15.0] * 14)) is None  # fewer than 15 points: a run chart
