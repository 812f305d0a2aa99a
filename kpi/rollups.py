"""Roll-ups computed once per write. Every series starts from the same expensive step: each KPI, trust
(after mergers) and month with professions combined, plus the system-level figures where no trust
reported (`queries.rollup_rows`). That step is stored in `rollup_trust_months` and recomputed only when
the figures change, so a page's read is a small indexed look-up on SQLite and PostgreSQL alike; the
membership and NWAS rules, which depend on the page's filters, are still applied when reading. A
profession filter reads the observations themselves (the table holds professions combined). With it,
`rollup_month_counts` holds the completeness counts (kpi.completeness.store_counts): the trusts expected
and reporting per KPI, scope and month, from which every page's provisional months and each KPI's
freshness are read.

When the figures change:
- every write through `kpi.db.session_scope` that touched observations, import batches, successions,
  memberships or trusts (an import, an undo, a demo load, reference data) recomputes both tables in the
  same transaction, so a
  failed write leaves both as they were and the first page after an import pays nothing;
- before every series read, `ensure_fresh` compares a fingerprint of the figures (a handful of counts
  and maxima on indexed columns) with the one the table was computed from, and recomputes it if they
  differ: a write that went round `session_scope` (a script, another tool) is never read stale."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from kpi import completeness, queries
from kpi.models import (
    ImportBatch,
    Membership,
    Observation,
    RollupState,
    Succession,
    Trust,
    TrustMonthRollup,
)

_COLUMNS = ["kpi_code", "rollup", "trust_code", "period", "value", "numerator", "denominator", "synthetic"]


def fingerprint(conn: Connection) -> str:
    """What the roll-up depends on, in a few indexed aggregates: it changes with every import, undo,
    demo load, deleted or changed observation batch, confirmed merger, membership and system span."""
    o, b, s = Observation.__table__, ImportBatch.__table__, Succession.__table__
    m, t = Membership.__table__, Trust.__table__
    confirmed = m.c.status == "confirmed"
    in_system = t.c.in_system.is_(True)
    row = conn.execute(
        select(
            select(func.count()).select_from(o).scalar_subquery(),
            select(func.max(o.c.id)).scalar_subquery(),
            select(func.count()).select_from(b).scalar_subquery(),
            select(func.max(b.c.id)).scalar_subquery(),
            select(func.count()).select_from(b).where(b.c.status == "applied").scalar_subquery(),
            select(func.count()).select_from(s).where(s.c.status == "confirmed").scalar_subquery(),
            select(func.max(s.c.effective_from)).where(s.c.status == "confirmed").scalar_subquery(),
            select(func.count()).select_from(m).where(confirmed).scalar_subquery(),
            select(func.max(m.c.valid_from)).where(confirmed).scalar_subquery(),
            select(func.max(m.c.valid_to)).where(confirmed).scalar_subquery(),
            select(func.count()).select_from(m).where(confirmed, m.c.valid_to.is_(None)).scalar_subquery(),
            select(func.count()).select_from(m).where(confirmed, m.c.valid_from.is_(None)).scalar_subquery(),
            select(func.min(m.c.valid_from)).where(confirmed).scalar_subquery(),
            select(func.count()).select_from(t).where(t.c.role == "partner").scalar_subquery(),
            select(func.count()).select_from(t).where(in_system).scalar_subquery(),
            select(func.count()).select_from(t).where(in_system, t.c.system_from.is_(None)).scalar_subquery(),
            select(func.count()).select_from(t).where(in_system, t.c.system_to.is_(None)).scalar_subquery(),
            select(func.min(t.c.system_from)).where(in_system).scalar_subquery(),
            select(func.max(t.c.system_from)).where(in_system).scalar_subquery(),
            select(func.min(t.c.system_to)).where(in_system).scalar_subquery(),
            select(func.max(t.c.system_to)).where(in_system).scalar_subquery(),
        )
    ).one()
    return "|".join("" if value is None else str(value) for value in row)


def refresh(conn: Connection) -> None:
    """Recompute the table from the observations, in the caller's transaction."""
    conn.execute(delete(TrustMonthRollup))
    conn.execute(insert(TrustMonthRollup).from_select(_COLUMNS, queries.rollup_rows()))
    completeness.store_counts(conn)
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
