"""Every read the app makes: a filter in, a tidy DataFrame out, aggregation done in SQL.

The roll-up rules live here and only here:

- a ratio KPI rolls up as RATIO_SCALE * sum(numerator) / sum(denominator), never as a mean of rates;
  a sum KPI adds up;
- for one trust and month, figures by profession win over an all-AHP figure when both exist (so a
  trust that sends both is not counted twice); with a profession filter only the chosen professions count;
- data under a merged trust's old code belongs to its successor from the merger date on;
- which trust counts in which scope in a month is kpi.membership's rule: a trust counts once in the
  system total in every month it provided C&M services (its system span, whatever the collaboratives),
  and in every collaborative it is a member of in that month; system partners (NWAS) are outside
  collaborative and system totals and appear only when asked for;
- a system-level figure (no trust) is used for the system total only for a KPI and month that has no
  trust figures (some funding KPIs exist only at system level).

Every series row also says how many trusts were expected to report and whether the month is provisional
(too few of them did: the rule is in kpi.completeness); `latest_values` takes the newest complete month
unless asked to include provisional ones.

A filter field left as None means "no restriction"; an empty tuple means "nothing selected", which
returns an empty frame with the usual columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
from sqlalchemy import (
    CompoundSelect,
    Engine,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from kpi import completeness, membership
from kpi.membership import SYSTEM_CODE, in_collaborative, in_system, membership_at
from kpi.models import (
    RATIO_SCALE,
    Collaborative,
    ImportBatch,
    KPIDefinition,
    Membership,
    Milestone,
    MilestoneUpdate,
    Observation,
    Profession,
    ProfessionAlias,
    Succession,
    Trust,
    TrustMonthRollup,
    Workstream,
)
from kpi.months import add_months

Level = Literal["system", "collaborative", "trust"]
LEVELS: tuple[Level, ...] = ("system", "collaborative", "trust")
SYSTEM_NAME = "Cheshire and Merseyside"

SERIES_COLUMNS = [
    "kpi_code",
    "level",
    "scope_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "contributors",
    "synthetic",
    "expected",
    "provisional",
]
PROFESSION_COLUMNS = [
    "kpi_code",
    "profession_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "synthetic",
]
LATEST_COLUMNS = [
    "kpi_code",
    "level",
    "scope_code",
    "period",
    "value",
    "previous_period",
    "previous_value",
    "last_year_period",
    "last_year_value",
    "synthetic",
    "provisional",
    "expected",
    "contributors",
]


@dataclass(frozen=True)
class KPIFilter:
    """What the user selected. None = no restriction; () = nothing selected. `default_period`: the viewer
    chose no period, so each KPI shows its own default months (kpi.reading.window); the period fields
    then hold the sidebar's default and the reads here use them as they are."""

    period_from: dt.date | None = None
    period_to: dt.date | None = None
    collaboratives: tuple[str, ...] | None = None
    trusts: tuple[str, ...] | None = None
    professions: tuple[str, ...] | None = None
    workstreams: tuple[str, ...] | None = None
    kpis: tuple[str, ...] | None = None
    default_period: bool = False

    def selects_nothing(self) -> bool:
        chosen = (self.collaboratives, self.trusts, self.professions, self.workstreams, self.kpis)
        if any(value == () for value in chosen):
            return True
        return bool(self.period_from and self.period_to and self.period_from > self.period_to)

    def but(self, **changes) -> KPIFilter:
        """A copy with some fields changed."""
        return replace(self, **changes)


def relevant_filter(flt: KPIFilter, level: Level) -> KPIFilter:
    """The filter without the fields that cannot change a result at `level`: the system total ignores
    the trust and collaborative choice, a collaborative ignores the trust choice. Used as a cache key,
    so that picking a trust does not recompute the system and collaborative figures."""
    if level == "system":
        return flt.but(trusts=None, collaboratives=None)
    if level == "collaborative":
        return flt.but(trusts=None)
    return flt


