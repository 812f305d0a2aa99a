"""Readings as the tables pages show: the Making Data Count summary (concerns first) and the scorecard (every
KPI in catalogue order, with its changes and sparkline). Both are made from the same readings, so a
table can never say what the reading does not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from kpi.figures import provisional
from kpi.reading.model import Reading
from kpi.words.formats import format_change, month_label

SPARKLINE_MONTHS = 24
SUMMARY_COLUMNS = [
    "priority",
    "kpi_code",
    "kpi",
    "month",
    "latest",
    "target",
    "variation",
    "variation_label",
    "variation_icon",
    "assurance",
    "assurance_label",
    "assurance_icon",
    "reading",
    "points",
    "provisional",
    "provisional_note",
    "suggestion",
]
SCORECARD_COLUMNS = [
    "kpi_code",
    "workstream",
    "kpi",
    "month",
    "latest",
    "value",
    "target",
    "vs_previous",
    "previous_change",
    "previous_month",
    "previous_reading",
    "vs_last_year",
    "last_year_reading",
    "trend",
    "unit",
    "provisional_note",
]


def by_priority(readings: Iterable[Reading]) -> list[Reading]:
    """Concerns first, then failing targets, ... (Reading.priority); the given order within each."""
    ordered = list(readings)
    return sorted(ordered, key=lambda reading: reading.priority)  # sorted() is stable


def summary_frame(readings: Iterable[Reading]) -> pd.DataFrame:
    """The Making Data Count summary: one row per reading, concerns first."""
    rows = [
        {
            "priority": reading.priority,
            "kpi_code": reading.kpi.code,
            "kpi": reading.kpi.name,
            "month": reading.month_text,
            "latest": reading.value_text,
            "target": reading.target_text,
            "variation": reading.variation,
            "variation_label": reading.variation_label,
            "variation_icon": reading.variation_icon(),
            "assurance": reading.assurance,
            "assurance_label": reading.assurance_label,
            "assurance_icon": reading.assurance_icon(),
            "reading": reading.sentence,
            "points": 0 if reading.result is None else reading.result.n_points,
            "provisional": reading.is_provisional,
            "provisional_note": reading.provisional_note,
            "suggestion": "" if reading.suggestion is None else month_label(reading.suggestion.period),
        }
        for reading in by_priority(readings)
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def sparkline(reading: Reading) -> list[float]:
    """The last SPARKLINE_MONTHS values the headline reads (provisional months only when included)."""
    used = provisional.used(reading.rows, reading.include_provisional)
    return [float(v) for v in used["value"].tail(SPARKLINE_MONTHS)]


def scorecard_frame(readings: Iterable[Reading], workstream_names: Mapping[str, str]) -> pd.DataFrame:
    """Every KPI (the readings' order) with its latest value, changes, target and sparkline; KPIs with no
    data are listed too, so the board sees what is missing rather than a silent gap."""
    rows = []
    for reading in readings:
        kpi = reading.kpi
        previous, last_year = reading.previous, reading.last_year
        rows.append(
            {
                "kpi_code": kpi.code,
                "workstream": workstream_names.get(kpi.workstream_code, kpi.workstream_code),
                "kpi": kpi.name,
                "month": reading.month_text,
                "latest": reading.value_text,
                "value": float("nan") if reading.value is None else reading.value,
                "target": reading.target_text,
                "vs_previous": reading.change_words(previous),
                "previous_change": ""
                if previous is None
                else format_change(previous.delta, kpi.unit, kpi.decimals),
                "previous_month": "–" if previous is None else month_label(previous.month),
                "previous_reading": "" if previous is None else previous.reading,
                "vs_last_year": reading.change_words(last_year),
                "last_year_reading": "" if last_year is None else last_year.reading,
                "trend": sparkline(reading),
                "unit": kpi.unit,
                "provisional_note": reading.provisional_note,
            }
        )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


__all__ = ["SCORECARD_COLUMNS", "SPARKLINE_MONTHS", "SUMMARY_COLUMNS", "by_priority", "scorecard_frame",
           "sparkline", "summary_frame"]  # fmt: skip
