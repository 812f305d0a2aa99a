"""The reading of one KPI for one scope: what every view may say about it, computed once
(kpi.reading.build) and rendered by the headline cards, the Making Data Count summary (app, phone cards,
CSV), the charts' titles, sentences, hovers and images, every CSV, the board packs and the definitions
page. A view that needs something the reading does not hold asks for it to be added here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from kpi import spc
from kpi.figures import provisional
from kpi.reading.targets import Target, target_at, target_path, target_sentence
from kpi.reading.window import Window
from kpi.reference.catalogue import KPI
from kpi.spc import icons
from kpi.spc.suggestions import Suggestion
from kpi.words.formats import change_reading, format_change, format_value, month_label

# Concerns first, then KPIs that will not meet their target, then the rest; improvements last.
PRIORITY = {
    "concern": 0,
    "fail": 1,
    "hit_or_miss": 2,
    "neither": 3,
    "common_cause": 4,
    "improvement": 5,
    None: 6,
}


@dataclass(frozen=True)
class Change:
    """The latest value against an earlier month: the month, the change and its reading."""

    month: pd.Timestamp
    delta: float
    reading: str  # 'better', 'worse', 'no change', 'higher', 'lower'


@dataclass(frozen=True)
class AppliedSetting:
    """A lead's chart setting that changed the chart, as the reading names it."""

    kind: str  # "baseline", "ghost", "recalculation" or "target"
    month: pd.Timestamp | None
    points: int | None
    value: float | None
    reason: str


@dataclass(frozen=True)
class Words:
    """What a reading says in sentences, and the recalculation it suggests."""

    suggestion: Suggestion | None = None
    sentence: str = ""  # the SPC reading, provisional months, settings that took effect, suggestion
    value_sentence: str = ""  # the figure in words with its changes on the month and the year


