"""Applying (`apply_import`): only the workforce lead may. If any stored figure would change and
`replace` is False, nothing is written. Otherwise one ImportBatch row is written, new rows inserted,
changed rows updated in place (moving to the new batch) and their previous figures saved in
`replaced_observations` for undo, all in one transaction. The apply step re-checks the database: if
anything was imported or undone since the preview, the plan is recomputed inside the transaction.

With `remove_demo=True` the import also removes every remaining synthetic demo row in the same
transaction (recorded for undo too), so that the database then holds real data only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, Integer, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from kpi.access.auth import User, require_lead
from kpi.figures import published, rollups
from kpi.ingest import planning, tables
from kpi.ingest.constants import Progress, no_progress
from kpi.ingest.planning import Plan
from kpi.ingest.preview import ImportPreview, ImportResult
from kpi.ingest.writing import (
    OBSERVATION_COLUMNS,
    SET_FIGURE,
    as_records,
    figure_update,
    lock_for_writing,
    write_in_chunks,
)
from kpi.store.db import session_scope
from kpi.words.frames import records
from kpi.words.text import stored_text

_o = tables.observations
_b = tables.batches
_r = tables.replaced_observations
_REPLACED_COLUMNS = [
    "batch_id",
    "kpi_code",
    "trust_code",
    "profession_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "previous_batch_id",
]


class _Abort(Exception):
    """Leave the transaction without writing (rolls back) and return this result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass
class _Replan:
    """The plan to write and whether it was recomputed because the database changed since the preview."""

    plan: Plan
    replanned: bool

    @property
    def again(self) -> str:
        return " (compared again: the database changed since the preview)" if self.replanned else ""


