"""The workforce projection: a monthly stock-and-flow model per profession. Pure numpy and pandas, no
database and no Streamlit; every function takes its inputs and returns a DataFrame.

For each profession, month by month from the start month (the latest complete month of staff in post):

    stock(t+1) = stock(t) - leavers(t) + newly qualified(t) + international(t) + returners(t)
                 + apprentices completing(t) [+ extra joiners(t), a scenario's]

- leavers(t) = stock(t) x m, where m = 1 - (1 - r)^(1/12) is the monthly rate equivalent to the annual
  (12-month rolling) leaver rate r: twelve months at m lose exactly the share r.
- newly qualified joiners a year = graduates x (1 - attrition during training) x share taking C&M jobs;
  like every inflow, an annual figure spread evenly over the 12 months (one twelfth a month). Joining in
  one September intake would be truer to life; evenly is simpler and gives the same year-end figures to
  within the leavers of a few months.
- one joiner is one FTE (newly qualified and international recruits mostly start full time): an
  assumption, said so in the plan's words.
- establishment(t) = starting establishment x (1 + demand growth)^(t/12), t in months since the start:
  demand growth is an explicit parameter, never a hidden constant.

Uncertainty: `runs` simulations. Each run draws, per profession and projection year (months 1-12 are year
1), its annual leaver rate from Normal(mean, sd) clipped to [0, 1], and a factor for each inflow from
Normal(1, inflow spread) clipped at 0 (so the inflow is Normal(value, value x spread), never negative).
The draws come from `numpy.random.default_rng` seeded by (seed, profession code), so a profession's band
is the same whether it is projected alone or with the others, and for 3 years or 10; every scenario uses
the same draws, so the difference between two scenarios is the scenario, not the dice. The output is the
5th, 25th, 50th, 75th and 95th percentile of supply in every month (the 90 % and 50 % bands and the
median). When every spread is 0 the band is one line equal to the deterministic projection.

The gap is establishment - median supply (FTE, and % of establishment). Rows come widest gap first: the
professions ordered by their Baseline gap at the horizon, largest first.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BASELINE = "Baseline"
MAX_YEARS = 10
DEFAULT_RUNS = 1000
PERCENTILES = (5, 25, 50, 75, 95)
SUPPLY_COLUMNS = [f"supply_fte_p{p:02d}" for p in PERCENTILES]
PROJECTION_COLUMNS = [
    "month",
    "year",
    "profession",
    "scenario",
    *SUPPLY_COLUMNS,
    "establishment_fte",
    "gap_fte",
    "gap_pct",
    "leaver_rate_pct",
    "training_yield_pct",
]
JOINERS_COLUMNS = [
    "profession",
    "scenario",
    "by_year",
    "month",
    "gap_fte",
    "extra_joiners_per_year",
    "extra_training_places_per_year",
]
SMALL_NUMBER = 5  # at trust level, values below this are shown as "<5"
INFLOWS = ("newly_qualified", "international", "returners", "apprentices")

#: What a scenario may change, and how each change reads. A scenario changes only what it names.
SCENARIO_PARAMETERS: dict[str, str] = {
    "leaver_rate_pts": "annual leaver rate, percentage points added (-2 = two points lower)",
    "graduates_pct": "graduates from local programmes (training places), % change",
    "uptake_pts": "share of graduates taking C&M jobs, percentage points added",
    "training_attrition_pts": "attrition during training, percentage points added",
    "international_pct": "international recruits, % change (-100 = paused)",
    "returners_pct": "returners, % change",
    "apprentices_pct": "apprentices completing, % change",
    "demand_growth_pts": "demand growth of the establishment, percentage points a year added",
    "extra_joiners": "extra joiners, FTE a year from the first month (no uncertainty)",
}

Schedule = float | tuple[float, ...]
"""An annual figure: one number for every month, or one per projection month (month 1 first)."""


class PlanError(ValueError):
    """Inputs the projection cannot use; the message says which and why."""


class UnknownName(PlanError):
    """A profession, scope, scenario or parameter name that does not exist."""


@dataclass(frozen=True)
class ProfessionInputs:
    """One profession's starting point and flows. Rates and shares are percentages (12.0 = 12 %);
    inflows are people a year (one person = one FTE); `sources` says where each value came from."""

    profession: str
    stock_fte: float
    establishment_fte: float
    leaver_rate_pct: float
    leaver_rate_sd_pct: float = 0.0
    demand_growth_pct: float = 0.0
    graduates: Schedule = 0.0
    uptake_pct: Schedule = 100.0
    training_attrition_pct: Schedule = 0.0
    international: Schedule = 0.0
    returners: Schedule = 0.0
    apprentices: Schedule = 0.0
    inflow_spread_pct: float = 0.0
    name: str = ""
    stock_hc: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def schedule(self, parameter: str, months: int) -> np.ndarray:
        """The parameter for each of the first `months` projection months."""
        value = getattr(self, parameter)
        if isinstance(value, tuple):
            if len(value) < months:
                raise PlanError(f"{self.profession}: {parameter} has {len(value)} months, {months} needed")
            return np.asarray(value[:months], dtype=float)
        return np.full(months, float(value))


@dataclass(frozen=True)
class PlanInputs:
    """What a projection starts from: one `ProfessionInputs` per profession, the month the stock is
    from, the scope (the system 'C&M', a collaborative or a trust) and its level, and whether any of
    the data is synthetic (then every output must say so)."""

    scope: str
    level: str
    start_month: pd.Timestamp
    professions: tuple[ProfessionInputs, ...]
    synthetic: bool = False
    notes: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [p.profession for p in self.professions]

    def profession(self, code: str) -> ProfessionInputs:
        for inputs in self.professions:
            if inputs.profession == code:
                return inputs
        raise UnknownName(f"There is no profession {code!r} in these inputs.")


def check_changes(changes: Mapping[str, object]) -> dict[str, float]:
    """A scenario's changes as numbers; refused (UnknownName) for a parameter not in
    SCENARIO_PARAMETERS, PlanError for a value that is not a finite number."""
    checked: dict[str, float] = {}
    for name, value in changes.items():
        if name not in SCENARIO_PARAMETERS:
            known = ", ".join(SCENARIO_PARAMETERS)
            raise UnknownName(f"A scenario cannot change {name!r}; it can change {known}.")
        try:
            number = float(value)  # type: ignore[arg-type]  # anything a user sent: float() decides
        except (TypeError, ValueError):
            raise PlanError(f"The change to {name} must be a number, not {value!r}.") from None
        if not math.isfinite(number):
            raise PlanError(f"The change to {name} must be a finite number, not {value!r}.")
        checked[name] = number
    return checked


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter changes, e.g. Scenario('Retention +2 pts', {'leaver_rate_pts': -2}),
    for every profession or (`professions`) only the ones named. Baseline changes nothing."""

    name: str
    changes: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    professions: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise PlanError("A scenario needs a name.")
        object.__setattr__(self, "changes", check_changes(self.changes))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.changes.items())), self.description, self.professions))

    def change(self, parameter: str) -> float:
        return self.changes.get(parameter, 0.0)


