"""The lead's settings for one KPI and scope's SPC chart, each with its reason, who and when: a baseline
(the limits fixed on the first N points), ghost points (drawn, left out of the limits and the rules), a
recalculation month (new limits from it) and a target from a month on. They become arguments of
`kpi.spc.xmr` (`spc_arguments`) and plain words for the chart's reading (`setting_words`).

Only the workforce lead writes them; removing one keeps the row with who, when and why. A suggested
recalculation (`kpi.spc.suggestions`) is accepted or dismissed here too, and the decision is kept so
the same month is not suggested again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kpi.access.auth import User, require_lead
from kpi.figures import queries
from kpi.notes.common import NoteError, check_kpi, check_scope, clean_text, month_of, now
from kpi.spc import checks
from kpi.store.db import session_scope
from kpi.store.models import ChartSetting, RecalculationDecision
from kpi.words.formats import month_label

REASON_LIMIT = 300
MIN_BASELINE = 12  # NHS England's guidance: at least 12 points before limits mean much
MAX_BASELINE = 120


@dataclass(frozen=True)
class ChartSettings:
    """The settings in force for one chart, oldest first, each with its reason."""

    baseline: tuple[int, str] | None = None
    ghosts: list[tuple[pd.Timestamp, str]] = field(default_factory=list)
    recalculations: list[tuple[pd.Timestamp, str]] = field(default_factory=list)
    targets: list[tuple[pd.Timestamp, float, str]] = field(default_factory=list)


def add_setting(
    engine: Engine,
    user: User,
    kpi_code: str,
    scope_code: str,
    kind: str,
    reason: str,
    *,
    period: dt.date | None = None,
    points: int | None = None,
    value: float | None = None,
) -> int:
    """Record a setting; refused (NoteError, nothing written) without a reason, with a value its kind
    does not take, when it could not change the chart (setting_problem), or when the same setting is
    already in force. Returns its id."""
    require_lead(user, "change a chart's settings")
    fields = kind_fields(kind, period, points, value)
    clean_text("reason", reason, REASON_LIMIT)
    with session_scope(engine) as s:
        check_kpi(s, kpi_code)
        check_scope(s, scope_code)
    refuse_without_effect(engine, kpi_code, scope_code, kind, fields)
    with session_scope(engine) as s:
        return new_setting(s, user, kpi_code, scope_code, kind, reason, fields)


def new_setting(
    s: Session, user: User, kpi_code: str, scope_code: str, kind: str, reason: str, fields: dict
) -> int:
    setting = ChartSetting(
        kpi_code=check_kpi(s, kpi_code),
        scope_code=check_scope(s, scope_code),
        kind=kind,
        reason=clean_text("reason", reason, REASON_LIMIT),
        created_at=now(),
        created_by=user.email,
        **fields,
    )
    _refuse_repeats(s, setting)
    s.add(setting)
    s.flush()
    return setting.id


def complete_months(engine: Engine, kpi_code: str, scope_code: str) -> pd.DatetimeIndex:
    """The months with a complete figure for one KPI and scope, every month in the database: what a
    chart setting is checked against."""
    code, scope = kpi_code.upper(), scope_code.upper()
    collaboratives = set(queries.collaboratives(engine)["code"])
    level: queries.Level = (
        "system" if scope == queries.SYSTEM_CODE else "collaborative" if scope in collaboratives else "trust"
    )
    flt = queries.KPIFilter(kpis=(code,), trusts=(scope,) if level == "trust" else None)
    rows = queries.kpi_series(flt, level, engine)
    rows = rows[(rows["scope_code"] == scope) & ~rows["provisional"].astype(bool)]
    return pd.DatetimeIndex(sorted(rows["period"]))


def setting_problem(engine: Engine, kpi_code: str, scope_code: str, kind: str, fields: dict) -> str | None:
    """Why a setting of `kind` (its `fields` as _kind_fields gives them) could not change the chart of
    one KPI and scope, or None (kpi.spc.checks): the same check for the app, `settings import` and an
    accepted suggestion."""
    code = kpi_code.upper()
    kpi = queries.kpi_catalogue(engine).set_index("code").loc[code]
    if kind != "target" and kpi["accumulation"] != "monthly":
        return (
            f"{kpi['name']} is shown as a trend without SPC limits (each month shares months with the ones "
            f"before it), so a {kind} cannot change its chart; a target can."
        )
    months = complete_months(engine, code, scope_code)
    current = settings_for(engine, code, scope_code)
    if kind == "recalculation":
        rebase = queries.rebase_points(engine)
        earlier = [*rebase.loc[rebase["kpi_code"] == code, "period"], *(m for m, _ in current.recalculations)]
        return checks.recalculation_problem(pd.Timestamp(fields["period"]), months, earlier)
    if kind == "ghost":
        ghosts = [month for month, _ in current.ghosts]
        return checks.ghost_problem(pd.Timestamp(fields["period"]), months, ghosts)
    if kind == "baseline":
        return checks.baseline_problem(int(fields["points"]), months)
    return None


def refuse_without_effect(engine: Engine, kpi_code: str, scope_code: str, kind: str, fields: dict) -> None:
    """NoteError (nothing written) when the setting could not change the chart (setting_problem)."""
    problem = setting_problem(engine, kpi_code, scope_code, kind, fields)
    if problem is not None:
        raise NoteError(kind, problem)


def kind_fields(kind: str, period: dt.date | None, points: int | None, value: float | None) -> dict:
    if kind == "baseline":
        if (
            not isinstance(points, int)
            or isinstance(points, bool)
            or not MIN_BASELINE <= points <= MAX_BASELINE
        ):
            raise NoteError("points", f"A baseline is {MIN_BASELINE} to {MAX_BASELINE} points.")
        return {"points": points}
    if kind in ("ghost", "recalculation"):
        return {"period": month_of("month", period)}
    if kind == "target":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            raise NoteError("target", "Give the target as a number.")
        return {"period": month_of("month", period), "value": float(value)}
    raise NoteError("kind", f"{kind!r} is not a chart setting (baseline, ghost, recalculation or target).")


def refuse_repeat(engine: Engine, kpi_code: str, scope_code: str, kind: str, fields: dict) -> None:
    """NoteError when the same setting is already in force for the chart (a file row checked before it
    is written)."""
    with session_scope(engine) as s:
        _refuse_repeats(
            s, ChartSetting(kpi_code=kpi_code.upper(), scope_code=scope_code.upper(), kind=kind, **fields)
        )


def _refuse_repeats(s: Session, setting: ChartSetting) -> None:
    current = _in_force(s, setting.kpi_code, setting.scope_code)
    for other in current:
        same_month = other.kind == setting.kind and other.period == setting.period
        if (setting.kind == "baseline" and other.kind == "baseline") or (
            same_month and other.kind != "baseline"
        ):
            raise NoteError(
                setting.kind,
                f"This chart already has that {setting.kind} ({_said(other)}); remove it first to change it.",
            )


def remove_setting(engine: Engine, user: User, setting_id: int, reason: str) -> None:
    """Take a setting off the chart, keeping the row with who, when and why."""
    require_lead(user, "change a chart's settings")
    with session_scope(engine) as s:
        setting = s.get(ChartSetting, setting_id)
        if setting is None or setting.removed_at is not None:
            raise NoteError("setting", f"There is no chart setting {setting_id} (it may have been removed).")
        setting.removed_reason = clean_text("reason", reason, REASON_LIMIT)
        setting.removed_at, setting.removed_by = now(), user.email


def _in_force(s: Session, kpi_code: str, scope_code: str) -> list[ChartSetting]:
    query = select(ChartSetting).where(
        ChartSetting.kpi_code == kpi_code,
        ChartSetting.scope_code == scope_code,
        ChartSetting.removed_at.is_(None),
    )
    return list(s.scalars(query.order_by(ChartSetting.period, ChartSetting.id)))


def settings_for(engine: Engine, kpi_code: str, scope_code: str) -> ChartSettings:
    """The settings in force for one chart."""
    return settings_by_kpi(engine, scope_code, kpi_code).get(kpi_code.upper(), ChartSettings())


def settings_by_kpi(engine: Engine, scope_code: str, kpi_code: str | None = None) -> dict[str, ChartSettings]:
    """The settings in force for each KPI's chart of one scope (only KPIs with some), in one read."""
    query = select(ChartSetting).where(
        ChartSetting.scope_code == scope_code.upper(), ChartSetting.removed_at.is_(None)
    )
    if kpi_code is not None:
        query = query.where(ChartSetting.kpi_code == kpi_code.upper())
    with session_scope(engine) as s:
        rows = list(s.scalars(query.order_by(ChartSetting.period, ChartSetting.id)))
        by_kpi: dict[str, list[ChartSetting]] = {}
        for row in rows:
            by_kpi.setdefault(row.kpi_code, []).append(row)
        return {code: _settings(kept) for code, kept in by_kpi.items()}


