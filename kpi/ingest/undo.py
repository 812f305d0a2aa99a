"""Undo (`undo_batch`): only the lead; restores every row the batch replaced (or removed) and deletes
the rows it added, then marks the batch undone. Refused for the demo batch, for a batch already undone,
and when a later import that is still applied changed any of the same rows (undo that first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from kpi.access.auth import User, require_lead
from kpi.figures import rollups
from kpi.ingest import tables
from kpi.ingest.constants import Progress, no_progress
from kpi.ingest.planning import observation_key, stored_figures
from kpi.ingest.writing import (
    OBSERVATION_COLUMNS,
    SET_FIGURE,
    as_records,
    figure_update,
    lock_for_writing,
    write_in_chunks,
)
from kpi.store.batches import undoable_where
from kpi.store.db import session_scope
from kpi.words.frames import records

_o = tables.observations
_b = tables.batches
_r = tables.replaced_observations


class UndoRefused(ValueError):
    """An import cannot be undone; the message says why and what to do."""


@dataclass(frozen=True)
class UndoResult:
    batch_id: int
    rows_restored: int
    rows_deleted: int
    message: str


def undo_batch(engine: Engine, user: User, batch_id: int, *, progress: Progress | None = None) -> UndoResult:
    """Undo an import: put back every figure it replaced or removed, delete the figures it added, and
    mark it undone. Only the workforce lead may. Refused (UndoRefused) for the demo batch, a batch
    already undone, or when a later import still applied changed some of the same figures."""
    require_lead(user, "undo an import")
    report = progress or no_progress
    report(0.0, "Checking the import")
    with session_scope(engine) as session:
        conn = session.connection()
        lock_for_writing(conn)
        # The first write (takes SQLite's write lock): mark undone only if it may be.
        _mark_undone(conn, user, batch_id)
        batch = conn.execute(select(_b).where(_b.c.id == batch_id)).one()
        _refuse_if_changed_later(conn, batch_id, batch.file_name)
        result = conn.execute(select(_r).where(_r.c.batch_id == batch_id))
        replaced = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        report(0.3, "Restoring replaced figures")
        in_place, reinsert = _where_replaced_figures_go(conn, batch_id, batch.file_name, replaced)
        updates = _restorations(in_place)
        write_in_chunks(conn, SET_FIGURE, updates)
        report(0.6, "Deleting added figures")
        added = conn.execute(select(_o.c.kpi_code, _o.c.period).where(_o.c.batch_id == batch_id).distinct())
        rollups.touch(conn, [*added, *zip(replaced["kpi_code"], replaced["period"], strict=True)])
        deleted = conn.execute(delete(_o).where(_o.c.batch_id == batch_id)).rowcount or 0
        restored = len(updates) + _reinsert(conn, reinsert)
        report(1.0, "Undone")
        return UndoResult(
            batch_id,
            restored,
            deleted,
            f"Import {batch_id} ({batch.file_name}) undone: {restored:,} earlier figures restored, "
            f"{deleted:,} added figures removed.",
        )


def _mark_undone(conn: Connection, user: User, batch_id: int) -> None:
    """Mark the batch undone if it may be; otherwise raise UndoRefused saying why not."""
    marked = conn.execute(
        update(_b)
        .where(_b.c.id == batch_id, undoable_where(_b))
        .values(status="undone", undone_by=user.label[:255], undone_at=dt.datetime.now(dt.UTC))
    ).rowcount
    if marked != 1:
        _refuse_undo(conn, batch_id)


def _refuse_if_changed_later(conn: Connection, batch_id: int, file_name: str) -> None:
    """Refuse when a later import still applied replaced figures of this one (undo that first)."""
    later = conn.execute(
        select(_r.c.batch_id, _b.c.file_name, func.count())
        .join(_b, _b.c.id == _r.c.batch_id)
        .where(_r.c.previous_batch_id == batch_id, _r.c.batch_id != batch_id, _b.c.status == "applied")
        .group_by(_r.c.batch_id, _b.c.file_name)
        .order_by(_r.c.batch_id.desc())
    ).all()
    if later:
        newest = later[0]
        raise UndoRefused(
            f"Import {batch_id} ({file_name}) cannot be undone: a later import, {newest[0]} "
            f"({newest[1]}), changed {newest[2]:,} of its figures. Undo import {newest[0]} first"
            + (f" (and then imports {', '.join(str(r[0]) for r in later[1:])})." if len(later) > 1 else ".")
        )


def _where_replaced_figures_go(
    conn: Connection, batch_id: int, file_name: str, replaced: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(in place, reinsert): the figures the batch replaced that are still stored under it (set back in
    place) and those it removed (inserted again). Refused when their batches are gone or another import
    has since loaded the same figures."""
    if replaced.empty:
        return replaced, replaced
    previous = replaced["previous_batch_id"].astype(int)
    missing_batches = set(previous) - set(
        conn.execute(select(_b.c.id).where(_b.c.id.in_(previous.unique().tolist()))).scalars()
    )
    if missing_batches:
        raise UndoRefused(
            f"Import {batch_id} cannot be undone: the import(s) it replaced figures from "
            f"({', '.join(str(b) for b in sorted(missing_batches))}) no longer exist."
        )
    replaced["key"] = observation_key(
        replaced["kpi_code"],
        pd.to_datetime(replaced["period"]).dt.strftime("%Y-%m-%d"),
        replaced["trust_code"].fillna(""),
        replaced["profession_code"].fillna(""),
    )
    replaced["period"] = pd.to_datetime(replaced["period"]).dt.date
    current = stored_figures(conn, replaced)
    lookup = (
        current.set_index("key")[["id", "batch_id"]]
        if not current.empty
        else pd.DataFrame(columns=["id", "batch_id"])
    ).rename(columns={"id": "current_id", "batch_id": "current_batch"})
    joined = replaced.join(lookup, on="key")
    taken = joined["current_batch"].notna() & (joined["current_batch"] != batch_id)
    if taken.any():
        others = sorted({int(b) for b in joined.loc[taken, "current_batch"]})
        raise UndoRefused(
            f"Import {batch_id} ({file_name}) cannot be undone: {int(taken.sum()):,} of the "
            f"figures it replaced have since been loaded again by import(s) "
            f"{', '.join(map(str, others))}. Undo those first."
        )
    return joined[joined["current_batch"].notna()], joined[joined["current_batch"].isna()]


