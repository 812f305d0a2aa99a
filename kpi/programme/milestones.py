"""Milestone updates with a full history: who changed which field, when, from what to what.

Only the workforce lead may update a milestone (`kpi.access.auth.require_lead`). An update is checked as a
whole before anything is written; when a check fails, or nothing actually changes, nothing is written.

The rules:

- status and RAG must be one of the values the schema allows (case and spaces forgiven);
- a milestone is "complete" exactly when it has a completed date: giving a completed date with no status
  sets the status to complete; status "complete" needs a completed date; any other status with a
  completed date still set is refused (clear the completed date to reopen a milestone);
- a completed date cannot be in the future;
- an update that moves the forecast date later than the baseline due date must carry a note (non-blank)
  explaining why; a forecast that was already late and is not changed needs no new note;
- notes are stored as typed with control characters removed (`kpi.words.text.stored_text`); showing them
  safely is the page's job.

Each changed field gives one `MilestoneUpdate` row (old and new as text: ISO dates, None for empty), and
the milestone's `updated_at`, `updated_by` are set and `is_synthetic` cleared: a person has now vouched
for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kpi.access.auth import User, require_lead
from kpi.store.db import session_scope
from kpi.store.models import MILESTONE_STATUSES, RAG_RATINGS, Milestone, MilestoneUpdate
from kpi.words.text import stored_text

COMPLETE = "complete"
TRACKED_FIELDS = ("status", "rag", "forecast_due", "completed_on", "notes")
FIELD_LABELS = {
    "status": "status",
    "rag": "RAG rating",
    "forecast_due": "forecast date",
    "completed_on": "completed date",
    "notes": "notes",
    "code": "milestone",
}


class MilestoneError(ValueError):
    """An update that cannot be saved; the message names the field and says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Change:
    """One field changed by an update, with old and new values as stored in the history."""

    field: str
    old: str | None
    new: str | None


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _choice(field: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MilestoneError(field, f"The {FIELD_LABELS[field]} must be one of: {', '.join(allowed)}.")
    cleaned = " ".join(value.split()).lower()
    if cleaned not in allowed:
        raise MilestoneError(
            field,
            f"{value!r} is not a valid {FIELD_LABELS[field]}; choose one of: {', '.join(allowed)}.",
        )
    return cleaned


def _date(field: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise MilestoneError(field, f"The {FIELD_LABELS[field]} must be a date, not {value!r}.")


# The RAG ratings each status usually carries; "not started" may carry any.
EXPECTED_RAG = {
    "on track": ("green",),
    "at risk": ("amber",),
    "off track": ("red",),
    "complete": ("blue", "green"),
}


def rag_disagreement(status: str, rag: str) -> str | None:
    """A sentence when the RAG rating and the status tell different stories (e.g. on track but red),
    else None. Not an error: the lead may mean it, but the board should not have to guess."""
    expected = EXPECTED_RAG.get(status)
    if expected is None or rag in expected:
        return None
    wanted = " or ".join(r.capitalize() for r in expected)
    return (
        f"Status “{status}” usually goes with {wanted}, but the RAG is {rag.capitalize()}; "
        "check which is right."
    )


@dataclass(frozen=True)
class _Request:
    """An update's arguments, checked and cleaned: what the lead asked to change."""

    status: str | None
    rag: str | None
    forecast_due: dt.date | None
    completed_on: dt.date | None
    notes: str | None
    clear_forecast: bool
    clear_completed: bool


def _checked_request(
    *,
    status: str | None,
    rag: str | None,
    forecast_due: dt.date | None,
    completed_on: dt.date | None,
    notes: str | None,
    clear_forecast: bool,
    clear_completed: bool,
    today: dt.date,
) -> _Request:
    """The arguments cleaned (status and RAG to their stored spelling, dates to dates), or a
    MilestoneError for the first that cannot be used on its own, before the milestone is read."""
    status = _choice("status", status, MILESTONE_STATUSES)
    rag = _choice("rag", rag, RAG_RATINGS)
    forecast_due = _date("forecast_due", forecast_due)
    completed_on = _date("completed_on", completed_on)
    if notes is not None and not isinstance(notes, str):
        raise MilestoneError("notes", "Notes must be text.")
    if notes is not None:
        notes = stored_text(notes)
    if clear_forecast and forecast_due is not None:
        raise MilestoneError("forecast_due", "Give a new forecast date or clear it, not both.")
    if clear_completed and completed_on is not None:
        raise MilestoneError("completed_on", "Give a completed date or clear it, not both.")
    if completed_on is not None and completed_on > today:
        raise MilestoneError(
            "completed_on",
            f"The completed date {completed_on:%d/%m/%Y} is in the future; a milestone can only be "
            "recorded as complete once it is done.",
        )
    return _Request(status, rag, forecast_due, completed_on, notes, clear_forecast, clear_completed)


def _new_values(milestone: Milestone, request: _Request) -> dict[str, Any]:
    """Each tracked field's value after the update: the request's where it gives one, else the
    milestone's own. A completed date with no status makes the milestone complete."""
    new = {field: getattr(milestone, field) for field in TRACKED_FIELDS}
    if request.status is not None:
        new["status"] = request.status
    if request.rag is not None:
        new["rag"] = request.rag
    if request.forecast_due is not None:
        new["forecast_due"] = request.forecast_due
    if request.clear_forecast:
        new["forecast_due"] = None
    if request.completed_on is not None:
        new["completed_on"] = request.completed_on
        if request.status is None:
            new["status"] = COMPLETE  # a completed date means the milestone is complete
    if request.clear_completed:
        new["completed_on"] = None
    if request.notes is not None:
        new["notes"] = request.notes
    return new


def _check_completion(code: str, new: dict[str, Any]) -> None:
    """A milestone is complete exactly when it has a completed date."""
    if new["status"] == COMPLETE and new["completed_on"] is None:
        raise MilestoneError(
            "completed_on",
            f"Milestone {code} cannot be marked complete without a completed date; give the date it "
            "was completed.",
        )
    if new["status"] != COMPLETE and new["completed_on"] is not None:
        raise MilestoneError(
            "status",
            f"Milestone {code} has a completed date ({new['completed_on']:%d/%m/%Y}), so its status must "
            f"be complete, not {new['status']!r}. To reopen it, clear the completed date as well.",
        )


def _check_late_forecast_note(milestone: Milestone, new: dict[str, Any], notes: str | None) -> None:
    """Moving the forecast later than the baseline due date needs a (non-blank) note saying why."""
    forecast_moved = new["forecast_due"] != milestone.forecast_due
    if (
        forecast_moved
        and new["forecast_due"] is not None
        and new["forecast_due"] > milestone.baseline_due
        and not (notes and notes.strip())
    ):
        raise MilestoneError(
            "notes",
            f"The forecast date {new['forecast_due']:%d/%m/%Y} is later than the baseline due date "
            f"{milestone.baseline_due:%d/%m/%Y}; add a note explaining the delay.",
        )


def _changes(milestone: Milestone, new: dict[str, Any]) -> list[Change]:
    """The tracked fields whose new value differs from the milestone's, as history text."""
    return [
        Change(field, _as_text(getattr(milestone, field)), _as_text(new[field]))
        for field in TRACKED_FIELDS
        if new[field] != getattr(milestone, field)
    ]


def _write_changes(
    session: Session,
    code: str,
    milestone: Milestone,
    new: dict[str, Any],
    changes: list[Change],
    user: User,
) -> None:
    """Set the changed fields, add one history row each, and stamp the milestone as vouched for by
    `user` (no longer synthetic)."""
    now = dt.datetime.now(dt.UTC)
    for change in changes:
        setattr(milestone, change.field, new[change.field])
        session.add(
            MilestoneUpdate(
                milestone_code=code,
                changed_at=now,
                changed_by=user.label,
                field=change.field,
                old_value=change.old,
                new_value=change.new,
            )
        )
    milestone.updated_at = now
    milestone.updated_by = user.label
    milestone.is_synthetic = False


def update_milestone(
    engine: Engine,
    user: User,
    code: str,
    *,
    status: str | None = None,
    rag: str | None = None,
    forecast_due: dt.date | None = None,
    completed_on: dt.date | None = None,
    notes: str | None = None,
    clear_forecast: bool = False,
    clear_completed: bool = False,
    today: dt.date | None = None,
) -> list[Change]:
    """Update a milestone and record each changed field in its history. A field left as None is not
    changed; `clear_forecast` / `clear_completed` empty those dates. Returns the changes written
    (empty when nothing changed). Raises PermissionDenied for a board user and MilestoneError (a
    ValueError) for an invalid update; in both cases nothing is written."""
    require_lead(user, "update milestones")
    request = _checked_request(
        status=status,
        rag=rag,
        forecast_due=forecast_due,
        completed_on=completed_on,
        notes=notes,
        clear_forecast=clear_forecast,
        clear_completed=clear_completed,
        today=today or dt.date.today(),
    )
    with session_scope(engine) as session:
        milestone = session.scalars(
            select(Milestone).where(Milestone.code == code).with_for_update()
        ).one_or_none()
        if milestone is None:
            raise MilestoneError("code", f"There is no milestone {code!r}.")
        new = _new_values(milestone, request)
        _check_completion(code, new)
        _check_late_forecast_note(milestone, new, request.notes)
        changes = _changes(milestone, new)
        if changes:
            _write_changes(session, code, milestone, new, changes, user)
        return changes


__all__ = ["COMPLETE", "Change", "MilestoneError", "update_milestone"]
