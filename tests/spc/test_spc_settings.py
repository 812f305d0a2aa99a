"""A lead's settings for one SPC chart, against hand-worked vectors: a baseline fixes the limits on the
first points, ghost points are drawn but left out of the limits and rules, and a target can change from
a month on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi import spc

# Twelve points alternating 10 and 12: mean 11, every moving range 2, so the limits are
# 11 ± 2.66 x 2 = 5.68 and 16.32 (the two-sigma lines 11 ± 2/3 x 5.32 = 7.4533 and 14.5467).
STEADY = [10.0, 12.0] * 6
MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")


def test_a_baseline_fixes_the_limits_on_the_first_points_and_reads_the_rest_against_them():
    values = STEADY + [20.0] * 8
    fixed = spc.xmr(values, MONTHS[:20], baseline=12)
    assert fixed.mean == pytest.approx(11.0) and fixed.upl == pytest.approx(16.32)
    assert fixed.lpl == pytest.approx(5.68)
    assert list(fixed.points["baseline"]) == [True] * 12 + [False] * 8
    assert fixed.points["outside_high"].iloc[12:].all() and not fixed.points["outside_high"].iloc[:12].any()
    assert "Limits fixed on the first 12 points of each segment (the baseline)." in fixed.notes
    # Without the baseline the eight high points pull the mean up to 14.6 and widen the limits.
    free = spc.xmr(values, MONTHS[:20])
    assert free.mean == pytest.approx((6 * 10 + 6 * 12 + 8 * 20) / 20)
    assert not free.points["baseline"].any()


def test_a_baseline_longer_than_the_data_uses_every_point():
    result = spc.xmr(STEADY + [11.0] * 3, MONTHS[:15], baseline=15)
    assert not result.points["baseline"].any()  # 15 points, none after the baseline: nothing fixed
    assert result.mean == pytest.approx((66 + 66 + 33) / 15)


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, True, "12"])
def test_a_baseline_must_be_a_whole_number_of_two_or_more(bad):
    with pytest.raises(ValueError, match="baseline must be a whole number"):
        spc.xmr(STEADY, baseline=bad)


def test_a_ghost_point_is_drawn_but_left_out_of_the_limits_and_the_rules():
    values = STEADY[:5] + [100.0] + STEADY[5:] + [11.0] * 3  # 16 points, the sixth a one-off 100
    dates = MONTHS[:16]
    ghosted = spc.xmr(values, dates, ghosts=[dates[5]])
    assert ghosted.points.loc[5, "point_type"] == "ghost" and ghosted.points.loc[5, "value"] == 100.0
    assert not ghosted.points.loc[5, "special_cause"]
    # Left out, the rest is 10, 12, ... with the threes: mean (66 + 66 + 33) / 15, moving ranges as if
    # the ghost were missing.
    assert ghosted.mean == pytest.approx(165 / 15)
    assert ghosted.n_points == 15
    assert "1 ghost point drawn but left out of the limits and the rules." in ghosted.notes
    # Not a ghost, the 100 is a special cause and drags the mean up.
    plain = spc.xmr(values, dates)
    assert plain.points.loc[5, "outside_high"] and plain.mean == pytest.approx(265 / 16)


def test_ghosts_by_position_and_entries_that_name_no_point():
    values = STEADY + [11.0] * 4
    result = spc.xmr(values, MONTHS[:16], ghosts=[3, "2030-01-01", 99])
    assert list(np.flatnonzero(result.points["ghost"])) == [3]
    assert "Ghost point at Jan 2030 ignored: no data point with a value there." in result.notes
    assert "Ghost point at index 99 ignored: no data point with a value there." in result.notes


def test_a_target_from_a_month_on_is_the_one_the_assurance_reads():
    values = [95.0, 97.0] * 9  # 18 points: mean 96, limits 96 ± 5.32 = 90.68 to 101.32
    dates = MONTHS[:18]
    # 90 until Jun 2024, then 102 from Jul 2024: the latest point's target is 102, above the upper limit.
    result = spc.xmr(values, dates, target=90, targets=[("2024-07-01", 102)])
    assert list(result.points["target"].iloc[5:7]) == [90.0, 102.0]
    assert result.target == 102.0 and result.assurance == "fail"
    # The same chart with the target of 90 throughout would consistently pass.
    assert spc.xmr(values, dates, target=90).assurance == "pass"
    # A target that starts after the latest point does not apply yet.
    later = spc.xmr(values, dates, target=90, targets=[("2025-07-01", 102)])
    assert later.target == 90.0 and later.assurance == "pass"
    assert np.isnan(spc.xmr(values, dates, targets=[(6, 102)]).points["target"].iloc[5])
