"""The workforce projection: a monthly stock-and-flow model per profession. Pure numpy and pandas, no
database and no Streamlit; every function takes its inputs and returns a DataFrame.

For each profession, month by month from the start month (the latest complete month of staff in post):

    stock(t+1) = stock(t) - leavers(t) + newly qualified(t) + international(t) + returners(t)
                 + apprentices completing(t) + joiners from other NHS organisations(t)
                 + joiners from outside the NHS(t) [+ extra joiners(t), a scenario's]

Flows balance: inflows and outflows are on the same definition at each level. At trust (and
collaborative) level the leaver rate counts moves to other NHS organisations, including other C&M
trusts, so the joiners from other NHS organisations (a rate of staff in post) count the moves in. At
system level moves between C&M member trusts are neither leavers nor joiners: the move rate
(`cm_move_rate_pct`, % of staff in post a year) is taken off the leaver rate and off the NHS joiner
rate alike, so an internal move cancels.

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

Uncertainty: `runs` simulations. Each run draws, per profession, an error of the annual leaver rate
for each projection year (months 1-12 are year 1) with the standard deviation of the year-to-year
variation of annual (non-overlapping) leaver rates, persistent over the years by `leaver_rate_persistence`
(1: the first year's error stays for the whole horizon; 0: a fresh error each year), clipped to
[0, 1]; and one factor a run for each inflow from Normal(1, inflow spread) clipped at 0: the uncertainty
of an input the lead sets is an error in the input, which lasts. Every spread is multiplied by the
inputs' `band_scale` (1 unless the backtest's calibration widened the band, kpi.plan.backtest).
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
from typing import cast

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
    "joiner_rate_pct",
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
RATE_INFLOWS = ("nhs_joiners", "outside_joiners")  # joiners as a rate of staff in post
FLOW_COLUMNS = [
    "profession",
    "start_fte",
    *INFLOWS,
    *RATE_INFLOWS,
    "extra_joiners",
    "leavers_to_nhs",
    "leavers_out_of_nhs",
    "end_fte",
]

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
    "nhs_joiners_pct": "joiners from other NHS organisations, % change",
    "outside_joiners_pct": "joiners from outside the NHS, % change",
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
    nhs_joiner_rate_pct: Schedule = 0.0
    outside_joiner_rate_pct: Schedule = 0.0
    leavers_to_nhs_pct: float = 0.0
    cm_move_rate_pct: float = 0.0
    leaver_rate_persistence: float = 1.0
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
    band_scale: float = 1.0

    @property
    def system_level(self) -> bool:
        """Moves between C&M trusts are internal (excluded on both sides) only for the system."""
        return self.level == "system"

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
    leaver_rate: np.ndarray  # (P,) annual, on the level's definition (internal moves off at system level)
    leaver_rate_data: np.ndarray  # (P,) annual, as the data count it (for the words)
    leaver_sd: np.ndarray  # (P,)
    persistence: np.ndarray  # (P,)
    to_nhs: np.ndarray  # (P,) share of the level's leavers who go to other NHS organisations
    growth: np.ndarray  # (P,) a year
    spread: np.ndarray  # (P,)
    inflows: np.ndarray  # (4, P, T) annual figures, in INFLOWS order
    joiner_rates: np.ndarray  # (2, P, T) annual rates of staff in post, in RATE_INFLOWS order
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


def _leaving(inputs: Sequence[ProfessionInputs], scenario: Scenario, applies: np.ndarray, system: bool):
    """(annual leaver rate on the level's definition, as the data count it, share going to other NHS
    organisations): at system level the moves between C&M trusts come off the rate and off its NHS part."""
    data = (
        _shifted(_vector(inputs, "leaver_rate_pct"), applies, scenario.change("leaver_rate_pts"), 100) / 100
    )
    to_nhs = data * _vector(inputs, "leavers_to_nhs_pct") / 100
    moves = _vector(inputs, "cm_move_rate_pct") / 100 if system else np.zeros(len(inputs))
    moves = np.minimum(moves, to_nhs)  # no more moves out than leavers to the NHS
    rate = data - moves
    share = np.divide(to_nhs - moves, rate, out=np.zeros_like(rate), where=rate > 0)
    return rate, data, share


def _joiner_rates(
    inputs: Sequence[ProfessionInputs], scenario: Scenario, applies: np.ndarray, months: int, system: bool
) -> np.ndarray:
    """Joiners from other NHS organisations and from outside the NHS a year as fractions of staff in
    post: at system level the moves between C&M trusts come off the NHS joiners (never below 0)."""
    c = scenario.change
    nhs = _stack(inputs, "nhs_joiner_rate_pct", months)
    if system:  # from NHS organisations outside C&M only; a scenario changes those
        nhs = np.clip(nhs - _vector(inputs, "cm_move_rate_pct")[:, None], 0.0, None)
    nhs = _scaled(nhs, applies, c("nhs_joiners_pct"))
    outside = _scaled(_stack(inputs, "outside_joiner_rate_pct", months), applies, c("outside_joiners_pct"))
    return np.stack([nhs, outside]) / 100


def _arrays(
    inputs: Sequence[ProfessionInputs], scenario: Scenario, months: int, system: bool = False
) -> _Arrays:
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
    rate, data, share = _leaving(inputs, scenario, applies, system)
    return _Arrays(
        stock=_vector(inputs, "stock_fte"),
        establishment=_vector(inputs, "establishment_fte"),
        leaver_rate=rate,
        leaver_rate_data=data,
        leaver_sd=_vector(inputs, "leaver_rate_sd_pct") / 100,
        persistence=np.clip(_vector(inputs, "leaver_rate_persistence"), 0.0, 1.0),
        to_nhs=share,
        growth=(_vector(inputs, "demand_growth_pct") + np.where(applies, c("demand_growth_pts"), 0)) / 100,
        spread=_vector(inputs, "inflow_spread_pct") / 100,
        inflows=inflows,
        joiner_rates=_joiner_rates(inputs, scenario, applies, months, system),
        extra=np.where(applies, c("extra_joiners"), 0.0),
        training_yield=training_yield,
    )


# --- simulation ---------------------------------------------------------------------------------------

N_INFLOWS = len(INFLOWS) + len(RATE_INFLOWS)


def _draws(codes: Sequence[str], runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal draws, per profession from its own generator seeded by (seed, code): leaver
    rate errors by year (MAX_YEARS, P, runs) and one factor a run for each inflow (N_INFLOWS, P, runs)."""
    leave = np.empty((MAX_YEARS, len(codes), runs))
    inflow = np.empty((N_INFLOWS, len(codes), runs))
    for i, code in enumerate(codes):
        rng = np.random.default_rng([seed, zlib.crc32(code.encode("utf-8"))])
        leave[:, i, :] = rng.standard_normal((MAX_YEARS, runs))
        inflow[:, i, :] = rng.standard_normal((N_INFLOWS, runs))
    return leave, inflow


