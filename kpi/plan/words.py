"""The workforce plan in plain English: each assumption of a projection as a sentence with its source,
and each scenario's changes in words. Pure: reads the model's inputs, writes text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kpi.formats import format_value, month_label
from kpi.plan.model import BASELINE, PlanInputs, ProfessionInputs, Scenario, monthly_rate

GENERAL = None  # AssumptionLine.profession for a line about the whole projection
MODEL_SOURCE = "the workforce plan model (kpi.plan.model)"

# How each scenario change reads: the thing changed and whether it moves in points or per cent.
_CHANGE_WORDS: dict[str, tuple[str, str]] = {
    "leaver_rate_pts": ("annual leaver rate", "points"),
    "graduates_pct": ("graduates from local programmes", "%"),
    "uptake_pts": ("share of graduates taking C&M jobs", "points"),
    "training_attrition_pts": ("attrition during training", "points"),
    "international_pct": ("international recruits", "%"),
    "returners_pct": ("returners", "%"),
    "apprentices_pct": ("apprentices completing", "%"),
    "demand_growth_pts": ("demand growth", "points a year"),
    "extra_joiners": ("extra joiners", "FTE a year"),
}


@dataclass(frozen=True)
class AssumptionLine:
    """One sentence about a projection's assumptions: for a profession (its code) or, with None, for the
    whole projection; `source` says where the figures in it come from."""

    profession: str | None
    text: str
    source: str


def change_words(parameter: str, amount: float) -> str:
    """'annual leaver rate 2.0 points lower', 'graduates from local programmes 10 % more',
    'international recruits paused', 'extra joiners 12.0 FTE a year'."""
    thing, unit = _CHANGE_WORDS[parameter]
    if parameter == "extra_joiners":
        return f"{thing} {format_value(amount, '', 1)} FTE a year"
    if unit == "%" and amount <= -100:
        return f"{thing} paused"
    size = format_value(abs(amount), "", 1 if unit != "%" else 0)
    direction = ("higher" if amount > 0 else "lower") if unit != "%" else ("more" if amount > 0 else "fewer")
    return f"{thing} {size} {'%' if unit == '%' else unit} {direction}"


def scenario_words(scenario: Scenario) -> str:
    """'Retention +2 pts: annual leaver rate 2.0 points lower (every profession)'."""
    if scenario.name == BASELINE or not scenario.changes:
        return f"{scenario.name}: the assumptions as they stand"
    changes = "; ".join(change_words(name, amount) for name, amount in scenario.changes.items())
    who = "every profession" if scenario.professions is None else ", ".join(scenario.professions)
    return f"{scenario.name}: {changes} ({who})"


def _first_year(values: object) -> tuple[float, bool]:
    """The mean of the first 12 months of a schedule, and whether the schedule changes later."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    return float(array[:12].mean()), bool(array.size > 1 and not np.allclose(array, array[0]))


def _amount(p: ProfessionInputs, field: str, unit: str = "", decimals: int = 1) -> str:
    value, varies = _first_year(getattr(p, field))
    return format_value(value, unit, decimals) + (" in the first year (varies by year)" if varies else "")


def _sources(p: ProfessionInputs, *keys: str) -> str:
    """The sources of `keys`, each different one once."""
    return "; ".join(dict.fromkeys(p.sources[k] for k in keys if p.sources.get(k)))


