"""The plan's percentile bands by linear interpolation between order statistics, hand-worked with a run
count (5) where the 5th and 95th percentiles fall between samples: positions p/100 x (n - 1)."""

from __future__ import annotations

import numpy as np
import pytest

from kpi.plan.model import percentiles


def test_percentiles_between_samples_are_interpolated():
    # Sorted 1, 2, 4, 8, 16; positions 0.2, 1, 2, 3, 3.8:
    # p05 = 1 + 0.2 x (2 - 1) = 1.2; p25 = 2; p50 = 4; p75 = 8; p95 = 8 + 0.8 x (16 - 8) = 14.4.
    runs = np.array([8.0, 1.0, 16.0, 4.0, 2.0])
    assert percentiles(runs).tolist() == pytest.approx([1.2, 2.0, 4.0, 8.0, 14.4])


def test_percentiles_with_six_runs_fall_between_samples_everywhere_but_none_at_the_ends():
    # Sorted 0, 10, 30, 60, 100, 150; positions 0.25, 1.25, 2.5, 3.75, 4.75:
    # 2.5, 10 + 0.25 x 20 = 15, 30 + 0.5 x 30 = 45, 60 + 0.75 x 40 = 90, 100 + 0.75 x 50 = 137.5.
    runs = np.array([[150.0, 0.0, 60.0, 10.0, 100.0, 30.0]])
    assert percentiles(runs)[:, 0].tolist() == pytest.approx([2.5, 15.0, 45.0, 90.0, 137.5])


def test_one_run_is_every_percentile_and_two_runs_interpolate_between_them():
    assert percentiles(np.array([7.0])).tolist() == [7.0] * 5
    assert percentiles(np.array([10.0, 20.0])).tolist() == pytest.approx([10.5, 12.5, 15.0, 17.5, 19.5])


def test_percentiles_keep_each_month_and_profession_apart():
    # One month, two professions, five runs each.
    supply = np.array([[[1.0, 2.0, 4.0, 8.0, 16.0], [5.0, 5.0, 5.0, 5.0, 5.0]]])
    bands = percentiles(supply)
    assert bands.shape == (5, 1, 2)
    assert bands[:, 0, 0].tolist() == pytest.approx([1.2, 2.0, 4.0, 8.0, 14.4])
    assert bands[:, 0, 1].tolist() == [5.0] * 5