def _settings(rows: list[ChartSetting]) -> ChartSettings:
    baseline = next(((int(r.points or 0), r.reason) for r in rows if r.kind == "baseline"), None)
    # Ghost, recalculation and target settings always have a month: add_setting, their only writer,
    # requires one (kind_fields, month_of). Only a baseline has none.
    return ChartSettings(
        baseline=baseline,
        ghosts=[(pd.Timestamp(cast(dt.date, r.period)), r.reason) for r in rows if r.kind == "ghost"],
        recalculations=[
            (pd.Timestamp(cast(dt.date, r.period)), r.reason) for r in rows if r.kind == "recalculation"
        ],
        targets=[
            (pd.Timestamp(cast(dt.date, r.period)), float(r.value or 0), r.reason)
            for r in rows
            if r.kind == "target"
        ],
    )


def settings_rows(engine: Engine, kpi_code: str, scope_code: str) -> pd.DataFrame:
    """The settings in force for one chart as rows to list and remove: id, kind, month, points, value,
    reason, who and when."""
    with session_scope(engine) as s:
        rows = _in_force(s, kpi_code.upper(), scope_code.upper())
        return pd.DataFrame(
            [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "setting": _said(r),
                    "value": r.value,
                    "reason": r.reason,
                    "by": r.created_by,
                    "at": r.created_at,
                }
                for r in rows
            ],
            columns=["id", "kind", "setting", "value", "reason", "by", "at"],
        )


