"""The KPI catalogue's type: what every view needs to know about a KPI (a row of `kpi_definitions`), with
the domain's Literal values from kpi.store.models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpi.store.models import Accumulation, ConflictRule, Grain, Improvement, Rollup


@dataclass(frozen=True)
class KPI:
    """What the presentation layer needs to know about a KPI (a row of the catalogue).

    `catalogue_target` is the catalogue's starting target: a lead's target from a month for a scope can
    replace it, so no view reads it; views ask the reading (kpi.reading) for the target in force."""

    code: str
    name: str
    workstream_code: str
    unit: str
    improvement: Improvement
    catalogue_target: float | None
    rollup: Rollup
    decimals: int
    definition: str = ""
    numerator_definition: str = ""
    denominator_definition: str = ""
    source: str = ""
    frequency: str = "monthly"
    conflict_rule: ConflictRule = "concern"
    grain: Grain = "trust"
    accumulation: Accumulation = "monthly"  # or "rolling_12_months", "year_to_date": not read with SPC rules

    @classmethod
    def from_row(cls, row: dict[str, Any] | pd.Series) -> KPI:
        """A catalogue row (the table's CHECK constraints and the reference loader hold its values to the
        Literal types, so they are taken as they are)."""
        target = row.get("target")
        return cls(
            code=row["code"],
            name=row["name"],
            workstream_code=row["workstream_code"],
            unit=row["unit"],
            improvement=row["improvement"],
            catalogue_target=None
            if target is None or (isinstance(target, float) and math.isnan(target))
            else float(target),
            rollup=row["rollup"],
            decimals=int(row["decimals"]),
            definition=row.get("definition", "") or "",
            numerator_definition=row.get("numerator_definition", "") or "",
            denominator_definition=row.get("denominator_definition", "") or "",
            source=row.get("source", "") or "",
            frequency=row.get("frequency", "monthly") or "monthly",
            conflict_rule=row.get("conflict_rule", "concern") or "concern",
            grain=row.get("grain", "trust") or "trust",
            accumulation=row.get("accumulation", "monthly") or "monthly",
        )

    @property
    def title_with_unit(self) -> str:
        """'Vacancy rate (%)', 'External funding secured (£)'; a name that already says its unit keeps
        it alone: 'AHP staff in post (FTE)', 'AHP staff in post (headcount)' (a count of people)."""
        unit = "£" if self.unit == "GBP" else self.unit
        said = {f"({unit})"} | ({"(headcount)"} if unit == "people" else set())
        return self.name if any(s in self.name for s in said) else f"{self.name} ({unit})"

    @property
    def name_in_sentence(self) -> str:
        """The name inside a sentence: 'vacancy rate', but 'AHP staff in post (FTE)' keeps its capitals
        (a first word in capitals is an abbreviation)."""
        first = self.name.split(" ", 1)[0]
        if first.isupper() and len(first) > 1:
            return self.name
        return self.name[:1].lower() + self.name[1:]

    @property
    def by_profession(self) -> bool:
        return self.grain == "trust_profession"

    @property
    def is_monthly(self) -> bool:
        """Each month's figure stands alone (not a 12-month rolling or year-to-date figure), so the
        Making Data Count rules apply."""
        return self.accumulation == "monthly"
