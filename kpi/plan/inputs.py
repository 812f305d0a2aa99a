"""The projection's inputs, read from the database through `kpi.figures.queries` (so the usual roll-up rules
hold: a trust in both collaboratives counts once in the system, ratios are sum(numerator) /
sum(denominator), merged trusts count under their successor, NWAS is outside the totals), and the one
`plan_result`, a projection's outputs from them (`kpi.plan.run.run_plan` reads the inputs and
runs the backtest first).

For a scope (the system 'C&M', a collaborative such as 'CMAST', or a member trust's ODS code):

- start month: the latest complete (not provisional) month of SIP_FTE in the scope;
- stock: SIP_FTE (and SIP_HC where present) by profession in that month;
- establishment: ESTAB_FTE by profession in its latest complete month on or before the start month
  (staff in post when a profession has none, said so in its source);
- leaver rate: the annual (non-overlapping) leaver rates of the profession: LEAVER_RATE (12-month
  rolling, %) in the latest complete month and 12, 24, 36 and 48 months before it (each covers its own
  12 months); the rate is their mean and its spread their year-to-year standard deviation (with one
  year only, DEFAULT_LEAVER_SD points, said so). Overlapping rolling months would understate the spread.
  The spread is persistent over the horizon (a run's leaver rate stays off by its first error) unless
  five or more years show the errors fading (their lag-1 autocorrelation). A profession without any
  falls back to the scope's all-AHP rate, said so in its source.
- joiners from other NHS organisations, from outside the NHS, the share of leavers going to other NHS
  organisations and the moves between C&M trusts: the assumptions in force (rates of staff in post,
  used as they are at every level; the moves come off both sides only at system level, kpi.plan.model).
- apprentices completing: APPRENTICE_STARTS in the scope (a trust-level KPI, not by profession) lagged by
  the apprenticeship length (an assumption, default 4 years), less attrition during training, shared
  across professions by their share of the scope's staff in post. Months whose starts are not known yet
  (after the data) take the mean monthly starts of the last 12 complete months.
- graduates, uptake, attrition, international recruits, returners, demand growth and inflow spread: the
  assumptions in force (kpi.plan.assumptions), per financial year. They are system-level: for a
  collaborative or a trust the counts (graduates, international recruits, returners) are scaled by the
  scope's share of the system's staff in post in that profession at the start month; rates and shares
  are used as they are.

`synthetic` is True when any observation used is synthetic (the demo data is): every output says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from kpi.figures import queries
from kpi.figures.queries import KPIFilter, Level
from kpi.figures.scopes import named_scope
from kpi.plan import assumptions as store
from kpi.plan.model import (
    BASELINE,
    MAX_YEARS,
    PlanError,
    PlanInputs,
    ProfessionInputs,
    Scenario,
    UnknownName,
    disclose_shares,
    flows,
    gap_by_year,
    joiners_needed,
    project,
    suppress_small,
    widest_gap_first,
    with_baseline,
)
from kpi.plan.words import AssumptionLine, assumption_lines
from kpi.words.formats import format_value, month_label
from kpi.words.text import clean_code

DEFAULT_SEED = 16  # the number: any fixed seed makes the runs reproducible
LEAVER_WINDOW = 60  # months of LEAVER_RATE read: five annual (non-overlapping) rates at most
LEAVER_MIN_YEARS = 3  # fewer annual rates than this is said in the source
PERSISTENCE_MIN_YEARS = 5  # fewer annual rates than this: the error is taken as persistent
DEFAULT_LEAVER_SD = 1.0  # points, the year-to-year spread with only one annual rate (an assumption)
MONTHS = 12 * MAX_YEARS
SCOPE_KPIS = ("SIP_FTE", "ESTAB_FTE", "LEAVER_RATE", "APPRENTICE_STARTS")
PROFESSION_KPIS = ("SIP_FTE", "SIP_HC", "ESTAB_FTE", "LEAVER_RATE")


# --- scope and professions ----------------------------------------------------------------------------


def resolve_scope(engine: Engine, scope: str) -> tuple[str, Level]:
    """The scope's code and level (kpi.figures.scopes.named_scope: 'C&M', 'CM' or 'system', a collaborative
    code, or an ODS code) for a member trust. UnknownName for anything else, a merged trust or a
    system partner (outside the totals the assumptions are for)."""
    trusts = queries.trusts(engine)
    named = named_scope(scope, queries.collaboratives(engine)["code"], trusts["ods_code"])
    if named is None:
        raise UnknownName(
            f"There is no scope {scope!r}: use C&M, a collaborative code or a member trust's ODS code."
        )
    code, level = named
    role = dict(zip(trusts["ods_code"], trusts["role"], strict=True)).get(code)
    if level == "trust" and role != "member":
        kind = "merged trust" if role == "predecessor" else "system partner"
        raise UnknownName(
            f"{code} is a {kind}, outside the C&M totals the plan's assumptions cover; choose a member trust."
        )
    return code, level


def chosen_professions(engine: Engine, professions: Sequence[str] | None) -> dict[str, str]:
    """Code to name of the professions asked for (all 14 in catalogue order when None), each once;
    UnknownName for a code that does not exist. A combined group (the arts therapists as one source
    reports them) is not a profession the plan's assumptions are set for."""
    table = queries.professions(engine)
    table = table[table["combines"].fillna("") == ""]
    names = dict(zip(table["code"], table["name"], strict=True))
    if professions is None:
        return names
    codes = list(dict.fromkeys(clean_code(p) for p in professions))
    unknown = [code for code in codes if code not in names]
    if unknown or not codes:
        wrong = unknown[0] if unknown else ""
        raise UnknownName(f"There is no profession {wrong!r}; the codes are {', '.join(names)}.")
    return {code: names[code] for code in codes}