def _restorations(in_place: pd.DataFrame) -> list[dict[str, Any]]:
    """The SET_FIGURE parameters putting the figures back in place, each under the batch it came from."""
    if in_place.empty:
        return []
    columns = ["current_id", "value", "numerator", "denominator", "previous_batch_id"]
    return [
        figure_update(row["current_id"], row, int(row["previous_batch_id"]))
        for row in records(in_place[columns])
    ]


def _reinsert(conn: Connection, reinsert: pd.DataFrame) -> int:
    """Insert again the figures the batch removed, under the batches they came from."""
    if reinsert.empty:
        return 0
    rows: list[dict[str, Any]] = as_records(
        reinsert.assign(batch_id=reinsert["previous_batch_id"].astype(int)), OBSERVATION_COLUMNS
    )
    for row in rows:
        row["batch_id"] = int(row["batch_id"])
    write_in_chunks(conn, insert(_o), rows)
    return len(rows)


def _refuse_undo(conn: Connection, batch_id: int) -> None:
    batch = conn.execute(select(_b).where(_b.c.id == batch_id)).first()
    if batch is None:
        raise UndoRefused(f"There is no import {batch_id}.")
    if batch.status == "undone":
        when = f" on {batch.undone_at:%d/%m/%Y %H:%M}" if batch.undone_at else ""
        raise UndoRefused(
            f"Import {batch_id} ({batch.file_name}) was already undone{when} by {batch.undone_by}."
        )
    raise UndoRefused(
        f"Import {batch_id} is the synthetic demo data, which cannot be undone. Import real data over it "
        "(optionally removing the demo data), or use a separate database."
    )
