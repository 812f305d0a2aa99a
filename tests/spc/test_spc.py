"""Tests for kpi.spc: Making Data Count XmR rules on tiny hand-computed vectors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi.spc import (
    ASSURANCE_LABELS,
    COLOUR_COMMON_CAUSE,
    COLOUR_CONCERN,
    COLOUR_IMPROVEMENT,
    COLOUR_NEITHER,
    COLOUR_TARGET,
    POINT_TYPE_COLOURS,
    VARIATION_CODES,
    VARIATION_LABELS,
    SPCResult,
    assurance_type,
    classify_points,
    describe,
    mean_moving_range,
    moving_ranges,
    points_outside_limits,
    process_limits,
    shift_runs,
    trend_runs,
    two_in_three,
    variation_type,
    xmr,
)
from kpi.words.formats import format_value

# --------------------------------------------------------------------------------------------------
# Shared vectors (hand-computed in the comments)
# --------------------------------------------------------------------------------------------------

# 16 points alternating 10, 12.
#   mean = (8*10 + 8*12) / 16 = 11; every moving range = 2 (15 of them) so MRbar = 2
#   UPL = 11 + 2.66*2 = 16.32, LPL = 11 - 5.32 = 5.68
#   two-sigma = 11 +/- (2/3)*2.66*2 = 11 +/- 3.54667 -> 14.54667 / 7.45333
#   No runs (alternates around the mean), no trend, nothing near a limit: all common cause.
ALTERNATING = [10.0, 12.0] * 8

# 20 points: 0, 15, 0, 15, ... (19 points, ten 0s and nine 15s) and a last point of 55.
#   mean = (9*15 + 55) / 20 = 190 / 20 = 9.5
#   moving ranges: 18 of 15 (= 270) and |55 - 0| = 55 -> MRbar = 325 / 19
#   2.66 * 325 / 19 = 864.5 / 19 = 45.5 exactly -> UPL = 9.5 + 45.5 = 55.0, LPL = 9.5 - 45.5 = -36.0
#   So the last point lies exactly ON the upper process limit.
ON_UPPER_LIMIT = [0.0, 15.0] * 9 + [0.0, 55.0]

# 15 points: a falling run of 7 at the end that is also above the mean (a conflict at the last point).
#   [10, 12] * 4, then 20, 19, 18, 17, 16, 15, 14
#   mean = (88 + 119) / 15 = 13.8
#   moving ranges: 7 of 2 (= 14), |20 - 12| = 8, six of 1 (= 6) -> 28 / 14 -> MRbar = 2
#   UPL = 13.8 + 5.32 = 19.12 (20 is above it), LPL = 8.48
#   The last 7 points (20 .. 14) are all above the mean (shift, high side) and fall (trend, low side).
FALLING_ABOVE_MEAN = [10.0, 12.0] * 4 + [20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.0]

RISING = [float(v) for v in range(1, 17)]  # 1 .. 16: mean 8.5, MRbar 1, UPL 11.16, LPL 5.84
FALLING = RISING[::-1]


def monthly(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def column(result: SPCResult, name: str) -> list:
    return result.points[name].tolist()


# --------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------


def test_moving_ranges_first_point_has_none():
    mr = moving_ranges([10, 12, 9, 9])
    assert math.isnan(mr[0])
    assert mr[1:].tolist() == [2.0, 3.0, 0.0]


def test_process_limits_alternating_series_hand_computed():
    lim = process_limits(ALTERNATING)
    assert lim.mean == 11.0
    assert lim.mr_bar == 2.0
    assert lim.upl == pytest.approx(16.32)
    assert lim.lpl == pytest.approx(5.68)
    assert lim.upper_two_sigma == pytest.approx(11 + 2 * 2.66 * 2 / 3)
    assert lim.lower_two_sigma == pytest.approx(11 - 2 * 2.66 * 2 / 3)


def test_xmr_alternating_series_is_common_cause_everywhere():
    r = xmr(ALTERNATING)
    assert r.chart_type == "xmr"
    assert r.mean == 11.0
    assert r.upl == pytest.approx(16.32)
    assert r.lpl == pytest.approx(5.68)
    assert column(r, "point_type") == ["common_cause"] * 16
    assert column(r, "signal_side") == [None] * 16
    assert r.variation == "common_cause"
    assert r.assurance is None
    assert r.notes == ()
    p = r.points
    assert p["mean"].tolist() == [11.0] * 16
    assert math.isnan(p["moving_range"].iloc[0])
    assert p["moving_range"].iloc[1:].tolist() == [2.0] * 15
    for name in ("outside_limits", "shift", "trend", "two_in_three", "special_cause"):
        assert not p[name].any(), name


def test_result_is_a_frozen_dataclass_with_required_columns():
    r = xmr(ALTERNATING, monthly(16))
    with pytest.raises(AttributeError):
        r.variation = "concern_low"  # type: ignore[misc]
    for name in (
        "value",
        "date",
        "segment",
        "mean",
        "lpl",
        "upl",
        "lower_two_sigma",
        "upper_two_sigma",
        "outside_limits",
        "shift",
        "trend",
        "two_in_three",
        "signal_side",
        "point_type",
    ):
        assert name in r.points.columns, name
    assert r.points["date"].iloc[3] == pd.Timestamp("2024-04-01")
    assert r.points["segment"].tolist() == [0] * 16
    assert r.improvement == "up"
    assert r.target is None
    assert r.n_points == 16
    assert r.variation_label == "Common cause variation"


# --------------------------------------------------------------------------------------------------
# Rule 1: outside the process limits
# --------------------------------------------------------------------------------------------------


def test_points_outside_limits_boundary_is_strict():
    high, low = points_outside_limits([16.32, 16.33, 5.68, 5.67, 11], 5.68, 16.32)
    assert high.tolist() == [False, True, False, False, False]
    assert low.tolist() == [False, False, False, True, False]


def test_point_exactly_on_upper_limit_is_not_special_cause():
    r = xmr(ON_UPPER_LIMIT)
    assert r.mean == 9.5
    assert r.upl == 55.0  # exact: see the hand computation at ON_UPPER_LIMIT
    assert r.lpl == -36.0
    assert r.points["value"].iloc[-1] == r.upl
    assert not r.points["outside_limits"].any()
    assert r.variation == "common_cause"


def test_point_exactly_on_lower_limit_is_not_special_cause():
    r = xmr([-v for v in ON_UPPER_LIMIT])  # mirror image: mean -9.5, LPL -55.0 exactly
    assert r.lpl == -55.0
    assert r.points["value"].iloc[-1] == r.lpl
    assert not r.points["outside_limits"].any()
    assert r.variation == "common_cause"


def test_point_just_above_upper_limit_is_special_cause():
    # Last point 56: mean = 191/20 = 9.55, MRbar = 326/19 = 17.158, UPL = 9.55 + 45.64 = 55.19 < 56
    r = xmr([0.0, 15.0] * 9 + [0.0, 56.0])
    assert r.upl == pytest.approx(9.55 + 2.66 * 326 / 19)
    assert column(r, "outside_high")[-1] is True
    assert column(r, "point_type")[-1] == "improvement"
    assert column(r, "signal_side")[-1] == "high"
    assert r.variation == "improvement_high"
    assert xmr([0.0, 15.0] * 9 + [0.0, 56.0], improvement="down").variation == "concern_high"


# --------------------------------------------------------------------------------------------------
# Rule 2: shift
# --------------------------------------------------------------------------------------------------


def test_shift_runs_six_is_not_enough_seven_is():
    high, low = shift_runs([1, 1, 1, 1, 1, 1, -1, 1], 0, 7)
    assert not high.any() and not low.any()
    high, low = shift_runs([-1, 1, 1, 1, 1, 1, 1, 1, -1], 0, 7)
    assert high.tolist() == [False] + [True] * 7 + [False]
    assert not low.any()
    high, low = shift_runs([-2] * 7, 0, 7)
    assert low.all() and not high.any()


def test_shift_point_on_mean_breaks_run():
    high, _ = shift_runs([1, 1, 1, 0, 1, 1, 1, 1], 0, 7)
    assert not high.any()


def test_shift_of_seven_flags_every_point_of_the_run():
    # 9, 11, 9, 11, 9, 11, 9, 11, 9, then seven 11s (16 points)
    #   mean = (5*9 + 4*11 + 7*11) / 16 = 166/16 = 10.375
    #   MRs: nine of 2, six of 0 -> MRbar = 18/15 = 1.2; UPL = 10.375 + 3.192 = 13.567, LPL = 7.183
    values = [9.0, 11.0] * 4 + [9.0] + [11.0] * 7
    r = xmr(values)
    assert r.mean == 10.375
    assert r.upl == pytest.approx(10.375 + 2.66 * 1.2)
    assert column(r, "shift_high") == [False] * 9 + [True] * 7
    assert not r.points["shift_low"].any()
    assert column(r, "point_type") == ["common_cause"] * 9 + ["improvement"] * 7
    assert r.variation == "improvement_high"


def test_shift_of_six_is_common_cause():
    # Same pattern with six 11s (15 points): mean = 155/15 = 10.333; a run of 6 above is not a shift.
    values = [9.0, 11.0] * 4 + [9.0] + [11.0] * 6
    r = xmr(values)
    assert r.mean == pytest.approx(155 / 15)
    assert not r.points["shift"].any()
    assert r.variation == "common_cause"


def test_shift_broken_by_point_exactly_on_mean():
    # 7, 12, 7, 12, 7, 12, 7, 12, 8, 11, 11, 11, 10, 11, 11, 11 (16 points)
    #   sum = 84 + 76 = 160 -> mean = 10 exactly, so the 10 sits on the mean and breaks the run.
    values = [7.0, 12.0] * 4 + [8.0, 11.0, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0]
    r = xmr(values)
    assert r.mean == 10.0
    assert not r.points["shift"].any()
    assert r.variation == "common_cause"
    # Control: with 11 instead of 10 the mean is 161/16 = 10.0625 and the last 7 points are a shift.
    values[12] = 11.0
    r2 = xmr(values)
    assert r2.mean == 10.0625
    assert column(r2, "shift_high") == [False] * 9 + [True] * 7


def test_shift_points_parameter():
    values = [9.0, 11.0] * 4 + [9.0] + [11.0] * 6
    assert xmr(values, shift_points=6).variation == "improvement_high"


# --------------------------------------------------------------------------------------------------
# Rule 3: trend
# --------------------------------------------------------------------------------------------------


def test_trend_runs_seven_points_means_six_increases():
    rising, falling = trend_runs([1, 2, 3, 4, 5, 6, 7])
    assert rising.all() and not falling.any()
    rising, _ = trend_runs([1, 2, 3, 4, 5, 6])  # 6 points, 5 increases
    assert not rising.any()
    _, falling = trend_runs([9, 7, 6, 5, 4, 3, 2, 1, 5])
    assert falling.tolist() == [True] * 8 + [False]


def test_trend_runs_equal_neighbours_break_the_trend():
    rising, falling = trend_runs([1, 2, 3, 4, 4, 5, 6, 7])
    assert not rising.any() and not falling.any()


def test_trend_turning_point_belongs_to_both_trends():
    rising, falling = trend_runs([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
    assert rising.tolist() == [True] * 7 + [False] * 6
    assert falling.tolist() == [False] * 6 + [True] * 7


def test_trend_of_seven_at_the_end_of_a_chart():
    # 8, 12, 8, 12, 8, 12, 8, 12, 8, then 9 .. 14 (15 points): 8 -> 14 is 7 rising points.
    #   mean = (88 + 69) / 15 = 10.4667; MRs: eight of 4, six of 1 -> MRbar = 38/14 = 2.714
    #   UPL = 10.467 + 7.22 = 17.69; only 11 .. 14 are above the mean (5 points): no shift.
    values = [8.0, 12.0] * 4 + [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
    r = xmr(values)
    assert r.mean == pytest.approx(157 / 15)
    assert r.upl == pytest.approx(157 / 15 + 2.66 * 38 / 14)
    assert column(r, "trend_high") == [False] * 8 + [True] * 7
    assert not r.points["shift"].any() and not r.points["outside_limits"].any()
    assert r.variation == "improvement_high"
    assert xmr(values, improvement="down").variation == "concern_high"


def test_trend_of_six_at_the_end_is_common_cause():
    # 12, 8, ..., 12 (9 points) then 9 .. 14: 12 -> 9 falls, so the rise is only 6 points.
    values = [12.0, 8.0] * 4 + [12.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
    r = xmr(values)
    assert not r.points["trend"].any()
    assert r.variation == "common_cause"


def test_trend_broken_by_equal_values():
    values = [8.0, 12.0] * 4 + [8.0, 9.0, 10.0, 11.0, 11.0, 12.0, 13.0, 14.0]  # mean 168/16 = 10.5
    r = xmr(values)
    assert r.mean == 10.5
    assert not r.points["trend"].any()
    assert r.variation == "common_cause"


def test_trend_points_parameter():
    values = [12.0, 8.0] * 4 + [12.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
    assert xmr(values, trend_points=6).variation == "improvement_high"


# --------------------------------------------------------------------------------------------------
# Rule 4: two in three beyond two sigma
# --------------------------------------------------------------------------------------------------


def tit(values, **kwargs):
    # mean 0, two-sigma lines at +/-2, process limits at +/-3
    return two_in_three(values, 0.0, -2.0, 2.0, -3.0, 3.0, **kwargs)


def test_two_in_three_two_of_three_flags_only_points_beyond_two_sigma():
    high, low = tit([2.5, 1.0, 2.5])
    assert high.tolist() == [True, False, True]
    assert not low.any()
    _, low = tit([-2.5, -1.0, -2.5])
    assert low.tolist() == [True, False, True]


def test_two_in_three_three_of_three():
    high, _ = tit([2.1, 2.2, 2.3])
    assert high.all()


def test_two_in_three_one_of_three_is_not_enough():
    high, low = tit([2.5, 1.0, 1.0, 0.5])
    assert not high.any() and not low.any()


def test_two_in_three_on_the_two_sigma_line_is_not_beyond():
    high, _ = tit([2.0, 1.0, 2.5])
    assert not high.any()


def test_two_in_three_needs_all_three_on_the_same_side_of_the_mean():
    high, low = tit([2.5, -1.0, 2.5])  # middle point below the mean
    assert not high.any() and not low.any()
    high, low = tit([2.5, 0.0, 2.5])  # middle point on the mean
    assert not high.any() and not low.any()
    high, low = tit([2.5, 0.5, -2.5])  # beyond opposite two-sigma lines
    assert not high.any() and not low.any()
    high, _ = tit([-0.5, 2.5, 2.5])  # 2 beyond, but the third point is below the mean
    assert not high.any()
    high, _ = tit([-0.5, 2.5, 2.5, 0.5])  # ... the later window (2.5, 2.5, 0.5) qualifies
    assert high.tolist() == [False, True, True, False]


def test_two_in_three_points_beyond_process_limits():
    # NHS England SQL v2.6 (default, the domain reference): a point beyond the limit is beyond two sigma.
    high, _ = tit([3.5, 1.0, 2.5])
    assert high.tolist() == [True, False, True]
    # NHSRplotthedots: it does not count.
    high, _ = tit([3.5, 1.0, 2.5], count_beyond_limits=False)
    assert not high.any()


def test_two_in_three_end_to_end():
    # [10, 14] * 8 then 20, 19, 20 (19 points)
    #   mean = (192 + 59) / 19 = 251/19 = 13.2105
    #   MRs: fifteen of 4 (= 60), |20 - 14| = 6, 1, 1 -> MRbar = 68/18 = 3.7778
    #   upper two-sigma = 13.2105 + (2/3)*2.66*3.7778 = 19.9098; UPL = 23.2594
    #   20 and 20 are beyond two sigma, 19 is not, all three above the mean.
    values = [10.0, 14.0] * 8 + [20.0, 19.0, 20.0]
    r = xmr(values)
    assert r.mean == pytest.approx(251 / 19)
    assert r.points["upper_two_sigma"].iloc[0] == pytest.approx(251 / 19 + 2 / 3 * 2.66 * 68 / 18)
    assert column(r, "two_in_three_high") == [False] * 16 + [True, False, True]
    assert column(r, "point_type")[-3:] == ["improvement", "common_cause", "improvement"]
    assert r.variation == "improvement_high"
    # 1 of 3: 20, 19, 19 -> upper two-sigma = 250/19 + (2/3)*2.66*67/18 = 19.759; only the first 20 beyond.
    r1 = xmr([10.0, 14.0] * 8 + [20.0, 19.0, 19.0])
    assert not r1.points["two_in_three"].any()
    assert r1.variation == "common_cause"


# --------------------------------------------------------------------------------------------------
# Classification, direction, conflicts, variation codes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "improvement", "expected"),
    [
        (RISING, "up", "improvement_high"),
        (RISING, "down", "concern_high"),
        (RISING, "neither", "neither_high"),
        (FALLING, "up", "concern_low"),
        (FALLING, "down", "improvement_low"),
        (FALLING, "neither", "neither_low"),
        (ALTERNATING, "up", "common_cause"),
        (ALTERNATING, "down", "common_cause"),
        (ALTERNATING, "neither", "common_cause"),
    ],
)
def test_every_variation_code(values, improvement, expected):
    r = xmr(values, improvement=improvement)
    assert r.variation == expected
    assert r.variation in VARIATION_CODES


def test_rising_series_rules_and_point_types():
    # 1 .. 16: mean 8.5, MRbar 1, UPL 11.16, LPL 5.84. Every point is part of a 16-point rise.
    # 1..5 are below the LPL, 12..16 above the UPL; 1..8 are a shift below, 9..16 a shift above.
    r = xmr(RISING)
    assert r.mean == 8.5
    assert r.upl == pytest.approx(11.16) and r.lpl == pytest.approx(5.84)
    assert column(r, "outside_low") == [True] * 5 + [False] * 11
    assert column(r, "outside_high") == [False] * 11 + [True] * 5
    assert column(r, "shift_low") == [True] * 8 + [False] * 8
    assert r.points["trend_high"].all()
    # Points 1..8: rising trend (improvement) and below the mean (concern) -> conflict -> concern.
    assert column(r, "point_type") == ["concern"] * 8 + ["improvement"] * 8
    r2 = xmr(RISING, conflict="improvement")
    assert column(r2, "point_type") == ["improvement"] * 16
    assert column(r2, "signal_side") == ["high"] * 16


def test_conflict_at_last_point_resolved_both_ways():
    # FALLING_ABOVE_MEAN: last point is in a shift above the mean and a falling trend.
    r = xmr(FALLING_ABOVE_MEAN)
    assert r.mean == pytest.approx(13.8)
    assert r.upl == pytest.approx(13.8 + 2.66 * 2)
    last = r.points.iloc[-1]
    assert bool(last["shift_high"]) and bool(last["trend_low"])
    assert bool(last["high_signal"]) and bool(last["low_signal"])
    assert xmr(FALLING_ABOVE_MEAN, improvement="up").variation == "concern_low"
    assert xmr(FALLING_ABOVE_MEAN, improvement="up", conflict="improvement").variation == "improvement_high"
    assert xmr(FALLING_ABOVE_MEAN, improvement="down").variation == "concern_high"
    assert xmr(FALLING_ABOVE_MEAN, improvement="down", conflict="improvement").variation == "improvement_low"


def test_neither_with_signals_on_both_sides_uses_side_of_mean():
    # Last point 14 is above the mean 13.8 -> neither_high; the mirror image ends below -> neither_low.
    assert xmr(FALLING_ABOVE_MEAN, improvement="neither").variation == "neither_high"
    assert xmr([-v for v in FALLING_ABOVE_MEAN], improvement="neither").variation == "neither_low"
    r = xmr(FALLING_ABOVE_MEAN, improvement="neither")
    assert set(column(r, "point_type")[8:]) == {"neither"}


def test_classify_points_helper():
    high = np.array([True, False, True, False])
    low = np.array([False, True, True, False])
    values = [3.0, -3.0, -1.0, 0.0]
    assert classify_points(high, low, values, 0.0, "up") == (
        ["improvement", "concern", "concern", "common_cause"],
        ["high", "low", "low", None],
    )
    assert classify_points(high, low, values, 0.0, "up", "improvement")[0][2] == "improvement"
    assert classify_points(high, low, values, 0.0, "down") == (
        ["concern", "improvement", "concern", "common_cause"],
        ["high", "low", "high", None],
    )
    assert classify_points(high, low, values, 0.0, "neither") == (
        ["neither", "neither", "neither", "common_cause"],
        ["high", "low", "low", None],
    )


def test_variation_type_helper():
    assert variation_type("common_cause", None) == "common_cause"
    assert variation_type("concern", "low") == "concern_low"
    assert variation_type(None, None) is None


def test_improvement_aliases_and_case():
    assert xmr(RISING, improvement="Increase").improvement == "up"
    assert xmr(RISING, improvement=" DOWN ").variation == "concern_high"
    assert xmr(RISING, improvement="neutral").improvement == "neither"


# --------------------------------------------------------------------------------------------------
# Outlier screening
# --------------------------------------------------------------------------------------------------


def test_screen_outliers_changes_mr_bar_and_limits():
    # 10, 12 alternating (15 points) with the 8th point (a 12) replaced by 40.
    #   mean = (8*10 + 6*12 + 40) / 15 = 192/15 = 12.8
    #   MRs: twelve of 2 and 30, 30 -> MRbar = 84/14 = 6 -> UPL = 12.8 + 15.96 = 28.76 (40 is outside)
    #   Screening: 3.267 * 6 = 19.602, so both 30s go -> MRbar = 24/12 = 2 -> UPL = 12.8 + 5.32 = 18.12
    values = [10.0, 12.0] * 7 + [10.0]
    values[7] = 40.0
    plain = xmr(values)
    assert plain.mean == pytest.approx(12.8)
    assert plain.upl == pytest.approx(12.8 + 2.66 * 6)
    assert not plain.points["mr_screened_out"].any()
    screened = xmr(values, screen_outliers=True)
    assert screened.mean == pytest.approx(12.8)  # the mean is not changed by screening
    assert screened.upl == pytest.approx(12.8 + 2.66 * 2)
    assert screened.lpl == pytest.approx(12.8 - 2.66 * 2)
    assert column(screened, "mr_screened_out") == [False] * 7 + [True, True] + [False] * 6
    assert any("Outlier screening left out 2 moving ranges" in note for note in screened.notes)


def test_screening_boundary_drops_only_moving_ranges_above_the_threshold():
    # MRs 3267, 733, 0, 0: mean = 4000/4 = 1000, and 3.267 * 1000 = 3267 exactly.
    # The domain reference (and NHS England's v2.6) drop MR > 3.267 * MRbar: one exactly at it stays.
    assert mean_moving_range([3267.0, 733.0, 0.0, 0.0], screen_outliers=True) == (1000.0, 0)
    # MRs 3268, 732, 0, 0: mean 1000, 3268 > 3267 is dropped; mean of the rest = 732 / 3.
    assert mean_moving_range([3268.0, 732.0, 0.0, 0.0], screen_outliers=True) == (732 / 3, 1)
    assert mean_moving_range([3267.0, 733.0, 0.0, 0.0]) == (1000.0, 0)


def test_screening_constant_series_keeps_limits_at_the_mean():
    r = xmr([5.0] * 15, screen_outliers=True)
    assert (r.mean, r.lpl, r.upl) == (5.0, 5.0, 5.0)


# --------------------------------------------------------------------------------------------------
# Recalculation (rebasing)
# --------------------------------------------------------------------------------------------------

TWO_LEVELS = [10.0, 12.0] * 6 + [20.0, 22.0] * 6  # 24 points


def test_recalculation_gives_each_segment_its_own_mean_and_limits():
    # Segment 0: 10, 12 x6 -> mean 11, MRbar 2 (11 MRs of 2), UPL 16.32, LPL 5.68
    # Segment 1: 20, 22 x6 -> mean 21, MRbar 2 (the 12 -> 20 jump is not a moving range), UPL 26.32
    r = xmr(TWO_LEVELS, recalculate_at=[12])
    assert r.segment_starts == (0, 12)
    assert column(r, "segment") == [0] * 12 + [1] * 12
    assert column(r, "mean") == [11.0] * 12 + [21.0] * 12
    assert r.points["upl"].iloc[0] == pytest.approx(16.32)
    assert r.points["lpl"].iloc[12] == pytest.approx(15.68)
    assert math.isnan(r.points["moving_range"].iloc[12])
    assert (r.mean, r.upl) == (21.0, pytest.approx(26.32))
    assert column(r, "point_type") == ["common_cause"] * 24
    assert r.variation == "common_cause"
    assert r.notes == ()


def test_without_recalculation_the_step_is_special_cause():
    # One segment: mean 16, first 12 points below (shift low), last 12 above (shift high).
    r = xmr(TWO_LEVELS)
    assert r.mean == 16.0
    assert column(r, "shift_low") == [True] * 12 + [False] * 12
    assert r.variation == "improvement_high"


def test_recalculation_leaving_a_short_segment_is_skipped_with_a_note():
    r = xmr(TWO_LEVELS, recalculate_at=[20])  # would leave 4 points in the last segment
    assert r.segment_starts == (0,)
    assert column(r, "segment") == [0] * 24
    assert r.mean == 16.0
    assert len(r.notes) == 1
    assert "index 20" in r.notes[0] and "at least 12" in r.notes[0]
    r = xmr(TWO_LEVELS, recalculate_at=[5, 12])  # 5 leaves 5 before it; 12 is still fine
    assert r.segment_starts == (0, 12)
    assert any("index 5" in note for note in r.notes)


def test_recalculation_ignores_index_zero_and_out_of_range_with_notes():
    r = xmr(TWO_LEVELS, recalculate_at=[0, 24, -3])
    assert r.segment_starts == (0,)
    assert len(r.notes) == 3
    assert "index 0" in r.notes[0]
    assert any("index 24" in note and "out of range" in note for note in r.notes)
    assert any("index -3" in note for note in r.notes)


def test_recalculation_by_date():
    dates = monthly(24)
    r = xmr(TWO_LEVELS, dates, recalculate_at=[dates[12]])
    assert r.segment_starts == (0, 12)
    r = xmr(TWO_LEVELS, dates, recalculate_at=["2024-03-01", "2031-01-01"])
    assert r.segment_starts == (0,)
    assert r.notes == (
        "Recalculation at 01 Jan 2031 ignored: no data point has that date.",
        "Limits not recalculated at index 2 (point 3, Mar 2024): each segment needs at least 12 data "
        "points, but this would leave 2 before it and 22 from it on.",
    )


def test_missing_values_count_against_segment_length():
    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    values[3] = None  # segment 0 now has 11 non-missing points
    r = xmr(values, recalculate_at=[12])
    assert r.segment_starts == (0,)
    assert "11 before" in r.notes[-1]


# --------------------------------------------------------------------------------------------------
# Run chart fallback, missing values, degenerate input
# --------------------------------------------------------------------------------------------------


def test_fourteen_points_is_a_run_chart():
    r = xmr(ALTERNATING[:14], target=5)
    assert r.chart_type == "run"
    assert r.mean == 11.0
    assert math.isnan(r.lpl) and math.isnan(r.upl)
    assert r.points["upl"].isna().all()
    assert column(r, "point_type") == ["common_cause"] * 14
    assert r.variation is None and r.assurance is None
    assert r.notes[0] == "Only 14 data points: shown as a run chart; icons need at least 15."


def test_fifteen_points_is_an_xmr_chart():
    r = xmr(ALTERNATING[:15], target=5)
    assert r.chart_type == "xmr"
    assert r.variation == "common_cause"
    assert r.assurance == "pass"


def test_run_chart_ignores_recalculation_with_a_note():
    r = xmr(ALTERNATING[:14], recalculate_at=[7])
    assert r.segment_starts == (0,)
    assert column(r, "segment") == [0] * 14
    assert r.notes[-1] == "Limits not recalculated: a run chart has no process limits."


def test_run_chart_never_flags_signals():
    r = xmr(RISING[:9])  # a clear rise, but too few points
    assert not r.points["special_cause"].any()
    assert r.variation is None


def test_min_points_parameter():
    assert xmr(ALTERNATING[:12], min_points=12).chart_type == "xmr"
    assert xmr(ALTERNATING[:12], min_points=13).chart_type == "run"


def test_missing_values_are_dropped_and_returned_as_empty_rows():
    # 10, None, 12, 10, ... : the MR of the 12 is taken against the 10 before the gap.
    values = [10.0, None, 12.0, float("nan")] + [10.0, 12.0] * 7
    r = xmr(values)
    assert len(r.points) == 18
    assert r.n_points == 16
    assert r.mean == 11.0
    assert r.upl == pytest.approx(16.32)
    p = r.points
    assert math.isnan(p["value"].iloc[1]) and p["point_type"].iloc[1] is None
    assert p["point_type"].iloc[3] is None
    assert p["signal_side"].iloc[1] is None
    assert p["moving_range"].iloc[2] == 2.0
    assert math.isnan(p["moving_range"].iloc[1])
    assert p["mean"].iloc[1] == 11.0  # centre line continues through the gap
    assert not p["special_cause"].iloc[1]
    assert r.variation == "common_cause"
    assert "2 missing values left out of the calculations." in r.notes


def test_missing_values_do_not_break_runs():
    # Seven 11s with a gap inside are still a run of 7 over the remaining sequence.
    values = [9.0, 11.0] * 4 + [9.0] + [11.0] * 3 + [None] + [11.0] * 4
    r = xmr(values)
    assert column(r, "shift_high") == [False] * 9 + [True] * 3 + [False] + [True] * 4


def test_variation_uses_last_non_missing_point():
    values = [*FALLING_ABOVE_MEAN, None, None]
    r = xmr(values)
    assert r.variation == "concern_low"


def test_constant_series():
    r = xmr([7.0] * 20, target=7.0)
    assert (r.mean, r.lpl, r.upl) == (7.0, 7.0, 7.0)
    assert column(r, "point_type") == ["common_cause"] * 20
    assert r.variation == "common_cause"
    assert r.assurance == "pass"
    assert any("same" in note for note in r.notes)


@pytest.mark.parametrize("values", [[], [42.0], [None], [None, float("nan"), None]])
def test_degenerate_inputs_never_raise(values):
    r = xmr(values, target=3)
    assert r.chart_type == "run"
    assert r.variation is None and r.assurance is None
    assert len(r.points) == len(values)
    assert isinstance(r.notes, tuple) and r.notes


def test_single_value():
    r = xmr([42.0])
    assert r.mean == 42.0
    assert column(r, "point_type") == ["common_cause"]


def test_all_missing():
    r = xmr([None, None])
    assert math.isnan(r.mean)
    assert column(r, "point_type") == [None, None]


def test_single_value_with_min_points_one():
    r = xmr([42.0], min_points=1, target=40)
    assert r.chart_type == "xmr"
    assert math.isnan(r.upl)
    assert r.variation == "common_cause"
    assert r.assurance is None


def test_pandas_series_input_uses_datetime_index():
    s = pd.Series(ALTERNATING, index=monthly(16))
    r = xmr(s)
    assert r.points["date"].iloc[0] == pd.Timestamp("2024-01-01")


def test_numpy_and_integer_input():
    assert xmr(np.array([10, 12] * 8)).mean == 11.0


def test_infinite_values_are_treated_as_missing():
    r = xmr([*ALTERNATING, float("inf")])
    assert r.mean == 11.0
    assert any("infinite" in note for note in r.notes)


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"improvement": "sideways"},
        {"improvement": None},
        {"conflict": "both"},
        {"shift_points": 1},
        {"trend_points": 0},
        {"min_points": 0},
        {"shift_points": 7.5},
        {"target": "high"},
        {"recalculate_at": [True]},
        {"recalculate_at": ["soon"]},
    ],
)
def test_invalid_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        xmr(ALTERNATING, **kwargs)


def test_dates_length_must_match():
    with pytest.raises(ValueError, match="same length"):
        xmr(ALTERNATING, monthly(15))


def test_non_numeric_values_raise():
    with pytest.raises(ValueError, match="not a number"):
        xmr([1, "two", 3])


# --------------------------------------------------------------------------------------------------
# Assurance
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "improvement", "expected"),
    [
        (5.0, "up", "pass"),  # below LPL 5.68
        (20.0, "up", "fail"),  # above UPL 16.32
        (11.0, "up", "hit_or_miss"),
        (5.0, "down", "fail"),
        (20.0, "down", "pass"),
        (11.0, "down", "hit_or_miss"),
        (11.0, "neither", None),
        (None, "up", None),
    ],
)
def test_assurance_alternating(target, improvement, expected):
    r = xmr(ALTERNATING, target=target, improvement=improvement)
    assert r.assurance == expected


def test_assurance_target_exactly_on_a_limit():
    # ON_UPPER_LIMIT has UPL 55.0 and LPL -36.0 exactly; its last point is 55, on the upper limit.
    # A target on a limit is a pass/fail (NHS England v2.6) ...
    assert assurance_type(55, -36.0, 55.0, "up") == "fail"
    assert xmr(ON_UPPER_LIMIT[::-1], target=55, improvement="up").assurance == "fail"  # last point 0
    # ... even when the latest point, on the limit, meets the target: NHS England's SQL (v2.5, step 4K)
    # reads the target against the limits alone.
    assert xmr(ON_UPPER_LIMIT, target=55, improvement="up").assurance == "fail"
    assert xmr(ON_UPPER_LIMIT, target=55, improvement="down").assurance == "pass"
    assert xmr(ON_UPPER_LIMIT, target=-36, improvement="up").assurance == "pass"
    assert xmr(ON_UPPER_LIMIT, target=-36, improvement="down").assurance == "fail"
    assert xmr(ON_UPPER_LIMIT, target=54.99, improvement="up").assurance == "hit_or_miss"


def test_assurance_type_helper():
    assert assurance_type(5.68, 5.68, 16.32, "up") == "pass"
    assert assurance_type(16.32, 5.68, 16.32, "up") == "fail"
    assert assurance_type(16.32, 5.68, 16.32, "down") == "pass"
    assert assurance_type(5.68, 5.68, 16.32, "down") == "fail"
    assert assurance_type(10, 5.68, 16.32, "down") == "hit_or_miss"
    assert assurance_type(10, math.nan, math.nan, "up") is None
    assert assurance_type(None, 5.68, 16.32, "up") is None


def test_assurance_uses_last_segment_limits():
    # Against segment 0 (LPL 5.68, UPL 16.32) a target of 18 would be "fail"; against the last
    # segment (20, 22: LPL 15.68, UPL 26.32) it is inside the limits, and 15 is below the LPL.
    r = xmr(TWO_LEVELS, recalculate_at=[12], target=18)
    assert r.assurance == "hit_or_miss"
    assert xmr(TWO_LEVELS, recalculate_at=[12], target=15).assurance == "pass"


def test_nan_target_is_no_target():
    assert xmr(ALTERNATING, target=float("nan")).target is None


# A share that has reached its ceiling: 3 months at 64.7%, 8 at 94.1%, then 25 at 100% (Oct 2024 on),
# target 100%, up is better (as the demo's "trusts with a named AHP lead" for the system).
#   mean = (3*64.7 + 8*94.1 + 25*100) / 36 = 95.747; moving ranges 29.4, 5.9 and 33 zeros -> MRbar
#   = 35.3 / 35 = 1.0086 -> UPL = 98.43. The limits alone say target 100 >= UPL: "fail".
AT_CEILING = [64.7] * 3 + [94.1] * 8 + [100.0] * 25
CEILING_MONTHS = pd.date_range("2023-11-01", periods=36, freq="MS")


def test_assurance_follows_the_limits_even_when_the_latest_months_are_beyond_them():
    # NHS England's SQL (v2.5, step 4K) reads the target against the latest limits alone: the limits
    # still include the months before 100%, so target 100 >= UPL 98.43 is "consistently failing",
    # though the latest 25 months met it. The reading suggests recalculating (kpi.spc.suggestions).
    r = xmr(AT_CEILING, CEILING_MONTHS, target=100)
    assert r.upl == pytest.approx(98.430, abs=1e-3)
    assert r.variation == "improvement_high"
    assert r.assurance == "fail"
    assert describe(r, unit="%") == (
        "Special cause improvement: the latest month is above the upper process limit; target 100% is "
        "above the upper limit, so it will consistently be missed."
    )
    # The other side of the rule: 99.9% for the same 25 months is read the same way.
    assert xmr(AT_CEILING[:11] + [99.9] * 25, CEILING_MONTHS, target=100).assurance == "fail"


def test_a_floor_target_is_read_against_the_limits_when_down_is_better():
    r = xmr([30.0] * 3 + [5.9] * 8 + [0.0] * 25, CEILING_MONTHS, target=0, improvement="down")
    assert r.variation == "improvement_low"
    assert r.assurance == "fail"  # target 0 <= LPL, the limits dragged up by the earlier months
    rebased = xmr([30.0] * 4 + [5.9] * 8 + [0.0] * 24, CEILING_MONTHS, target=0, improvement="down",
                  recalculate_at=[12])  # fmt: skip
    assert rebased.segment_starts == (0, 12) and rebased.assurance == "pass"


def test_a_process_at_its_ceiling_after_recalculation_consistently_meets_the_target():
    stable = xmr([100.0] * 20, target=100)
    assert stable.assurance == "pass"
    rebased = xmr(AT_CEILING, CEILING_MONTHS, target=100, recalculate_at=[12])
    assert rebased.segment_starts == (0, 12)
    assert rebased.assurance == "pass"
    assert describe(rebased, unit="%").endswith(
        "target 100% is on the process limits (all values are the same), so it will consistently be met."
    )


def test_a_latest_month_beyond_the_lower_limit_does_not_change_the_assurance():
    # 90, 92 alternating then 80: target 84 is below the LPL ("pass") while the latest month misses it;
    # NHS England's query gives "pass" (the variation icon says concern).
    r = xmr([90.0, 92.0] * 20 + [80.0], monthly(41, "2023-01-01"), target=84)
    assert r.variation == "concern_low"
    assert r.assurance == "pass"
    assert xmr([90.0, 92.0] * 20 + [80.0], monthly(41, "2023-01-01"), target=97).assurance == "fail"


# --------------------------------------------------------------------------------------------------
# Accumulating figures: shown as a trend, never read with the rules
# --------------------------------------------------------------------------------------------------


def test_a_rolling_figure_is_a_trend_without_limits_signals_or_icons():
    r = xmr(RISING, monthly(16), target=5, improvement="down", accumulation="rolling_12_months")
    assert r.chart_type == "trend" and r.accumulation == "rolling_12_months"
    assert r.variation is None and r.assurance is None
    assert not r.points["special_cause"].any()  # 16 rising months: a trend rule would fire on XmR
    assert r.points["point_type"].isna().all()
    assert r.points["mean"].isna().all() and math.isnan(r.upl)
    assert r.variation_label == (
        "No variation icon: a 12-month rolling figure, shown as a trend (the SPC rules do not apply)"
    )
    assert r.assurance_label.startswith("No assurance icon: a 12-month rolling figure")
    assert describe(r, name="Leaver rate") == (
        "Leaver rate is a 12-month rolling figure: each month shares 11 months with the one before, so "
        "the SPC rules do not apply; shown as a trend."
    )
    assert describe(r).startswith("A 12-month rolling figure: ")
    assert xmr(RISING, monthly(16)).variation == "improvement_high"  # the same figures, monthly


def test_a_year_to_date_figure_is_a_trend_even_with_few_points_and_ignores_recalculation():
    r = xmr(RISING[:6], monthly(6), accumulation="year_to_date", recalculate_at=[3])
    assert r.chart_type == "trend" and r.segment_starts == (0,)
    assert r.notes == ("Limits not recalculated: a trend has no process limits.",)
    assert describe(r, name="Funding utilised") == (
        "Funding utilised is a year-to-date figure: each month adds to the months before it in the "
        "financial year, so the SPC rules do not apply; shown as a trend."
    )


def test_accumulation_must_be_known():
    with pytest.raises(ValueError, match="accumulation must be one of"):
        xmr(RISING, accumulation="quarterly")


# --------------------------------------------------------------------------------------------------
# Constants and labels
# --------------------------------------------------------------------------------------------------


def test_colours_and_labels():
    # NHS England's MDC grey #A6A6A6 and blue #00B0F0 are darkened to 3:1 on white (WCAG 1.4.11);
    # tests/charts/test_chart_colours.py checks the ratios.
    assert COLOUR_COMMON_CAUSE == "#949494"
    assert COLOUR_IMPROVEMENT == "#009FD9"
    assert COLOUR_CONCERN == "#E46C0A"
    assert COLOUR_NEITHER == "#490092"
    assert COLOUR_TARGET == "#DE1B1B"
    assert POINT_TYPE_COLOURS["concern"] == COLOUR_CONCERN
    assert VARIATION_LABELS["improvement_high"] == "Special cause improvement (high)"
    assert VARIATION_LABELS["common_cause"] == "Common cause variation"
    assert ASSURANCE_LABELS["pass"] == "Consistently passing target"
    assert ASSURANCE_LABELS["hit_or_miss"] == "Hit and miss target"
    assert ASSURANCE_LABELS["fail"] == "Consistently failing target"
    assert set(VARIATION_CODES) <= set(VARIATION_LABELS)


# --------------------------------------------------------------------------------------------------
# describe()
# --------------------------------------------------------------------------------------------------


def test_describe_special_cause_concern_shift_with_target_inside():
    # 7, 9 alternating (8 points) then 7.5, 7, 7.5, 7, 7.5, 7, 7.5 (Jul 2024 .. Sep 2025)
    #   mean = (64 + 51) / 15 = 7.667; MRs: seven of 2, 1.5, six of 0.5 -> MRbar = 18.5/14 = 1.321
    #   UPL = 11.18, LPL = 4.15: the last 7 points (from Mar 2025) are below the mean.
    values = [7.0, 9.0] * 4 + [7.5, 7.0, 7.5, 7.0, 7.5, 7.0, 7.5]
    r = xmr(values, monthly(15, "2024-07-01"), target=7.5)
    assert r.variation == "concern_low"
    assert r.assurance == "hit_or_miss"
    assert describe(r, unit="%") == (
        "Special cause concern: 7 months below the mean since Mar 2025; "
        "target 7.5% is inside the limits, so it will be hit and missed."
    )


def test_describe_common_cause_target_below_lower_limit():
    # 90, 92 alternating: mean 91, LPL 85.68 -> target 85 is below it.
    r = xmr([90.0, 92.0] * 8, monthly(16), target=85)
    assert describe(r, unit="%") == (
        "Common cause variation: no signals; "
        "target 85% is below the lower limit, so it will consistently be met."
    )


def test_describe_run_chart():
    r = xmr(ALTERNATING[:9], monthly(9))
    assert describe(r) == "Only 9 months of data: too few for process limits (need 15)."
    assert describe(xmr(ALTERNATING[:9])) == "Only 9 data points: too few for process limits (need 15)."
    assert describe(xmr([])) == "No data yet: too few for process limits (need 15)."


def test_describe_outside_limit_and_fail():
    r = xmr([0.0, 15.0] * 9 + [0.0, 56.0], monthly(20), target=60)
    assert describe(r, unit="FTE") == (
        "Special cause improvement: the latest month is above the upper process limit; "
        "target 60 FTE is above the upper limit, so it will consistently be missed."
    )


def test_describe_trend_without_dates():
    values = [8.0, 12.0] * 4 + [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
    assert describe(xmr(values)) == "Special cause improvement: 7 rising points in a row since point 9."


def test_describe_neither_and_two_in_three():
    r = xmr([10.0, 14.0] * 8 + [20.0, 19.0, 20.0], improvement="neither")
    assert describe(r) == "Special cause variation: 2 of the last 3 points close to the upper process limit."


def test_describe_common_cause_after_earlier_signals_and_money():
    values = [*RISING, 8.0]  # the drop back to 8 is inside the limits
    r = xmr(values, monthly(17), target=1000)
    assert r.variation == "common_cause"
    assert describe(r, unit="£").startswith(
        "Common cause variation: no signal in the latest month; target £1,000"
    )


def test_describe_accepts_dates_and_label_format():
    values = [7.0, 9.0] * 4 + [7.5, 7.0, 7.5, 7.0, 7.5, 7.0, 7.5]
    r = xmr(values)
    text = describe(r, dates=monthly(15, "2024-07-01"), label_fmt="%B %Y")
    assert text == "Special cause concern: 7 months below the mean since March 2025."


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (7.5, "%", "7.5%"),
        (85, "%", "85%"),
        (12.5, "FTE", "12.5 FTE"),
        (1234, "£", "£1,234"),
        (1234.5, "GBP", "£1,234.50"),
        (-250, "£", "-£250"),
        (1234567.891, "", "1,234,567.89"),
        (0.125, "", "0.125"),
        (0, "", "0"),
    ],
)
def test_format_value_in_a_sentence_writes_only_the_decimals_needed(value, unit, expected):
    # describe() writes a target with decimals=None: the figures of the SPC sentences.
    assert format_value(value, unit, None) == expected


def test_xmr_counts_a_point_beyond_the_limit_towards_two_in_three_by_default():
    # 16 alternating points, then: far above the upper limit, just above the mean, between two sigma and
    # the limit. Default (NHS England v2.6): the first and third are two-in-three; NHSRplotthedots: not.
    # mean = 275/19 = 14.47; MRbar = (15*4 + 26 + 25 + 13)/18 = 6.889; 2-sigma 26.69; UPL 32.80.
    values = [10.0, 14.0] * 8 + [40.0, 15.0, 28.0]
    default = xmr(values)
    tail = default.points.iloc[-3:]
    assert tail["value"].iloc[0] > tail["upl"].iloc[0]
    assert tail["mean"].iloc[1] < tail["value"].iloc[1] < tail["upper_two_sigma"].iloc[1]
    assert tail["upper_two_sigma"].iloc[2] < tail["value"].iloc[2] < tail["upl"].iloc[2]
    assert tail["two_in_three"].tolist() == [True, False, True]
    nhsr = xmr(values, two_in_three_counts_beyond_limits=False)
    assert nhsr.points["two_in_three"].iloc[-3:].tolist() == [False, False, False]