def _scope_filter(code: str, level: Level) -> KPIFilter:
    if level == "collaborative":
        return KPIFilter(collaboratives=(code,))
    return KPIFilter(trusts=(code,)) if level == "trust" else KPIFilter()


# --- reads --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Reads:
    """What the inputs are built from: the scope's complete months per KPI (all professions together),
    its figures by profession, and the system's staff in post by profession at the start month."""

    scope: str
    level: Level
    series: pd.DataFrame  # kpi_series rows of the scope, complete months only
    provisional: pd.DataFrame  # the scope's provisional SIP_FTE months after the start
    by_profession: pd.DataFrame  # profession_breakdown rows, complete months only
    system_stock: pd.Series  # SIP_FTE by profession, the system, start month
    start: pd.Timestamp
    apprentices: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)  # by course months

    # What every profession's inputs look up, worked out once for the 14 of them:

    @cached_property
    def _grouped(self) -> dict[tuple[str, str], pd.DataFrame]:
        groups = self.by_profession.groupby(["kpi_code", "profession_code"], sort=False)
        return {(str(kpi), str(code)): rows for (kpi, code), rows in groups}

    def rows(self, kpi: str, code: str) -> pd.DataFrame:
        """by_profession's rows of one KPI and profession, in their order."""
        return self._grouped.get((kpi, code), self.by_profession.iloc[:0])

    @cached_property
    def _scope_leaver_rates(self) -> pd.DataFrame:
        return self.series[(self.series["kpi_code"] == "LEAVER_RATE") & (self.series["period"] <= self.start)]

    @cached_property
    def leaver_months(self) -> set[pd.Timestamp]:
        """The last LEAVER_WINDOW months of the scope's (all-AHP) LEAVER_RATE to the start."""
        return set(sorted(self._scope_leaver_rates["period"])[-LEAVER_WINDOW:])

    @cached_property
    def scope_leaver_rates(self) -> pd.DataFrame:
        """The scope's all-AHP LEAVER_RATE in those months."""
        rates = self._scope_leaver_rates
        return rates[rates["period"].isin(self.leaver_months)]

    @cached_property
    def stock_synthetic(self) -> bool:
        """Whether any staff in post at the start month is synthetic."""
        rows = self.by_profession
        return bool(
            rows.loc[(rows["kpi_code"] == "SIP_FTE") & (rows["period"] == self.start), "synthetic"].any()
        )