def apply_import(
    engine: Engine,
    user: User,
    preview: ImportPreview,
    *,
    replace: bool,
    source: str | None = None,
    remove_demo: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write a previewed import in one transaction (all or nothing). Only the workforce lead may.

    With changes to existing figures and `replace` False, nothing is written and the result says how
    many figures would change. When nothing would change, nothing is written either. If the database
    changed since the preview, the plan is recomputed inside the transaction first."""
    require_lead(user, "import data")
    report = progress or no_progress
    source = source or preview.source
    if not preview.ok:
        return ImportResult(False, f"Nothing was imported: {preview.summary()}")
    try:
        with session_scope(engine) as session:
            conn = session.connection()
            lock_for_writing(conn)
            report(0.0, "Starting the import")
            # The first write: on SQLite it takes the database's write lock before anything is read.
            batch_id = _open_batch(conn, user, preview, source)
            current = _current_plan(conn, preview, batch_id, report)
            new_published = published.differing(conn, preview.published)
            _refuse_unless_worth_writing(
                current, replace=replace, remove_demo=remove_demo, published=new_published
            )
            removed = _write_plan(conn, batch_id, current.plan, remove_demo=remove_demo, report=report)
            kept = published.write(conn, batch_id, source, preview.published) if new_published else 0
            _close_batch(conn, batch_id, current.plan, preview.batch_notes, removed)
            report(1.0, "Import complete")
            return _applied(preview, batch_id, current, removed, kept)
    except _Abort as abort:
        return abort.result
    except IntegrityError:
        return ImportResult(
            False,
            "Nothing was imported: someone else changed the same figures at the same moment. "
            "Check the file again and retry.",
        )


def _open_batch(conn: Connection, user: User, preview: ImportPreview, source: str) -> int:
    """Write the batch row (counts filled in when done) and return its id."""
    return conn.execute(
        insert(_b).returning(_b.c.id),
        {
            "file_name": stored_text(preview.file_name)[:255],
            "sha256": preview.sha256,
            "source": source[:32],
            "is_synthetic": False,
            "rows_in_file": preview.rows_in_file,
            "rows_added": 0,
            "rows_changed": 0,
            "rows_skipped": 0,
            "imported_by": user.label[:255],
            "imported_at": dt.datetime.now(dt.UTC),
            "status": "applied",
            "notes": stored_text(preview.batch_notes),
        },
    ).scalar_one()


def _current_plan(conn: Connection, preview: ImportPreview, batch_id: int, report: Progress) -> _Replan:
    """The preview's plan, or a new one when anything was imported or undone since the preview."""
    the_plan = preview.plan
    assert the_plan is not None
    if planning.fingerprint(conn, exclude_batch=batch_id, records=preview.records) == the_plan.fingerprint:
        return _Replan(the_plan, False)
    report(0.05, "The database changed since the preview; comparing again")
    return _Replan(planning.plan(conn, preview.records, exclude_batch=batch_id), True)


def _refuse_unless_worth_writing(
    current: _Replan, *, replace: bool, remove_demo: bool, published: int = 0
) -> None:
    """Raise _Abort when stored figures would change without `replace`, or when nothing would change
    (no figure, and no published figure new or different: a revised publication needs no `replace`,
    since it is kept beside the submissions and the earlier one comes back on undo)."""
    the_plan = current.plan
    added, changed = the_plan.added, the_plan.changed
    if changed.shape[0] and not replace:
        raise _Abort(
            ImportResult(
                False,
                f"Nothing was imported: {len(changed):,} figure(s) already in the database would "
                f"change{current.again}. Review them and choose to replace, or remove those rows.",
                rows_added=len(added),
                rows_changed=len(changed),
                rows_skipped=the_plan.skipped,
                replanned=current.replanned,
            )
        )
    demo_rows = the_plan.synthetic_in_database - the_plan.synthetic_replaced if remove_demo else 0
    if added.empty and changed.empty and not demo_rows and not published:
        raise _Abort(
            ImportResult(
                False,
                f"Nothing to import: all {the_plan.skipped:,} figures are already in the database "
                f"with the same values{current.again}.",
                rows_skipped=the_plan.skipped,
                replanned=current.replanned,
            )
        )


def _write_plan(
    conn: Connection, batch_id: int, the_plan: Plan, *, remove_demo: bool, report: Progress
) -> int:
    """Save the figures being replaced, update them, add the new ones and (with `remove_demo`) remove the
    remaining demo figures. Returns how many demo figures were removed."""
    added, changed = the_plan.added, the_plan.changed
    demo_rows = the_plan.synthetic_in_database - the_plan.synthetic_replaced if remove_demo else 0
    step = _stepper(report, len(added) + 2 * len(changed) + (1 if demo_rows else 0))
    if not changed.empty:
        saved = changed.assign(
            batch_id=batch_id,
            previous_batch_id=changed["old_batch_id"],
            value=changed["old_value"],
            numerator=changed["old_numerator"],
            denominator=changed["old_denominator"],
        )
        replaced_rows = as_records(saved, _REPLACED_COLUMNS)
        write_in_chunks(conn, insert(_r), replaced_rows, step, "Saving the figures being replaced")
        updates = [
            figure_update(row["id"], row, batch_id)
            for row in records(changed[["id", "value", "numerator", "denominator"]])
        ]
        write_in_chunks(conn, SET_FIGURE, updates, step, "Updating changed figures")
    if not added.empty:
        new_rows = as_records(added.assign(batch_id=batch_id), OBSERVATION_COLUMNS)
        write_in_chunks(conn, insert(_o), new_rows, step, "Adding new figures")
    removed = 0
    if remove_demo:  # the demo's figures everywhere: declared as nothing, so every roll-up is redone
        removed = _remove_demo_rows(conn, batch_id)
        step(1, "Removing the synthetic demo figures")
    else:  # the roll-ups of only the KPIs and months written are redone (kpi.figures.rollups.touch)
        rollups.touch(conn, _pairs(added) | _pairs(changed))
    return removed


def _pairs(rows: pd.DataFrame) -> set[tuple[str, dt.date]]:
    """The (KPI code, month) pairs of planned rows."""
    if rows.empty:
        return set()
    months = pd.to_datetime(rows["period"]).dt.date
    return set(zip(rows["kpi_code"], months, strict=True))


def _stepper(report: Progress, total: int) -> Callable[[int, str], None]:
    """A progress callback for writing: `step(rows, message)` after each chunk of `total` steps."""
    done = 0

    def step(count: int, message: str) -> None:
        nonlocal done
        done += count
        report(0.1 + 0.85 * done / max(total, 1), message)

    return step


def _close_batch(conn: Connection, batch_id: int, the_plan: Plan, notes: str, removed: int) -> None:
    """Fill in the batch's counts and notes."""
    if removed:
        notes = (notes + "\n" if notes else "") + f"Removed {removed:,} synthetic demo figures."
    conn.execute(
        update(_b)
        .where(_b.c.id == batch_id)
        .values(
            rows_added=len(the_plan.added),
            rows_changed=len(the_plan.changed),
            rows_skipped=the_plan.skipped,
            notes=notes,
        )
    )


def _applied(
    preview: ImportPreview, batch_id: int, current: _Replan, removed: int, kept: int = 0
) -> ImportResult:
    the_plan = current.plan
    added, changed = len(the_plan.added), len(the_plan.changed)
    message = (
        f"Imported {preview.file_name} as import {batch_id}: {added:,} new, {changed:,} "
        f"changed, {the_plan.skipped:,} unchanged"
        + (f"; {removed:,} synthetic demo figures removed" if removed else "")
        + (f"; {kept:,} published figures kept beside the submissions" if kept else "")
        + f"{current.again}."
    )
    return ImportResult(
        True,
        message,
        batch_id=batch_id,
        rows_added=added,
        rows_changed=changed,
        rows_skipped=the_plan.skipped,
        demo_rows_removed=removed,
        replanned=current.replanned,
    )


def _remove_demo_rows(conn: Connection, batch_id: int) -> int:
    """Move every remaining synthetic figure into replaced_observations (for undo) and delete it."""
    synthetic_batches = select(_b.c.id).where(_b.c.is_synthetic)
    columns = ["kpi_code", "trust_code", "profession_code", "period", "value", "numerator", "denominator"]
    conn.execute(
        insert(_r).from_select(
            ["batch_id", *columns, "previous_batch_id"],
            select(
                literal(batch_id, Integer),
                *[_o.c[c] for c in columns],
                _o.c.batch_id,
            ).where(_o.c.batch_id.in_(synthetic_batches)),
        )
    )
    return conn.execute(delete(_o).where(_o.c.batch_id.in_(synthetic_batches))).rowcount or 0