@dataclass(frozen=True)
class Reading:
    """Everything a view may say about one KPI for one scope in its window (see the module)."""

    kpi: KPI
    scope_code: str
    scope_name: str
    window: Window
    rows: pd.DataFrame  # the scope's rows in the window, oldest first: what the chart draws
    include_provisional: bool
    latest: dict[str, Any] | None  # the headline month's row (period, value, numerator, denominator, ...)
    target: Target  # in force at the headline month
    result: spc.SPCResult | None  # None without a month to read
    dates: pd.DatetimeIndex  # the months the SPC read, in order
    applied: tuple[AppliedSetting, ...] = ()
    refused: tuple[str, ...] = ()  # why a lead's setting did not change the chart in this window
    previous: Change | None = None
    last_year: Change | None = None
    provisional_note: str = ""
    freshness: Mapping[str, Any] | None = None  # the KPI's row of kpi.figures.freshness.freshness
    target_steps: tuple[Target, ...] = ()  # the catalogue's target, then the lead's dated ones
    # Works out the words (kpi.reading.build) the first time one is asked for: the suggestion reads the
    # whole history again, and the board's grid of 500 readings shows none of them.
    wording: Callable[[], Words] = field(default=Words, repr=False, compare=False)

    # --- the figure -------------------------------------------------------------------------------

    @property
    def month(self) -> pd.Timestamp | None:
        return None if self.latest is None else pd.Timestamp(self.latest["period"])

    @property
    def value(self) -> float | None:
        return None if self.latest is None else float(self.latest["value"])

    @property
    def is_provisional(self) -> bool:
        """Whether the headline month is provisional (only ever, when provisional months are included)."""
        return self.latest is not None and bool(self.latest.get("provisional", False))

    @property
    def synthetic(self) -> bool:
        return bool(self.rows["synthetic"].astype(bool).any()) if "synthetic" in self.rows else False

    @property
    def value_text(self) -> str:
        """'6.3%', or why there is no figure: 'No complete month', 'No data'."""
        if self.latest is None:
            return "No complete month" if self.provisional_note else "No data"
        return format_value(self.value, self.kpi.unit, self.kpi.decimals)

    @property
    def month_text(self) -> str:
        """'Nov 2026', 'Nov 2026 (provisional)', '–'."""
        return "–" if self.month is None else provisional.month_words(self.month, self.is_provisional)

    def target_at(self, month: pd.Timestamp | None) -> Target:
        """The target in force in `month`."""
        return target_at(self.target_steps or (self.target,), month)

    def target_path(self, months: Iterable[pd.Timestamp]) -> pd.Series:
        """The target in force in each of `months` (NaN where there is none): what a chart draws."""
        return target_path(self.target_steps or (self.target,), months)

    @property
    def target_text(self) -> str:
        """The target in force at the headline month, as a table shows it: '6%' ('' without one)."""
        return self.target.text(self.kpi.unit)

    @property
    def stale(self) -> bool:
        """The KPI is behind its publication schedule (kpi.figures.freshness)."""
        return self.freshness is not None and bool(self.freshness["stale"])

    @property
    def as_at(self) -> str:
        """'Data as at Oct 2026', or behind its schedule 'Data as at Aug 2026 — stale: Sep 2026 expected
        by now' (in words, never colour alone); '' without freshness."""
        if self.freshness is None:
            return ""
        complete = self.freshness["latest_complete_period"]
        has_month = complete is not None and not pd.isna(complete)
        text = f"Data as at {month_label(complete)}" if has_month else "No complete month yet"
        if self.stale:
            text += f" — stale: {month_label(self.freshness['due_period'])} expected by now"
        return text

    # --- the icons --------------------------------------------------------------------------------

    @property
    def chart_type(self) -> str | None:
        return None if self.result is None else self.result.chart_type

    @property
    def variation(self) -> str | None:
        return None if self.result is None else self.result.variation

    @property
    def assurance(self) -> str | None:
        return None if self.result is None else self.result.assurance

    @property
    def variation_label(self) -> str:
        return "No data" if self.result is None else self.result.variation_label

    @property
    def assurance_label(self) -> str:
        if self.result is None:
            return "No data"
        if self.target.value is None and self.result.assurance is None and self.result.chart_type == "xmr":
            return "No target"
        return self.result.assurance_label

    def variation_icon(self, size: int = 40) -> str:
        return icons.variation_icon_data_uri(self.variation, size)

    def assurance_icon(self, size: int = 40) -> str:
        return icons.assurance_icon_data_uri(self.assurance, size)

    @property
    def priority(self) -> int:
        """Sort key that puts concerns first, then failing targets (see PRIORITY)."""
        variation = self.variation
        if variation is None:
            return PRIORITY[None]
        kind = "common_cause" if variation == "common_cause" else variation.split("_")[0]
        if kind == "concern":
            return PRIORITY["concern"]
        if self.assurance in ("fail", "hit_or_miss") and kind != "improvement":
            return PRIORITY[self.assurance]
        return PRIORITY.get(kind, PRIORITY["common_cause"])

    @property
    def needs_attention(self) -> bool:
        """A concern, or a target failed or at risk (hit and miss): the exceptions a pack opens on."""
        return str(self.variation or "").startswith("concern") or self.assurance in ("fail", "hit_or_miss")

    # --- the words --------------------------------------------------------------------------------

    @cached_property
    def words(self) -> Words:
        return self.wording()

    @property
    def suggestion(self) -> Suggestion | None:
        """The recalculation the scope's whole history suggests (kpi.spc.suggestions), or None."""
        return self.words.suggestion

    @property
    def sentence(self) -> str:
        """The SPC reading, provisional months, settings that took effect and the suggestion."""
        return self.words.sentence

    @property
    def value_sentence(self) -> str:
        """The figure in words with its changes on the month and the year."""
        return self.words.value_sentence

    @property
    def target_sentence(self) -> str:
        """'Target 6% from Apr 2026 (the catalogue's is 7.5%); lower is better.' or 'Higher is better.'"""
        return target_sentence(self.kpi, self.target)

    def change_words(self, change: Change | None) -> str:
        """'+0.4 pts on Sep 2026 (worse)', 'No change on Sep 2026', '–'."""
        if change is None or not change.reading:
            return "–"
        if change.reading == "no change":
            return f"No change on {month_label(change.month)}"
        text = format_change(change.delta, self.kpi.unit, self.kpi.decimals)
        return f"{text} on {month_label(change.month)} ({change.reading})"

    def plain_change(self, change: Change | None) -> str:
        """The change with no verdict: '+0.12 pts on Sep 2026', 'No change on Sep 2026', 'No earlier
        month'."""
        if change is None or not change.reading:
            return "No earlier month"
        if change.reading == "no change":
            return f"No change on {month_label(change.month)}"
        return (
            f"{format_change(change.delta, self.kpi.unit, self.kpi.decimals)} on {month_label(change.month)}"
        )


def change_between(value: float, earlier: float | None, month: pd.Timestamp, kpi: KPI) -> Change | None:
    """The change from `earlier` (None or NaN: nothing to compare) to `value`."""
    if earlier is None or pd.isna(earlier) or pd.isna(value):
        return None
    delta = float(value) - float(earlier)
    return Change(month, delta, change_reading(delta, kpi.improvement, kpi.decimals))


__all__ = ["PRIORITY", "AppliedSetting", "Change", "Reading", "Words", "change_between"]
