"""Rules of the workforce projection that the mutation sample (tools/mutate.py, seed 27) found
untested: the inflow spread's scale, the years joiners_needed accepts, and how small and zero figures
read. Hand-worked."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pandas as pd
import pytest

from kpi.plan.model import (
    INFLOWS,
    MAX_YEARS,
    N_INFLOWS,
    PlanError,
    PlanInputs,
    ProfessionInputs,
    joiners_needed,
    project,
    small_number_text,
)

START = pd.Timestamp("2026-09-01")


def plan(*professions: ProfessionInputs) -> PlanInputs:
    return PlanInputs(scope="C&M", level="system", start_month=START, professions=professions)


def test_an_inflow_spread_of_s_percent_scales_the_year_by_one_plus_s_hundredths_of_its_draw():
    """No leavers, 120 international recruits a year, a 30 % spread, one run: each month adds
    10 x (1 + 0.30 z), z the run's draw for international recruits, one for the whole run (its own
    generator, seeded by (seed, code): the leaver draws by year first, then one per inflow)."""
    inputs = plan(ProfessionInputs("OT", 500.0, 500.0, 0.0, international=120.0, inflow_spread_pct=30.0))
    frame = project(inputs, 1, runs=1, seed=9)
    rng = np.random.default_rng([9, zlib.crc32(b"OT")])
    rng.standard_normal((MAX_YEARS, 1))  # leaver rates
    z = rng.standard_normal((N_INFLOWS, 1))[INFLOWS.index("international"), 0]  # run 1
    expected = 500.0 + np.arange(1, 13) * 10.0 * max(0.0, 1 + 0.30 * z)
    np.testing.assert_allclose(frame["supply_fte_p50"].to_numpy(), expected, rtol=1e-12)


def test_joiners_needed_accepts_year_one_to_the_horizon_and_refuses_year_zero():
    inputs = plan(ProfessionInputs("ART", 50.0, 60.0, 0.0))
    frame = project(inputs, 2, runs=1)
    assert joiners_needed(inputs, frame, by_year=1)["extra_joiners_per_year"].tolist() == pytest.approx(
        [10.0]
    )
    assert joiners_needed(inputs, frame, by_year=2)["extra_joiners_per_year"].tolist() == pytest.approx([5.0])
    for year in (0, -1, 3):
        with pytest.raises(PlanError, match=f"By year {year}: the projection runs 2 years"):
            joiners_needed(inputs, frame, by_year=year)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (0.4, "0"), (-0.4, "0"), (-3.0, "-3"), (1234.4, "1,234"), (-1234.6, "-1,235")],
)
def test_whole_numbers_by_default_and_zero_never_shown_as_blank_or_minus(value, text):
    assert small_number_text(value, trust_level=False) == text


def test_each_projection_year_uses_its_own_persistent_leaver_rate_error_from_its_first_month():
    """No inflow, a 12 % leaver rate with a 5-point spread and persistence 0.5, one run: month t of year y
    keeps 1 - m_y of the stock, m_y the monthly rate of 0.12 + 0.05 e_y, with e_1 = z_1 and
    e_2 = 0.5 e_1 + sqrt(0.75) z_2 (z_y the run's draw for year y). Month 13 is the first of year 2."""
    profession = ProfessionInputs("OT", 1000.0, 1000.0, 12.0, leaver_rate_sd_pct=5.0)
    inputs = plan(dataclasses.replace(profession, leaver_rate_persistence=0.5))
    supply = project(inputs, 2, runs=1, seed=3)["supply_fte_p50"].to_numpy()
    z = np.random.default_rng([3, zlib.crc32(b"OT")]).standard_normal((MAX_YEARS, 1))[:, 0]
    errors = [z[0], 0.5 * z[0] + np.sqrt(0.75) * z[1]]
    kept = [(1 - np.clip(0.12 + 0.05 * errors[year], 0.0, 1.0)) ** (1 / 12) for year in (0, 1)]
    expected = 1000.0 * np.cumprod([kept[0]] * 12 + [kept[1]] * 12)
    np.testing.assert_allclose(supply, expected, rtol=1e-12)
