"""A target that starts at the chart's first point (by position or by its month) holds from that point:
the boundary of "from a point on" at the start of the data. Hand-worked on 18 points alternating 95 and
97 (mean 96, limits 90.68 to 101.32)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi import spc

VALUES = [95.0, 97.0] * 9
DATES = pd.date_range("2024-01-01", periods=18, freq="MS")


def targets(result) -> list[float]:
    return [float(x) for x in result.points["target"]]


def test_a_target_from_the_first_point_by_position_holds_from_the_first_point():
    result = spc.xmr(VALUES, DATES, targets=[(0, 102)])
    assert targets(result) == [102.0] * 18
    assert result.target == 102.0 and result.assurance == "fail"
    assert not any("ignored" in note for note in result.notes)


def test_a_target_from_the_first_month_holds_from_the_first_point():
    result = spc.xmr(VALUES, DATES, target=80, targets=[("2024-01-01", 102)])
    assert targets(result) == [102.0] * 18


def test_a_target_from_a_month_before_the_data_holds_from_the_first_point():
    result = spc.xmr(VALUES, DATES, target=80, targets=[("2023-06-01", 102)])
    assert targets(result) == [102.0] * 18


def test_a_target_from_the_second_point_leaves_the_first_point_on_the_old_target():
    result = spc.xmr(VALUES, DATES, target=80, targets=[(1, 102)])
    assert targets(result) == [80.0] + [102.0] * 17
    without = spc.xmr(VALUES, DATES, targets=[(1, 102)])
    assert np.isnan(without.points["target"].iloc[0])


def test_a_target_from_a_position_before_the_data_is_ignored_with_a_note():
    result = spc.xmr(VALUES, DATES, target=80, targets=[(-1, 102)])
    assert targets(result) == [80.0] * 18
    assert any(note.endswith("ignored: no such point.") for note in result.notes), result.notes
