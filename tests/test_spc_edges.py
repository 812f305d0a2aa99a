"""Edges of the SPC engine the mutation sample (tools/mutate.py, seed 27) found untested: a string
refused as values, the latest run when every point is on one side, and a ghost month with no figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi import spc
from kpi.spc.checks import ghost_problem
from kpi.spc.suggestions import latest_run_start

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
