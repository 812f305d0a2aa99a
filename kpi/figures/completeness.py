"""Completeness and freshness: for every KPI, scope and month, how many trusts were expected to report
and how many did, so that a month only a few trusts have sent never becomes the headline. The rules
live here and only here:

- A trust *reported* KPI k in month m when it has any observation of k in m (any profession). Data under
  a merged trust's old code counts under its successor from the merger date
  (kpi.reference.membership.merger_of, the roll-ups' rule).
- A trust is *expected* for k in m in a scope when it counts in that scope in m (kpi.reference.membership's
rule,
  the same as the roll-ups': for the system, its system span covers m, whatever the collaboratives; for
  a collaborative, a confirmed membership does; system partners such as NWAS never) and it reported k
  in m or in one of the 12 months before. So a KPI only some trusts send is not provisional for ever,
  and a trust that stops sending leaves the following months provisional, which is honest.
- Scopes: the system expects its expected trusts; a collaborative, its expected members; a trust,
  itself.
- A month is *complete* for (k, scope) when reported >= ceil(complete_share x expected); with nobody
  expected (system-only KPIs such as funding) it is complete, and so is a system month whose figure is
  a system-level row (no trust reported: the row stands for the whole system). Otherwise it is
  *provisional*: shown in the series, never the "latest" month of a headline.
- Due dates: a month's figures are due by the last day of the month `lag_months` after it (the
  catalogue's publication lag), so the newest month that should be complete today is
  add_months(this month, -(lag_months + 1)) (`due_date`, `due_period`; used by kpi.figures.freshness and
  kpi.figures.submissions).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

import numpy as np
import pandas as pd
from sqlalchemy import (
    CompoundSelect,
    Connection,
    Engine,
    Select,
    delete,
    func,
    insert,
    literal,
    select,
    union,
)

from kpi.reference import membership
from kpi.reference.catalogue import KPI
from kpi.store.models import ImportBatch, KPIDefinition, MonthCount, Observation, TrustMonthRollup, Workstream
from kpi.words.formats import month_label
from kpi.words.months import add_months, current_month

Scope = Literal["system", "collaborative"]
Months = tuple[dt.date | pd.Timestamp, dt.date | pd.Timestamp] | None  # first and last month, or all
WINDOW = 12  # a trust that reported in one of the 12 months before m is expected in m
KEYS = ["kpi_code", "trust_code", "period"]

_o = Observation.__table__
_b = ImportBatch.__table__
_k = KPIDefinition.__table__
_w = Workstream.__table__
_c = MonthCount.__table__


# --- the rule (pure) -------------------------------------------------------------------------------


def needed(share: float | np.ndarray, expected: int | np.ndarray) -> np.ndarray:
    """How many reporting trusts make a month complete: ceil(share x expected). (A hair is taken off
    first so that 0.7 x 10, which is 7.000000000000001 in binary, needs 7, not 8.)"""
    return np.ceil(np.asarray(share, dtype=float) * np.asarray(expected) - 1e-9).astype(int)


def is_complete(reported, expected, share) -> np.ndarray:
    """Complete when reported >= ceil(share x expected); nobody expected is complete."""
    return np.asarray(reported) >= needed(share, expected)


def due_date(period: dt.date, lag_months: int) -> dt.date:
    """The last day of the month `lag_months` after `period`: the day its figures are due by."""
    return add_months(period, lag_months + 1) - dt.timedelta(days=1)


def due_period(today: dt.date, lag_months: int) -> dt.date:
    """The newest month whose figures are due by `today`, so should be complete now."""
    return add_months(current_month(today), -(lag_months + 1))


def _month_number(periods: pd.Series) -> np.ndarray:
    return (periods.dt.year * 12 + periods.dt.month - 1).to_numpy()


def _month_start(numbers: np.ndarray) -> np.ndarray:
    """The first days of the months numbered as _month_number does, as datetime64[ns]."""
    months = np.asarray(numbers, dtype="int64") - 1970 * 12
    return months.astype("datetime64[M]").astype("datetime64[ns]")


def _window(rows: pd.DataFrame, months: Months = None) -> pd.DataFrame:
    """Each (kpi_code, trust_code) with every month its reports make it a candidate for: the month of
    a report and the WINDOW months after it; only those from `months[0]` to `months[1]` when given (a
    write's or a preview's months: the rest would be thrown away). Deduplicated on integer codes, not
    text, so the cost follows the candidates kept."""
    width = WINDOW + 1
    pairs = rows[["kpi_code", "trust_code"]].drop_duplicates(ignore_index=True)
    code = rows.merge(pairs.reset_index(), on=["kpi_code", "trust_code"], how="left")["index"].to_numpy()
    month = np.repeat(_month_number(rows["period"]), width) + np.tile(np.arange(width), len(rows))
    code = np.repeat(code, width)
    if months is not None:
        lo, hi = (_month_number(pd.Series(pd.to_datetime(list(months))))).tolist()
        kept = (month >= lo) & (month <= hi)
        month, code = month[kept], code[kept]
    keys = np.unique(code.astype("int64") * (1 << 32) + month.astype("int64"))
    code, month = keys >> 32, keys & ((1 << 32) - 1)
    return pd.DataFrame(
        {
            "kpi_code": pairs["kpi_code"].to_numpy()[code],
            "trust_code": pairs["trust_code"].to_numpy()[code],
            "period": _month_start(month),
        }
    )


def expected_trusts(reported: pd.DataFrame, spans: pd.DataFrame, months: Months = None) -> pd.DataFrame:
    """One row per KPI, expected trust, month and scope the trust counts in then (scope_code: the
    system's code or a collaborative's), with `reported` (bool). `reported` holds kpi_code, trust_code,
    period (trust after mergers; system rows, trust None, are left out); `spans` the spans of
    kpi.reference.membership (trust_code, scope_code, valid_from, valid_to); `months` (first, last): only the
    months in between (all when None)."""
    rows = reported.dropna(subset=["trust_code"]).drop_duplicates(KEYS)
    if rows.empty:
        return pd.DataFrame(columns=[*KEYS, "scope_code", "reported"])
    joined = _window(rows, months).merge(spans, on="trust_code")
    joined = joined[membership.covers_months(joined, joined["period"])]
    joined = joined.merge(rows[KEYS].assign(reported=True), on=KEYS, how="left")
    joined["reported"] = joined["reported"].astype("boolean").fillna(False).astype(bool)
    return joined[[*KEYS, "scope_code", "reported"]].reset_index(drop=True)


def month_counts(
    reported: pd.DataFrame, spans: pd.DataFrame, scope: Scope, months: Months = None
) -> pd.DataFrame:
    """Expected and reporting trusts per KPI and month (and collaborative, as scope_code): kpi_code,
    [scope_code], period, expected, reported, and `system_figure` (a system-level row and no expected
    trust reported; always False for a collaborative). `spans`: kpi.reference.membership's. With `months`
    (first, last), only the months in between are counted: the same counts for them as without."""
    if reported.empty:
        columns = ["kpi_code", *(["scope_code"] if scope == "collaborative" else []), "period"]
        return pd.DataFrame(columns=[*columns, "expected", "reported", "system_figure"])
    if scope == "collaborative":
        expected = expected_trusts(reported, membership.collaborative_spans(spans), months)
        keys = ["kpi_code", "scope_code", "period"]
    else:
        expected = expected_trusts(reported, membership.system_spans(spans), months).drop_duplicates(KEYS)
        keys = ["kpi_code", "period"]
    counts = expected.groupby(keys, as_index=False).agg(
        expected=("trust_code", "size"), reported=("reported", "sum")
    )
    if scope == "collaborative":
        return counts.assign(system_figure=False)
    system_rows = reported[reported["trust_code"].isna()][keys].drop_duplicates().assign(system_row=True)
    if months is not None:
        system_rows = system_rows[system_rows["period"].between(*pd.to_datetime(list(months)))]
    counts = counts.merge(system_rows, on=keys, how="outer")
    counts[["expected", "reported"]] = counts[["expected", "reported"]].fillna(0).astype(int)
    has_row = counts["system_row"].astype("boolean").fillna(False).astype(bool)
    counts["system_figure"] = has_row & (counts["reported"] == 0)
    return counts.drop(columns="system_row")


def provisional(counts: pd.DataFrame, shares: pd.Series) -> pd.Series:
    """True for each month_counts row that is provisional (`shares`: complete_share by KPI code)."""
    share = counts["kpi_code"].map(shares).fillna(1.0).to_numpy()
    complete = is_complete(counts["reported"].to_numpy(), counts["expected"].to_numpy(), share)
    return pd.Series(~complete & ~counts["system_figure"].to_numpy(dtype=bool), index=counts.index)


# --- reads -----------------------------------------------------------------------------------------


def read_frame(bind: Engine | Connection, query) -> pd.DataFrame:
    """`query`'s rows as a frame, through an engine or inside a caller's transaction."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return read_frame(conn, query)
    result = bind.execute(query)
    # Plain tuples: pandas probes each Row object for attributes, which is slow on thousands of rows.
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=list(result.keys()))


