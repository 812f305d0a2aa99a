"""Annotations: dated events the lead records on a KPI ('Recruitment drive launched'), for one scope or
for every scope of that KPI. They show on every chart of the KPI, in its CSV downloads and in the pack.

Only the workforce lead writes them (`kpi.access.auth.require_lead`); board members read. An edit keeps the
old values in the history (`kpi.notes.common.record`); removing one keeps the row, marked removed, with who
and
when. Confirmed mergers and membership changes are shown beside them automatically (`kpi.figures.scopes`), not
stored here."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pandas as pd
from sqlalchemy import Engine, or_, select

from kpi.access.auth import User, require_lead
from kpi.notes.common import NoteError, check_kpi, check_scope, clean_text, month_of, now, record
from kpi.store.db import session_scope
from kpi.store.models import Annotation

RECORD_TYPE = "annotation"
TEXT_LIMIT = 200
COLUMNS = ["id", "kpi_code", "scope_code", "period", "text", "created_by", "created_at"]


def add_annotation(
    engine: Engine, user: User, kpi_code: str, scope_code: str | None, period: dt.date, text: str
) -> int:
    """Record an event on a KPI's charts (scope None: every scope). Returns its id."""
    require_lead(user, "add an annotation")
    with session_scope(engine) as s:
        annotation = Annotation(
            kpi_code=check_kpi(s, kpi_code),
            scope_code=check_scope(s, scope_code, any_scope=True),
            period=month_of("month", period),
            text=clean_text("text", text, TEXT_LIMIT),
            created_at=now(),
            created_by=user.email,
        )
        s.add(annotation)
        s.flush()
        return annotation.id


def edit_annotation(
    engine: Engine, user: User, annotation_id: int, *, period: dt.date | None = None, text: str | None = None
) -> bool:
    """Change an annotation's month or text, keeping the old values in its history. False when nothing
    changed (nothing is written)."""
    require_lead(user, "edit an annotation")
    with session_scope(engine) as s:
        annotation = _current(s, annotation_id)
        new_period = annotation.period if period is None else month_of("month", period)
        new_text = annotation.text if text is None else clean_text("text", text, TEXT_LIMIT)
        changes = {"period": (annotation.period, new_period), "text": (annotation.text, new_text)}
        if all(old == new for old, new in changes.values()):
            return False
        record(s, RECORD_TYPE, annotation.id, user.email, now(), changes)
        annotation.period, annotation.text = new_period, new_text
        return True


def remove_annotation(engine: Engine, user: User, annotation_id: int) -> None:
    """Take an annotation off the charts; the row stays, marked removed, with who and when."""
    require_lead(user, "remove an annotation")
    with session_scope(engine) as s:
        annotation = _current(s, annotation_id)
        when = now()
        record(s, RECORD_TYPE, annotation.id, user.email, when, {"removed": (None, "yes")})
        annotation.removed_at, annotation.removed_by = when, user.email


def _current(s, annotation_id: int) -> Annotation:
    annotation = s.get(Annotation, annotation_id)
    if annotation is None or annotation.removed_at is not None:
        raise NoteError("annotation", f"There is no annotation {annotation_id} (it may have been removed).")
    return annotation


def annotations_for(engine: Engine, kpi_codes: list[str], scope_code: str | None = None) -> pd.DataFrame:
    """The annotations on the given KPIs that apply to `scope_code` (its own and every-scope ones; all
    of them when scope_code is None), oldest month first; removed ones left out."""
    a = Annotation.__table__
    query = select(*(a.c[c] for c in COLUMNS)).where(a.c.kpi_code.in_(kpi_codes), a.c.removed_at.is_(None))
    if scope_code is not None:
        query = query.where(or_(a.c.scope_code.is_(None), a.c.scope_code == scope_code))
    with engine.connect() as conn:
        result = conn.execute(query.order_by(a.c.period, a.c.id))
        frame = pd.DataFrame(result.fetchall(), columns=COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def on_chart(
    annotations: pd.DataFrame, kpi_code: str, scope_codes: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """Of `annotations` (annotations_for's frame), those a chart of `kpi_code` over `scope_codes` shows:
    every-scope ones and those of a scope drawn, oldest month first."""
    mine = annotations[
        (annotations["kpi_code"] == kpi_code)
        & (annotations["scope_code"].isna() | annotations["scope_code"].isin(list(scope_codes)))
    ]
    return mine.sort_values(["period", "id"]).reset_index(drop=True)


def in_months(annotations: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The annotations from month `first` to `last` (both included): those a chart of those months shows."""
    months = pd.DatetimeIndex(annotations["period"])
    keep = (months >= pd.Timestamp(first)) & (months <= pd.Timestamp(last))
    return annotations[keep].reset_index(drop=True)


def with_events(annotations: pd.DataFrame, kpi_code: str, events) -> pd.DataFrame:
    """The chart's annotations and, as automatic ones for every scope drawn, its confirmed mergers and
    membership changes (`kpi.figures.scopes.ScopeEvent`s): what the CSV's Annotation column lists."""
    automatic = pd.DataFrame(
        {"id": 0, "kpi_code": kpi_code, "scope_code": None, "period": [pd.Timestamp(e.month) for e in events],
         "text": [f"{e.label} (automatic)" for e in events]},
        columns=annotations.columns,
    )  # fmt: skip
    if automatic.empty:
        return annotations
    return pd.concat([annotations, automatic], ignore_index=True).sort_values("period", kind="stable")


def marks(annotations: pd.DataFrame) -> tuple[tuple[pd.Timestamp, str], ...]:
    """Annotations as (month, text) pairs for a chart, oldest first."""
    return tuple(
        (pd.Timestamp(cast(pd.Timestamp, row.period)), str(row.text)) for row in annotations.itertuples()
    )


__all__ = [
    "add_annotation",
    "annotations_for",
    "edit_annotation",
    "marks",
    "on_chart",
    "remove_annotation",
    "with_events",
]
