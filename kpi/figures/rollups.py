"""Roll-ups computed once per write. Every series starts from the same expensive step: each KPI, trust
(after mergers) and month with professions combined, plus the system-level figures where no trust
reported (`rollup_rules.rollup_rows`). That step is stored in `rollup_trust_months` and recomputed only when
the figures change, so a page's read is a small indexed look-up on SQLite and PostgreSQL alike; the
membership and NWAS rules, which depend on the page's filters, are still applied when reading. A
profession filter reads the observations themselves (the table holds professions combined). With it,
`rollup_month_counts` holds the completeness counts (kpi.figures.completeness.store_counts): the trusts
expected and reporting per KPI, scope and month, from which every page's provisional months and each KPI's
freshness are read.

When the figures change:
- every write through `kpi.store.db.session_scope` that touched observations, import batches, successions,
  memberships or trusts recomputes both tables in the same transaction, so a failed write leaves both as
  they were and the first page after an import pays nothing. An import or an undo declares the KPIs and
  months it touched (`touch`) and only those are recomputed, so a write costs what it writes, not the
  size of the database; any other write (a demo load, reference data) recomputes all;
- before every series read, `ensure_fresh` compares the data version (one row, which every write to
  those tables bumps, through kpi or round it: triggers, migration 0011) with the one the tables were
  computed at, and recomputes them if it differs: a write that went round `session_scope` (a script,
  another tool) is never read stale.

The reads of the stored counts (`reporters`, `stored_counts`, `annotate`) live here, beside
`ensure_fresh`, so that kpi.figures.completeness (the rules) and kpi.figures.rollup_rules (the SQL) sit
below this module and kpi.figures.queries above it: no module imports one that imports it back. This
module registers `refresh` with kpi.store.db (db.on_figure_write), which imports nothing above it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import CompoundSelect, Connection, Engine, Select, delete, insert, select, update

from kpi.figures import completeness
from kpi.figures.completeness import (
    COUNT_COLUMNS,
    between,
    kpi_rules,
    provisional,
    read_frame,
    reported_in_observations,
    reported_in_rollups,
    reporters_in,
)
from kpi.figures.rollup_rules import KPIFilter, rollup_rows
from kpi.store import db
from kpi.store.models import DataVersion, MonthCount, RollupState, TrustMonthRollup
from kpi.words.months import add_months

_COLUMNS = ["kpi_code", "rollup", "trust_code", "period", "value", "numerator", "denominator", "synthetic"]


def fingerprint(conn: Connection) -> str:
    """What the roll-up was computed from: the data version, which every write to the figures bumps,
    through kpi or round it (triggers, migration 0011). One primary-key read."""
    version = conn.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
    return f"v{version}"


TOUCHED = "kpi_touched"  # a connection's info: the (KPI code, month) pairs a write declared it changed


def touch(conn: Connection, pairs: Iterable[tuple[str, dt.date]]) -> None:
    """Declare, in a write's transaction, the KPIs and months of observations it added, changed or
    removed (an import, an undo), so that session_scope refreshes only those: the write then costs what
    it writes, not the size of the database. A write that declares nothing gets a full refresh."""
    conn.info.setdefault(TOUCHED, set()).update((str(kpi), _month(period)) for kpi, period in pairs)


def _month(period: dt.date) -> dt.date:
    """The first day of the month of a date, a datetime or a pandas Timestamp."""
    day = period.date() if isinstance(period, dt.datetime) else period
    return day.replace(day=1)


def refresh(conn: Connection, touched: Iterable[tuple[str, dt.date]] | None = None) -> None:
    """Recompute the table from the observations, in the caller's transaction: all of it, or (`touched`
    pairs declared by the write) the rows of those KPIs from the first to the last month touched, and
    their counts to WINDOW months after (a report makes a trust expected for a year)."""
    pairs = set(touched) if touched is not None else None
    if not pairs:
        conn.execute(delete(TrustMonthRollup))
        conn.execute(insert(TrustMonthRollup).from_select(_COLUMNS, rollup_rows()))
        completeness.store_counts(conn)
    else:
        kpis = sorted({kpi for kpi, _ in pairs})
        first, last = min(month for _, month in pairs), max(month for _, month in pairs)
        r = TrustMonthRollup
        conn.execute(delete(r).where(r.kpi_code.in_(kpis), r.period >= first, r.period <= last))
        chosen = KPIFilter(kpis=tuple(kpis), period_from=first, period_to=last)
        conn.execute(insert(TrustMonthRollup).from_select(_COLUMNS, rollup_rows(chosen)))
        completeness.store_counts(conn, kpis, first, add_months(last, completeness.WINDOW))
    conn.execute(update(RollupState).where(RollupState.id == 1).values(fingerprint=fingerprint(conn)))


def forget(engine: Engine) -> None:
    """Mark the table stale, so the next read recomputes it: after the database was out of reach, when
    anything may have changed under it."""
    with engine.begin() as conn:
        conn.execute(update(RollupState).where(RollupState.id == 1).values(fingerprint=""))


def _stored_fingerprint(conn: Connection) -> str | None:
    return conn.execute(select(RollupState.fingerprint).where(RollupState.id == 1)).scalar_one_or_none()


def ensure_fresh(engine: Engine) -> None:
    """Recompute the table if the figures changed since it was computed (see the module)."""
    with engine.connect() as conn:
        if _stored_fingerprint(conn) == fingerprint(conn):
            return
    with engine.begin() as conn:
        # Take the state row's write lock first, then look again: two processes that both found the
        # table stale recompute it once, one after the other, never interleaved.
        conn.execute(
            update(RollupState).where(RollupState.id == 1).values(fingerprint=RollupState.fingerprint)
        )
        if _stored_fingerprint(conn) != fingerprint(conn):
            refresh(conn)


db.on_figure_write(refresh)


# --- reads of the stored counts (kpi.figures.completeness's rules) -----------------------------------------

_c = MonthCount.__table__


def reporters(
    engine: Engine,
    kpis: list[str] | tuple[str, ...] | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    *,
    raw: bool = False,
) -> pd.DataFrame:
    """Who reported what: distinct kpi_code, trust_code (after mergers; None for a system-level row) and
    period (as a timestamp) of the observations, for the KPIs and months given (all when None). The
    trusts come from the roll-up table (one row per KPI, trust and month reported: kpi.figures.rollups) and
    the system-level rows from the observations' trust index; `raw` reads only the observations (the tests
    check both give the same)."""
    if raw:
        query: Select | CompoundSelect = reported_in_observations(kpis, period_from, period_to)
    else:
        ensure_fresh(engine)
        query = reported_in_rollups(kpis, period_from, period_to)
    return reporters_in(engine, query)


def stored_counts(
    engine: Engine,
    level: str,
    kpis: list[str] | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> pd.DataFrame:
    """The stored counts at the system or collaborative level, as `month_counts` gives them (a
    collaborative's code in scope_code; no scope_code for the system); brought up to date first if the
    figures changed since they were computed."""
    ensure_fresh(engine)
    system = level == "system"
    query = select(*(_c.c[column] for column in COUNT_COLUMNS))
    query = query.where(_c.c.scope_code.is_(None) if system else _c.c.scope_code.is_not(None))
    frame = read_frame(engine, between(query, _c, kpis, period_from, period_to))
    frame["period"] = pd.to_datetime(frame["period"])
    frame = frame.astype({"expected": int, "reported": int, "system_figure": bool})
    return frame.drop(columns="scope_code") if system else frame


def annotate(series: pd.DataFrame, level: str, engine: Engine) -> pd.DataFrame:
    """A kpi_series frame with `expected` (trusts expected in the scope) and `provisional` added. A
    trust's own row is never provisional (it exists only when the trust reported)."""
    if series.empty or level == "trust":
        return series.assign(expected=1, provisional=False)
    kpis = sorted(series["kpi_code"].unique())
    first, last = series["period"].min().date(), series["period"].max().date()
    counts = stored_counts(engine, level, kpis, first, last)
    counts["provisional"] = provisional(counts, kpi_rules(engine)["complete_share"])
    keys = ["kpi_code", "scope_code", "period"] if level == "collaborative" else ["kpi_code", "period"]
    out = series.merge(counts[[*keys, "expected", "provisional"]], on=keys, how="left")
    out["expected"] = out["expected"].fillna(0).astype(int)
    out["provisional"] = out["provisional"].astype("boolean").fillna(False).astype(bool)
    return out
