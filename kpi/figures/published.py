"""Published figures (the `published_figures` table): what a national publication says, kept beside the
trusts' own submissions and never over them. Each row belongs to the import batch that loaded it; the
figure in force for a KPI, month, trust and profession is the one of the newest batch still applied, so a
revised publication replaces an earlier one and undoing its import brings the earlier one back.

Reads and writes only; the comparison with the submissions is kpi.ingest.reconciliation."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, cast

import pandas as pd
from sqlalchemy import Connection, Engine, Table, insert, select

from kpi.figures.completeness import read_frame
from kpi.store.models import ImportBatch, PublishedFigure
from kpi.words.frames import records

_p = cast(Table, PublishedFigure.__table__)
_b = cast(Table, ImportBatch.__table__)
KEY = ["kpi_code", "period", "trust_code", "profession_code"]
COLUMNS = [*KEY, "value", "batch_id", "source"]


def in_force(
    bind: Engine | Connection, kpi_code: str | None = None, period: dt.date | None = None
) -> pd.DataFrame:
    """The published figures in force (COLUMNS; `value` NaN where suppressed), one per key, optionally
    of one KPI and month."""
    query = (
        select(*[_p.c[c] for c in COLUMNS]).join(_b, _b.c.id == _p.c.batch_id).where(_b.c.status == "applied")
    )
    if kpi_code is not None:
        query = query.where(_p.c.kpi_code == kpi_code)
    if period is not None:
        query = query.where(_p.c.period == period)
    frame = read_frame(bind, query)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    newest = frame.sort_values("batch_id").drop_duplicates(KEY, keep="last")
    return newest.sort_values(KEY, ignore_index=True)


def months(bind: Engine | Connection, kpi_code: str) -> list[dt.date]:
    """The months with published figures in force for a KPI, oldest first."""
    return sorted(set(in_force(bind, kpi_code)["period"]))


def differing(conn: Connection, figures: pd.DataFrame) -> int:
    """How many of `figures` (KEY and value) are new or differ from the figures in force."""
    if figures.empty:
        return 0
    current = {
        tuple(row[:4]): row[4] for row in in_force(conn)[[*KEY, "value"]].itertuples(index=False, name=None)
    }
    count = 0
    for row in figures[[*KEY, "value"]].itertuples(index=False, name=None):
        key, value = tuple(row[:4]), row[4]
        if key not in current or not _same(current[key], value):
            count += 1
    return count


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def write(conn: Connection, batch_id: int, source: str, figures: pd.DataFrame) -> int:
    """Store `figures` (KEY and value) under the batch; returns how many."""
    rows = [
        {
            "batch_id": batch_id,
            "source": source[:32],
            "kpi_code": str(row["kpi_code"]),
            "period": row["period"],
            "trust_code": str(row["trust_code"]),
            "profession_code": str(row["profession_code"]),
            "value": _number(row["value"]),
        }
        for row in records(figures)
    ]
    if rows:
        conn.execute(insert(_p), rows)
    return len(rows)


__all__ = ["COLUMNS", "KEY", "differing", "in_force", "months", "write"]
