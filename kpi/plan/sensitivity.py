"""Which levers matter most: the change in projected supply at the horizon from moving each input by a
stated amount, down and up, on the central projection (no uncertainty), largest swing first: the table
behind a tornado chart (what the National Audit Office asked of the national plan).

The retirement age share is not a lever here: the dashboard holds no age profile, so retirements are
part of the leaver rate."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpi.plan.model import BASELINE, PlanInputs, Scenario, deterministic, suppress_small


@dataclass(frozen=True)
class Lever:
    """An input moved by `amount` (in the scenario parameter's unit) either way; `words` says how much."""

    name: str
    parameter: str
    amount: float
    words: str


LEVERS = (
    Lever("Leaver rate", "leaver_rate_pts", 1.0, "1 percentage point a year"),
    Lever("Graduates from local programmes", "graduates_pct", 10.0, "10%"),
    Lever("International recruits", "international_pct", 10.0, "10%"),
    Lever("Returners", "returners_pct", 10.0, "10%"),
    Lever("Apprentices completing", "apprentices_pct", 10.0, "10%"),
    Lever("Joiners from other NHS organisations", "nhs_joiners_pct", 10.0, "10%"),
    Lever("Joiners from outside the NHS", "outside_joiners_pct", 10.0, "10%"),
)
SENSITIVITY_COLUMNS = ["profession", "input", "moved_by", "supply_fte", "if_lower", "if_higher", "swing"]
ALL = "All professions"


def _ends(inputs: PlanInputs, years: int, scenario: Scenario) -> pd.Series:
    frame = deterministic(inputs, years, scenario)
    return frame.groupby("profession", sort=False)["supply_fte"].last()


def sensitivity(inputs: PlanInputs, years: int) -> pd.DataFrame:
    """SENSITIVITY_COLUMNS: for each profession and for all of them together (ALL), each lever's change
    in supply at the horizon (FTE) with the input moved down (`if_lower`) and up (`if_higher`), and the
    swing between them; within each profession the largest swing first."""
    base = _ends(inputs, years, Scenario(BASELINE))
    rows = []
    for lever in LEVERS:
        lower = _ends(inputs, years, Scenario("lower", {lever.parameter: -lever.amount})) - base
        higher = _ends(inputs, years, Scenario("higher", {lever.parameter: lever.amount})) - base
        for code in [*base.index, ALL]:
            low = float(lower.sum() if code == ALL else lower[code])
            high = float(higher.sum() if code == ALL else higher[code])
            rows.append(
                {
                    "profession": code,
                    "input": lever.name,
                    "moved_by": lever.words,
                    "supply_fte": float(base.sum() if code == ALL else base[code]),
                    "if_lower": low,
                    "if_higher": high,
                    "swing": abs(high - low),
                }
            )
    frame = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    order = {code: i for i, code in enumerate([ALL, *base.index])}
    frame = frame.assign(_p=frame["profession"].map(order))
    return (
        frame.sort_values(["_p", "swing"], ascending=[True, False], kind="stable")
        .drop(columns="_p")
        .reset_index(drop=True)
    )


def shown(table: pd.DataFrame, trust_level: bool, profession: str | None = None) -> pd.DataFrame:
    """The table (of one profession, or all) as a download: FTE to one decimal, or at trust level as
    model.SUPPRESSION_RULE shows them ('<5', the rest rounded to 5)."""
    if profession is not None:
        table = table[table["profession"] == profession]
    figures = ["supply_fte", "if_lower", "if_higher", "swing"]
    out = table.round(dict.fromkeys(figures, 1))
    if trust_level:
        out = suppress_small(out, figures, trust_level=True)
    return out.reset_index(drop=True)


__all__ = ["ALL", "LEVERS", "SENSITIVITY_COLUMNS", "Lever", "sensitivity", "shown"]
