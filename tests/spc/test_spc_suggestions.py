"""Suggested recalculation, against hand-worked vectors: a sustained step (12 points in a row on one side
of the mean, at a new level that two levels describe better than a straight line and that is flat
itself) suggests the month the new level began; 11 points, a steady growth or a trend do not; a
confirmed merger with 12 points on each side suggests its month; a month already decided is not
suggested again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi import spc
from kpi.spc.suggestions import (
    LEVEL_SLOPE_SHARE,
    LINE_SHARE,
    is_flat,
    latest_run_start,
    levels_beat_line,
    line_error,
    split_error,
    suggested_recalculation,
    two_level_error,
)

MONTHS = pd.date_range("2023-01-01", periods=80, freq="MS")
# 15 points alternating 10 and 12 (mean of the segment pulled up by the step below).
STEADY = [10.0, 12.0] * 7 + [10.0]


def chart(values):
    return spc.xmr(values, MONTHS[: len(values)])


def test_twelve_points_in_a_row_at_a_new_level_suggest_the_first_of_them():
    result = chart(STEADY + [15.0] * 12)  # mean (164 + 180) / 27 = 12.74: the 15s are all above it
    suggestion = suggested_recalculation(result)
    assert suggestion is not None and suggestion.period == MONTHS[15]
    assert (
        suggestion.why
        == "12 months in a row above the mean, at a new level since Apr 2024 (a step, not a trend)"
    )


def test_eleven_points_in_a_row_do_not():
    assert suggested_recalculation(chart(STEADY + [15.0] * 11)) is None


def test_a_run_must_leave_twelve_points_before_it_in_the_segment():
    # 11 steady points then 14 high: the run starts 11 points in, too early for a segment of its own.
    assert suggested_recalculation(chart(STEADY[:11] + [15.0] * 14)) is None
    assert suggested_recalculation(chart(STEADY[:12] + [15.0] * 13)).period == MONTHS[12]


def test_a_steadily_growing_count_is_a_trend_not_a_step():
    # A staff count growing 2 FTE a month with noise: its later points are above the mean (a run of 12
    # or more), but a line fits it far better than two levels, so no suggestion.
    rng = np.random.default_rng(1)
    growing = list(1000 + 2.0 * np.arange(36) + rng.normal(0, 3, 36))
    result = chart(growing)
    assert 36 - latest_run_start(np.array(growing), result.mean) >= 12
    assert not levels_beat_line(np.array(growing))
    assert suggested_recalculation(result) is None


def test_a_step_followed_by_growth_has_no_flat_new_level():
    # A step up at point 15, then rising 1 a month: the new level is not flat (a line through it explains
    # nearly all of it), so recalculating would hide the rise.
    values = STEADY + [20.0 + k for k in range(15)]
    assert not is_flat(np.array(values[15:]))
    assert suggested_recalculation(chart(values)) is None


def test_no_suggestion_while_a_trend_is_running_at_the_latest_point():
    # A step to about 16, its last 7 points rising (the trend rule is active at the latest point) ...
    values = STEADY + [15.5, 16.5] * 3 + [15.0, 15.2, 15.4, 15.6, 15.8, 16.0, 16.2]
    result = chart(values)
    assert bool(result.points["trend"].iloc[-1]) and is_flat(np.array(values[15:]))
    assert suggested_recalculation(result) is None
    # ... and the same level with the rise broken once (5 rising, then 15.7): the step is suggested.
    broken = STEADY + [15.5, 16.5] * 3 + [15.0, 15.2, 15.4, 15.6, 15.8, 15.7, 16.2]
    assert not bool(chart(broken).points["trend"].iloc[-1])
    assert suggested_recalculation(chart(broken)).period == MONTHS[15]


def test_a_staircase_suggests_the_month_its_latest_level_began():
    # The named-AHP-lead share: 70.6% for 14 months, 94.1% from month 15 (8 months), then 100% (25 months).
    # The run above the mean starts at 94.1; the points from there show a step of their own at 100%.
    values = [70.6] * 14 + [94.1] * 8 + [100.0] * 25
    suggestion = suggested_recalculation(chart(values))
    assert suggestion is not None and suggestion.period == MONTHS[22]
    assert suggestion.why.startswith("25 months in a row above the mean, at a new level since Nov 2024")


def test_levels_against_a_line_on_both_sides_of_the_share():
    # Two levels' error against a line's, hand-worked: 12 at 0 and 12 at 1 leave 0 with two levels.
    step = np.array([0.0] * 12 + [1.0] * 12)
    assert two_level_error(step) == 0 and split_error(step, 12) == 0
    assert line_error(step) > 0 and levels_beat_line(step)
    # A pure ramp: a line leaves nothing, so levels cannot beat it.
    assert not levels_beat_line(np.arange(24.0))
    # Just either side of LINE_SHARE (0.9): a step among noise a line can nearly follow leaves 0.9005
    # of the line's error with two levels (not a step), 0.894 with the second level's low points higher.
    assert LINE_SHARE == 0.9
    assert not levels_beat_line(np.array([0.0, 0.6] * 6 + [1.0, 0.40] * 6))
    assert levels_beat_line(np.array([0.0, 0.6] * 6 + [1.0, 0.42] * 6))


def test_flat_on_both_sides_of_the_slope_share():
    # 12 points, a slope a over noise orthogonal to the line (sum 0, sum with t 0, sum of squares 12):
    # a line explains a^2 * 143 / (a^2 * 143 + 12) of the variance: 0.234 at a = 0.16 (flat), 0.267 at
    # a = 0.175 (not flat), either side of LEVEL_SLOPE_SHARE.
    t = np.arange(12.0)
    noise = np.array([1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1], dtype=float)
    assert LEVEL_SLOPE_SHARE == 0.25
    for slope, flat in ((0.0, True), (0.16, True), (0.175, False), (0.5, False)):
        assert is_flat(slope * t + noise) is flat


def test_a_decided_month_is_not_suggested_again():
    result = chart(STEADY + [15.0] * 12)
    assert suggested_recalculation(result, decided=[MONTHS[15]]) is None


def test_a_confirmed_merger_where_the_data_step_is_suggested():
    # A merger that brings in staff: 12 points about 11, then a step to about 20 that goes on rising
    # (no flat new level, so no step of the data's own) ...
    stepped = [10.0, 12.0] * 6 + [20.0 + 0.5 * k + (1 if k % 2 else -1) for k in range(12)]
    merger = [(MONTHS[12], "RVY merged into RBN")]
    assert suggested_recalculation(chart(stepped)) is None
    suggestion = suggested_recalculation(chart(stepped), events=merger)
    assert suggestion is not None
    assert (suggestion.period, suggestion.why) == (MONTHS[12], "RVY merged into RBN")
    # Not with 11 points after it, nor where the figures do not step (a merger of trusts already in).
    assert suggested_recalculation(chart(stepped[:23]), events=[(MONTHS[12], "late")]) is None
    flat = [10.0, 12.0] * 12
    assert suggested_recalculation(chart(flat), events=merger) is None


def test_a_run_chart_has_nothing_to_suggest():
    assert suggested_recalculation(chart([15.0] * 14)) is None  # fewer than 15 points: a run chart
