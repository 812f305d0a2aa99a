"""`run_plan`, the one call a page, the board pack or the command line makes: the scope's inputs read
(kpi.plan.inputs), its backtest run for the band's calibration (kpi.plan.backtest, which reads the inputs
as they were), and the projection's outputs (kpi.plan.inputs.plan_result). A module of its own because
the backtest imports the inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from kpi.plan import assumptions as store
from kpi.plan.backtest import backtest
from kpi.plan.inputs import DEFAULT_SEED, PlanResult, plan_inputs, plan_result
from kpi.plan.model import MAX_YEARS, with_baseline


def run_plan(
    engine: Engine,
    scope: str,
    professions: Sequence[str] | None = None,
    years: int = MAX_YEARS,
    scenario_names: Sequence[str] = (),
    runs: int = 1000,
    seed: int = DEFAULT_SEED,
    by_year: int | None = None,
    calibrate: bool = True,
    checked: Any = None,
) -> PlanResult:
    """Project `professions` (all when None) in `scope` over `years` under Baseline and the named
    scenarios, with `runs` seeded runs (DEFAULT_SEED = 16 unless given: same inputs, same seed, same
    numbers); the joiners needed close the gap by `by_year` (default: the horizon). With `calibrate`,
    the scope's backtest (kpi.plan.backtest, every profession; `checked` if already made) is run first
    and its band scale widens the band. Also the waterfall of the flows and the sensitivity of the
    Baseline. UnknownName for an unknown scope, profession or scenario; PlanError for inputs the model
    cannot use."""
    scenarios = with_baseline(store.scenarios_named(engine, scenario_names))
    inputs = plan_inputs(engine, scope, professions)
    if calibrate and checked is None:
        checked = backtest(engine, scope, None, seed=seed)
    if not calibrate:
        checked = None
    return plan_result(inputs, scenarios, years, runs, seed, by_year, checked)
