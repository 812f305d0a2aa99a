"""Commentary in the board's format: for one KPI, scope and month, the narrative NHS integrated
performance reports use (what the chart tells us, issues, actions, mitigations and risks) with an owner.

Only the workforce lead writes it; every edit keeps the old text in the history. A month with no
commentary of its own shows the newest earlier one as a draft to start from ("carried over from Oct
2026"), never as that month's own words until the lead saves it.

Sign-off: the lead marks a month's commentary as reviewed (who and when). A reviewed commentary is
locked: changing it takes an explicit `reopen`, and the change makes a new version that needs review
again; the history keeps every version's text and every review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from kpi.access.auth import User, require_lead
from kpi.notes.common import NoteError, check_kpi, check_scope, clean_text, month_of, now, record
from kpi.store.db import session_scope
from kpi.store.models import COMMENTARY_STATUSES, Commentary
from kpi.words.formats import uk_day

RECORD_TYPE = "commentary"
SECTIONS = {
    "tells": "What the chart tells us",
    "issues": "Issues",
    "actions": "Actions",
    "risks": "Mitigations and risks",
}
TEXT_LIMIT = 2000
OWNER_LIMIT = 120
ACCEPTED_DRAFT = "the draft made from the data, accepted by the lead"


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
    version: int = 0  # 0: none of the month's own
    reviewed_by: str | None = None  # of the current version only
    reviewed_at: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not any((self.tells, self.issues, self.actions, self.risks))

    @property
    def own(self) -> bool:
        """The month's own commentary (not a carried-over draft, not nothing)."""
        return self.version > 0 and self.carried_over_from is None

    @property
    def reviewed(self) -> bool:
        """The month's own commentary, reviewed at its current version (and so locked)."""
        return self.own and self.reviewed_at is not None

    @property
    def review_words(self) -> str:
        """'Reviewed by J. Smith on 3 Dec 2026', 'Not yet reviewed (version 2)', '' without commentary of
        the month's own."""
        if not self.own:
            return ""
        if self.reviewed:
            return f"Reviewed by {person(self.reviewed_by)} on {uk_day(self.reviewed_at)}"
        return "Not yet reviewed" + (f" (version {self.version})" if self.version > 1 else "")


class CommentaryLocked(NoteError):
    """The commentary is reviewed: changing it needs `reopen`, and makes a version to review again."""


def person(label: str | None) -> str:
    """The name in an audit label: 'J. Smith' from 'J. Smith <j.smith@nhs.net>'; the address without a
    name."""
    text = (label or "").strip()
    name = text.split("<", 1)[0].strip()
    return name or text.strip("<>")


def save_commentary(
    engine: Engine,
    user: User,
    kpi_code: str,
    scope_code: str,
    period: dt.date,
    *,
    status: str = "draft",
    reopen: bool = False,
    accepted_draft: bool = False,
    **texts: str,
) -> bool:
    """Write a month's commentary (the sections in SECTIONS, `owner`, `status` draft or final). Every
    changed field goes into the history, and a change to a written commentary makes a new version that
    needs review. A reviewed commentary is locked: CommentaryLocked unless `reopen`. `accepted_draft`
    says in the history that the text is the draft made from the data, accepted. False when nothing
    changed (nothing is written)."""
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
            if _is_reviewed(row) and not reopen:
                raise CommentaryLocked(
                    "commentary",
                    f"This commentary was reviewed by {person(row.reviewed_by)} on {uk_day(row.reviewed_at)}"
                    " and is locked. Choose 'Change the reviewed commentary' to make a new version; it will "
                    "need review again.",
                )
            row.version += 1
            record(s, RECORD_TYPE, row.id, user.email, now(), {"version": (row.version - 1, row.version)})
        record(s, RECORD_TYPE, row.id, user.email, now(), {name: (old[name], new[name]) for name in new})
        if accepted_draft:
            record(s, RECORD_TYPE, row.id, user.email, now(), {"origin": (None, ACCEPTED_DRAFT)})
        for name, value in new.items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = now(), user.email
        return True


def _is_reviewed(row: Commentary) -> bool:
    return row.reviewed_version is not None and row.reviewed_version == row.version


