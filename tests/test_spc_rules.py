"""SPC rules that earlier tests left open to a mutant: each test is named after its rule and fails if
the rule's operator or condition changes."""

from __future__ import annotations

from kpi.spc import describe, xmr
from tests.test_spc import monthly

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
