"""The KPI data dictionary as people read it: one entry per KPI with its facts in words, a search
over every word of it, and the same entries as a table for the CSV download. Pure, no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kpi.reading import Reading
from kpi.reference.catalogue import KPI
from kpi.words.formats import direction_words, month_label
from kpi.words.frames import records

GRAINS = {
    "trust_profession": "By trust, profession and month",
    "trust": "By trust and month",
    "system": "For the system as a whole, by month",
}
ROLLUPS = {
    "ratio": "Sum of numerators over sum of denominators (never an average of rates)",
    "sum": "Sum of the trusts' figures",
}
# What a headcount summed across trusts means (a count of people, added up trust by trust).
HEADCOUNT_ACROSS_TRUSTS = (
    "Summed across trusts for a collaborative or the system: a person with posts in two trusts counts in "
    "each, so twice (NHS England's own ICB totals count them once)"
)
ACCUMULATIONS = {
    "monthly": "Each month stands alone: read with the Making Data Count (SPC) rules",
    "rolling_12_months": "12 months rolling: shown as a trend, without the SPC rules",
    "year_to_date": "Year to date (April to the month): shown as a trend, without the SPC rules",
}


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    workstream: str
    definition: str
    facts: tuple[tuple[str, str], ...]  # (label, value) in reading order
    stale: bool = False  # no complete month as recent as the publication lag says there should be

    def text(self) -> str:
        """Every word of the entry, for the search."""
        return " ".join([self.code, self.name, self.workstream, self.definition, *(v for _, v in self.facts)])


def lag_words(months: int) -> str:
    """'Usually available 3 months after the month ends'."""
    if months <= 0:
        return "Usually available when the month ends"
    return f"Usually available {months} month{'s' if months != 1 else ''} after the month ends"


def freshness_facts(row: dict | None) -> list[tuple[str, str]]:
    """A KPI's publication lag, latest complete month and whether it is stale, from a row of
    kpi.figures.freshness.freshness (nothing without one)."""
    if row is None:
        return []
    latest = row["latest_complete_period"]
    complete = month_label(latest) if latest is not None and not pd.isna(latest) else "None yet"
    later = int(row["provisional_periods"])
    if later:
        complete += f" ({later} later month{'s' if later != 1 else ''} provisional: too few trusts so far)"
    stale = f"Yes: {month_label(row['due_period'])} expected by now" if row["stale"] else "No"
    return [
        ("Publication lag", lag_words(int(row["lag_months"]))),
        ("Latest complete month", complete),
        ("Stale", stale),
    ]


def _headcount_by_trust(kpi: KPI) -> bool:
    """A count of people added up from trusts' figures (not a system-only figure)."""
    return kpi.unit == "people" and kpi.rollup == "sum" and kpi.grain != "system"


def dictionary(
    catalogue: pd.DataFrame,
    kpis: dict[str, KPI],
    freshness: pd.DataFrame | None = None,
    readings: Mapping[str, Reading] | None = None,
) -> list[Entry]:
    """One entry per KPI, in catalogue order; with `freshness` (kpi.figures.freshness.freshness), its
    publication lag, latest complete month and whether it is stale too; with `readings` (one scope's),
    the target in force for that scope ('Target for C&M': '6% from Apr 2026 ...')."""
    fresh = {} if freshness is None else {row["kpi_code"]: row for row in records(freshness)}
    entries = []
    for row in records(catalogue):
        kpi = kpis[row["code"]]
        facts = [
            ("Unit", "£" if kpi.unit == "GBP" else kpi.unit),
            ("Better when", direction_words(kpi.improvement)),
        ]
        if readings is not None and kpi.code in readings:
            reading = readings[kpi.code]
            target = reading.target.words(kpi.unit)
            facts.append((f"Target for {reading.scope_name}", target.removeprefix("Target ")))
        if kpi.rollup == "ratio":
            facts += [("Numerator", kpi.numerator_definition), ("Denominator", kpi.denominator_definition)]
        facts += [
            ("Roll-up", ROLLUPS.get(kpi.rollup, kpi.rollup)),
            ("Across trusts", HEADCOUNT_ACROSS_TRUSTS if _headcount_by_trust(kpi) else ""),
            ("Collected", GRAINS.get(kpi.grain, kpi.grain)),
            ("Accumulates", ACCUMULATIONS.get(kpi.accumulation, kpi.accumulation)),
            ("Source", kpi.source),
            ("Frequency", kpi.frequency),
            *freshness_facts(fresh.get(kpi.code)),
        ]
        entries.append(
            Entry(
                code=kpi.code,
                name=kpi.name,
                workstream=str(row.get("workstream_name") or kpi.workstream_code),
                definition=kpi.definition,
                facts=tuple((label, value) for label, value in facts if value),
                stale=bool(fresh[kpi.code]["stale"]) if kpi.code in fresh else False,
            )
        )
    return entries


def matching(entries: list[Entry], query: str) -> list[Entry]:
    """The entries that contain every word of `query` (any case, anywhere); all of them for no query."""
    words = query.lower().split()
    return [entry for entry in entries if all(word in entry.text().lower() for word in words)]


def as_table(entries: list[Entry]) -> pd.DataFrame:
    """One row per KPI, one column per fact: the dictionary's CSV."""
    return pd.DataFrame(
        [
            {
                "Code": e.code,
                "KPI": e.name,
                "Workstream": e.workstream,
                "Definition": e.definition,
                **dict(e.facts),
            }
            for e in entries
        ]
    )