BASELINE_SCENARIO = Scenario(BASELINE, {}, "No changes: the assumptions as they stand.")


# --- one scenario's parameters as arrays ------------------------------------------------------------


@dataclass(frozen=True)
class _Arrays:
    """One scenario's parameters for P professions over T months: fractions, not percentages."""

    stock: np.ndarray  # (P,)
    establishment: np.ndarray  # (P,)
    leaver_rate: np.ndarray  # (P,) annual
    leaver_sd: np.ndarray  # (P,)
    growth: np.ndarray  # (P,) a year
    spread: np.ndarray  # (P,)
    inflows: np.ndarray  # (4, P, T) annual figures, in INFLOWS order
    extra: np.ndarray  # (P,) extra joiners a year
    training_yield: np.ndarray  # (P, T) (1 - attrition) x uptake


def _stack(inputs: Sequence[ProfessionInputs], parameter: str, months: int) -> np.ndarray:
    return np.vstack([p.schedule(parameter, months) for p in inputs])


def _vector(inputs: Sequence[ProfessionInputs], parameter: str) -> np.ndarray:
    return np.array([float(getattr(p, parameter)) for p in inputs])


def _scaled(values: np.ndarray, applies: np.ndarray, pct: float) -> np.ndarray:
    """Values changed by `pct` % where the scenario applies (never below 0)."""
    factor = np.where(applies, max(0.0, 1 + pct / 100), 1.0)
    return values * (factor[:, None] if values.ndim == 2 else factor)


