"""Planning (`plan`): each valid row is new (added), differs from the stored figure (changed: old and new
are kept for the preview) or is identical (skipped). Importing the same file twice changes nothing and
writes nothing. The plan carries a fingerprint of the database so that applying it can tell whether
anything was imported or undone since."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, select

from kpi.ingest import tables

_o = tables.observations
_b = tables.batches


PLAN_COLUMNS = [
    "row",
    "action",
    "kpi_code",
    "period",
    "trust_code",
    "profession_code",
    "value",
    "numerator",
    "denominator",
    "old_value",
    "old_numerator",
    "old_denominator",
    "old_batch_id",
    "old_synthetic",
]


@dataclass
class Plan:
    """What importing the records would do to the database."""

    added: pd.DataFrame
    changed: pd.DataFrame  # with id, old_value, old_numerator, old_denominator, old_batch_id, old_synthetic
    skipped: int
    synthetic_replaced: int
    synthetic_in_database: int
    fingerprint: tuple


def observation_key(
    kpi: pd.Series, period_iso: pd.Series, trust: pd.Series, profession: pd.Series
) -> pd.Series:
    return (
        kpi.astype(str)
        + "|"
        + period_iso.astype(str)
        + "|"
        + trust.astype(str)
        + "|"
        + profession.astype(str)
    )


def fingerprint(
    conn: Connection, *, exclude_batch: int | None = None, records: pd.DataFrame | None = None
) -> tuple:
    """Changes whenever a batch is written, undone or removed, or an observation added or deleted: of
    the records' KPIs and months, given `records` (all a plan of them reads), read through the key's
    index, so that checking a month's file costs the same in a large database as in a small one."""
    batches = select(
        func.coalesce(func.max(_b.c.id), 0), func.sum(case((_b.c.status == "undone", 1), else_=0))
    )
    if exclude_batch is not None:
        batches = batches.where(_b.c.id != exclude_batch)
    max_batch, undone = conn.execute(batches).one()
    figures = select(func.count(), func.coalesce(func.max(_o.c.id), 0))
    if records is not None and not records.empty:
        figures = figures.where(
            _o.c.kpi_code.in_(sorted(set(records["kpi_code"]))),
            _o.c.period >= min(records["period"]),
            _o.c.period <= max(records["period"]),
        )
    count, max_id = conn.execute(figures).one()
    return (int(max_batch), int(undone or 0), int(count), int(max_id))


def stored_figures(conn: Connection, records: pd.DataFrame) -> pd.DataFrame:
    kpis = sorted(set(records["kpi_code"]))
    query = (
        select(
            _o.c.id,
            _o.c.kpi_code,
            _o.c.trust_code,
            _o.c.profession_code,
            _o.c.period,
            _o.c.value,
            _o.c.numerator,
            _o.c.denominator,
            _o.c.batch_id,
            _b.c.is_synthetic,
        )
        .join(_b, _b.c.id == _o.c.batch_id)
        .where(
            _o.c.kpi_code.in_(kpis),
            _o.c.period >= min(records["period"]),
            _o.c.period <= max(records["period"]),
        )
    )
    result = conn.execute(query)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        return frame
    frame["key"] = observation_key(
        frame["kpi_code"],
        pd.to_datetime(frame["period"]).dt.strftime("%Y-%m-%d"),
        frame["trust_code"].fillna(""),
        frame["profession_code"].fillna(""),
    )
    return frame


def _same(new: pd.Series, old: pd.Series) -> np.ndarray:
    a, b = new.to_numpy(dtype=float), old.to_numpy(dtype=float)
    both_missing = np.isnan(a) & np.isnan(b)
    close = np.isclose(np.nan_to_num(a), np.nan_to_num(b), rtol=1e-9, atol=1e-9) & (
        np.isnan(a) == np.isnan(b)
    )
    return both_missing | close


def plan(conn: Connection, records: pd.DataFrame, *, exclude_batch: int | None = None) -> Plan:
    """Compare the records with the database: added, changed (with the old figures) and skipped."""
    state = fingerprint(conn, exclude_batch=exclude_batch, records=records)
    synthetic_total = conn.execute(
        select(func.count()).select_from(_o.join(_b, _b.c.id == _o.c.batch_id)).where(_b.c.is_synthetic)
    ).scalar_one()
    if records.empty:
        empty = pd.DataFrame(columns=PLAN_COLUMNS)
        return Plan(empty, empty, 0, 0, int(synthetic_total), state)
    new = records.copy()
    new["key"] = observation_key(
        new["kpi_code"],
        new["period"].map(lambda p: p.isoformat()),
        new["trust_code"],
        new["profession_code"],
    )
    existing = stored_figures(conn, records)
    if existing.empty:
        added = new.drop(columns="key").assign(action="add")
        changed = pd.DataFrame(columns=[*PLAN_COLUMNS, "id"])
        return Plan(added, changed, 0, 0, int(synthetic_total), state)
    old = existing.rename(
        columns={
            "value": "old_value",
            "numerator": "old_numerator",
            "denominator": "old_denominator",
            "batch_id": "old_batch_id",
            "is_synthetic": "old_synthetic",
        }
    )[["key", "id", "old_value", "old_numerator", "old_denominator", "old_batch_id", "old_synthetic"]]
    merged = new.merge(old, on="key", how="left", validate="one_to_one")
    found = merged["id"].notna().to_numpy()
    is_ratio = merged["denominator"].notna().to_numpy()
    same_ratio = _same(merged["numerator"], merged["old_numerator"]) & _same(
        merged["denominator"], merged["old_denominator"]
    )
    same_sum = _same(merged["value"], merged["old_value"]) & np.isnan(
        merged["old_numerator"].to_numpy(dtype=float)
    )
    same = np.where(is_ratio, same_ratio, same_sum)
    added = merged[~found].drop(columns=["key", "id", *old.columns[2:]]).assign(action="add")
    changed = merged[found & ~same].drop(columns="key").assign(action="change")
    changed["id"] = changed["id"].astype("int64")
    changed["old_batch_id"] = changed["old_batch_id"].astype("int64")
    changed["old_synthetic"] = changed["old_synthetic"].astype(bool)
    skipped = int((found & same).sum())
    return Plan(
        added.reset_index(drop=True),
        changed.reset_index(drop=True),
        skipped,
        int(changed["old_synthetic"].sum()),
        int(synthetic_total),
        state,
    )