def between(query, table, kpis, period_from, period_to):
    """`query` narrowed to the KPIs and months given (None: no limit), on `table`'s columns."""
    if kpis is not None:
        query = query.where(table.c.kpi_code.in_(list(kpis)))
    if period_from is not None:
        query = query.where(table.c.period >= period_from)
    if period_to is not None:
        query = query.where(table.c.period <= period_to)
    return query


def reported_in_observations(kpis, period_from, period_to) -> Select:
    """Who reported what, read from the observations themselves, each trust after mergers ('' for the
    system)."""
    trust = func.coalesce(membership.trust_after_mergers(_o.c.trust_code), "")
    query = (
        select(_o.c.kpi_code, _o.c.period, trust.label("trust_code"))
        .outerjoin(membership.SUCCESSIONS, membership.merger_of(_o.c.trust_code, _o.c.period))
        .group_by(_o.c.kpi_code, _o.c.period, trust)
    )
    return between(query, _o, kpis, period_from, period_to)


def reported_in_rollups(kpis, period_from, period_to) -> CompoundSelect:
    r = TrustMonthRollup.__table__
    trusts = select(r.c.kpi_code, r.c.period, r.c.trust_code).where(r.c.trust_code.is_not(None))
    system = select(_o.c.kpi_code, _o.c.period, literal("").label("trust_code")).where(
        _o.c.trust_code.is_(None)
    )
    return union(
        between(trusts, r, kpis, period_from, period_to),
        between(system, _o, kpis, period_from, period_to),
    )