def _shifted(values: np.ndarray, applies: np.ndarray, pts: float, top: float) -> np.ndarray:
    """Values moved by `pts` where the scenario applies, kept within [0, top]."""
    shift = np.where(applies, pts, 0.0)
    return np.clip(values + (shift[:, None] if values.ndim == 2 else shift), 0.0, top)


def _arrays(inputs: Sequence[ProfessionInputs], scenario: Scenario, months: int) -> _Arrays:
    applies = np.array([scenario.professions is None or p.profession in scenario.professions for p in inputs])
    c = scenario.change
    uptake = _shifted(_stack(inputs, "uptake_pct", months), applies, c("uptake_pts"), 100) / 100
    attrition = _shifted(
        _stack(inputs, "training_attrition_pct", months), applies, c("training_attrition_pts"), 100
    )
    training_yield = (1 - attrition / 100) * uptake
    graduates = _scaled(_stack(inputs, "graduates", months), applies, c("graduates_pct"))
    inflows = np.stack(
        [
            graduates * training_yield,
            _scaled(_stack(inputs, "international", months), applies, c("international_pct")),
            _scaled(_stack(inputs, "returners", months), applies, c("returners_pct")),
            _scaled(_stack(inputs, "apprentices", months), applies, c("apprentices_pct")),
        ]
    )
    return _Arrays(
        stock=_vector(inputs, "stock_fte"),
        establishment=_vector(inputs, "establishment_fte"),
        leaver_rate=_shifted(_vector(inputs, "leaver_rate_pct"), applies, c("leaver_rate_pts"), 100) / 100,
        leaver_sd=_vector(inputs, "leaver_rate_sd_pct") / 100,
        growth=(_vector(inputs, "demand_growth_pct") + np.where(applies, c("demand_growth_pts"), 0)) / 100,
        spread=_vector(inputs, "inflow_spread_pct") / 100,
        inflows=inflows,
        extra=np.where(applies, c("extra_joiners"), 0.0),
        training_yield=training_yield,
    )


# --- simulation ---------------------------------------------------------------------------------------


