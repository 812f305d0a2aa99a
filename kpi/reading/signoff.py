"""A scope's month of commentary, KPI by KPI, as the sign-off shows it: each KPI's headline month (its
reading's), and whether its commentary for that month is reviewed, written and waiting for review, only
drafted from the data, or missing. The lead marks what is written as reviewed (kpi.notes.commentary); the
app's sign-off panel, the grid and the packs' cover all say it from this one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import pandas as pd

from kpi.notes.commentary import CommentaryView
from kpi.reading.model import Reading
from kpi.words.formats import month_label

REVIEWED, WAITING, DRAFT_ONLY, NO_FIGURE = "reviewed", "waiting", "draft only", "no figure"
STATE_WORDS = {
    REVIEWED: "Reviewed",
    WAITING: "Written, not yet reviewed",
    DRAFT_ONLY: "Drafted from the data only: the lead has not written or accepted it",
    NO_FIGURE: "No figure to comment on",
}
COLUMNS = ["kpi_code", "kpi", "month", "month_text", "state", "state_words", "review_words"]


def state_of(reading: Reading, view: CommentaryView) -> str:
    """One KPI's sign-off state for its headline month (see the module)."""
    if reading.month is None:
        return NO_FIGURE
    if view.reviewed:
        return REVIEWED
    if view.own and view.tells:
        return WAITING
    return DRAFT_ONLY


def sign_off_table(readings: Mapping[str, Reading], views: Mapping[str, CommentaryView]) -> pd.DataFrame:
    """One row per KPI: its headline month, its state and the words for it ('Reviewed by J. Smith on 3
    Dec 2026'); `views` holds each KPI's commentary for its headline month."""
    rows = []
    for code, reading in readings.items():
        view = views.get(code, CommentaryView())
        state = state_of(reading, view)
        rows.append(
            {
                "kpi_code": code,
                "kpi": reading.kpi.name,
                "month": reading.month,
                "month_text": month_label(reading.month) if reading.month is not None else "–",
                "state": state,
                "state_words": STATE_WORDS[state],
                "review_words": view.review_words if state in (REVIEWED, WAITING) else "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def ready_for_review(table: pd.DataFrame) -> dict[pd.Timestamp, list[str]]:
    """The KPIs whose commentary is written and waiting for review, by month: what 'mark reviewed'
    marks."""
    waiting = table[table["state"] == WAITING]
    return {
        pd.Timestamp(cast(pd.Timestamp, month)): list(group["kpi_code"])
        for month, group in waiting.groupby("month")
    }


__all__ = [
    "DRAFT_ONLY",
    "NO_FIGURE",
    "REVIEWED",
    "STATE_WORDS",
    "WAITING",
    "ready_for_review",
    "sign_off_table",
    "state_of",
]
