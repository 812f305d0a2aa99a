"""SPC rules that earlier tests left open to a mutant: each test is named after its rule and fails if
the rule's operator or condition changes."""

from __future__ import annotations

from kpi.spc import describe, xmr
from tests.spc.test_spc import monthly

THREE_LEVELS = [10.0, 12.0] * 6 + [20.0, 22.0] * 6 + [30.0, 32.0] * 6  # 36 points, steps at 12 and 24


def test_each_recalculation_point_is_judged_against_the_segment_before_it():
    # Steps at 12 and 24: both leave 12 points on each side, so both are kept.
    both = xmr(THREE_LEVELS, recalculate_at=[12, 24])
    assert both.segment_starts == (0, 12, 24)
    assert both.mean == 31.0
    # 12 and 20: the second would leave only 8 points since the first, so it is refused and said.
    refused = xmr(THREE_LEVELS, recalculate_at=[12, 20])
    assert refused.segment_starts == (0, 12)
    assert any("index 20" in note and "leave 8 before it and 16 from it on" in note for note in refused.notes)


def test_a_run_of_eight_months_is_counted_from_its_first_month():
    # 16 months around 10, then 8 above the mean: the reading names all 8 and the month they began.
    values = [11.0, 9.0] * 8 + [12.0, 11.5, 12.0, 11.5, 12.0, 11.5, 12.0, 11.5]
    text = describe(xmr(values), dates=monthly(24, "2024-01-01"))
    assert text.startswith("Special cause improvement: 8 months above the mean since May 2025")


def test_a_run_of_seven_months_is_counted_from_its_first_month():
    values = [11.0, 9.0] * 8 + [12.0, 11.5, 12.0, 11.5, 12.0, 11.5, 12.0]
    text = describe(xmr(values), dates=monthly(23, "2024-01-01"))
    assert text.startswith("Special cause improvement: 7 months above the mean since May 2025")


def test_a_rising_trend_of_eight_is_counted_from_its_first_point():
    values = [8.0, 12.0] * 4 + [5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]
    assert describe(xmr(values)).startswith(
        "Special cause improvement: 8 rising points in a row since point 9"
    )


TWO_IN_THREE_BASE = [10.0, 12.0] * 8  # mean 11, moving range 2: the two-sigma line near 15.5-16


def test_two_of_three_needs_all_three_on_one_side_and_two_beyond_the_two_sigma_line():
    flagged = xmr([*TWO_IN_THREE_BASE, 16.5, 12.0, 16.5]).points["two_in_three_high"].iloc[-3:]
    assert list(flagged) == [True, False, True]  # the two beyond are flagged, the one between is not
    one_below_the_mean = xmr([*TWO_IN_THREE_BASE, 16.5, 10.5, 16.5]).points["two_in_three_high"]
    assert not one_below_the_mean.any()
    only_one_beyond = xmr([*TWO_IN_THREE_BASE, 16.5, 11.5, 13.0]).points["two_in_three_high"]
    assert not only_one_beyond.any()


ON_LOWER_LIMIT = [0.0, -15.0] * 9 + [0.0, -55.0]  # LPL -55.0 exactly; the last point sits on it


def test_a_target_on_the_lower_limit_is_consistently_failed_when_lower_is_better():
    # NHS England's SQL v2.5 (step 4K): down is better and target <= LPL is "fail", whatever the latest
    # month (here on the limit, meeting the target) did; just above the limit it is hit and miss.
    r = xmr(ON_LOWER_LIMIT, target=-55, improvement="down")
    assert round(float(r.lpl), 6) == -55.0
    assert r.assurance == "fail"
    assert xmr(ON_LOWER_LIMIT, target=-54.9, improvement="down").assurance == "hit_or_miss"


def test_a_trend_is_read_across_a_recalculation_point():
    # NHS England's SQL v2.5 step 4H "works across partitions": 7 rising points, 3 before the
    # recalculation at position 14 and 4 after, are a trend; 6 rising points are not.
    flat = [10.0, 11.0] * 7  # 14 points, then the second segment
    rising = [*flat[:-3], 9.0, 9.5, 9.8, 10.2, 10.6, 11.1, 11.7, *[11.0, 12.0] * 5]
    r = xmr(rising, recalculate_at=[14])
    assert r.segment_starts == (0, 14)
    assert list(r.points["trend_high"].iloc[11:18]) == [True] * 7
    six = [*flat[:-2], 9.5, 9.8, 10.2, 10.6, 11.1, 11.7, 11.0, *[11.0, 12.0] * 5]
    r6 = xmr(six, recalculate_at=[14])
    assert r6.segment_starts == (0, 14)
    assert not r6.points["trend_high"].iloc[11:19].any()
