"""The workforce plan in plain English: each assumption of a projection as a sentence with its source,
and each scenario's changes in words. Pure: reads the model's inputs, writes text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.plan.model import BASELINE, PlanInputs, ProfessionInputs, Scenario, monthly_rate
from kpi.words.formats import format_value, month_label

GENERAL = None  # AssumptionLine.profession for a line about the whole projection
MODEL_SOURCE = "the workforce plan model (kpi.plan.model)"
BACKTEST_SOURCE = "the backtest (kpi.plan.backtest)"

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
    "nhs_joiners_pct": ("joiners from other NHS organisations", "%"),
    "outside_joiners_pct": ("joiners from outside the NHS", "%"),
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


def profession_lines(p: ProfessionInputs, start: pd.Timestamp) -> list[AssumptionLine]:
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
        f"Leavers: {format_value(p.leaver_rate_pct, '%')} a year on average (year-to-year standard deviation "
        f"{format_value(p.leaver_rate_sd_pct, '', 1)} points), {format_value(monthly, '%', 2)} of staff in "
        "post each month, as the trusts count them (moves to other C&M trusts included)."
    )
    newly_qualified = (
        f"Newly qualified: {_amount(p, 'graduates')} graduates a year, "
        f"{_amount(p, 'training_attrition_pct', '%', 0)} lost during training, "
        f"{_amount(p, 'uptake_pct', '%', 0)} taking C&M jobs: {format_value(joiners, '', 1)} joiners a "
        "year, spread evenly over the year."
    )
    others = (
        f"Other joiners a year: international recruits {_amount(p, 'international')}; returners "
        f"{_amount(p, 'returners')}; apprentices completing {_amount(p, 'apprentices')}; from other NHS "
        f"organisations {_amount(p, 'nhs_joiner_rate_pct', '%')} of staff in post and from outside the NHS "
        f"{_amount(p, 'outside_joiner_rate_pct', '%')}. "
        f"{format_value(p.leavers_to_nhs_pct, '%', 0)} of leavers go to other NHS organisations; "
        f"{format_value(p.cm_move_rate_pct, '%')} of staff in post a year move between C&M trusts. In the "
        f"uncertainty runs each inflow is off by {format_value(p.inflow_spread_pct, '%', 0)} (one standard "
        "deviation) for the whole horizon."
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
            _sources(
                p,
                "international",
                "returners",
                "apprentices",
                "nhs_joiner_rate_pct",
                "outside_joiner_rate_pct",
                "leavers_to_nhs_pct",
                "cm_move_rate_pct",
                "inflow_spread_pct",
            ),
        ),
    ]


MODEL_WORDS = (
    "Staff in post, less leavers, plus newly qualified joiners, international recruits, returners, "
    "apprentices completing and joiners from other NHS organisations and from outside the NHS, month by "
    "month; one joiner counts as one FTE, and the establishment grows by the demand assumption."
)
SYSTEM_FLOW_WORDS = (
    "Flows balance: for the system, moves between C&M trusts are neither leavers nor joiners (the move "
    "rate comes off both sides); no staff-movement figures are loaded, so the move rate and the joiners "
    "are stated assumptions."
)
TRUST_FLOW_WORDS = (
    "Flows balance: the leaver rate counts moves to other NHS organisations (other C&M trusts "
    "included), so joiners from other NHS organisations are counted too; no staff-movement figures are "
    "loaded, so the joiners and the share of leavers going to the NHS are stated assumptions."
)
NOT_MODELLED_WORDS = (
    "Not modelled: the age profile (retirements are part of the leaver rate, so the retirement age share "
    "is not a lever), changes in working hours, the September intake (inflows are spread evenly over the "
    "year), and demand beyond the growth assumed. The assumptions in force now are used for past starts in "
    "the backtest."
)
UNCERTAINTY_WORDS = (
    "Uncertainty: each run draws an error of the leaver rate from the year-to-year variation of annual "
    "(non-overlapping) leaver rates, lasting over the horizon, and an error of each inflow the lead sets, "
    "lasting too; the bands hold the middle 50 % and 90 % of runs and the line is the median. The gap is "
    "the establishment less the median supply."
)
FITTED_WORDS = (
    "The graduate figures are placeholders fitted to this SYNTHETIC demo history, so the backtest below is "
    "in-sample and flatters the model: with real data the graduates come from commissioning figures."
)
SYNTHETIC_WORDS = "SYNTHETIC demo data: these figures are not real."


def _times(rows: pd.DataFrame, column: str) -> str:
    """'252, 264 and 265 times (90%, 94%, 95%)' over the horizons."""
    counts = [f"{int(v)}" for v in rows[column]]
    shares = [f"{v:.0f}%" for v in rows["coverage_90" if column == "inside_90" else "coverage_50"]]
    return f"{_listed(counts)} times ({', '.join(shares)})"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def backtest_words(backtest: object) -> list[str]:
    """The backtest in sentences: how often the actual fell inside the bands 1, 2 and 3 years on, the
    median's error, and whether (and how much) the band was widened. [] for no backtest object."""
    if backtest is None:
        return []
    if backtest.empty:  # type: ignore[attr-defined]
        return [
            "Not checked against the past: no start month has a leaver rate and three years of staff in "
            "post after it, so the band is as measured."
        ]
    after = backtest.summary_after  # type: ignore[attr-defined]
    before = backtest.summary_before  # type: ignore[attr-defined]
    starts, cases = int(after["starts"].max()), int(after["cases"].iloc[-1])
    horizons = _listed([f"{h} year{'s' if h > 1 else ''}" for h in after["horizon"]])
    errors = _listed([f"{v:.1f}%" for v in after["mape"]])
    lines = [
        f"Checked against the past: over {starts} past starts ({cases} figures, each start's professions), "
        f"the actual staff in post {horizons} on fell inside the 90% band {_times(after, 'inside_90')} and "
        f"inside the 50% band {_times(after, 'inside_50')}; the median was off by {errors} on average "
        "(mean absolute percentage error)."
    ]
    if backtest.widened:  # type: ignore[attr-defined]
        lines.append(
            f"As first measured, the 90% band held the actual only {_times(before, 'inside_90')}: less than "
            f"it claims, so every spread was widened {backtest.scale:.2f} times to bring it to 90% at each "  # type: ignore[attr-defined]
            "horizon. The widening is fitted on the same past it is checked on."
        )
    else:
        lines.append(
            "The 90% band held the actual at least 90% of the time as measured, so it was not widened."
        )
    return lines


