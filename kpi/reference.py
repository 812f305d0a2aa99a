"""Reference data: trusts, collaboratives, memberships, mergers, professions, workstreams, the KPI
catalogue and the programme milestones, kept as CSV in `data/reference/` and reviewed like code.

`load_reference` makes the database match the CSV files and can be run any number of times: rows are
inserted or updated by their natural key, and memberships, successions and aliases that were removed
from the files are removed from the database. Milestone progress (status, dates, notes) belongs to the
app and is never overwritten here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kpi.db import PROJECT_ROOT, session_scope
from kpi.models import (
    ACCUMULATIONS,
    CONFLICT_RULES,
    FACT_STATUSES,
    GRAINS,
    IMPROVEMENT_DIRECTIONS,
    ROLLUP_RULES,
    TRUST_ROLES,
    Collaborative,
    KPIDefinition,
    KPIRebasePoint,
    Membership,
    Milestone,
    Profession,
    ProfessionAlias,
    Succession,
    Trust,
    Workstream,
)

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"


class ReferenceDataError(ValueError):
    """A reference CSV file has a value that cannot be used; the message names file, row and column."""


def _text(value: str) -> str:
    return value.strip()


def _optional_float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def _optional_date(value: str) -> dt.date | None:
    return _date(value) if value.strip() else None


def _months(value: str) -> int:
    months = int(value)
    if months < 0:
        raise ValueError("expected a whole number of months, 0 or more")
    return months


def _share(value: str) -> float:
    share = float(value)
    if not 0 < share <= 1:
        raise ValueError("expected a share above 0 and at most 1 (1.0 = every expected trust)")
    return share


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip() not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return value.strip()

    return parse


# Column parsers per file; a column not listed is read as stripped text.
PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "trusts": {"role": _choice(TRUST_ROLES)},
    "memberships": {"valid_from": _date, "valid_to": _optional_date, "status": _choice(FACT_STATUSES)},
    "successions": {"effective_from": _date, "status": _choice(FACT_STATUSES)},
    "professions": {"sort_order": int},
    "workstreams": {"sort_order": int},
    "kpis": {
        "improvement": _choice(IMPROVEMENT_DIRECTIONS),
        "rollup": _choice(ROLLUP_RULES),
        "conflict": _choice(CONFLICT_RULES),
        "grain": _choice(GRAINS),
        "accumulation": _choice(ACCUMULATIONS),
        "target": _optional_float,
        "max_value": _optional_float,
        "decimals": int,
        "sort_order": int,
        "lag_months": _months,
        "complete_share": _share,
    },
    "milestones": {"baseline_due": _date},
    "kpi_rebase_points": {"period": _date},
}


def read_reference_csv(name: str, folder: Path = REFERENCE_DIR) -> list[dict[str, Any]]:
    """Rows of `<folder>/<name>.csv` as dicts with parsed values."""
    path = folder / f"{name}.csv"
    parsers = PARSERS.get(name, {})
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line_no, raw in enumerate(csv.DictReader(handle), start=2):
            row: dict[str, Any] = {}
            for column, value in raw.items():
                try:
                    row[column] = parsers.get(column, _text)(value or "")
                except ValueError as exc:
                    raise ReferenceDataError(f"{path.name} row {line_no}, column {column}: {exc}") from exc
            rows.append(row)
    return rows


@dataclass(frozen=True)
class ReferenceCounts:
    collaboratives: int
    trusts: int
    memberships: int
    successions: int
    professions: int
    aliases: int
    workstreams: int
    kpis: int
    milestones: int


def _check_successions(successions: list[dict[str, Any]]) -> None:
    olds = {row["old_code"] for row in successions}
    for row in successions:
        if row["successor_code"] in olds:
            raise ReferenceDataError(
                f"successions.csv: {row['old_code']} -> {row['successor_code']} is a chain; "
                f"point {row['old_code']} at the final successor instead"
            )


REFERENCE_FILES = (
    "collaboratives",
    "trusts",
    "memberships",
    "successions",
    "professions",
    "profession_aliases",
    "workstreams",
    "kpis",
    "kpi_rebase_points",
    "milestones",
)


def _sync(session: Session, model: type[Any], rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
    """Make `model`'s table hold exactly `rows`, matched on the natural `key` (surrogate ids kept)."""
    existing: dict[tuple[Any, ...], Any] = {
        tuple(getattr(obj, k) for k in key): obj for obj in session.scalars(select(model))
    }
    for row in rows:
        obj = existing.pop(tuple(row[k] for k in key), None)
        if obj is None:
            session.add(model(**row))
        else:
            for column, value in row.items():
                setattr(obj, column, value)
    for obj in existing.values():
        session.delete(obj)