def profession_lines(p: ProfessionInputs, start: object) -> list[AssumptionLine]:
    """The sentences about one profession's inputs."""
    name = p.name or p.profession
    people = f" ({format_value(p.stock_hc, 'people', 0)})" if p.stock_hc is not None else ""
    monthly = float(monthly_rate(p.leaver_rate_pct / 100)) * 100
    graduates, uptake, attrition = (_first_year(getattr(p, f))[0] for f in
                                    ("graduates", "uptake_pct", "training_attrition_pct"))  # fmt: skip
    joiners = graduates * (1 - attrition / 100) * uptake / 100
    stock = (
        f"{name}: {format_value(p.stock_fte, 'FTE')} in post{people} in {month_label(start)}; funded "
        f"establishment {format_value(p.establishment_fte, 'FTE')}, growing "
        f"{format_value(p.demand_growth_pct, '%')} a year (demand growth)."
    )
    leavers = (
        f"Leavers: {format_value(p.leaver_rate_pct, '%')} a year on average (standard deviation "
        f"{format_value(p.leaver_rate_sd_pct, '', 1)} points), {format_value(monthly, '%', 2)} of staff in "
        "post each month."
    )
    newly_qualified = (
        f"Newly qualified: {_amount(p, 'graduates')} graduates a year, "
        f"{_amount(p, 'training_attrition_pct', '%', 0)} lost during training, "
        f"{_amount(p, 'uptake_pct', '%', 0)} taking C&M jobs: {format_value(joiners, '', 1)} joiners a "
        "year, spread evenly over the year."
    )
    others = (
        f"Other joiners a year: international recruits {_amount(p, 'international')}; returners "
        f"{_amount(p, 'returners')}; apprentices completing {_amount(p, 'apprentices')}. In the uncertainty "
        f"runs each inflow varies by {format_value(p.inflow_spread_pct, '%', 0)} (one standard deviation)."
    )
    return [
        AssumptionLine(p.profession, stock, _sources(p, "stock", "establishment", "demand_growth_pct")),
        AssumptionLine(p.profession, leavers, _sources(p, "leaver_rate")),
        AssumptionLine(
            p.profession, newly_qualified, _sources(p, "graduates", "training_attrition_pct", "uptake_pct")
        ),
        AssumptionLine(
            p.profession,
            others,
            _sources(p, "international", "returners", "apprentices", "inflow_spread_pct"),
        ),
    ]


MODEL_WORDS = (
    "Staff in post, less leavers, plus newly qualified joiners, international recruits, returners and "
    "apprentices completing, month by month; one joiner counts as one FTE, and the establishment grows by "
    "the demand assumption."
)
UNCERTAINTY_WORDS = (
    "Uncertainty: each run draws every year's leaver rate and inflows from their spread; the bands hold "
    "the middle 50 % and 90 % of runs and the line is the median. The gap is the establishment less the "
    "median supply."
)
SYNTHETIC_WORDS = "SYNTHETIC demo data: these figures are not real."


def general_lines(inputs: PlanInputs, scenarios: Iterable[Scenario]) -> list[AssumptionLine]:
    """The sentences about the whole projection: the data's status, the model, notes and scenarios."""
    start = f"Projected from {month_label(inputs.start_month)} for {inputs.scope}. {MODEL_WORDS}"
    lines = [AssumptionLine(GENERAL, SYNTHETIC_WORDS, "demo data")] if inputs.synthetic else []
    lines += [
        AssumptionLine(GENERAL, start, MODEL_SOURCE),
        AssumptionLine(GENERAL, UNCERTAINTY_WORDS, MODEL_SOURCE),
    ]
    lines += [AssumptionLine(GENERAL, note, "kpi.plan.inputs") for note in inputs.notes]
    for scenario in scenarios:
        if scenario.name != BASELINE:
            words = f"Scenario {scenario_words(scenario)}."
            lines.append(AssumptionLine(GENERAL, words, scenario.description or "scenario"))
    return lines


def assumption_lines(inputs: PlanInputs, scenarios: Iterable[Scenario] = ()) -> tuple[AssumptionLine, ...]:
    """Every sentence: the general ones, then each profession's, in the inputs' order."""
    lines = general_lines(inputs, scenarios)
    for profession in inputs.professions:
        lines += profession_lines(profession, inputs.start_month)
    return tuple(lines)


__all__ = ["AssumptionLine", "assumption_lines", "change_words", "scenario_words"]