def _empty(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    for column in ("period", "previous_period", "last_year_period"):
        if column in frame:
            frame[column] = pd.Series(dtype="datetime64[ns]")
    return frame


# --- building blocks -------------------------------------------------------------------------------

_o = Observation.__table__
_k = KPIDefinition.__table__
_b = ImportBatch.__table__
_s = Succession.__table__
_m = Membership.__table__


def _observations(flt: KPIFilter) -> Select:
    """Observation rows in the filter, with the trust they count under after any merger."""
    effective_trust = func.coalesce(_s.c.successor_code, _o.c.trust_code)
    query = (
        select(
            _o.c.kpi_code,
            _k.c.rollup,
            effective_trust.label("trust_code"),
            _o.c.profession_code,
            _o.c.period,
            _o.c.value,
            _o.c.numerator,
            _o.c.denominator,
            case((_b.c.is_synthetic, 1), else_=0).label("synthetic"),
        )
        .join(_k, _k.c.code == _o.c.kpi_code)
        .join(_b, _b.c.id == _o.c.batch_id)
        .outerjoin(
            _s,
            and_(
                _s.c.old_code == _o.c.trust_code,
                _s.c.status == "confirmed",
                _o.c.period >= _s.c.effective_from,
            ),
        )
    )
    if flt.period_from:
        query = query.where(_o.c.period >= flt.period_from)
    if flt.period_to:
        query = query.where(_o.c.period <= flt.period_to)
    if flt.kpis is not None:
        query = query.where(_o.c.kpi_code.in_(flt.kpis))
    if flt.workstreams is not None:
        query = query.where(_k.c.workstream_code.in_(flt.workstreams))
    if flt.professions is not None:
        query = query.where(_o.c.profession_code.in_(flt.professions))
    return query


def _profession_rule(profession_code, column):
    """SQL aggregate: the sum over profession rows when there are any, else the all-AHP row."""
    return case(
        (func.count(profession_code) > 0, func.sum(case((profession_code.is_not(None), column)))),
        else_=func.sum(column),
    )


def _rolled_up(rows):
    """Sum value, numerator and denominator over `rows`, grouped; the value of a ratio KPI is
    recomputed from the summed numerator and denominator."""
    numerator = func.sum(rows.c.numerator)
    denominator = func.sum(rows.c.denominator)
    value = case(
        (rows.c.rollup == "ratio", literal(RATIO_SCALE) * numerator / func.nullif(denominator, 0)),
        else_=func.sum(rows.c.value),
    )
    return value, numerator, denominator


def _reporting_codes(
    trusts: tuple[str, ...] | None, collaboratives: tuple[str, ...] | None, trust_code=_o.c.trust_code
):
    """SQL condition on `trust_code` (observations' by default) narrowing the scan to rows that can count
    for the chosen trusts or collaboratives: their own codes and the old codes of trusts merged into
    them. A superset; the exact rules are applied after the roll-up. None when nothing narrows the scan."""
    conditions = []
    if trusts is not None:
        merged_in = select(_s.c.old_code).where(_s.c.successor_code.in_(trusts), _s.c.status == "confirmed")
        conditions.append(or_(trust_code.in_(trusts), trust_code.in_(merged_in)))
    if collaboratives is not None:
        members = select(_m.c.trust_code).where(
            _m.c.collaborative_code.in_(collaboratives), _m.c.status == "confirmed"
        )
        merged_in = select(_s.c.old_code).where(_s.c.successor_code.in_(members), _s.c.status == "confirmed")
        conditions.append(or_(trust_code.in_(members), trust_code.in_(merged_in)))
    return and_(*conditions) if conditions else None


_r = TrustMonthRollup.__table__


def _stored(flt: KPIFilter, *, trusts: bool):
    """Rows of the roll-up table (kpi.rollups) in the filter's months, KPIs and workstreams: the trust
    rows, or (trusts=False) the system-level ones. Only without a profession filter: the table holds
    professions already combined."""
    query = select(
        _r.c.kpi_code,
        _r.c.rollup,
        *([_r.c.trust_code] if trusts else []),
        _r.c.period,
        _r.c.value,
        _r.c.numerator,
        _r.c.denominator,
        _r.c.synthetic,
    ).where(_r.c.trust_code.is_not(None) if trusts else _r.c.trust_code.is_(None))
    if flt.period_from:
        query = query.where(_r.c.period >= flt.period_from)
    if flt.period_to:
        query = query.where(_r.c.period <= flt.period_to)
    if flt.kpis is not None:
        query = query.where(_r.c.kpi_code.in_(flt.kpis))
    if flt.workstreams is not None:
        in_streams = select(_k.c.code).where(_k.c.workstream_code.in_(flt.workstreams))
        query = query.where(_r.c.kpi_code.in_(in_streams))
    return query


def _trust_months(flt: KPIFilter, *, narrow: bool = False, raw: bool = False):
    """One row per KPI, trust (after mergers) and month, professions combined by the profession rule:
    from the roll-up table, or computed from the observations (`raw`, or under a profession filter).
    With `narrow`, only rows that can count for the filter's trusts and collaboratives are read."""
    if not raw and flt.professions is None:
        query = _stored(flt, trusts=True)
        condition = _reporting_codes(flt.trusts, flt.collaboratives, _r.c.trust_code) if narrow else None
        return (query if condition is None else query.where(condition)).subquery("trust_months")
    query = _observations(flt).where(_o.c.trust_code.is_not(None))
    condition = _reporting_codes(flt.trusts, flt.collaboratives) if narrow else None
    if condition is not None:
        query = query.where(condition)
    base = query.subquery("obs")
    pc = base.c.profession_code
    return (
        select(
            base.c.kpi_code,
            base.c.rollup,
            base.c.trust_code,
            base.c.period,
            _profession_rule(pc, base.c.value).label("value"),
            _profession_rule(pc, base.c.numerator).label("numerator"),
            _profession_rule(pc, base.c.denominator).label("denominator"),
            func.max(base.c.synthetic).label("synthetic"),
        )
        .group_by(base.c.kpi_code, base.c.rollup, base.c.trust_code, base.c.period)
        .subquery("trust_months")
    )


def _system_rows(flt: KPIFilter, *, raw: bool = False):
    """System-level rows (no trust) for KPI-months that have no trust figures: from the roll-up table,
    or computed from the observations (`raw`, or under a profession filter)."""
    if not raw and flt.professions is None:
        return _stored(flt, trusts=False).add_columns(literal(0).label("contributors"))
    base = _observations(flt).where(_o.c.trust_code.is_(None)).subquery("sys_obs")
    pc = base.c.profession_code
    trust_figures = _o.alias("trust_obs")
    has_trust_rows = exists().where(
        trust_figures.c.kpi_code == base.c.kpi_code,
        trust_figures.c.period == base.c.period,
        trust_figures.c.trust_code.is_not(None),
    )
    return (
        select(
            base.c.kpi_code,
            base.c.rollup,
            base.c.period,
            _profession_rule(pc, base.c.value).label("value"),
            _profession_rule(pc, base.c.numerator).label("numerator"),
            _profession_rule(pc, base.c.denominator).label("denominator"),
            func.max(base.c.synthetic).label("synthetic"),
            literal(0).label("contributors"),
        )
        .where(~has_trust_rows)
        .group_by(base.c.kpi_code, base.c.rollup, base.c.period)
    )


def rollup_rows(flt: KPIFilter | None = None) -> CompoundSelect:
    """What the roll-up table holds (kpi.rollups), computed from the observations with the rules above:
    every KPI, trust (after mergers) and month with professions combined, and the system-level figures
    of KPI-months with no trust figures (trust_code null); only the KPIs and months of `flt`, given one
    (a write that touched those)."""
    flt = flt or KPIFilter()
    tm = _trust_months(flt, raw=True)
    system = _system_rows(flt, raw=True).subquery("system_rows")
    columns = ("value", "numerator", "denominator", "synthetic")
    return union_all(
        select(tm.c.kpi_code, tm.c.rollup, tm.c.trust_code, tm.c.period, *(tm.c[c] for c in columns)),
        select(
            system.c.kpi_code,
            system.c.rollup,
            literal(None).label("trust_code"),
            system.c.period,
            *(system.c[c] for c in columns),
        ),
    )


def _rollup(rows, scope, contributors, *, per_scope: bool = True) -> Select:
    """One row per KPI, scope and month of `rows`, with the roll-up rules applied. `scope` is a column
    of `rows` to group on, or (per_scope=False) a constant such as the system's code."""
    value, numerator, denominator = _rolled_up(rows)
    group_by = [rows.c.kpi_code, rows.c.rollup, rows.c.period, *([scope] if per_scope else [])]
    return select(
        rows.c.kpi_code,
        scope.label("scope_code"),
        rows.c.period,
        value.label("value"),
        numerator.label("numerator"),
        denominator.label("denominator"),
        contributors.label("contributors"),
        func.max(rows.c.synthetic).label("synthetic"),
    ).group_by(*group_by)


def _series_query(flt: KPIFilter, level: Level, raw: bool = False) -> Select:
    tm = _trust_months(relevant_filter(flt, level), narrow=level != "system", raw=raw)
    if level == "trust":
        query = _rollup(tm, tm.c.trust_code, func.count())
        if flt.trusts is not None:
            query = query.where(tm.c.trust_code.in_(flt.trusts))
        else:
            query = query.where(in_system(tm.c.trust_code, tm.c.period))
        if flt.collaboratives is not None:
            query = query.where(in_collaborative(tm.c.trust_code, tm.c.period, flt.collaboratives))
        return query

    if level == "collaborative":
        joined = (
            select(tm, _m.c.collaborative_code)
            .join(_m, membership_at(tm.c.trust_code, tm.c.period))
            .subquery("collab_months")
        )
        query = _rollup(joined, joined.c.collaborative_code, func.count())
        if flt.collaboratives is not None:
            query = query.where(joined.c.collaborative_code.in_(flt.collaboratives))
        return query

    # System: the trusts in the system that month once each, plus system-only rows; rolled up together.
    member_rows = select(
        tm.c.kpi_code,
        tm.c.rollup,
        tm.c.period,
        tm.c.value,
        tm.c.numerator,
        tm.c.denominator,
        tm.c.synthetic,
        literal(1).label("contributors"),
    ).where(in_system(tm.c.trust_code, tm.c.period))
    rows = union_all(member_rows, _system_rows(flt, raw=raw)).subquery("system_rows")
    return _rollup(rows, literal(SYSTEM_CODE), func.sum(rows.c.contributors), per_scope=False)


def _read(engine: Engine, query) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Months as timestamps, figures as floats, the synthetic flag as bool, whatever the backend sent."""
    frame["period"] = pd.to_datetime(frame["period"])
    for column in ("value", "numerator", "denominator"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame


def _tidy_series(frame: pd.DataFrame, level: Level, engine: Engine) -> pd.DataFrame:
    frame = _typed(frame)
    frame["level"] = level
    frame["contributors"] = frame["contributors"].astype(int)
    frame = completeness.annotate(frame, level, engine)
    return frame[SERIES_COLUMNS].sort_values(["kpi_code", "scope_code", "period"], ignore_index=True)


# --- the public reads ------------------------------------------------------------------------------


def kpi_series(flt: KPIFilter, level: Level, engine: Engine, *, raw: bool = False) -> pd.DataFrame:
    """KPI time series at one level: one row per KPI, scope (trust, collaborative or the system) and
    month, with value, numerator, denominator, how many trusts contributed, whether any of the data is
    synthetic, how many trusts were expected to report and whether the month is provisional (too few
    of them reported: kpi.completeness; a trust's own row is never provisional). Read from the roll-up
    table (kpi.rollups), recomputed first if the figures changed; `raw` computes from the observations
    (the tests check both give the same)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if flt.selects_nothing():
        return _empty(SERIES_COLUMNS)
    from kpi.rollups import ensure_fresh  # kpi.rollups builds its table with this module's rules

    if not raw:
        ensure_fresh(engine)
    frame = _read(engine, _series_query(flt, level, raw))
    if frame.empty:
        return _empty(SERIES_COLUMNS)
    return _tidy_series(frame, level, engine)


def profession_breakdown(flt: KPIFilter, engine: Engine) -> pd.DataFrame:
    """KPIs by profession and month, over the selected trusts (the trusts in the system that month if none
    chosen).
    Only KPIs collected by profession appear."""
    if flt.selects_nothing():
        return _empty(PROFESSION_COLUMNS)
    base = _observations(flt).where(_o.c.profession_code.is_not(None)).subquery("obs")
    value, numerator, denominator = _rolled_up(base)
    query = select(
        base.c.kpi_code,
        base.c.profession_code,
        base.c.period,
        value.label("value"),
        numerator.label("numerator"),
        denominator.label("denominator"),
        func.max(base.c.synthetic).label("synthetic"),
    ).group_by(base.c.kpi_code, base.c.rollup, base.c.profession_code, base.c.period)
    if flt.trusts is not None:
        query = query.where(base.c.trust_code.in_(flt.trusts))
    else:
        query = query.where(in_system(base.c.trust_code, base.c.period))
    if flt.collaboratives is not None:
        query = query.where(in_collaborative(base.c.trust_code, base.c.period, flt.collaboratives))
    frame = _read(engine, query)
    if frame.empty:
        return _empty(PROFESSION_COLUMNS)
    frame = _typed(frame)[PROFESSION_COLUMNS]
    return frame.sort_values(["kpi_code", "profession_code", "period"], ignore_index=True)


def latest_values(
    flt: KPIFilter, level: Level, engine: Engine, include_provisional: bool = False
) -> pd.DataFrame:
    """For each KPI and scope: the latest complete month in the filter's range (the latest month with
    any data when `include_provisional`), its value, the value for the month before, and for the same
    month a year earlier (NaN where there is none); whether it is provisional, and how many trusts were
    expected and contributed ("2 of 15 trusts")."""
    if flt.selects_nothing():
        return _empty(LATEST_COLUMNS)
    return latest_from_series(kpi_series(widened(flt), level, engine), flt.period_from, include_provisional)


def widened(flt: KPIFilter) -> KPIFilter:
    """The filter with a year more before its start: the months a latest value is compared with."""
    return flt.but(period_from=add_months(flt.period_from, -12) if flt.period_from else None)


def latest_from_series(
    series: pd.DataFrame, period_from: dt.date | None, include_provisional: bool = False
) -> pd.DataFrame:
    """latest_values from a series already read over the widened filter (`widened`): no second read."""
    if series.empty:
        return _empty(LATEST_COLUMNS)
    in_range = series if period_from is None else series[series["period"] >= pd.Timestamp(period_from)]
    if not include_provisional:
        in_range = in_range[~in_range["provisional"]]
    if in_range.empty:
        return _empty(LATEST_COLUMNS)
    latest = in_range.loc[in_range.groupby(["kpi_code", "scope_code"])["period"].idxmax()]
    latest = latest.assign(
        previous_period=latest["period"] - pd.DateOffset(months=1),
        last_year_period=latest["period"] - pd.DateOffset(months=12),
    )
    values = series[["kpi_code", "scope_code", "period", "value"]]
    for prefix in ("previous", "last_year"):
        earlier = values.rename(columns={"period": f"{prefix}_period", "value": f"{prefix}_value"})
        latest = latest.merge(earlier, on=["kpi_code", "scope_code", f"{prefix}_period"], how="left")
    return latest[LATEST_COLUMNS].reset_index(drop=True)


def kpi_catalogue(engine: Engine) -> pd.DataFrame:
    """The KPI definitions with their workstream name, in catalogue order."""
    w = Workstream.__table__
    query = (
        select(_k, w.c.name.label("workstream_name"), w.c.sort_order.label("workstream_order"))
        .join(w, w.c.code == _k.c.workstream_code)
        .order_by(w.c.sort_order, _k.c.sort_order)
    )
    return _read(engine, query)


def rebase_points(engine: Engine) -> pd.DataFrame:
    from kpi.models import KPIRebasePoint

    frame = _read(engine, select(KPIRebasePoint.__table__))
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def trusts(engine: Engine) -> pd.DataFrame:
    """Every organisation with its collaboratives today (a list, possibly empty) and role."""
    t = Trust.__table__
    frame = _read(engine, select(t).order_by(t.c.role, t.c.name))
    members = memberships(engine)
    members = members[members["status"] == "confirmed"]
    current = members[members["valid_to"].isna() | (members["valid_to"] >= pd.Timestamp(dt.date.today()))]
    collabs = current.groupby("trust_code")["collaborative_code"].agg(lambda s: sorted(s))
    frame["collaboratives"] = frame["ods_code"].map(collabs).apply(lambda v: v if isinstance(v, list) else [])
    return frame


def memberships(engine: Engine) -> pd.DataFrame:
    frame = _read(engine, select(_m).order_by(_m.c.collaborative_code, _m.c.trust_code))
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def scope_spans(engine: Engine) -> pd.DataFrame:
    """Every span in which a trust counts in a scope (kpi.membership): trust_code, scope_code (C&M for
    the system, else the collaborative), valid_from and valid_to (NaT = open)."""
    return membership.spans(engine)


def successions(engine: Engine) -> pd.DataFrame:
    frame = _read(engine, select(_s).order_by(_s.c.effective_from))
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    return frame


def collaboratives(engine: Engine) -> pd.DataFrame:
    c = Collaborative.__table__
    return _read(engine, select(c).order_by(c.c.code))


def professions(engine: Engine) -> pd.DataFrame:
    p = Profession.__table__
    return _read(engine, select(p).order_by(p.c.sort_order))


def profession_aliases(engine: Engine) -> pd.DataFrame:
    a = ProfessionAlias.__table__
    return _read(engine, select(a).order_by(a.c.alias))


def workstreams(engine: Engine) -> pd.DataFrame:
    w = Workstream.__table__
    return _read(engine, select(w).order_by(w.c.sort_order))


def milestones(engine: Engine) -> pd.DataFrame:
    """The programme milestones with workstream name, in code order."""
    ms = Milestone.__table__
    w = Workstream.__table__
    query = (
        select(ms, w.c.name.label("workstream_name"))
        .join(w, w.c.code == ms.c.workstream_code)
        .order_by(ms.c.code)
    )
    frame = _read(engine, query)
    for column in ("baseline_due", "forecast_due", "completed_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def milestone_history(engine: Engine, code: str | None = None) -> pd.DataFrame:
    u = MilestoneUpdate.__table__
    query = select(u).order_by(u.c.changed_at.desc(), u.c.id.desc())
    if code is not None:
        query = query.where(u.c.milestone_code == code)
    return _read(engine, query)


def import_batches(engine: Engine) -> pd.DataFrame:
    """Every import batch, newest first: the import history and the list to undo from."""
    query = select(_b).order_by(_b.c.id.desc())
    frame = _read(engine, query)
    frame["imported_at"] = pd.to_datetime(frame["imported_at"], utc=True)
    frame["undone_at"] = pd.to_datetime(frame["undone_at"], utc=True)
    return frame


@dataclass(frozen=True)
class DataStatus:
    """What the database holds, for 'data as at' lines, notices and `python -m kpi info`."""

    first_period: dt.date | None
    last_period: dt.date | None
    last_import_at: dt.datetime | None
    any_synthetic: bool
    all_synthetic: bool


def _period_bound(which: Literal["min", "max"]) -> Select:
    """The earliest or latest month with an observation, as one index look-up per KPI (the key's index
    leads with kpi_code, period): a few dozen reads, not a scan of the observations."""
    bound = getattr(func, which)
    per_kpi = select(bound(_o.c.period)).where(_o.c.kpi_code == _k.c.code).correlate(_k).scalar_subquery()
    months = select(per_kpi.label("period")).select_from(_k).subquery()
    return select(bound(months.c.period))


def _has_observations(synthetic: bool) -> Select:
    """Whether any observation comes from a synthetic (or a real) batch: one index look-up per batch."""
    in_batch = exists().where(_o.c.batch_id == _b.c.id)
    return select(exists().where(_b.c.is_synthetic.is_(synthetic), in_batch))


def data_status(engine: Engine) -> DataStatus:
    """Read with index look-ups only (per KPI and per batch), never a count over the observations: a
    page's first run after a write pays a few milliseconds for it at any size of database (issue 25)."""
    last_import = select(func.max(_b.c.imported_at)).where(_b.c.status == "applied")
    with engine.connect() as conn:
        first = conn.execute(_period_bound("min")).scalar()
        last = conn.execute(_period_bound("max")).scalar()
        synthetic = bool(conn.execute(_has_observations(True)).scalar())
        real = bool(conn.execute(_has_observations(False)).scalar())
        imported_at = conn.execute(last_import).scalar()
    return DataStatus(
        first_period=_as_date(first),
        last_period=_as_date(last),
        last_import_at=imported_at if isinstance(imported_at, dt.datetime) or imported_at is None else None,
        any_synthetic=synthetic,
        all_synthetic=synthetic and not real,
    )


@dataclass(frozen=True)
class ObservationCounts:
    total: int
    synthetic: int


def observation_counts(engine: Engine) -> ObservationCounts:
    """How many observations, and how many synthetic: a scan, for `python -m kpi info` and the scaled
    demo, never for a page."""
    query = select(func.count(_o.c.id), func.sum(case((_b.c.is_synthetic, 1), else_=0))).join(
        _b, _b.c.id == _o.c.batch_id
    )
    with engine.connect() as conn:
        total, synthetic = conn.execute(query).one()
    return ObservationCounts(total=int(total or 0), synthetic=int(synthetic or 0))


def _as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table, for `python -m kpi info`."""
    from kpi.models import Base

    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


def trust_role_counts(engine: Engine) -> dict[str, int]:
    t = Trust.__table__
    frame = _read(engine, select(t.c.role, func.count()).group_by(t.c.role))
    return dict(zip(frame.iloc[:, 0], frame.iloc[:, 1].astype(int), strict=True))


__all__ = [
    "LEVELS",
    "SYSTEM_CODE",
    "SYSTEM_NAME",
    "DataStatus",
    "KPIFilter",
    "ObservationCounts",
    "collaboratives",
    "data_status",
    "import_batches",
    "kpi_catalogue",
    "kpi_series",
    "latest_values",
    "memberships",
    "milestone_history",
    "milestones",
    "observation_counts",
    "profession_aliases",
    "profession_breakdown",
    "professions",
    "scope_spans",
    "successions",
    "table_counts",
    "trusts",
    "workstreams",
]
