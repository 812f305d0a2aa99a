"""Which trust's figures count in which scope in a month: the one rule, written once here and used by the
series and roll-ups (as SQL), by completeness, submissions and the import outlook (on frames) and by the
events a chart marks (for one day).

- **The system (C&M)** counts a trust in every month its system span covers: `trusts.in_system` with
  `system_from` to `system_to` (data/reference/trusts.csv, each with its source). That is every month the
  trust provided C&M services, whatever the collaboratives and whenever they were formed. Data under a
  merged trust's old code counts under its successor from the merger date (`merger_of`, below),
  so a predecessor's span ends the day before its merger and its later rows count once, as the successor's.
  System partners (NWAS) are never in the system (the reference loader refuses one that is).
- **A collaborative** counts a trust in every month a confirmed membership covers
  (data/reference/memberships.csv, each with its source); planned memberships are notes.
- **A span covers month m** (m its first day) when its start is empty or on or before m, and its end is
  empty or on or after m. An empty start means the start is not known: the trust counts from the start
  of the data. An empty end means still (or until a merger). So a span starting 2019-10-01 covers Oct 2019
  and not Sep 2019; one ending 2019-09-30 covers Sep 2019 and not Oct 2019.

Imports nothing from kpi above the models, so kpi.figures.queries and kpi.figures.completeness can both use
it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, exists, func, literal, or_, select, union_all

from kpi.store.models import Membership, Succession, Trust

SYSTEM_CODE = "C&M"  # the system's scope code (and the scope_code of its spans)
# The integrated care board: it commissions services; its own staff are not a trust's, so they are in no
# trust, collaborative or system total. Publications list it as an organisation with its own rows.
ICB_CODE = "QYG"
ICB_NAME = "NHS Cheshire and Merseyside ICB"
SPAN_COLUMNS = ["trust_code", "scope_code", "valid_from", "valid_to"]

_t = Trust.__table__
_m = Membership.__table__
_s = Succession.__table__


# --- the covering rule, in the three forms it is needed ------------------------------------------------


def covers(valid_from: Any, valid_to: Any, period: Any) -> Any:
    """SQL: the span from `valid_from` to `valid_to` (columns; NULL = open) covers the month `period`."""
    return and_(
        or_(valid_from.is_(None), valid_from <= period),
        or_(valid_to.is_(None), valid_to >= period),
    )


def covers_months(spans: pd.DataFrame, period: pd.Series) -> pd.Series:
    """The same rule on a frame: for each row of `spans` (valid_from, valid_to as timestamps, NaT =
    open), whether it covers the month in `period` (aligned with it)."""
    start, end = spans["valid_from"], spans["valid_to"]
    return (start.isna() | (start <= period)) & (end.isna() | (end >= period))


def covers_day(valid_from: Any, valid_to: Any, day: dt.date | pd.Timestamp) -> bool:
    """The same rule for one day and one span (dates, text or timestamps; None, NaT or '' = open)."""
    stamp = pd.Timestamp(day)
    start, end = _day(valid_from), _day(valid_to)
    return (start is None or start <= stamp) and (end is None or end >= stamp)


def _day(value: Any) -> pd.Timestamp | None:
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).normalize()


# --- mergers: the one rule, as SQL (kpi.figures.rollup_rules, kpi.figures.completeness,
# kpi.figures.submissions) ---------------


def merger_of(trust_code: Any, period: Any) -> Any:
    """SQL join condition on the successions table: the confirmed merger under which a row of
    `trust_code` in month `period` belongs to the successor (from the merger's date on; planned mergers
    are notes). One step is all: the reference loader refuses a chain. Outer-join on it and read the
    trust with `trust_after_mergers`."""
    return and_(_s.c.old_code == trust_code, _s.c.status == "confirmed", period >= _s.c.effective_from)


def trust_after_mergers(trust_code: Any) -> Any:
    """SQL: the trust a row counts under, given an outer join on `merger_of`."""
    return func.coalesce(_s.c.successor_code, trust_code)


SUCCESSIONS = _s  # the table `merger_of` joins


# --- SQL conditions (kpi.figures.queries)
# ----------------------------------------------------------------------


def in_system(trust_code: Any, period: Any) -> Any:
    """SQL: the trust (after mergers) counts in the system total in that month."""
    return exists().where(
        _t.c.ods_code == trust_code,
        _t.c.in_system.is_(True),
        covers(_t.c.system_from, _t.c.system_to, period),
    )


def membership_at(trust_code: Any, period: Any, collaboratives: tuple[str, ...] | None = None) -> Any:
    """SQL condition on the memberships table: the trust is a confirmed member (of one of
    `collaboratives`, if given) in that month."""
    condition = and_(
        _m.c.trust_code == trust_code,
        _m.c.status == "confirmed",
        covers(_m.c.valid_from, _m.c.valid_to, period),
    )
    if collaboratives is not None:
        condition = and_(condition, _m.c.collaborative_code.in_(collaboratives))
    return condition


def in_collaborative(trust_code: Any, period: Any, collaboratives: tuple[str, ...] | None = None) -> Any:
    """SQL: the trust counts in some (or one of the given) collaboratives in that month."""
    return exists().where(membership_at(trust_code, period, collaboratives))


# --- the spans as a frame (kpi.figures.completeness, kpi.figures.submissions, kpi.figures.scopes)
# ------------------------------


def spans_query() -> Any:
    """Every span in which a trust counts in a scope: the system spans (scope_code C&M) and the confirmed
    memberships (scope_code the collaborative), with the columns of SPAN_COLUMNS."""
    system = select(
        _t.c.ods_code.label("trust_code"),
        literal(SYSTEM_CODE).label("scope_code"),
        _t.c.system_from.label("valid_from"),
        _t.c.system_to.label("valid_to"),
    ).where(_t.c.in_system.is_(True))
    collaboratives = select(
        _m.c.trust_code,
        _m.c.collaborative_code.label("scope_code"),
        _m.c.valid_from,
        _m.c.valid_to,
    ).where(_m.c.status == "confirmed")
    return union_all(system, collaboratives)


def spans(bind: Engine | Connection) -> pd.DataFrame:
    """The spans of `spans_query` as a frame, dates as timestamps (NaT = open)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return spans(conn)
    result = bind.execute(spans_query())
    frame = pd.DataFrame([tuple(row) for row in result.fetchall()], columns=SPAN_COLUMNS)
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def system_spans(frame: pd.DataFrame) -> pd.DataFrame:
    """The system's rows of a spans frame."""
    return frame[frame["scope_code"] == SYSTEM_CODE]


def collaborative_spans(frame: pd.DataFrame) -> pd.DataFrame:
    """The collaboratives' rows of a spans frame."""
    return frame[frame["scope_code"] != SYSTEM_CODE]
