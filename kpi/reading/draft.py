"""Commentary drafted from the reading: "what the chart tells us" for a KPI, scope and month that has no
commentary of its own, in sentences made from templates and the reading's facts only (no outside service,
nothing guessed). Each sentence names the fact it comes from, so a test can hold it against the reading:

- `value`: the headline figure and its month;
- `signal`: the variation icon and the month its signal began;
- `assurance`: the assurance icon against the target in force (or that there is no target);
- `change_month`, `change_year`: the change on the month and on the year, better or worse;
- `annotation`: the lead's annotations and the confirmed mergers in the chart's months;
- `stale`, `provisional`: a KPI behind its schedule, a provisional month left out;
- `milestone`: the KPI's workstream's milestones that are late.

A draft is shown as made from the data, never as the lead's words, until the lead accepts or edits it
(kpi.notes.commentary); it is made afresh from the data every time it is shown, so it follows the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpi.reading.model import Reading
from kpi.words.formats import month_label, uk_date
from kpi.words.frames import records

DRAFT_LABEL = "Drafted from the data, not the lead's words"
ASSURANCE_PHRASES = {
    "pass": "the process consistently meets it",
    "fail": "the process consistently fails it: it will not be met unless something changes",
    "hit_or_miss": "the process sometimes meets it and sometimes not",
}
SIGNAL_PHRASES = {
    "improvement": "special cause improvement",
    "concern": "special cause concern",
    "neither": "special cause variation, neither improvement nor concern",
}
ANNOTATIONS_SAID = 3  # the newest annotations a draft names; the chart lists them all


@dataclass(frozen=True)
class Sentence:
    """One sentence of a draft and the fact it says: `fact` names it, `value` holds it."""

    text: str
    fact: str
    value: Any = None


@dataclass(frozen=True)
class Draft:
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(sentence.text for sentence in self.sentences)

    def __bool__(self) -> bool:
        return bool(self.sentences)


NO_DRAFT = Draft(())


def signal_start(reading: Reading) -> pd.Timestamp | None:
    """The month the headline month's signal began: the first of the unbroken run of months, ending at
    the headline month, whose point shows the same kind of special cause on the same side. None without
    a signal."""
    result = reading.result
    if result is None or result.chart_type != "xmr" or reading.variation in (None, "common_cause"):
        return None
    points = result.points.assign(month=pd.DatetimeIndex(reading.dates))
    points = points[points["value"].notna() & ~points["ghost"].astype(bool)]
    points = points[points["month"] <= reading.month]
    if points.empty:
        return None
    kind, side = points["point_type"].iloc[-1], points["signal_side"].iloc[-1]
    start = points["month"].iloc[-1]
    for row in points.iloc[::-1].itertuples():
        if row.point_type != kind or row.signal_side != side:
            break
        start = row.month
    return pd.Timestamp(start)


def _signal(reading: Reading) -> Sentence | None:
    result = reading.result
    if result is None:
        return None
    if result.chart_type == "trend":
        return Sentence(f"{reading.variation_label}.", "signal", None)
    variation = reading.variation
    if variation is None:
        return Sentence(
            "There are too few months for process limits, so no signal can be read yet.", "signal"
        )
    if variation == "common_cause":
        return Sentence(
            "The chart shows common cause variation: no signal in the latest month, so the figure is within "
            "what the process usually gives.",
            "signal",
            variation,
        )
    kind, side = variation.split("_")
    start = signal_start(reading)
    since = f" since {month_label(start)}" if start is not None else ""
    where = "higher" if side == "high" else "lower"
    return Sentence(
        f"The chart shows {SIGNAL_PHRASES[kind]}, {where} than usual{since}.", "signal", (variation, start)
    )


def _assurance(reading: Reading) -> Sentence | None:
    target = reading.target
    if reading.result is None:
        return None
    if target.value is None:
        return Sentence("There is no target for this KPI.", "assurance", None)
    words = target.words(reading.kpi.unit).removeprefix("Target ")
    if reading.assurance is None:
        return Sentence(
            f"The target in force is {words}; there is no assurance reading without process limits.",
            "assurance",
            (None, target.value),
        )
    return Sentence(
        f"Against the target in force, {words}, {ASSURANCE_PHRASES[reading.assurance]}.",
        "assurance",
        (reading.assurance, target.value),
    )


def _changes(reading: Reading) -> list[Sentence]:
    out = []
    for fact, change, against in (
        ("change_month", reading.previous, "the month before"),
        ("change_year", reading.last_year, "the same month a year earlier"),
    ):
        if change is not None and change.reading:
            words = reading.change_words(change)
            words = words[0].lower() + words[1:] if words.startswith("No change") else words
            out.append(Sentence(f"Against {against}: {words}.", fact, change))
    return out


def _annotations(reading: Reading, notes: pd.DataFrame) -> list[Sentence]:
    """The newest annotations (the lead's and automatic ones) within the chart's months, newest first."""
    if notes.empty or reading.month is None:
        return []
    shown = notes[pd.DatetimeIndex(notes["period"]) <= reading.month].sort_values("period", ascending=False)
    return [
        Sentence(f"Noted for {month_label(row['period'])}: “{row['text']}”.", "annotation", row["text"])
        for row in records(shown.head(ANNOTATIONS_SAID))
    ]


def late_milestones(milestones: pd.DataFrame, workstream: str, today: dt.date) -> pd.DataFrame:
    """A workstream's milestones not complete whose forecast is after the baseline, or whose due date (the
    forecast, else the baseline) has passed by `today`."""
    if milestones.empty:
        return milestones
    rows = milestones[(milestones["workstream_code"] == workstream) & (milestones["status"] != "complete")]
    due = rows["forecast_due"].fillna(rows["baseline_due"])
    moved = (
        rows["forecast_due"].notna()
        & rows["baseline_due"].notna()
        & (rows["forecast_due"] > rows["baseline_due"])
    )
    return rows[moved | (due.notna() & (due < pd.Timestamp(today)))]


def _milestones(late: pd.DataFrame) -> list[Sentence]:
    out = []
    for row in records(late):
        due = row["forecast_due"] if pd.notna(row["forecast_due"]) else row["baseline_due"]
        out.append(
            Sentence(
                f"Milestone {row['code']} of this workstream, “{row['title']}”, is late (baseline "
                f"{uk_date(row['baseline_due'])}, forecast {uk_date(due)}).",
                "milestone",
                row["code"],
            )
        )
    return out


def draft(
    reading: Reading,
    *,
    notes: pd.DataFrame | None = None,
    late: pd.DataFrame | None = None,
) -> Draft:
    """The draft of "what the chart tells us" for the reading's headline month, from the reading, its
    chart's annotations (`notes`: period, text) and its workstream's late milestones (`late`). Empty
    without a figure."""
    if reading.latest is None:
        return NO_DRAFT
    kpi = reading.kpi
    sentences: list[Sentence | None] = [
        Sentence(
            f"{kpi.name} for {reading.scope_name} was {reading.value_text} in {month_label(reading.month)}.",
            "value",
            (reading.value, reading.month),
        ),
        _signal(reading),
        _assurance(reading),
        *_changes(reading),
    ]
    if reading.provisional_note:
        sentences.append(Sentence(reading.provisional_note, "provisional", reading.provisional_note))
    if reading.stale:
        sentences.append(Sentence(f"{reading.as_at}.", "stale", reading.as_at))
    sentences += _annotations(reading, notes if notes is not None else pd.DataFrame())
    sentences += _milestones(late if late is not None else pd.DataFrame())
    return Draft(tuple(sentence for sentence in sentences if sentence is not None))


def drafts(
    readings: Mapping[str, Reading],
    own: Iterable[str],
    *,
    notes: Mapping[str, pd.DataFrame] | None = None,
    milestones: pd.DataFrame | None = None,
    today: dt.date,
) -> dict[str, Draft]:
    """A draft for each KPI of `readings` whose month has no commentary of its own (`own`: the KPI codes
    that do)."""
    written = set(own)
    frame = milestones if milestones is not None else pd.DataFrame()
    return {
        code: draft(
            reading,
            notes=(notes or {}).get(code),
            late=late_milestones(frame, reading.kpi.workstream_code, today),
        )
        for code, reading in readings.items()
        if code not in written
    }


__all__ = [
    "DRAFT_LABEL",
    "NO_DRAFT",
    "Draft",
    "Sentence",
    "draft",
    "drafts",
    "late_milestones",
    "signal_start",
]