def spc_arguments(settings: ChartSettings) -> dict:
    """The settings as keyword arguments of kpi.spc.xmr (recalculate_at, baseline, ghosts, targets)."""
    return {
        "recalculate_at": [when for when, _ in settings.recalculations],
        "baseline": settings.baseline[0] if settings.baseline else None,
        "ghosts": [when for when, _ in settings.ghosts],
        "targets": [(when, value) for when, value, _ in settings.targets],
    }


def setting_words(settings: ChartSettings, format_target=str) -> list[str]:
    """Each setting as a sentence for the chart's reading: 'Limits recalculated from Apr 2025: new triage
    model.' `format_target` writes a target value in the KPI's unit."""
    words = []
    if settings.baseline:
        words.append(
            f"Limits fixed on the first {settings.baseline[0]} months (baseline): {settings.baseline[1]}."
        )
    words += [
        f"Limits recalculated from {month_label(when)}: {why}." for when, why in settings.recalculations
    ]
    words += [
        f"{month_label(when)} is a ghost point, left out of the limits and rules: {why}."
        for when, why in settings.ghosts
    ]
    words += [
        f"Target {format_target(value)} from {month_label(when)}: {why}."
        for when, value, why in settings.targets
    ]
    return words


def _said(setting: ChartSetting) -> str:
    if setting.kind == "baseline":
        return f"the first {setting.points} points"
    return month_label(setting.period) if setting.period else ""


def decide_suggestion(
    engine: Engine, user: User, kpi_code: str, scope_code: str, period: dt.date, decision: str, reason: str
) -> None:
    """Accept (a recalculation from `period` follows, in the same transaction) or dismiss a suggested
    recalculation, with a reason; the decision is kept, so the month is not suggested again."""
    require_lead(user, "decide on a suggested recalculation")
    if decision not in ("accepted", "dismissed"):
        raise NoteError("decision", "Accept or dismiss the suggestion.")
    if decision == "accepted":
        refuse_without_effect(engine, kpi_code, scope_code, "recalculation", {"period": period})
    with session_scope(engine) as s:
        kpi, scope, month = check_kpi(s, kpi_code), check_scope(s, scope_code), month_of("month", period)
        assert scope is not None
        why = clean_text("reason", reason, REASON_LIMIT)
        s.add(
            RecalculationDecision(
                kpi_code=kpi,
                scope_code=scope,
                period=month,
                decision=decision,
                reason=why,
                decided_at=now(),
                decided_by=user.email,
            )
        )
        if decision == "accepted":
            new_setting(s, user, kpi, scope, "recalculation", why, {"period": month})


def decided_months(engine: Engine, kpi_code: str, scope_code: str) -> set[pd.Timestamp]:
    """The months whose suggestion was accepted or dismissed for this chart."""
    return decided_by_kpi(engine, scope_code).get(kpi_code.upper(), set())


def decided_by_kpi(engine: Engine, scope_code: str) -> dict[str, set[pd.Timestamp]]:
    """The months whose suggestion was accepted or dismissed, for each KPI's chart of one scope."""
    d = RecalculationDecision.__table__
    query = select(d.c.kpi_code, d.c.period).where(d.c.scope_code == scope_code.upper())
    decided: dict[str, set[pd.Timestamp]] = {}
    with engine.connect() as conn:
        for code, period in conn.execute(query):
            decided.setdefault(code, set()).add(pd.Timestamp(period))
    return decided


__all__ = [
    "ChartSettings",
    "add_setting",
    "complete_months",
    "decide_suggestion",
    "decided_by_kpi",
    "decided_months",
    "kind_fields",
    "new_setting",
    "refuse_repeat",
    "refuse_without_effect",
    "remove_setting",
    "setting_problem",
    "setting_words",
    "settings_by_kpi",
    "settings_for",
    "settings_rows",
    "spc_arguments",
]
