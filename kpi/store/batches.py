"""Import batches: which ones the workforce lead may undo. The one rule, in the two forms it is needed:
on the history frame (the page that offers the undo, `undoable`) and as SQL (kpi.ingest.undo marks a
batch undone only where `undoable_where` holds, so a stale page cannot undo what the rule forbids).
Imports nothing from kpi."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_

APPLIED = "applied"
DEMO_SOURCE = "demo"  # the synthetic demo data: replaced by importing real data, never undone


def is_undoable(status: str, source: str, is_synthetic: bool = False) -> bool:
    """An import can be undone while it is applied, unless it is synthetic (the demo data)."""
    return status == APPLIED and not is_synthetic and source != DEMO_SOURCE


def undoable_where(batches: Any) -> Any:
    """SQL: `is_undoable` on the import_batches table `batches`."""
    return and_(
        batches.c.status == APPLIED,
        batches.c.is_synthetic.is_(False),
        batches.c.source != DEMO_SOURCE,
    )


def undoable(batches: pd.DataFrame) -> pd.DataFrame:
    """The rows of an import-history frame (columns status, source and is_synthetic, as
    queries.import_batches gives; no is_synthetic column means none is) that can be undone, in order."""
    synthetic = batches["is_synthetic"] if "is_synthetic" in batches else [False] * len(batches)
    mask = [
        is_undoable(status, source, bool(flag))
        for status, source, flag in zip(batches["status"], batches["source"], synthetic, strict=True)
    ]
    return batches[pd.Series(mask, index=batches.index, dtype=bool)]