def reporters_in(bind: Engine | Connection, query: Select | CompoundSelect) -> pd.DataFrame:
    frame = read_frame(bind, query)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["trust_code"] = frame["trust_code"].replace("", None)
    return frame[KEYS].drop_duplicates(ignore_index=True)  # trusts after mergers: the queries map them


def kpi_rules(engine: Engine) -> pd.DataFrame:
    """The catalogue in catalogue order, indexed by KPI code (lag_months and complete_share with it)."""
    query = select(_k).join(_w, _w.c.code == _k.c.workstream_code).order_by(_w.c.sort_order, _k.c.sort_order)
    return read_frame(engine, query).set_index("code", drop=False)


# --- stored once per write (kpi.figures.rollups) -----------------------------------------------------------

COUNT_COLUMNS = ["kpi_code", "scope_code", "period", "expected", "reported", "system_figure"]


def all_counts(reported: pd.DataFrame, spans: pd.DataFrame, months: Months = None) -> pd.DataFrame:
    """`month_counts` for the system (scope_code None) and for each collaborative, in one frame: what
    the rollup_month_counts table holds (of `months` only, when given)."""
    system = month_counts(reported, spans, "system", months).assign(scope_code=None)
    collaborative = month_counts(reported, spans, "collaborative", months)
    return pd.concat([system, collaborative], ignore_index=True)[COUNT_COLUMNS]


