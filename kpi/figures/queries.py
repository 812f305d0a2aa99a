"""Every read the app makes: a filter in, a tidy DataFrame out, aggregation done in SQL with the roll-up
rules of kpi.figures.rollup_rules (read from the table kpi.figures.rollups keeps, kept fresh before each
read).

Every series row also says how many trusts were expected to report and whether the month is provisional
(too few of them did: the rule is in kpi.figures.completeness); `latest_values` takes the newest complete
month unless asked to include provisional ones.

A filter field left as None means "no restriction"; an empty tuple means "nothing selected", which
returns an empty frame with the usual columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from sqlalchemy import Engine, Select, case, exists, func, select

from kpi.figures import rollups
from kpi.figures.rollup_rules import (
    LEVELS,
    KPIFilter,
    Level,
    observations,
    relevant_filter,
    rolled_up,
    rollup_rows,
    series_query,
)
from kpi.reference import membership
from kpi.reference.membership import SYSTEM_CODE, in_collaborative, in_system
from kpi.store.models import (
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
    Workstream,
)
from kpi.words.months import add_months

_o = Observation.__table__
_k = KPIDefinition.__table__
_b = ImportBatch.__table__
_s = Succession.__table__
_m = Membership.__table__

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


def _empty(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    for column in ("period", "previous_period", "last_year_period"):
        if column in frame:
            frame[column] = pd.Series(dtype="datetime64[ns]")
    return frame


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
    frame = rollups.annotate(frame, level, engine)
    return frame[SERIES_COLUMNS].sort_values(["kpi_code", "scope_code", "period"], ignore_index=True)


# --- the public reads ------------------------------------------------------------------------------


def kpi_series(flt: KPIFilter, level: Level, engine: Engine, *, raw: bool = False) -> pd.DataFrame:
    """KPI time series at one level: one row per KPI, scope (trust, collaborative or the system) and
    month, with value, numerator, denominator, how many trusts contributed, whether any of the data is
    synthetic, how many trusts were expected to report and whether the month is provisional (too few
    of them reported: kpi.figures.completeness; a trust's own row is never provisional). Read from the roll-up
    table (kpi.figures.rollups), recomputed first if the figures changed; `raw` computes from the observations
    (the tests check both give the same)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if flt.selects_nothing():
        return _empty(SERIES_COLUMNS)
    if not raw:
        rollups.ensure_fresh(engine)
    frame = _read(engine, series_query(flt, level, raw))
    if frame.empty:
        return _empty(SERIES_COLUMNS)
    return _tidy_series(frame, level, engine)


def profession_breakdown(flt: KPIFilter, engine: Engine) -> pd.DataFrame:
    """KPIs by profession and month, over the selected trusts (the trusts in the system that month if none
    chosen).
    Only KPIs collected by profession appear."""
    if flt.selects_nothing():
        return _empty(PROFESSION_COLUMNS)
    base = observations(flt).where(_o.c.profession_code.is_not(None)).subquery("obs")
    value, numerator, denominator = rolled_up(base)
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
    from kpi.store.models import KPIRebasePoint

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
    """Every span in which a trust counts in a scope (kpi.reference.membership): trust_code, scope_code (C&M
    for the system, else the collaborative), valid_from and valid_to (NaT = open)."""
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
    from kpi.store.models import Base

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
    "Level",
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
    "relevant_filter",
    "rollup_rows",
    "scope_spans",
    "successions",
    "table_counts",
    "trusts",
    "workstreams",
]
