"""The workforce plan (issue 16): AHP supply projected by profession against the funded establishment,
under named scenarios, with an uncertainty band.

- `kpi.plan.model`: the pure stock-and-flow projection (numpy and pandas only), its outputs and the
  "<5" rule for small numbers at trust level;
- `kpi.plan.inputs`: the inputs read from the database through `kpi.figures.queries`, and a projection's
outputs;
- `kpi.plan.run`: `run_plan`, the one call a page, the board pack or the command line makes;
- `kpi.plan.assumptions`: the shipped assumptions and scenarios (data/reference/plan_*.csv), the lead's
  edits with history and the scenarios the lead saves;
- `kpi.plan.words`: the assumptions and scenarios in plain English with their sources.

May import kpi.charts, kpi.reading, kpi.notes, kpi.figures, kpi.reference, kpi.store, kpi.access and
kpi.words.
"""

from kpi.plan.inputs import DEFAULT_SEED, PlanResult, plan_inputs
from kpi.plan.model import (
    BASELINE,
    PROJECTION_COLUMNS,
    SCENARIO_PARAMETERS,
    SUPPLY_COLUMNS,
    PlanError,
    PlanInputs,
    ProfessionInputs,
    Scenario,
    UnknownName,
    gap_by_year,
    joiners_needed,
    project,
    small_number_text,
    suppress_small,
    widest_gap_first,
)
from kpi.plan.run import run_plan
from kpi.plan.words import AssumptionLine, assumption_lines, scenario_words

__all__ = [
    "BASELINE",
    "DEFAULT_SEED",
    "PROJECTION_COLUMNS",
    "SCENARIO_PARAMETERS",
    "SUPPLY_COLUMNS",
    "AssumptionLine",
    "PlanError",
    "PlanInputs",
    "PlanResult",
    "ProfessionInputs",
    "Scenario",
    "UnknownName",
    "assumption_lines",
    "gap_by_year",
    "joiners_needed",
    "plan_inputs",
    "project",
    "run_plan",
    "scenario_words",
    "small_number_text",
    "suppress_small",
    "widest_gap_first",
]