def _merge_kpis(s: Session, rows: list[dict[str, Any]]) -> None:
    """Add or update each KPI definition (the CSV's short column names mapped to the model's)."""
    for row in rows:
        s.merge(
            KPIDefinition(
                code=row["code"],
                name=row["name"],
                workstream_code=row["workstream"],
                unit=row["unit"],
                improvement=row["improvement"],
                target=row["target"],
                rollup=row["rollup"],
                numerator_definition=row["numerator"],
                denominator_definition=row["denominator"],
                definition=row["definition"],
                source=row["source"],
                frequency=row["frequency"],
                conflict_rule=row["conflict"],
                grain=row["grain"],
                accumulation=row["accumulation"],
                decimals=row["decimals"],
                max_value=row["max_value"],
                sort_order=row["sort_order"],
                lag_months=row["lag_months"],
                complete_share=row["complete_share"],
            )
        )


def _sync_milestones(s: Session, rows: list[dict[str, Any]]) -> None:
    """Add new milestones (not started, green) and update the planned fields of existing ones;
    status, RAG, forecast, completion and notes of an existing milestone are the lead's, left alone."""
    existing = {m.code: m for m in s.scalars(select(Milestone))}
    for row in rows:
        milestone = existing.get(row["code"])
        if milestone is None:
            s.add(
                Milestone(
                    code=row["code"],
                    title=row["title"],
                    workstream_code=row["workstream"],
                    baseline_due=row["baseline_due"],
                    owner_role=row["owner_role"],
                    notes=row["notes"],
                    status="not started",
                    rag="green",
                    is_synthetic=False,
                )
            )
        else:
            milestone.title = row["title"]
            milestone.workstream_code = row["workstream"]
            milestone.baseline_due = row["baseline_due"]
            milestone.owner_role = row["owner_role"]


def load_reference(engine: Engine, folder: Path = REFERENCE_DIR) -> ReferenceCounts:
    """Make the reference tables match the CSV files (idempotent, one transaction)."""
    data = {name: read_reference_csv(name, folder) for name in REFERENCE_FILES}
    _check_successions(data["successions"])

    with session_scope(engine) as s:
        # Trusts, professions and the like are never deleted here: observations may refer to them.
        for row in data["collaboratives"]:
            s.merge(Collaborative(**row))
        for row in data["trusts"]:
            s.merge(Trust(**row))
        for row in data["workstreams"]:
            s.merge(Workstream(**row))
        for row in data["professions"]:
            s.merge(Profession(**row))
        s.flush()
        _sync(s, ProfessionAlias, data["profession_aliases"], ("alias",))
        _sync(s, Membership, data["memberships"], ("trust_code", "collaborative_code", "valid_from"))
        _sync(s, Succession, data["successions"], ("old_code",))

        _merge_kpis(s, data["kpis"])
        s.flush()
        # Months from which a KPI's SPC limits are recalculated (a known change in the process).
        _sync(s, KPIRebasePoint, data["kpi_rebase_points"], ("kpi_code", "period"))

        _sync_milestones(s, data["milestones"])

    return ReferenceCounts(
        collaboratives=len(data["collaboratives"]),
        trusts=len(data["trusts"]),
        memberships=len(data["memberships"]),
        successions=len(data["successions"]),
        professions=len(data["professions"]),
        aliases=len(data["profession_aliases"]),
        workstreams=len(data["workstreams"]),
        kpis=len(data["kpis"]),
        milestones=len(data["milestones"]),
    )
