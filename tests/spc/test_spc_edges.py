"""Edges of the SPC engine the mutation sample (tools/mutate.py, seed 27) found untested: a string
refused as values, the latest run when every point is on one side, a ghost month with no figure, the
boundaries of the level and flat suggestions, and the period nouns of the sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi import spc
from kpi.spc.checks import ghost_problem
from kpi.spc.settings import baseline_points
from kpi.spc.suggestions import is_flat, latest_run_start, squared_error, two_level_error
from kpi.spc.words import _period_noun, _plural

MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


@pytest.mark.parametrize("text", ["123", b"123", "1,2,3"])
def test_a_string_of_digits_is_refused_as_values(text):
    with pytest.raises(ValueError, match=r"^values must be a sequence of numbers, not a string$"):
        spc.xmr(text)


@pytest.mark.parametrize(
    ("values", "mean", "start"),
    [
        ([3.0, 4.0, 5.0], 1.0, 0),  # every point above: the run starts at the first
        ([-3.0, -4.0], 0.0, 0),
        ([0.0, 3.0, 4.0], 1.0, 1),
        ([3.0, 0.0, 4.0], 1.0, 2),
        ([5.0], 1.0, 0),
        ([3.0, 1.0], 1.0, None),  # the latest point on the mean
        ([], 1.0, None),
    ],
)
def test_the_latest_run_starts_where_the_points_last_crossed_the_mean(values, mean, start):
    assert latest_run_start(np.array(values, dtype=float), mean) == start


def test_a_month_without_a_figure_cannot_be_ghosted_and_one_with_a_figure_can():
    absent = ghost_problem(pd.Timestamp("2024-08-01"), MONTHS)
    assert absent == (
        "There is no complete month of data for Aug 2024 to ghost (complete months run from Jan 2024 to "
        "Jun 2024)."
    )
    assert ghost_problem(pd.Timestamp("2024-03-01"), MONTHS) is None


def test_two_levels_need_twelve_points_on_each_side_of_the_split():
    # 13 zeros then 11 tens: the only split allowed is at 12 (12 and 12 points), leaving one zero with
    # the tens: 1,100 - 110² / 12 = 91.67. Splitting at 13 would leave 11 points after it.
    values = np.array([0.0] * 13 + [10.0] * 11)
    assert two_level_error(values) == pytest.approx(1100 - 110**2 / 12)
    assert two_level_error(values[1:]) == np.inf  # 23 points: no split leaves 12 on each side


def test_a_line_explaining_exactly_a_quarter_of_the_variance_is_not_flat():
    # 0, 2, 4, 1, 3: total squared error 10, a straight line leaves 7.5, so it explains 25 %, the share
    # (LEVEL_SLOPE_SHARE) from which a series is no longer flat; 1, 2, 3, 4, 0 explains less.
    assert not is_flat(np.array([0.0, 2.0, 4.0, 1.0, 3.0]))
    assert is_flat(np.array([1.0, 2.0, 3.0, 4.0, 0.0]))
    assert is_flat(np.array([5.0, 5.0, 5.0]))


@pytest.mark.parametrize(
    ("dates", "noun"),
    [
        (["2024-01-01", "2024-02-01"], "month"),
        (["2024-01-01", "2024-01-08"], "week"),
        (["2024-01-01"], "month"),
        ([], "point"),
    ],
)
def test_two_dates_are_enough_to_tell_the_period(dates, noun):
    assert _period_noun(pd.Series(pd.to_datetime(dates))) == noun


def test_counts_are_plural_except_one():
    assert [_plural(n, "month") for n in (0, 1, 2)] == ["0 months", "1 month", "2 months"]


def test_the_screening_note_counts_one_moving_range_in_the_singular_and_two_in_the_plural():
    # 18 points alternating 10 and 12 (moving ranges of 2). A last point of 40 makes one moving range of
    # 28, above 3.267 x the mean moving range (64 / 19 = 3.37): one screened out. In the middle, the
    # spike makes two.
    steady = [10.0, 12.0] * 9
    one = spc.xmr([*steady, 40.0], screen_outliers=True)
    assert "Outlier screening left out 1 moving range when calculating the limits." in one.notes
    two = spc.xmr([*steady[:9], 40.0, *steady[9:]], screen_outliers=True)
    assert "Outlier screening left out 2 moving ranges when calculating the limits." in two.notes


def test_a_baseline_of_two_points_is_the_smallest_accepted():
    assert baseline_points(2) == 2 and baseline_points(None) is None
    with pytest.raises(ValueError, match="2 or more, not 1"):
        baseline_points(1)


def test_no_values_leave_no_squared_error():
    assert squared_error(np.array([])) == 0.0
    assert squared_error(np.array([1.0, 3.0])) == 2.0