def store_counts(
    conn: Connection,
    kpis: list[str] | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> None:
    """Recompute the stored counts in the caller's transaction, from the roll-up table (refreshed
    first: kpi.figures.rollups.refresh) and the spans (kpi.reference.membership): every KPI and month, or
    only `kpis` from
    `period_from` to `period_to` (a write that touched those). Who is expected in a month depends only
    on the WINDOW months before it, so reading the reports from WINDOW months before `period_from` makes
    the counts of the range exact."""
    read_from = add_months(period_from, -WINDOW) if period_from is not None else None
    found = reporters_in(conn, reported_in_rollups(kpis, read_from, period_to))
    months = (period_from, period_to) if period_from is not None and period_to is not None else None
    counts = all_counts(found, membership.spans(conn), months)
    stored = delete(MonthCount)
    if kpis is not None:
        stored = stored.where(MonthCount.kpi_code.in_(kpis))
    if period_from is not None:
        stored = stored.where(MonthCount.period >= period_from)
        counts = counts[counts["period"] >= pd.Timestamp(period_from)]
    if period_to is not None:
        stored = stored.where(MonthCount.period <= period_to)
        counts = counts[counts["period"] <= pd.Timestamp(period_to)]
    conn.execute(stored)
    if counts.empty:
        return
    records = [
        {
            "kpi_code": row.kpi_code,
            "scope_code": row.scope_code if isinstance(row.scope_code, str) else None,
            "period": cast(pd.Timestamp, row.period).date(),
            "expected": int(cast(int, row.expected)),
            "reported": int(cast(int, row.reported)),
            "system_figure": bool(row.system_figure),
        }
        for row in counts.itertuples(index=False)
    ]
    conn.execute(insert(MonthCount), records)


# --- the import preview ----------------------------------------------------------------------------


def _import_line(kpi: KPI, month, headline: pd.Timestamp | None) -> str:
    showing = (
        f"headline figures keep showing {month_label(headline)}"
        if headline is not None
        else "no month of it is complete yet, so headline figures show none"
    )
    return (
        f"{month_label(month.period)}: {month.reported} of {month.expected} expected trusts for "
        f"{kpi.name_in_sentence}; the month stays provisional ({showing}) until the rest report."
    )


def outlook(
    existing: pd.DataFrame,
    incoming: pd.DataFrame,
    spans: pd.DataFrame,
    rules: pd.DataFrame,
    unchanged: pd.DataFrame | None = None,
) -> list[str]:
    """What the headline will make of each KPI and month of an import, as the database would be after
    it (`existing` and `incoming` reporters together): one line per provisional month, in catalogue and
    month order, or one line saying every month will be complete. Given `unchanged` (the stored system
    counts of the months the import cannot change, kpi.ingest.preview), `existing` need hold only the
    reports of the months it can change and the WINDOW months before them."""
    reported = pd.concat([existing, incoming], ignore_index=True)
    if unchanged is not None:
        first, last = incoming["period"].min(), incoming["period"].max() + pd.DateOffset(months=WINDOW)
        counts = month_counts(reported, spans, "system", (first, last))
        counts = pd.concat([unchanged[counts.columns], counts], ignore_index=True)
    else:
        counts = month_counts(reported, spans, "system")
    counts["provisional"] = provisional(counts, rules["complete_share"])
    with_data = counts[(counts["reported"] > 0) | counts["system_figure"]]
    headline = with_data[~with_data["provisional"]].groupby("kpi_code")["period"].max()
    months = incoming[["kpi_code", "period"]].drop_duplicates().merge(with_data, on=["kpi_code", "period"])
    months = months[months["provisional"]]
    order = {code: i for i, code in enumerate(rules.index)}
    months = months.assign(order=months["kpi_code"].map(order)).sort_values(["order", "period"])
    lines = [
        # rules is indexed by KPI code, unique (the catalogue key), so .loc gives one row.
        _import_line(
            KPI.from_row(cast(pd.Series, rules.loc[cast(str, month.kpi_code)])),
            month,
            headline.get(month.kpi_code),
        )
        for month in months.itertuples()
    ]
    return lines or [
        "Every month in the file will be complete once imported, so headline figures can show it."
    ]
