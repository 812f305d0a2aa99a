"""Commentary in the board's format: for one KPI, scope and month, the narrative NHS integrated
performance reports use (what the chart tells us, issues, actions, mitigations and risks) with an owner.

Only the workforce lead writes it; every edit keeps the old text in the history. A month with no
commentary of its own shows the newest earlier one as a draft to start from ("carried over from Oct
2026"), never as that month's own words until the lead saves it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from kpi.auth import User, require_lead
from kpi.db import session_scope
from kpi.models import COMMENTARY_STATUSES, Commentary
from kpi.notes import NoteError, check_kpi, check_scope, clean_text, month_of, now, record

RECORD_TYPE = "commentary"
SECTIONS = {
    "tells": "What the chart tells us",
    "issues": "Issues",
    "actions": "Actions",
    "risks": "Mitigations and risks",
}
TEXT_LIMIT = 2000
OWNER_LIMIT = 120


@dataclass(frozen=True)
class CommentaryView:
    """The commentary to show for a month: its own, or (carried_over_from set) an earlier month's as a
    draft. Empty texts when there is none at all."""

    tells: str = ""
    issues: str = ""
    actions: str = ""
    risks: str = ""
    owner: str = ""
    status: str = "draft"
    carried_over_from: dt.date | None = None
    updated_by: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not any((self.tells, self.issues, self.actions, self.risks))


def save_commentary(
    engine: Engine,
    user: User,
    kpi_code: str,
    scope_code: str,
    period: dt.date,
    *,
    status: str = "draft",
    **texts: str,
) -> bool:
    """Write a month's commentary (the sections in SECTIONS, `owner`, `status` draft or final). Every
    changed field goes into the history. False when nothing changed (nothing is written)."""
    require_lead(user, "write commentary")
    if status not in COMMENTARY_STATUSES:
        raise NoteError("status", "The status is draft or final.")
    if unknown := set(texts) - {*SECTIONS, "owner"}:
        raise NoteError("section", f"Unknown commentary section(s): {', '.join(sorted(unknown))}.")
    new = {
        name: clean_text(SECTIONS[name].lower(), texts.get(name, ""), TEXT_LIMIT, required=False)
        for name in SECTIONS
    }
    new["owner"] = clean_text("owner", texts.get("owner", ""), OWNER_LIMIT, required=False)
    new["status"] = status
    if status == "final" and not new["tells"]:
        raise NoteError("tells", "Write what the chart tells us before marking the commentary final.")
    with session_scope(engine) as s:
        kpi, scope, month = check_kpi(s, kpi_code), check_scope(s, scope_code), month_of("month", period)
        row = s.scalars(
            select(Commentary).where(
                Commentary.kpi_code == kpi, Commentary.scope_code == scope, Commentary.period == month
            )
        ).one_or_none()
        if row is None:
            row = Commentary(
                kpi_code=kpi, scope_code=scope, period=month, updated_at=now(), updated_by=user.email
            )
            s.add(row)
            s.flush()
            old = dict.fromkeys(new, "")
        else:
            old = {name: getattr(row, name) for name in new}
            if old == new:
                return False
        record(s, RECORD_TYPE, row.id, user.email, now(), {name: (old[name], new[name]) for name in new})
        for name, value in new.items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = now(), user.email
        return True


def commentary_for(engine: Engine, kpi_code: str, scope_code: str, period: dt.date) -> CommentaryView:
    """The month's commentary, else the newest earlier month's as a draft, else an empty one."""
    c = Commentary.__table__
    month = period.replace(day=1)
    query = (
        select(c)
        .where(c.c.kpi_code == kpi_code.upper(), c.c.scope_code == scope_code.upper(), c.c.period <= month)
        .order_by(c.c.period.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().one_or_none()
    if row is None:
        return CommentaryView()
    own = row["period"] == month
    return CommentaryView(
        **{name: row[name] for name in (*SECTIONS, "owner")},
        status=row["status"] if own else "draft",
        carried_over_from=None if own else row["period"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


__all__ = ["SECTIONS", "CommentaryView", "commentary_for", "save_commentary"]
