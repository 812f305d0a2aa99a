"""The backtest's figures on a small database (issue 25: made cheap without changing a number): the
inputs it reads once are those plan_inputs gives at each start, its bands are the projection's, its
summary is pinned, and it is made once per data version, again after a write."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from kpi.plan.backtest import backtest, past_inputs, start_months
from kpi.plan.inputs import actual_stock, plan_inputs
from kpi.plan.model import SUPPLY_COLUMNS, project, year_end_bands
from tests.conftest import add_observations

MONTHS = pd.date_range("2021-01-01", "2025-12-01", freq="MS")
TRUSTS = {"RBS": 1.0, "REM": 2.0}

# The C&M backtest of five_years with seed 16, as the code before the speed-up made it: (horizon, starts,
# cases, inside 50 %, inside 90 %, MAPE %). The system's inflow assumptions are for thousands of staff,
# not this fixture's hundreds: the band misses, and the scale is large.
PINNED_SCALE = 6.557484514741207
PINNED_BEFORE = [
    (1, 24, 48, 0, 0, 39.00193459755328),
    (2, 24, 48, 0, 0, 75.5279615890281),
    (3, 24, 48, 0, 0, 109.21526194131842),
]
PINNED_AFTER = [
    (1, 24, 48, 0, 8, 39.577085674259884),
    (2, 24, 48, 0, 0, 76.94485043826614),
    (3, 24, 48, 0, 0, 112.39221370965515),
]


def history_rows(months: pd.DatetimeIndex = MONTHS) -> list[tuple]:
    """Five years at two trusts: PHYSIO and OT staff in post drifting with the month, leavers of
    PHYSIO varying year to year (OT falls back to the all-AHP rate), PHYSIO's establishment and the
    trusts' apprentice starts."""
    rows = []
    for i, month in enumerate(months):
        key = month.strftime("%Y-%m")
        for trust, size in TRUSTS.items():
            rows += [
                ("SIP_FTE", trust, "PHYSIO", key, size * (100 + i % 7 + i / 4), None, None),
                ("SIP_FTE", trust, "OT", key, size * (40 + (i * 3) % 5), None, None),
                ("LEAVER_RATE", trust, "PHYSIO", key, None, size * (9 + (i // 12) % 3 + i % 2), size * 100),
                ("ESTAB_FTE", trust, "PHYSIO", key, size * 115, None, None),
                ("APPRENTICE_STARTS", trust, None, key, 1 + i % 3, None, None),
            ]
    return rows


@pytest.fixture
def five_years(engine):
    add_observations(engine, history_rows())
    return engine


def test_the_past_is_read_once_as_plan_inputs_reads_it_at_each_start(five_years):
    for scope in ("C&M", "REM"):
        history, _ = past_inputs(five_years, scope, None)
        starts = start_months(actual_stock(five_years, scope))
        one_by_one = [plan_inputs(five_years, scope, as_of=start) for start in starts]
        assert len(history) == len(starts) == 24
        assert history == one_by_one
        for fast, slow in zip(history, one_by_one, strict=True):
            assert [p.sources for p in fast.professions] == [p.sources for p in slow.professions]


def test_the_year_end_bands_are_the_projections_year_ends(five_years):
    history, _ = past_inputs(five_years, "C&M", None)
    inputs = dataclasses.replace(history[5], band_scale=1.7)
    bands = year_end_bands(inputs, 3, 400, 16)
    projection = project(inputs, 3, (), 400, 16)
    for year in (1, 2, 3):
        ends = projection[projection["year"] == year].groupby("profession").tail(1).set_index("profession")
        for i, code in enumerate(inputs.codes):
            assert bands[:, year - 1, i].tolist() == ends.loc[code, SUPPLY_COLUMNS].tolist()


def test_the_backtest_summary_is_pinned(five_years):
    """Made with the code before issue 25's speed-up: any change to a figure fails here."""
    checked = backtest(five_years, "C&M", None, seed=16)
    assert checked.scale == pytest.approx(PINNED_SCALE, rel=1e-12)
    for frame, pinned in ((checked.summary_before, PINNED_BEFORE), (checked.summary_after, PINNED_AFTER)):
        assert frame[["horizon", "starts", "cases", "inside_50", "inside_90"]].to_numpy().tolist() == [
            list(row[:5]) for row in pinned
        ]
        assert frame["mape"].tolist() == pytest.approx([row[5] for row in pinned], rel=1e-12)


def test_a_write_makes_the_backtest_again_and_until_then_it_is_kept(five_years):
    first = backtest(five_years, "C&M", None, seed=16)
    assert backtest(five_years, "C&M", None, seed=16) is first
    assert backtest(five_years, "C&M", None, seed=17) is not first
    add_observations(five_years, history_rows(pd.date_range("2026-01-01", periods=1, freq="MS")))
    again = backtest(five_years, "C&M", None, seed=16)
    assert again is not first
    assert again.summary_before["starts"].max() == first.summary_before["starts"].max() + 1
