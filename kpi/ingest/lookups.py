"""The codes an import is checked against (KPIs, trusts, merged trusts, professions and their
aliases), read from the database once per import."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from kpi.ingest.problems import Notice, rows_text
from kpi.words.frames import records


@dataclass(frozen=True)
class KPIRules:
    code: str
    name: str
    rollup: str
    grain: str
    max_value: float | None
    unit: str
    numerator: str = ""
    denominator: str = ""

    def parts(self) -> str:
        """'numerator (Vacant FTE) and denominator (Establishment FTE)'."""
        if self.numerator and self.denominator:
            return f"numerator ({self.numerator}) and denominator ({self.denominator})"
        return "numerator and denominator"


@dataclass(frozen=True)
class ReferenceData:
    """The codes the importer checks against, read once per import."""

    kpis: dict[str, KPIRules]
    trusts: dict[str, str]  # ODS code -> name
    successions: dict[str, tuple[str, dt.date]]  # old code -> (successor, effective from)
    professions: dict[str, str]  # normalised code, name or alias -> profession code
    profession_names: dict[str, str]  # code -> name
    # A combined group's code -> the codes of the professions it stands for (the arts therapists).
    profession_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


def normalise_name(value: str) -> str:
    """Lower case with single spaces: how profession names and aliases are matched."""
    return re.sub(r"\s+", " ", value.strip().lower())


def load_reference_data(engine: Engine) -> ReferenceData:
    from kpi.figures import queries

    catalogue = queries.kpi_catalogue(engine)
    kpis = {
        row["code"]: KPIRules(
            code=row["code"],
            name=row["name"],
            rollup=row["rollup"],
            grain=row["grain"],
            max_value=None if pd.isna(row["max_value"]) else float(row["max_value"]),
            unit=row["unit"],
            numerator=row["numerator_definition"] or "",
            denominator=row["denominator_definition"] or "",
        )
        for row in records(catalogue)
    }
    trusts_frame = queries.trusts(engine)
    trusts = dict(zip(trusts_frame["ods_code"], trusts_frame["name"], strict=True))
    successions = {
        row["old_code"]: (row["successor_code"], pd.Timestamp(row["effective_from"]).date())
        for row in records(queries.successions(engine))
        if row["status"] == "confirmed"  # a planned merger is a note, not a mapping
    }
    professions_frame = queries.professions(engine)
    lookup: dict[str, str] = {}
    names: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for row in records(professions_frame):
        names[row["code"]] = row["name"]
        if combined := str(row.get("combines") or "").split():
            groups[row["code"]] = tuple(combined)
        lookup[normalise_name(row["code"])] = row["code"]
        lookup[normalise_name(row["name"])] = row["code"]
    for row in records(queries.profession_aliases(engine)):
        lookup.setdefault(normalise_name(row["alias"]), row["profession_code"])
    return ReferenceData(kpis, trusts, successions, lookup, names, groups)


def map_successors(
    trust: pd.Series, period: pd.Series, rows: pd.Series, ref: ReferenceData
) -> tuple[pd.Series, list[Notice]]:
    """Trust codes with old codes of merged trusts replaced by the successor from the merger date on,
    and one notice per old code that was mapped."""
    mapped = trust.copy()
    notices: list[Notice] = []
    for old, (successor, since) in sorted(ref.successions.items()):
        hit = (trust == old) & period.map(
            lambda p, since=since: isinstance(p, dt.date) and p >= since
        ).astype(bool)
        if hit.any():
            mapped = mapped.where(~hit, successor)
            hit_rows = sorted(int(r) for r in rows[hit])
            notices.append(
                Notice(
                    hit_rows[0],
                    f"{old} ({ref.trusts.get(old, old)}) merged into {successor} "
                    f"({ref.trusts.get(successor, successor)}) on {since:%d/%m/%Y}: "
                    f"{len(hit_rows):,} row(s) for {since:%b %Y} onwards count under {successor} "
                    f"(rows {rows_text(hit_rows)}).",
                    tuple(hit_rows),
                )
            )
    return mapped, notices