def review_commentary(engine: Engine, user: User, kpi_code: str, scope_code: str, period: dt.date) -> bool:
    """Mark the month's commentary on one KPI and scope as reviewed by `user`, now: its current version
    is locked. False when it is already reviewed at this version. NoteError when the month has no
    commentary of its own, or it does not say what the chart tells us."""
    return review_month(engine, user, scope_code, period, [kpi_code]) == 1


def review_month(engine: Engine, user: User, scope_code: str, period: dt.date, kpi_codes: list[str]) -> int:
    """Mark the month's commentary on each of `kpi_codes` for the scope as reviewed (see
    review_commentary): all or none. How many were newly marked."""
    require_lead(user, "review commentary")
    with session_scope(engine) as s:
        scope, month = check_scope(s, scope_code), month_of("month", period)
        codes = [check_kpi(s, code) for code in kpi_codes]
        rows = {
            row.kpi_code: row
            for row in s.scalars(
                select(Commentary).where(
                    Commentary.scope_code == scope, Commentary.period == month, Commentary.kpi_code.in_(codes)
                )
            )
        }
        for code in codes:
            row = rows.get(code)
            if row is None or not row.tells:
                raise NoteError(
                    "commentary",
                    f"{code} has no commentary for {month:%b %Y} saying what the chart tells us; write or "
                    "accept it before marking it reviewed.",
                )
        marked = 0
        when = now()
        for row in rows.values():
            if _is_reviewed(row):
                continue
            record(s, RECORD_TYPE, row.id, user.label, when, {"reviewed": (None, f"version {row.version}")})
            row.reviewed_version, row.reviewed_by, row.reviewed_at = row.version, user.label, when
            marked += 1
        return marked


def review_states(engine: Engine, scope_codes: list[str]) -> pd.DataFrame:
    """Every commentary of the scopes: kpi_code, scope_code, period, version, reviewed (at the current
    version), reviewed_by, reviewed_at."""
    c = Commentary.__table__
    query = select(
        c.c.kpi_code,
        c.c.scope_code,
        c.c.period,
        c.c.version,
        c.c.reviewed_version,
        c.c.reviewed_by,
        c.c.reviewed_at,
    ).where(c.c.scope_code.in_([code.upper() for code in scope_codes]))
    with engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(query).mappings().all(), columns=[col.name for col in query.selected_columns]
        )
    frame["period"] = pd.to_datetime(frame["period"])
    frame["reviewed"] = frame["reviewed_version"].notna() & (frame["reviewed_version"] == frame["version"])
    return frame.drop(columns="reviewed_version")


def review_summary(views: dict[str, CommentaryView]) -> str:
    """The pack cover's line: '19 of 22 KPIs' commentary reviewed by J. Smith on 3 Dec 2026' (several
    reviewers named, the latest day given); 'No KPI's commentary reviewed yet (0 of 22)'."""
    total = len(views)
    done = [view for view in views.values() if view.reviewed]
    if not done:
        return f"No KPI's commentary reviewed yet (0 of {total})"
    people = list(dict.fromkeys(person(view.reviewed_by) for view in done))
    names = people[0] if len(people) == 1 else ", ".join(people[:-1]) + f" and {people[-1]}"
    latest = max(view.reviewed_at for view in done if view.reviewed_at is not None)
    day = uk_day(latest)
    when = f"on {day}" if len({uk_day(view.reviewed_at) for view in done}) == 1 else f"by {day}"
    return f"{len(done)} of {total} KPIs' commentary reviewed by {names} {when}"


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
    reviewed = own and row["reviewed_version"] is not None and row["reviewed_version"] == row["version"]
    return CommentaryView(
        **{name: row[name] for name in (*SECTIONS, "owner")},
        status=row["status"] if own else "draft",
        carried_over_from=None if own else row["period"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        version=row["version"],
        reviewed_by=row["reviewed_by"] if reviewed else None,
        reviewed_at=row["reviewed_at"] if reviewed else None,
    )


__all__ = [
    "SECTIONS",
    "CommentaryLocked",
    "CommentaryView",
    "commentary_for",
    "person",
    "review_commentary",
    "review_month",
    "review_states",
    "review_summary",
    "save_commentary",
]
