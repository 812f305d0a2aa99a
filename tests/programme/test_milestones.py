"""Milestone updates: validated as a whole, one history row per changed field, only by the lead."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from kpi.access.auth import PermissionDenied, User
from kpi.figures import queries
from kpi.programme.milestones import Change, MilestoneError, update_milestone
from kpi.store.db import session_scope
from kpi.store.models import Milestone, MilestoneUpdate

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
BOARD = User("board@cheshireandmerseyside.nhs.uk", "Board Member", "board")
TODAY = dt.date(2026, 11, 25)
# M3 has baseline due 2023-06-30 in the reference data; M6 has 2027-03-31.


def milestone(engine: Engine, code: str) -> Milestone:
    with session_scope(engine) as s:
        return s.get(Milestone, code)


def history(engine: Engine, code: str | None = None) -> list[MilestoneUpdate]:
    with session_scope(engine) as s:
        query = select(MilestoneUpdate).order_by(MilestoneUpdate.id)
        if code:
            query = query.where(MilestoneUpdate.milestone_code == code)
        return list(s.scalars(query))


def state(engine: Engine):
    """Everything an update can touch, to prove a refused update wrote nothing."""
    frame = queries.milestones(engine).drop(columns=["workstream_name"])
    return frame.to_dict("records"), queries.table_counts(engine)["milestone_updates"]


def test_each_changed_field_is_recorded_with_who_and_when(engine):
    started = dt.datetime.now(dt.UTC)
    changes = update_milestone(engine, LEAD, "M6", status="On Track", rag="amber", today=TODAY)
    assert changes == [Change("status", "not started", "on track"), Change("rag", "green", "amber")]
    rows = history(engine, "M6")
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("status", "not started", "on track"),
        ("rag", "green", "amber"),
    ]
    assert {r.changed_by for r in rows} == {LEAD.label}
    for row in rows:
        at = row.changed_at if row.changed_at.tzinfo else row.changed_at.replace(tzinfo=dt.UTC)
        assert at >= started.replace(microsecond=0)
    m = milestone(engine, "M6")
    assert (m.status, m.rag, m.updated_by, m.is_synthetic) == ("on track", "amber", LEAD.label, False)
    assert m.updated_at is not None


def test_nothing_changed_writes_nothing(engine):
    update_milestone(engine, LEAD, "M6", status="on track", today=TODAY)
    before = state(engine)
    assert update_milestone(engine, LEAD, "M6", status="on track", rag="green", today=TODAY) == []
    assert state(engine) == before


def test_dates_are_stored_and_recorded_as_iso_text_and_can_be_cleared(engine):
    update_milestone(engine, LEAD, "M6", forecast_due=dt.date(2027, 2, 28), today=TODAY)
    assert milestone(engine, "M6").forecast_due == dt.date(2027, 2, 28)
    update_milestone(engine, LEAD, "M6", clear_forecast=True, today=TODAY)
    assert milestone(engine, "M6").forecast_due is None
    assert [(r.field, r.old_value, r.new_value) for r in history(engine, "M6")] == [
        ("forecast_due", None, "2027-02-28"),
        ("forecast_due", "2027-02-28", None),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"status": "finished"}, "status", "not a valid status"),
        ({"rag": "purple"}, "rag", "not a valid RAG rating"),
        ({"forecast_due": dt.date(2024, 1, 31)}, "notes", "later than the baseline"),
        ({"forecast_due": dt.date(2024, 1, 31), "notes": "   "}, "notes", "add a note"),
        ({"status": "complete"}, "completed_on", "without a completed date"),
        ({"completed_on": dt.date(2026, 12, 1)}, "completed_on", "in the future"),
        ({"completed_on": dt.date(2026, 1, 5), "status": "on track"}, "status", "must be complete"),
        ({"forecast_due": "2024-01-31"}, "forecast_due", "must be a date"),
        ({"forecast_due": dt.date(2024, 1, 31), "clear_forecast": True}, "forecast_due", "not both"),
    ],
)
def test_invalid_updates_are_refused_naming_the_field_and_write_nothing(engine, changes, field, words):
    before = state(engine)
    with pytest.raises(MilestoneError, match=words) as caught:
        update_milestone(engine, LEAD, "M3", today=TODAY, **changes)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert state(engine) == before


def test_a_late_forecast_needs_a_note_and_notes_are_stored_as_typed(engine):
    note = "  Paused: ICS digital scope reset <script>alert(1)</script> & 'quotes'  "
    update_milestone(engine, LEAD, "M3", forecast_due=dt.date(2027, 1, 31), notes=note, today=TODAY)
    m = milestone(engine, "M3")
    assert m.forecast_due == dt.date(2027, 1, 31) and m.notes == note
    assert history(engine, "M3")[-1].new_value == note
    # The late forecast already explained: a later status-only update needs no new note.
    assert update_milestone(engine, LEAD, "M3", status="off track", rag="red", today=TODAY)
    # An earlier-than-baseline forecast needs none either.
    assert update_milestone(engine, LEAD, "M6", forecast_due=dt.date(2027, 1, 31), today=TODAY)


def test_a_completed_date_means_complete_and_reopening_clears_it(engine):
    changes = update_milestone(engine, LEAD, "M1", completed_on=dt.date(2022, 8, 15), rag="blue", today=TODAY)
    assert {c.field for c in changes} == {"completed_on", "status", "rag"}
    m = milestone(engine, "M1")
    assert (m.status, m.completed_on) == ("complete", dt.date(2022, 8, 15))
    with pytest.raises(MilestoneError) as caught:
        update_milestone(engine, LEAD, "M1", status="at risk", today=TODAY)
    assert caught.value.field == "status"
    update_milestone(engine, LEAD, "M1", status="at risk", clear_completed=True, today=TODAY)
    m = milestone(engine, "M1")
    assert (m.status, m.completed_on) == ("at risk", None)


def test_completed_today_is_allowed(engine):
    assert update_milestone(engine, LEAD, "M5", status="complete", completed_on=TODAY, today=TODAY)


def test_unknown_milestone(engine):
    with pytest.raises(MilestoneError, match="no milestone 'M99'") as caught:
        update_milestone(engine, LEAD, "M99", status="on track", today=TODAY)
    assert caught.value.field == "code"


def test_board_user_cannot_update_and_nothing_is_written(engine):
    before = state(engine)
    for user in (BOARD, None):
        with pytest.raises(PermissionDenied, match="update milestones"):
            update_milestone(engine, user, "M6", status="on track", today=TODAY)
    assert state(engine) == before


def test_an_update_makes_a_demo_milestone_real(engine):
    with session_scope(engine) as s:
        s.get(Milestone, "M4").is_synthetic = True
    update_milestone(engine, LEAD, "M4", rag="amber", today=TODAY)
    assert milestone(engine, "M4").is_synthetic is False


@pytest.mark.parametrize(
    ("status", "rag", "flagged"),
    [
        ("on track", "green", False),
        ("on track", "red", True),
        ("at risk", "amber", False),
        ("at risk", "green", True),
        ("off track", "red", False),
        ("off track", "amber", True),
        ("complete", "blue", False),
        ("complete", "green", False),
        ("complete", "red", True),
        ("not started", "red", False),
    ],
)
def test_status_and_rag_disagreement(status, rag, flagged):
    from kpi.programme.milestones import rag_disagreement

    assert (rag_disagreement(status, rag) is not None) == flagged