class _Reader:
    """The two reads the inputs are built from, straight from the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def series(self, flt: KPIFilter, level: Level) -> pd.DataFrame:
        return queries.kpi_series(flt, level, self.engine)

    def breakdown(self, flt: KPIFilter) -> pd.DataFrame:
        return queries.profession_breakdown(flt, self.engine)


class _ReadOnce(_Reader):
    """The same reads for many start months (a backtest): each read once over every month and the
    months asked for sliced in memory, the rows and their order as the database gives them."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._series: dict[tuple[KPIFilter, Level], pd.DataFrame] = {}
        self._rows: dict[KPIFilter, pd.DataFrame] = {}

    def series(self, flt: KPIFilter, level: Level) -> pd.DataFrame:
        if (flt, level) not in self._series:
            self._series[flt, level] = super().series(flt, level)
        return self._series[flt, level]

    def breakdown(self, flt: KPIFilter) -> pd.DataFrame:
        whole = flt.but(kpis=PROFESSION_KPIS, period_from=None, period_to=None)
        if whole not in self._rows:
            self._rows[whole] = super().breakdown(whole)
        rows = self._rows[whole]
        chosen = rows["kpi_code"].isin(flt.kpis or PROFESSION_KPIS)
        if flt.period_from is not None:
            chosen &= rows["period"] >= pd.Timestamp(flt.period_from)
        if flt.period_to is not None:
            chosen &= rows["period"] <= pd.Timestamp(flt.period_to)
        if not chosen.any():  # the database's empty frame, with its column types
            return super().breakdown(flt)
        return rows[chosen].reset_index(drop=True)


def _read(reader: _Reader, code: str, level: Level, as_of: pd.Timestamp | None = None) -> _Reads:
    flt = _scope_filter(code, level)
    series = reader.series(flt.but(kpis=SCOPE_KPIS), level)
    series = series[series["scope_code"] == code]
    if as_of is not None:  # the data a projection made then would have had (a backtest)
        series = series[series["period"] <= as_of]
    complete = series[~series["provisional"].astype(bool)]
    stock_months = complete.loc[complete["kpi_code"] == "SIP_FTE", "period"]
    if stock_months.empty:
        raise PlanError(f"There is no complete month of staff in post (SIP_FTE) for {code} to start from.")
    start = pd.Timestamp(stock_months.max())
    later = series[(series["kpi_code"] == "SIP_FTE") & (series["period"] > start)]
    first = (start - pd.DateOffset(months=LEAVER_WINDOW - 1)).date()
    window = flt.but(kpis=PROFESSION_KPIS, period_from=first, period_to=start.date())
    rows = _complete_only(reader.breakdown(window), complete, start)
    system = _system_stock(reader, start) if level != "system" else _stock_at(rows, start)
    return _Reads(code, level, complete, later, rows, system, start)