def _draws(codes: Sequence[str], runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal draws, per profession from its own generator seeded by (seed, code): leaver
    rates (MAX_YEARS, P, runs) and inflow factors (4, MAX_YEARS, P, runs)."""
    leave = np.empty((MAX_YEARS, len(codes), runs))
    inflow = np.empty((len(INFLOWS), MAX_YEARS, len(codes), runs))
    for i, code in enumerate(codes):
        rng = np.random.default_rng([seed, zlib.crc32(code.encode("utf-8"))])
        leave[:, i, :] = rng.standard_normal((MAX_YEARS, runs))
        inflow[:, :, i, :] = rng.standard_normal((len(INFLOWS), MAX_YEARS, runs))
    return leave, inflow


def monthly_rate(annual_rate: np.ndarray | float) -> np.ndarray:
    """The monthly leaver rate m with (1 - m)^12 = 1 - r, for an annual rate r (a fraction)."""
    return 1 - (1 - np.asarray(annual_rate, dtype=float)) ** (1 / 12)


def _simulate(a: _Arrays, z_leave: np.ndarray, z_inflow: np.ndarray, months: int) -> np.ndarray:
    """Supply (months, P, runs): the stock at the end of each projection month in each run."""
    rates = np.clip(a.leaver_rate[None, :, None] + a.leaver_sd[None, :, None] * z_leave, 0.0, 1.0)
    stay = 1 - monthly_rate(rates)  # (years, P, runs)
    factors = np.clip(1 + a.spread[None, None, :, None] * z_inflow, 0.0, None)  # (4, years, P, runs)
    stock = np.repeat(a.stock[:, None], z_leave.shape[-1], axis=1)
    supply = np.empty((months, *stock.shape))
    for t in range(months):
        year = t // 12
        inflow = (a.extra / 12)[:, None]
        for k in range(len(INFLOWS)):
            inflow = inflow + (a.inflows[k, :, t] / 12)[:, None] * factors[k, year]
        stock = stock * stay[year] + inflow
        supply[t] = stock
    return supply


def percentiles(supply: np.ndarray) -> np.ndarray:
    """The PERCENTILES of `supply` over its last axis (the runs), by linear interpolation between
    order statistics (numpy's default method): shape (5, *supply.shape[:-1]). One sort serves all
    five, which is quicker than numpy.percentile's five selections."""
    ordered = np.sort(supply, axis=-1)
    position = np.array(PERCENTILES) / 100 * (supply.shape[-1] - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, supply.shape[-1] - 1)
    weight = position - low
    lower, upper = ordered[..., low], ordered[..., high]  # (..., 5)
    return np.moveaxis(lower + (upper - lower) * weight, -1, 0)


def _check(inputs: PlanInputs, years: int, runs: int) -> None:
    if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise PlanError(f"The horizon must be 1 to {MAX_YEARS} years, not {years!r}.")
    if not isinstance(runs, int) or runs < 1:
        raise PlanError(f"The number of runs must be 1 or more, not {runs!r}.")
    if not inputs.professions:
        raise PlanError("There is no profession to project.")
    if len(set(inputs.codes)) != len(inputs.codes):
        raise PlanError("A profession appears twice in the inputs.")
    if any(p.demand_growth_pct <= -100 for p in inputs.professions):
        raise PlanError("Demand growth must be above -100 % a year.")


def with_baseline(scenarios: Iterable[Scenario]) -> list[Scenario]:
    """Baseline first, then the other scenarios in the order given, each once."""
    chosen = [BASELINE_SCENARIO]
    for scenario in scenarios:
        if scenario.name not in {s.name for s in chosen}:
            chosen.append(scenario)
    return chosen


def _months(start: pd.Timestamp, count: int) -> pd.DatetimeIndex:
    first = pd.Timestamp(start).to_period("M").to_timestamp() + pd.DateOffset(months=1)
    return pd.date_range(first, periods=count, freq="MS").astype("datetime64[ns]")


def _scenario_frame(inputs: PlanInputs, a: _Arrays, supply: np.ndarray, name: str) -> pd.DataFrame:
    """One scenario's rows: one per profession and month (profession outer, month inner)."""
    months, professions = supply.shape[0], len(inputs.codes)
    bands = percentiles(supply)  # (5, months, P)
    steps = np.arange(1, months + 1)
    establishment = a.establishment[:, None] * (1 + a.growth[:, None]) ** (steps[None, :] / 12)
    frame = pd.DataFrame(
        {
            "month": np.tile(_months(inputs.start_month, months), professions),
            "year": np.tile((steps - 1) // 12 + 1, professions),
            "profession": np.repeat(inputs.codes, months),
            "scenario": name,
            **{column: bands[i].T.ravel() for i, column in enumerate(SUPPLY_COLUMNS)},
            "establishment_fte": establishment.ravel(),
            "leaver_rate_pct": np.repeat(a.leaver_rate * 100, months),
            "training_yield_pct": a.training_yield.ravel() * 100,
        }
    )
    return frame


def _with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    gap = frame["establishment_fte"] - frame["supply_fte_p50"]
    establishment = frame["establishment_fte"].where(frame["establishment_fte"] > 0)
    return frame.assign(gap_fte=gap, gap_pct=gap / establishment * 100)[PROJECTION_COLUMNS]


def project(
    inputs: PlanInputs,
    years: int,
    scenarios: Iterable[Scenario] = (),
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
) -> pd.DataFrame:
    """The projection: one row per month (12 x `years` months after the start month), profession and
    scenario (Baseline always first), with the supply percentiles (SUPPLY_COLUMNS), the establishment,
    the gap (establishment - median supply) in FTE and % of establishment, and the scenario's mean
    annual leaver rate and training yield ((1 - attrition) x uptake, %). Professions widest Baseline gap
    at the horizon first. Same inputs and seed, same numbers."""
    _check(inputs, years, runs)
    months = 12 * years
    z_leave, z_inflow = _draws(inputs.codes, runs, seed)
    frames = []
    for scenario in with_baseline(scenarios):
        a = _arrays(inputs.professions, scenario, months)
        supply = _simulate(a, z_leave[:years], z_inflow[:, :years], months)
        frames.append(_scenario_frame(inputs, a, supply, scenario.name))
    return _widest_first(_with_gaps(pd.concat(frames, ignore_index=True)))


def deterministic(inputs: PlanInputs, years: int, scenario: Scenario = BASELINE_SCENARIO) -> pd.DataFrame:
    """The projection without uncertainty (mean leaver rate, inflows as given): month, profession,
    supply_fte, one row per profession and month. The baseline the benchmark compares with."""
    _check(inputs, years, 1)
    months = 12 * years
    a = _arrays(inputs.professions, scenario, months)
    zeros = np.zeros((years, len(inputs.codes), 1))
    supply = _simulate(a, zeros, np.zeros((len(INFLOWS), *zeros.shape)), months)[:, :, 0]
    return pd.DataFrame(
        {
            "month": np.tile(_months(inputs.start_month, months), len(inputs.codes)),
            "profession": np.repeat(inputs.codes, months),
            "supply_fte": supply.T.ravel(),
        }
    )


# --- reading the projection ------------------------------------------------------------------------


def widest_gap_first(projection: pd.DataFrame, scenario: str = BASELINE) -> list[str]:
    """The professions by their gap in the last month of `scenario` (Baseline), largest first; ties
    and professions without a gap figure by code."""
    rows = projection[projection["scenario"] == scenario]
    last = rows[rows["month"] == rows["month"].max()]
    ordered = last.assign(_gap=last["gap_fte"].fillna(-np.inf)).sort_values(
        ["_gap", "profession"], ascending=[False, True]
    )
    return [*ordered["profession"], *sorted(set(projection["profession"]) - set(ordered["profession"]))]


def _widest_first(projection: pd.DataFrame) -> pd.DataFrame:
    rank = {code: i for i, code in enumerate(widest_gap_first(projection))}
    scenarios = {name: i for i, name in enumerate(dict.fromkeys(projection["scenario"]))}
    keys = projection.assign(
        _s=projection["scenario"].map(scenarios), _p=projection["profession"].map(rank)
    ).sort_values(["_s", "_p", "month"], kind="stable")
    return keys.drop(columns=["_s", "_p"]).reset_index(drop=True)


def gap_by_year(projection: pd.DataFrame) -> pd.DataFrame:
    """One row per projection year, profession and scenario: the year's last month (the year-end)
    with its supply percentiles, establishment and gap; in the projection's order."""
    ends = projection.groupby(["scenario", "profession", "year"], sort=False).tail(1)
    return ends.drop(columns=["training_yield_pct"]).reset_index(drop=True)


def joiners_needed(inputs: PlanInputs, projection: pd.DataFrame, by_year: int) -> pd.DataFrame:
    """For each profession and scenario, the extra joiners a year (from the first month, spread evenly)
    that close the median gap by the end of `by_year`, and the training places a year that would give
    them given attrition and uptake (places x (1 - attrition) x uptake = joiners). No gap, no joiners.

    Hand-worked: extra joiners J a year add J/12 a month, each month's cohort losing the monthly rate m,
    so after T months they add (J/12)(1 - (1 - m)^T)/m (J T / 12 when m = 0); J is what makes that the
    gap. It uses the scenario's mean leaver rate; with uncertainty the median moves by about that."""
    unknown = set(projection["profession"]) - set(inputs.codes)
    if unknown:
        raise UnknownName(f"The projection has professions not in the inputs: {', '.join(sorted(unknown))}.")
    if not 1 <= by_year <= int(projection["year"].max()):
        raise PlanError(f"By year {by_year}: the projection runs {int(projection['year'].max())} years.")
    months = 12 * by_year
    ends = gap_by_year(projection)
    ends = ends[ends["year"] == by_year]
    stay = 1 - monthly_rate(ends["leaver_rate_pct"].to_numpy() / 100)
    m = 1 - stay
    kept = np.where(m > 0, (1 - stay**months) / np.where(m > 0, m, 1), months)
    joiners = np.clip(ends["gap_fte"].to_numpy(), 0, None) * 12 / kept
    early = projection[projection["year"] <= by_year]
    yields = early.groupby(["scenario", "profession"], sort=False)["training_yield_pct"].mean() / 100
    yield_now = yields.reindex(pd.MultiIndex.from_frame(ends[["scenario", "profession"]])).to_numpy()
    places = np.where(yield_now > 0, joiners / np.where(yield_now > 0, yield_now, 1), np.nan)
    result = ends.assign(
        by_year=by_year, extra_joiners_per_year=joiners, extra_training_places_per_year=places
    )[JOINERS_COLUMNS]
    order = {name: i for i, name in enumerate(dict.fromkeys(projection["scenario"]))}
    result = result.assign(_s=result["scenario"].map(order), _g=result["gap_fte"].fillna(-np.inf))
    return (
        result.sort_values(["_s", "_g"], ascending=[True, False])
        .drop(columns=["_s", "_g"])
        .reset_index(drop=True)
    )


# --- small numbers -----------------------------------------------------------------------------------


def small_number_text(value: float | None, *, trust_level: bool, decimals: int = 0) -> str:
    """A figure as text for a table: at trust level a value smaller than 5 in size (fewer than 5
    people, or under 5 FTE) is '<5' so that no small group can be picked out; otherwise the number
    with `decimals` places ('1,234'). An en dash for no value."""
    if value is None or pd.isna(value):
        return "–"
    if trust_level and abs(float(value)) < SMALL_NUMBER:
        return f"<{SMALL_NUMBER}"
    text = f"{float(value):,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def suppress_small(
    frame: pd.DataFrame, columns: Iterable[str], *, trust_level: bool, decimals: int = 0
) -> pd.DataFrame:
    """A copy of `frame` with `columns` as text by `small_number_text` (for display, not for sums)."""
    shown = frame.copy()
    for column in columns:
        shown[column] = [
            small_number_text(v, trust_level=trust_level, decimals=decimals) for v in frame[column]
        ]
    return shown


__all__ = [
    "BASELINE",
    "BASELINE_SCENARIO",
    "DEFAULT_RUNS",
    "JOINERS_COLUMNS",
    "MAX_YEARS",
    "PERCENTILES",
    "PROJECTION_COLUMNS",
    "SCENARIO_PARAMETERS",
    "SUPPLY_COLUMNS",
    "PlanError",
    "PlanInputs",
    "ProfessionInputs",
    "Scenario",
    "UnknownName",
    "check_changes",
    "deterministic",
    "gap_by_year",
    "joiners_needed",
    "monthly_rate",
    "project",
    "small_number_text",
    "suppress_small",
    "widest_gap_first",
    "with_baseline",
]
