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
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kpi.store.db import PROJECT_ROOT, session_scope
from kpi.store.models import (
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


def _yes_no(value: str) -> bool:
    if value.strip().lower() not in ("yes", "no"):
        raise ValueError("expected yes or no")
    return value.strip().lower() == "yes"


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip() not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return value.strip()

    return parse


# Column parsers per file; a column not listed is read as stripped text.
PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "trusts": {
        "role": _choice(TRUST_ROLES),
        "in_system": _yes_no,
        "system_from": _optional_date,
        "system_to": _optional_date,
    },
    # An empty valid_from: the start is not known, so the trust counts from the start of the data.
    "memberships": {
        "valid_from": _optional_date,
        "valid_to": _optional_date,
        "status": _choice(FACT_STATUSES),
    },
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
    professions: int  # the professions themselves
    aliases: int
    workstreams: int
    kpis: int
    milestones: int
    profession_groups: int = 0  # combined groups a source does not split (the arts therapists)


def _check_successions(successions: list[dict[str, Any]]) -> None:
    olds = {row["old_code"] for row in successions}
    for row in successions:
        if row["successor_code"] in olds:
            raise ReferenceDataError(
                f"successions.csv: {row['old_code']} -> {row['successor_code']} is a chain; "
                f"point {row['old_code']} at the final successor instead"
            )


def _check_sources(name: str, rows: list[dict[str, Any]], column: str) -> None:
    """Every fact says where it comes from: an empty `column` is refused, naming the row."""
    for line_no, row in enumerate(rows, start=2):
        if not row[column]:
            raise ReferenceDataError(
                f"{name}.csv row {line_no}, column {column}: say where the fact comes from (a publication, "
                "or the programme's decision)"
            )


def _check_system_spans(
    trusts: list[dict[str, Any]], memberships: list[dict[str, Any]], successions: list[dict[str, Any]]
) -> None:
    """The trusts' system spans agree with their roles and mergers (kpi.reference.membership has the rule): a
    system partner is never in the system nor in a collaborative; a trust outside the system has no
    dates; a merged trust's span ends before its merger (from then its figures are its successor's)."""
    merged_on = {
        row["old_code"]: row["effective_from"] for row in successions if row["status"] == "confirmed"
    }
    for line_no, row in enumerate(trusts, start=2):
        code, start, end = row["ods_code"], row["system_from"], row["system_to"]
        where = f"trusts.csv row {line_no} ({code})"
        if row["role"] == "partner" and row["in_system"]:
            raise ReferenceDataError(
                f"{where}: a system partner is outside system totals; set in_system to no"
            )
        if not row["in_system"] and (start or end):
            raise ReferenceDataError(f"{where}: system_from and system_to are for a trust in the system")
        if start and end and end < start:
            raise ReferenceDataError(f"{where}: system_to is before system_from")
        if end and code in merged_on and end >= merged_on[code]:
            raise ReferenceDataError(
                f"{where}: system_to {end:%Y-%m-%d} is on or after its merger ({merged_on[code]:%Y-%m-%d}), "
                "from which its figures count under its successor; end the span the day before"
            )
    partners = {row["ods_code"] for row in trusts if row["role"] == "partner"}
    for line_no, row in enumerate(memberships, start=2):
        if row["trust_code"] in partners:
            raise ReferenceDataError(
                f"memberships.csv row {line_no}: {row['trust_code']} is a system partner, outside "
                "collaborative totals; remove the row"
            )


def _check_memberships(memberships: list[dict[str, Any]]) -> None:
    """No two memberships of one trust and collaborative cover the same month (the trust would count
    twice in the collaborative's total); an empty start counts as the earliest."""
    by_pair: dict[tuple[str, str], list[tuple[int, dt.date, dt.date]]] = {}
    for line_no, row in enumerate(memberships, start=2):
        start, end = row["valid_from"] or dt.date.min, row["valid_to"] or dt.date.max
        if end < start:
            raise ReferenceDataError(f"memberships.csv row {line_no}: valid_to is before valid_from")
        by_pair.setdefault((row["trust_code"], row["collaborative_code"]), []).append((line_no, start, end))
    for (trust, collab), spans in by_pair.items():
        spans.sort(key=lambda span: span[1])
        for (first, _, end), (second, start, _) in itertools.pairwise(spans):
            if start <= end:
                raise ReferenceDataError(
                    f"memberships.csv rows {first} and {second}: {trust}'s memberships of {collab} overlap, "
                    "so it would count twice; end one before the other starts"
                )


def _check_professions(professions: list[dict[str, Any]]) -> None:
    """A combined group names professions that exist and are not groups themselves."""
    plain = {row["code"] for row in professions if not row["combines"]}
    for line_no, row in enumerate(professions, start=2):
        if unknown := [code for code in row["combines"].split() if code not in plain]:
            raise ReferenceDataError(
                f"professions.csv row {line_no}, column combines: {', '.join(unknown)} is not a profession "
                "of the file (a group combines professions, never other groups)"
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
    _check_sources("trusts", data["trusts"], "system_source")
    _check_sources("memberships", data["memberships"], "source")
    _check_system_spans(data["trusts"], data["memberships"], data["successions"])
    _check_memberships(data["memberships"])
    _check_professions(data["professions"])

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
        professions=sum(1 for row in data["professions"] if not row["combines"]),
        profession_groups=sum(1 for row in data["professions"] if row["combines"]),
        aliases=len(data["profession_aliases"]),
        workstreams=len(data["workstreams"]),
        kpis=len(data["kpis"]),
        milestones=len(data["milestones"]),
    )
