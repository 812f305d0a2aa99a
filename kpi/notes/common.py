"""What the lead's notes on charts share (annotations, chart settings, commentary): checking a text, a
month and a scope before anything is written, and the history of edits (`RecordChange` rows).

Texts are stored as typed, trimmed, with control characters removed (`kpi.words.text.stored_text`, here, once
for every note, reason, commentary section and scenario name); showing them safely (as text, never as
Markdown or HTML) is the page's and the pack's job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kpi.store.models import Collaborative, KPIDefinition, RecordChange, Trust
from kpi.words.text import stored_text

SYSTEM_SCOPE = "C&M"


class NoteError(ValueError):
    """A note that cannot be saved; the message names the field and says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def clean_text(field: str, value: object, limit: int, *, required: bool = True) -> str:
    """`value` as stored: control characters removed (`stored_text`) and trimmed; refused when required
    and blank, or longer than `limit` characters. A text of nothing but control characters is blank."""
    text = "" if value is None else stored_text(value).strip()
    if required and not text:
        raise NoteError(field, f"Write the {field}: it cannot be left empty.")
    if len(text) > limit:
        raise NoteError(field, f"The {field} is {len(text):,} characters; keep it to {limit:,}.")
    return text


def month_of(field: str, value: object) -> dt.date:
    """The first day of the month `value` (a date) is in."""
    if not isinstance(value, dt.date):
        raise NoteError(field, f"The {field} must be a month, e.g. 2026-10.")
    return value.replace(day=1)


def check_kpi(session: Session, kpi_code: str) -> str:
    code = str(kpi_code).upper()
    if session.get(KPIDefinition, code) is None:
        raise NoteError("KPI", f"There is no KPI with the code {kpi_code!r}.")
    return code


def check_scope(session: Session, scope_code: str | None, *, any_scope: bool = False) -> str | None:
    """The scope as stored: the system ('C&M'), a collaborative or a trust code; None ('every scope') only
    where `any_scope` allows it."""
    if scope_code is None and any_scope:
        return None
    code = str(scope_code or "").upper()
    if (
        code == SYSTEM_SCOPE
        or session.get(Collaborative, code) is not None
        or session.get(Trust, code) is not None
    ):
        return code
    raise NoteError("scope", f"{scope_code!r} is not the system, a collaborative or a trust code.")


def record(
    session: Session,
    record_type: str,
    record_id: int,
    who: str,
    when: dt.datetime,
    changes: dict[str, tuple[object, object]],
) -> None:
    """One history row per field whose value changed (old and new as text, None for empty)."""
    for field, (old, new) in changes.items():
        if old != new:
            session.add(
                RecordChange(
                    record_type=record_type,
                    record_id=record_id,
                    changed_at=when,
                    changed_by=who,
                    field=field,
                    old_value=_text(old),
                    new_value=_text(new),
                )
            )


def history(session: Session, record_type: str, record_id: int) -> list[RecordChange]:
    """A record's changes, oldest first."""
    query = (
        select(RecordChange)
        .where(RecordChange.record_type == record_type, RecordChange.record_id == record_id)
        .order_by(RecordChange.id)
    )
    return list(session.scalars(query))


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


__all__ = [
    "SYSTEM_SCOPE",
    "NoteError",
    "check_kpi",
    "check_scope",
    "clean_text",
    "history",
    "month_of",
    "record",
]