def _complete_only(rows: pd.DataFrame, complete: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Profession rows of the scope's complete months (SIP_HC, not in the completeness read, follows
    SIP_FTE: its start month only)."""
    months = complete[["kpi_code", "period"]].drop_duplicates()
    headcount = rows[(rows["kpi_code"] == "SIP_HC") & (rows["period"] == start)]
    return pd.concat([rows.merge(months, on=["kpi_code", "period"]), headcount], ignore_index=True)


def _system_stock(reader: _Reader, start: pd.Timestamp) -> pd.Series:
    flt = KPIFilter(kpis=("SIP_FTE",), period_from=start.date(), period_to=start.date())
    return _stock_at(reader.breakdown(flt), start)


def _stock_at(rows: pd.DataFrame, start: pd.Timestamp, kpi: str = "SIP_FTE") -> pd.Series:
    chosen = rows[(rows["kpi_code"] == kpi) & (rows["period"] == start)]
    return chosen.set_index("profession_code")["value"].astype(float)


def actual_stock(engine: Engine, scope: str) -> pd.DataFrame:
    """The scope's staff in post (SIP_FTE) by profession in each complete month: months as the index,
    one column per profession (what a backtest compares its projections with)."""
    code, level = resolve_scope(engine, scope)
    flt = _scope_filter(code, level)
    series = queries.kpi_series(flt.but(kpis=("SIP_FTE",)), level, engine)
    series = series[(series["scope_code"] == code) & ~series["provisional"].astype(bool)]
    rows = queries.profession_breakdown(flt.but(kpis=("SIP_FTE",)), engine)
    rows = rows[rows["period"].isin(set(series["period"]))]
    return rows.pivot_table(index="period", columns="profession_code", values="value", aggfunc="sum")


# --- building one profession's inputs ----------------------------------------------------------------


def mean_and_spread(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    numbers = np.asarray(values, dtype=float)
    return float(numbers.mean()), float(numbers.std(ddof=1)) if len(numbers) > 1 else 0.0


def annual_points(periods: Iterable[pd.Timestamp]) -> list[pd.Timestamp]:
    """The months of non-overlapping annual rates among `periods` (a 12-month rolling rate's months):
    the latest, then each 12 months before it that is there, newest first."""
    have = set(pd.to_datetime(list(periods)))
    if not have:
        return []
    latest = max(have)
    steps = (latest - pd.DateOffset(months=12 * k) for k in range(LEAVER_WINDOW // 12))
    return [month for month in steps if month in have]


def persistence(values: Sequence[float] | np.ndarray) -> float:
    """How much of a year's leaver-rate error stays into the next (0 to 1): the lag-1 autocorrelation
    of the annual rates (oldest first) when there are PERSISTENCE_MIN_YEARS or more, else 1 (taken as
    persistent: too few years to tell, and a lasting error is the cautious reading)."""
    numbers = np.asarray(values, dtype=float)
    if len(numbers) < PERSISTENCE_MIN_YEARS or numbers.std() == 0:
        return 1.0
    centred = numbers - numbers.mean()
    return float(np.clip((centred[1:] * centred[:-1]).sum() / (centred**2).sum(), 0.0, 1.0))


@dataclass(frozen=True)
class LeaverRate:
    mean: float
    sd: float
    persistence: float
    source: str
    synthetic: bool


def _leaver_rate(reads: _Reads, code: str, name: str) -> LeaverRate:
    """The profession's leaver rate from its annual rates, or the scope's all-AHP rate's."""
    mine = reads.rows("LEAVER_RATE", code)
    mine = mine[mine["period"].isin(reads.leaver_months)]
    where = f"LEAVER_RATE, {name}, {reads.scope}"
    if mine.empty:
        mine = reads.scope_leaver_rates
        where = f"no LEAVER_RATE for {name} in {reads.scope}: the scope's all-AHP LEAVER_RATE"
    if mine.empty:
        raise PlanError(f"There is no complete month of LEAVER_RATE for {reads.scope}.")
    points = annual_points(mine["period"])
    annual = mine[mine["period"].isin(points)].sort_values("period")
    mean, sd = mean_and_spread(annual["value"].to_numpy())
    years = len(annual)
    spread = "their year-to-year standard deviation"
    if years < 2:
        sd = DEFAULT_LEAVER_SD
        spread = f"one year only, so a spread of {DEFAULT_LEAVER_SD:g} points (an assumption)"
    few = f" (only {years}; {LEAVER_MIN_YEARS} or more wanted)" if years < LEAVER_MIN_YEARS else ""
    rho = persistence(annual["value"].to_numpy())
    lasting = (
        "persistent over the horizon (fewer than 5 years to tell otherwise)"
        if years < PERSISTENCE_MIN_YEARS
        else f"persistence {rho:.2f} a year (lag-1 autocorrelation)"
    )
    listed = ", ".join(month_label(p) for p in annual["period"])
    source = (
        f"{where}: mean of {years} annual (non-overlapping 12-month) rates{few}, to {listed}; "
        f"spread {spread}; {lasting}"
    )
    return LeaverRate(mean, sd, rho, source, bool(annual["synthetic"].any()))


def _establishment(reads: _Reads, code: str, stock: float) -> tuple[float, str, bool]:
    rows = reads.rows("ESTAB_FTE", code)
    if rows.empty:
        return stock, "no ESTAB_FTE: taken as the staff in post (no gap at the start)", False
    # pandas-stubs wrong: .loc takes the label idxmax returns (typed only Hashable).
    # unused-ignore: the project config reads pandas as Any, where this line is fine.
    latest = rows.loc[rows["period"].idxmax()]  # type: ignore[call-overload, unused-ignore]
    return (
        float(latest["value"]),
        f"ESTAB_FTE, {reads.scope}, {month_label(latest['period'])}",
        bool(latest["synthetic"]),
    )


Assumed = dict[tuple[str, str], tuple[dict[str, float], dict[str, str]]]


def assumed(current: pd.DataFrame) -> Assumed:
    """The assumptions in force by (profession, parameter): their values and sources by year."""
    table: Assumed = {}
    for row in current.itertuples():
        values, sources = table.setdefault((str(row.profession), str(row.parameter)), ({}, {}))
        values[str(row.year)] = float(cast(float, row.value))
        sources[str(row.year)] = str(row.source)
    return table


def _schedule(current: Assumed, code: str, parameter: str, years: list[str]) -> tuple[np.ndarray, str]:
    """The assumption in force for each projection month (its financial year's value, else 'all'),
    and the sources used."""
    by_year, sources = current[(code, parameter)]
    chosen = [year if year in by_year else store.ALL_YEARS for year in years]
    used = dict.fromkeys(chosen)
    text = "; ".join(f"{sources[y]}" if y == store.ALL_YEARS else f"{y}: {sources[y]}" for y in used)
    return np.array([by_year[y] for y in chosen]), text


def _apprentice_starts(reads: _Reads, course_months: int) -> np.ndarray:
    """Apprentices completing in each projection month in the scope (all professions): the starts
    `course_months` earlier, or the mean monthly starts of the last 12 complete months when that month
    is not in the data. Worked out once per course length: the same for every profession."""
    if course_months not in reads.apprentices:
        reads.apprentices[course_months] = _apprentices_completing(reads, course_months)
    return reads.apprentices[course_months]


def _apprentices_completing(reads: _Reads, course_months: int) -> np.ndarray:
    rows = reads.series[reads.series["kpi_code"] == "APPRENTICE_STARTS"].set_index("period")["value"]
    if rows.empty:
        return np.zeros(MONTHS)
    recent = rows.sort_index().iloc[-12:].mean()
    when = pd.date_range(reads.start, periods=MONTHS + 1, freq="MS")[1:] - pd.DateOffset(months=course_months)
    known = rows.reindex(when)
    inside = (when >= rows.index.min()) & (when <= rows.index.max())
    return np.where(inside, known.fillna(0.0).to_numpy(), recent)


@dataclass(frozen=True, eq=False)
class _Context:
    reads: _Reads
    current: Assumed
    years: list[str]
    stock: pd.Series  # SIP_FTE by profession at the start month
    headcount: pd.Series  # SIP_HC likewise

    @property
    def scope_stock(self) -> float:
        """All professions in the scope at the start month."""
        return float(self.stock.sum())


def _share_of_system(ctx: _Context, code: str, stock: float) -> tuple[float, str]:
    if ctx.reads.level == "system":
        return 1.0, ""
    system = float(ctx.reads.system_stock.get(code, 0.0))
    share = stock / system if system > 0 else 0.0
    return share, f" x {share:.3f} ({ctx.reads.scope}'s share of the system's staff in post)"


def _inflows(ctx: _Context, code: str, stock: float) -> tuple[dict[str, object], dict[str, str]]:
    """The assumption-based fields of ProfessionInputs (schedules per month) and their sources."""
    share, scaled = _share_of_system(ctx, code, stock)
    fields: dict[str, object] = {}
    sources: dict[str, str] = {}
    for parameter, spec in store.PARAMETERS.items():
        values, source = _schedule(ctx.current, code, parameter, ctx.years)
        fields[parameter] = values * share if spec.scales else values
        sources[parameter] = source + (scaled if spec.scales else "")
    course = round(float(np.asarray(fields.pop("apprentice_course_years"))[0]) * 12)
    starts = _apprentice_starts(ctx.reads, course)
    stock_share = stock / ctx.scope_stock if ctx.scope_stock > 0 else 0.0
    attrition = np.asarray(fields["training_attrition_pct"]) / 100
    fields["apprentices"] = starts * 12 * stock_share * (1 - attrition)
    sources["apprentices"] = (
        f"APPRENTICE_STARTS, {ctx.reads.scope}, {course // 12 if course % 12 == 0 else course / 12} years "
        f"earlier ({sources.pop('apprentice_course_years')}), less attrition, x {stock_share:.3f} "
        "(the profession's share of the scope's staff in post)"
    )
    return fields, sources


def _profession(ctx: _Context, code: str, name: str) -> tuple[ProfessionInputs, bool]:
    reads = ctx.reads
    stock = float(ctx.stock.get(code, 0.0))
    headcount = ctx.headcount.get(code)
    leaver = _leaver_rate(reads, code, name)
    establishment, estab_source, estab_synthetic = _establishment(reads, code, stock)
    fields, sources = _inflows(ctx, code, stock)
    single: dict[str, Any] = {key: float(np.asarray(fields.pop(key))[0]) for key in store.SINGLE_VALUES}
    schedules: dict[str, Any] = {k: tuple(np.asarray(vs, dtype=float).tolist()) for k, vs in fields.items()}
    inputs = ProfessionInputs(
        profession=code,
        name=name,
        stock_fte=stock,
        stock_hc=None if headcount is None else float(headcount),
        establishment_fte=establishment,
        leaver_rate_pct=leaver.mean,
        leaver_rate_sd_pct=leaver.sd,
        leaver_rate_persistence=leaver.persistence,
        **single,
        **schedules,
        sources={
            "stock": f"SIP_FTE, {reads.scope}, {month_label(reads.start)}" + ("" if stock else " (none)"),
            "establishment": estab_source,
            "leaver_rate": leaver.source,
            **sources,
        },
    )
    synthetic = reads.stock_synthetic or leaver.synthetic or estab_synthetic
    return inputs, synthetic


def _notes(reads: _Reads) -> tuple[str, ...]:
    notes = []
    if not reads.provisional.empty:
        months = ", ".join(month_label(p) for p in reads.provisional["period"])
        notes.append(f"Provisional (too few trusts reported), not used as the start: {months}.")
    if reads.level != "system":
        notes.append(
            f"The inflow assumptions are for the whole system: graduates, international recruits and "
            f"returners are scaled by {reads.scope}'s share of the system's staff in post in each profession."
        )
    return tuple(notes)


def plan_inputs(
    engine: Engine,
    scope: str,
    professions: Sequence[str] | None = None,
    as_of: pd.Timestamp | None = None,
    current: Assumed | None = None,
) -> PlanInputs:
    """The inputs of a projection for `scope` and `professions` (all 14 when None), from the database
    and the assumptions in force; with `as_of`, from the data up to that month only (a backtest).
    UnknownName for an unknown scope or profession; PlanError when the scope has no complete month of
    staff in post or no leaver rate at all. `current` (from `assumed`) saves reading the assumptions
    again when many are made at once."""
    code, level = resolve_scope(engine, scope)
    names = chosen_professions(engine, professions)
    reads = _read(_Reader(engine), code, level, as_of)
    return _built(reads, names, assumed(store.current_assumptions(engine)) if current is None else current)


def plan_inputs_history(
    engine: Engine, scope: str, professions: Sequence[str] | None, starts: Sequence[pd.Timestamp]
) -> list[PlanInputs]:
    """plan_inputs as of each of `starts` (a backtest's), the data read once for them all; a start whose
    data cannot make inputs (PlanError: no leaver rate yet) is left out."""
    code, level = resolve_scope(engine, scope)
    names = chosen_professions(engine, professions)
    current = assumed(store.current_assumptions(engine))
    reader = _ReadOnce(engine)
    history = []
    for start in starts:
        try:
            history.append(_built(_read(reader, code, level, start), names, current))
        except PlanError:
            continue
    return history


def _built(reads: _Reads, names: dict[str, str], current: Assumed) -> PlanInputs:
    ctx = _Context(
        reads=reads,
        current=current,
        years=store.month_years(reads.start + pd.DateOffset(months=1), MONTHS),
        stock=_stock_at(reads.by_profession, reads.start),
        headcount=_stock_at(reads.by_profession, reads.start, "SIP_HC"),
    )
    built = [_profession(ctx, profession, name) for profession, name in names.items()]
    apprentices = reads.series[reads.series["kpi_code"] == "APPRENTICE_STARTS"]
    synthetic = any(flag for _, flag in built) or bool(apprentices["synthetic"].any())
    return PlanInputs(
        scope=reads.scope,
        level=reads.level,
        start_month=reads.start,
        professions=tuple(inputs for inputs, _ in built),
        synthetic=synthetic,
        notes=_notes(reads),
    )


# --- the page's one call -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PlanResult:
    """Everything the page, the board pack and the CLI show: the inputs used, the scenarios (Baseline
    first), the projection (model.PROJECTION_COLUMNS), the gap at each year-end (`gaps`), the extra
    joiners and training places a year that close the gap by `by_year` (`joiners`), and the assumptions
    in plain English with their sources."""

    inputs: PlanInputs
    scenarios: tuple[Scenario, ...]
    years: int
    runs: int
    seed: int
    by_year: int
    projection: pd.DataFrame
    gaps: pd.DataFrame
    joiners: pd.DataFrame
    assumptions: tuple[AssumptionLine, ...]
    flows: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    backtest: Any = None  # kpi.plan.backtest.Backtest, or None when not run

    @property
    def synthetic(self) -> bool:
        return self.inputs.synthetic

    @property
    def professions_present(self) -> list[str]:
        """The professions the scope employs or funds (staff in post or establishment above 0), widest
        Baseline gap first: what the page and the pack show (a trust employs a few of the 14; the CSV
        keeps every profession)."""
        held = {p.profession for p in self.inputs.professions if p.stock_fte > 0 or p.establishment_fte > 0}
        return [code for code in widest_gap_first(self.projection) if code in held]

    @property
    def trust_level(self) -> bool:
        """Small numbers are shown as '<5' (model.small_number_text) at trust level."""
        return self.inputs.level == "trust"


def plan_result(
    inputs: PlanInputs,
    scenarios: Sequence[Scenario],
    years: int,
    runs: int = 1000,
    seed: int = DEFAULT_SEED,
    by_year: int | None = None,
    checked: Any = None,
) -> PlanResult:
    """The PlanResult of `inputs` (kpi.plan.run.run_plan's second half): the band widened by the
    backtest's scale (`checked`, a kpi.plan.backtest.Backtest or None), at trust level the gap % worked
    from rounded figures, the joiners needed, the words, the flows and the sensitivity."""
    from kpi.plan.sensitivity import sensitivity

    scenarios = with_baseline(scenarios)
    if checked is not None:
        inputs = dataclasses.replace(inputs, band_scale=checked.scale)
    projection = project(inputs, years, scenarios, runs, seed)
    if inputs.level == "trust":  # the gap % is shown only as worked from rounded figures
        projection = disclose_shares(projection)
    target = years if by_year is None else by_year
    return PlanResult(
        inputs=inputs,
        scenarios=tuple(scenarios),
        years=years,
        runs=runs,
        seed=seed,
        by_year=target,
        projection=projection,
        gaps=gap_by_year(projection),
        joiners=joiners_needed(inputs, projection, target),
        assumptions=assumption_lines(inputs, scenarios, checked),
        flows=flows(inputs, years),
        sensitivity=sensitivity(inputs, years),
        backtest=checked,
    )


DOWNLOAD_COLUMNS = [
    "month",
    "scope",
    "profession",
    "profession_name",
    "scenario",
    "supply_fte_p05",
    "supply_fte_p25",
    "supply_fte_p50",
    "supply_fte_p75",
    "supply_fte_p95",
    "establishment_fte",
    "gap_fte",
    "gap_pct",
    "synthetic",
]


def download_table(result: PlanResult) -> pd.DataFrame:
    """Every projected month, profession and scenario as a tidy table for CSV (DOWNLOAD_COLUMNS): FTE
    to 2 decimals, the gap % to 1, and `synthetic` (True for demo data) on every row, so that the rows
    keep it when filtered or pasted elsewhere; at trust level the figures as model.SUPPRESSION_RULE
    shows them. Write it with kpi.exports.tables.csv_bytes (formula-safe)."""
    frame = result.projection.copy()
    names = {p.profession: p.name or p.profession for p in result.inputs.professions}
    fte = [c for c in DOWNLOAD_COLUMNS if c.endswith("_fte") or c.startswith("supply_fte")]
    frame[fte] = frame[fte].round(2)
    frame["gap_pct"] = frame["gap_pct"].round(0 if result.trust_level else 1)
    if result.trust_level:  # '<5' and the rest rounded to 5 (model.SUPPRESSION_RULE)
        frame = suppress_small(frame, fte, trust_level=True)
    frame = frame.assign(
        scope=result.inputs.scope,
        profession_name=frame["profession"].map(names),
        synthetic=result.synthetic,
    )
    return frame[DOWNLOAD_COLUMNS]


def widest_gap_words(result: PlanResult) -> str:
    """'Physiotherapists 416.1 FTE (20.8% of establishment) by Oct 2036': the Baseline's widest median
    gap at the horizon; '' when no profession has a gap figure."""
    ends = result.gaps[(result.gaps["scenario"] == BASELINE) & (result.gaps["year"] == result.years)]
    ends = ends.dropna(subset=["gap_fte"])
    if ends.empty:
        return ""
    row = ends.iloc[0]
    name = result.inputs.profession(str(row["profession"])).name or row["profession"]
    share = f" ({format_value(row['gap_pct'], '%')} of establishment)" if pd.notna(row["gap_pct"]) else ""
    return f"{name} {format_value(row['gap_fte'], 'FTE')}{share} by {month_label(row['month'])}"


__all__ = [
    "DEFAULT_SEED",
    "DOWNLOAD_COLUMNS",
    "LEAVER_WINDOW",
    "PlanResult",
    "actual_stock",
    "chosen_professions",
    "download_table",
    "mean_and_spread",
    "plan_inputs",
    "plan_inputs_history",
    "plan_result",
    "resolve_scope",
    "widest_gap_words",
]
