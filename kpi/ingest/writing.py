"""What applying and undoing an import share: the write lock, rows as database records, the statement
that sets a stored figure in place, and writing in chunks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, text, update

from kpi.ingest import tables
from kpi.words.frames import records

_o = tables.observations
WRITE_CHUNK = 10_000
# The columns of an observation row as written.
OBSERVATION_COLUMNS = [
    "kpi_code",
    "trust_code",
    "profession_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "batch_id",
]


def lock_for_writing(conn: Connection) -> None:
    """Serialise imports and undos. PostgreSQL: a table lock that blocks other writers but not readers.
    SQLite takes its single write lock at the first write, which callers make their first statement."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE observations, import_batches IN SHARE ROW EXCLUSIVE MODE"))


def none_if_nan(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def as_records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """The rows as dicts for the database: NaN and empty trust or profession codes become None."""
    out = records(frame[columns].astype(object).where(frame[columns].notna(), None))
    for record in out:
        for column in ("trust_code", "profession_code"):
            if column in record and record[column] == "":
                record[column] = None
    return out


# Sets one stored figure in place (by id) to new values and the batch they come from: used by an import
# replacing figures and by an undo putting them back.
SET_FIGURE = (
    update(_o)
    .where(_o.c.id == bindparam("b_id"))
    .values(
        value=bindparam("b_value"),
        numerator=bindparam("b_numerator"),
        denominator=bindparam("b_denominator"),
        batch_id=bindparam("b_batch"),
    )
)


def figure_update(row_id: Any, row: dict[str, Any], batch_id: int) -> dict[str, Any]:
    """The parameters of SET_FIGURE for one row (value, numerator, denominator) moving to `batch_id`."""
    return {
        "b_id": int(row_id),
        "b_value": none_if_nan(row["value"]),
        "b_numerator": none_if_nan(row["numerator"]),
        "b_denominator": none_if_nan(row["denominator"]),
        "b_batch": batch_id,
    }


def write_in_chunks(
    conn: Connection,
    statement: Any,
    rows: list[dict[str, Any]],
    step: Callable[[int, str], None] | None = None,
    message: str = "",
) -> None:
    """Execute `statement` for `rows` in chunks, reporting progress after each when `step` is given."""
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = rows[start : start + WRITE_CHUNK]
        conn.execute(statement, chunk)
        if step:
            step(len(chunk), message)