def persistent_errors(z: np.ndarray, persistence: np.ndarray) -> np.ndarray:
    """Standard normal errors by year (years, P, runs) made persistent: e(1) = z(1), e(y) = rho e(y-1) +
    sqrt(1 - rho^2) z(y), so each year's error is still standard normal and rho = 1 keeps the first."""
    rho = persistence[:, None]
    errors = np.empty_like(z)
    for year in range(z.shape[0]):
        errors[year] = z[0] if year == 0 else rho * errors[year - 1] + np.sqrt(1 - rho**2) * z[year]
    return errors


def monthly_rate(annual_rate: np.ndarray | float) -> np.ndarray:
    """The monthly leaver rate m with (1 - m)^12 = 1 - r, for an annual rate r (a fraction)."""
    return 1 - (1 - np.asarray(annual_rate, dtype=float)) ** (1 / 12)


def _simulate(
    a: _Arrays, z_leave: np.ndarray, z_inflow: np.ndarray, months: int, scale: float = 1.0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Supply (months, P, runs), the stock at the end of each projection month in each run, and each
    flow summed over the months (P, runs) by FLOW_COLUMNS name."""
    errors = persistent_errors(z_leave, a.persistence)
    rates = np.clip(a.leaver_rate[None, :, None] + scale * a.leaver_sd[None, :, None] * errors, 0.0, 1.0)
    leave = monthly_rate(rates)  # (years, P, runs)
    factors = np.clip(1 + scale * a.spread[None, :, None] * z_inflow, 0.0, None)  # (N_INFLOWS, P, runs)
    runs = z_leave.shape[-1]
    stock = np.repeat(a.stock[:, None], runs, axis=1)
    supply = np.empty((months, *stock.shape))
    totals = {name: np.zeros_like(stock) for name in (*INFLOWS, *RATE_INFLOWS, "extra_joiners", "leavers")}
    for t in range(months):
        year = t // 12
        leavers = stock * leave[year]
        flows = [(a.inflows[k, :, t] / 12)[:, None] * factors[k] for k in range(len(INFLOWS))]
        flows += [
            stock * (a.joiner_rates[k, :, t] / 12)[:, None] * factors[len(INFLOWS) + k]
            for k in range(len(RATE_INFLOWS))
        ]
        for name, flow in zip((*INFLOWS, *RATE_INFLOWS), flows, strict=True):
            totals[name] += flow
        totals["extra_joiners"] += (a.extra / 12)[:, None]
        totals["leavers"] += leavers
        stock = stock - leavers + sum(flows) + (a.extra / 12)[:, None]
        supply[t] = stock
    return supply, totals


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
    # astype on a DatetimeIndex gives a DatetimeIndex (pandas-stubs says Index).
    return cast(pd.DatetimeIndex, pd.date_range(first, periods=count, freq="MS").astype("datetime64[ns]"))


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
            "joiner_rate_pct": a.joiner_rates.sum(axis=0).ravel() * 100,
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
        a = _arrays(inputs.professions, scenario, months, inputs.system_level)
        supply, _ = _simulate(a, z_leave[:years], z_inflow, months, inputs.band_scale)
        frames.append(_scenario_frame(inputs, a, supply, scenario.name))
    return _widest_first(_with_gaps(pd.concat(frames, ignore_index=True)))


def year_end_bands(inputs: PlanInputs, years: int, runs: int = DEFAULT_RUNS, seed: int = 0) -> np.ndarray:
    """The Baseline's supply percentiles at the end of each projection year: shape (5, years, P), in
    PERCENTILES and the inputs' profession order. The same numbers as `project`'s rows for those months
    (the same draws and simulation), without building its frame: the backtest makes hundreds."""
    _check(inputs, years, runs)
    months = 12 * years
    z_leave, z_inflow = _draws(inputs.codes, runs, seed)
    a = _arrays(inputs.professions, BASELINE_SCENARIO, months, inputs.system_level)
    supply, _ = _simulate(a, z_leave[:years], z_inflow, months, inputs.band_scale)
    return percentiles(supply[11::12])


def _central(inputs: PlanInputs, years: int, scenario: Scenario) -> tuple[_Arrays, np.ndarray, dict]:
    """The projection without uncertainty: (arrays, supply (months, P), flow totals (P,) by name)."""
    _check(inputs, years, 1)
    months = 12 * years
    a = _arrays(inputs.professions, scenario, months, inputs.system_level)
    supply, totals = _simulate(
        a, np.zeros((years, len(inputs.codes), 1)), np.zeros((N_INFLOWS, len(inputs.codes), 1)), months
    )
    return a, supply[:, :, 0], {name: total[:, 0] for name, total in totals.items()}


def deterministic(inputs: PlanInputs, years: int, scenario: Scenario = BASELINE_SCENARIO) -> pd.DataFrame:
    """The projection without uncertainty (mean leaver rate, inflows as given): month, profession,
    supply_fte, one row per profession and month. The baseline the benchmark compares with."""
    _, supply, _ = _central(inputs, years, scenario)
    months = 12 * years
    return pd.DataFrame(
        {
            "month": np.tile(_months(inputs.start_month, months), len(inputs.codes)),
            "profession": np.repeat(inputs.codes, months),
            "supply_fte": supply.T.ravel(),
        }
    )


def flows(inputs: PlanInputs, years: int, scenario: Scenario = BASELINE_SCENARIO) -> pd.DataFrame:
    """The waterfall of the central projection (no uncertainty) over `years`: one row per profession
    (FLOW_COLUMNS): the staff in post at the start, each inflow and each outflow summed over the
    horizon (FTE; outflows positive, to be taken away), and the supply at the end. start + inflows -
    outflows = end. Leavers split by the share going to other NHS organisations: at system level only
    those leaving C&M for NHS organisations outside it (moves between C&M trusts are not flows there)."""
    a, supply, totals = _central(inputs, years, scenario)
    leavers = totals.pop("leavers")
    return pd.DataFrame(
        {
            "profession": inputs.codes,
            "start_fte": a.stock,
            **totals,
            "leavers_to_nhs": leavers * a.to_nhs,
            "leavers_out_of_nhs": leavers * (1 - a.to_nhs),
            "end_fte": supply[-1],
        }
    )[FLOW_COLUMNS]


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
    return ends.drop(columns=["training_yield_pct", "joiner_rate_pct"]).reset_index(drop=True)


def joiners_needed(inputs: PlanInputs, projection: pd.DataFrame, by_year: int) -> pd.DataFrame:
    """For each profession and scenario, the extra joiners a year (from the first month, spread evenly)
    that close the median gap by the end of `by_year`, and the training places a year that would give
    them given attrition and uptake (places x (1 - attrition) x uptake = joiners). No gap, no joiners.

    Hand-worked: extra joiners J a year add J/12 a month, each month's cohort losing the monthly rate m,
    so after T months they add (J/12)(1 - (1 - m)^T)/m (J T / 12 when m = 0); J is what makes that the
    gap. Joiners that come as a rate of staff in post (j a year) come with them too: the cohort keeps
    (1 - m + j/12) a month, in place of (1 - m). It uses the scenario's mean leaver rate; with
    uncertainty the median moves by about that."""
    unknown = set(projection["profession"]) - set(inputs.codes)
    if unknown:
        raise UnknownName(f"The projection has professions not in the inputs: {', '.join(sorted(unknown))}.")
    if not 1 <= by_year <= int(projection["year"].max()):
        raise PlanError(f"By year {by_year}: the projection runs {int(projection['year'].max())} years.")
    months = 12 * by_year
    ends = gap_by_year(projection)
    ends = ends[ends["year"] == by_year]
    early = projection[projection["year"] <= by_year]
    joining_rates = early.groupby(["scenario", "profession"], sort=False)["joiner_rate_pct"].mean() / 100
    joining = joining_rates.reindex(pd.MultiIndex.from_frame(ends[["scenario", "profession"]])).to_numpy()
    stay = 1 - monthly_rate(ends["leaver_rate_pct"].to_numpy() / 100) + joining / 12
    m = 1 - stay
    kept = np.where(m != 0, (1 - stay**months) / np.where(m != 0, m, 1), months)
    joiners = np.clip(ends["gap_fte"].to_numpy(), 0, None) * 12 / kept
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

ROUND_TO = 5
SUPPRESSION_RULE = (
    "At trust level a figure under 5 (FTE or people) is shown as '<5' and every other figure is rounded to "
    "the nearest 5, as NHS Digital does for published hospital and workforce figures; a share is left out "
    "where the figure it is of is '<5', and worked from the rounded figures otherwise, so that no '<5' can "
    "be worked back from a share, a difference or a total."
)


def disclosed(value: float | None, *, trust_level: bool) -> float:
    """The figure as it may be shown: at trust level NaN for one under 5 in size and the nearest 5 (half
    up) for the rest; unchanged elsewhere (NaN for no value)."""
    if value is None or pd.isna(value):
        return float("nan")
    number = float(value)
    if not trust_level:
        return number
    if abs(number) < SMALL_NUMBER:
        return float("nan")
    return float(math.copysign(math.floor(abs(number) / ROUND_TO + 0.5) * ROUND_TO, number))


def disclosed_share(part: float, whole: float, pct: float, *, trust_level: bool) -> float:
    """A share (%) as it may be shown: at trust level worked from the rounded figures, NaN when either
    is '<5'; `pct` as it is elsewhere."""
    if not trust_level:
        return pct
    top, bottom = disclosed(part, trust_level=True), disclosed(whole, trust_level=True)
    if math.isnan(top) or math.isnan(bottom) or bottom == 0:
        return float("nan")
    return top / bottom * 100


def small_number_text(value: float | None, *, trust_level: bool, decimals: int = 0) -> str:
    """A figure as text for a table: at trust level '<5' for one smaller than 5 in size (fewer than 5
    people, or under 5 FTE) and the others rounded to the nearest 5 ('1,235'), so that no small group can
    be picked out or worked back (SUPPRESSION_RULE); elsewhere the number with `decimals` places. An en
    dash for no value."""
    if value is None or pd.isna(value):
        return "–"
    if trust_level:
        shown = disclosed(value, trust_level=True)
        return f"<{SMALL_NUMBER}" if math.isnan(shown) else f"{shown:,.0f}"
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


def disclose_shares(projection: pd.DataFrame) -> pd.DataFrame:
    """A trust's projection with its gap % worked from the rounded gap and establishment (NaN where
    either is '<5'): the one share the outputs show."""
    shares = [
        disclosed_share(g, e, p, trust_level=True)
        for g, e, p in zip(
            projection["gap_fte"], projection["establishment_fte"], projection["gap_pct"], strict=True
        )
    ]
    return projection.assign(gap_pct=shares)


__all__ = [
    "BASELINE",
    "BASELINE_SCENARIO",
    "DEFAULT_RUNS",
    "FLOW_COLUMNS",
    "JOINERS_COLUMNS",
    "MAX_YEARS",
    "PERCENTILES",
    "PROJECTION_COLUMNS",
    "RATE_INFLOWS",
    "ROUND_TO",
    "SCENARIO_PARAMETERS",
    "SUPPLY_COLUMNS",
    "SUPPRESSION_RULE",
    "PlanError",
    "PlanInputs",
    "ProfessionInputs",
    "Scenario",
    "UnknownName",
    "check_changes",
    "deterministic",
    "disclose_shares",
    "disclosed",
    "disclosed_share",
    "flows",
    "gap_by_year",
    "joiners_needed",
    "monthly_rate",
    "persistent_errors",
    "project",
    "small_number_text",
    "suppress_small",
    "widest_gap_first",
    "with_baseline",
    "year_end_bands",
]
