"""Import batches: which ones the workforce lead may undo. One rule, for the page that offers the undo
(kpi/ingest refuses the others when asked)."""

from __future__ import annotations

import pandas as pd

APPLIED = "applied"
DEMO_SOURCE = "demo"  # the synthetic demo data: replaced by importing real data, never undone


def is_undoable(status: str, source: str) -> bool:
    """An import can be undone while it is applied, unless it is the demo data."""
    return status == APPLIED and source != DEMO_SOURCE


def undoable(batches: pd.DataFrame) -> pd.DataFrame:
    """The rows of an import-history frame (columns status and source, as queries.import_batches gives)
    that can be undone, in the order given."""
    mask = [
        is_undoable(status, source)
        for status, source in zip(batches["status"], batches["source"], strict=True)
    ]
    return batches[pd.Series(mask, index=batches.index, dtype=bool)]