def profession_backtest_words(backtest: object, code: str, name: str) -> str:
    """'Physiotherapists: over 20 past starts, the actual figure 3 years on fell inside the 90% band 19
    times.' ('' with no backtest of the profession)."""
    if backtest is None or backtest.empty:  # type: ignore[attr-defined]
        return ""
    rows = backtest.after  # type: ignore[attr-defined]
    rows = rows[(rows["profession"] == code) & (rows["horizon"] == rows["horizon"].max())]
    if rows.empty:
        return ""
    horizon = int(rows["horizon"].iloc[0])
    return (
        f"{name}: over {len(rows)} past starts, the actual figure {horizon} years on fell inside the 90% "
        f"band {int(rows['inside'].sum())} times."
    )


def general_lines(
    inputs: PlanInputs, scenarios: Iterable[Scenario], backtest: object = None
) -> list[AssumptionLine]:
    """The sentences about the whole projection: the data's status, the model, what it leaves out, the
    band and its backtest, notes and scenarios."""
    start = f"Projected from {month_label(inputs.start_month)} for {inputs.scope}. {MODEL_WORDS}"
    lines = [AssumptionLine(GENERAL, SYNTHETIC_WORDS, "demo data")] if inputs.synthetic else []
    flows = SYSTEM_FLOW_WORDS if inputs.system_level else TRUST_FLOW_WORDS
    lines += [
        AssumptionLine(GENERAL, start, MODEL_SOURCE),
        AssumptionLine(GENERAL, flows, MODEL_SOURCE),
        AssumptionLine(GENERAL, NOT_MODELLED_WORDS, MODEL_SOURCE),
        AssumptionLine(GENERAL, UNCERTAINTY_WORDS, MODEL_SOURCE),
    ]
    if any("fitted to the SYNTHETIC" in p.sources.get("graduates", "") for p in inputs.professions):
        lines.append(AssumptionLine(GENERAL, FITTED_WORDS, "plan_assumptions.csv"))
    lines += [AssumptionLine(GENERAL, text, BACKTEST_SOURCE) for text in backtest_words(backtest)]
    lines += [AssumptionLine(GENERAL, note, "kpi.plan.inputs") for note in inputs.notes]
    for scenario in scenarios:
        if scenario.name != BASELINE:
            words = f"Scenario {scenario_words(scenario)}."
            lines.append(AssumptionLine(GENERAL, words, scenario.description or "scenario"))
    return lines


def assumption_lines(
    inputs: PlanInputs, scenarios: Iterable[Scenario] = (), backtest: object = None
) -> tuple[AssumptionLine, ...]:
    """Every sentence: the general ones, then each profession's, in the inputs' order."""
    lines = general_lines(inputs, scenarios, backtest)
    for profession in inputs.professions:
        lines += profession_lines(profession, inputs.start_month)
    return tuple(lines)


__all__ = [
    "AssumptionLine",
    "assumption_lines",
    "backtest_words",
    "change_words",
    "profession_backtest_words",
    "scenario_words",
]
