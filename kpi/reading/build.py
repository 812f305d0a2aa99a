"""Building a reading: one function, `read_kpi`, from a KPI's history for one scope, its window, the lead's
settings for the chart and the KPI's freshness. `read_scope` reads every KPI of a scope at once.

What the SPC reads: the window's complete months (provisional ones only when asked for), the catalogue's
recalculation months and the lead's settings (a setting outside the window, or one the engine refuses,
changes nothing and is not named); the target in force at each point (kpi.reading.targets). A suggested
recalculation is read on the scope's whole history under the same settings, so every window of a chart
suggests the same month, and the reading names it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from kpi import spc
from kpi.figures import provisional
from kpi.notes.chart_settings import ChartSettings
from kpi.reading import chart_text
from kpi.reading.model import AppliedSetting, Change, Reading, Words, change_between
from kpi.reading.targets import engine_targets, target_at, target_steps
from kpi.reading.window import Window, default_window
from kpi.reference.catalogue import KPI
from kpi.spc.suggestions import Suggestion, suggested_recalculation
from kpi.words.formats import format_target, month_label
from kpi.words.frames import row_dict


@dataclass(frozen=True)
class KPIMonths:
    """A KPI's newest month with data and its latest complete month (the system's): the default
    window's ends (kpi.reading.window.default_window)."""

    newest: pd.Timestamp | None = None
    latest_complete: pd.Timestamp | None = None


def _spc(
    rows: pd.DataFrame,
    kpi: KPI,
    rebase: Sequence[pd.Timestamp],
    settings: ChartSettings,
) -> tuple[spc.SPCResult, pd.DatetimeIndex]:
    """XmR of `rows` (the months the SPC reads, oldest first) with the KPI's and the lead's settings."""
    dates = pd.DatetimeIndex(rows["period"])
    known = set(dates)
    recalculations = sorted({*rebase, *(when for when, _ in settings.recalculations)} & known)
    result = spc.xmr(
        rows["value"].tolist(),
        dates,
        improvement=kpi.improvement,
        target=kpi.catalogue_target,
        conflict=kpi.conflict_rule,
        recalculate_at=tuple(recalculations),
        accumulation=kpi.accumulation,
        baseline=settings.baseline[0] if settings.baseline and kpi.is_monthly else None,
        ghosts=[when for when, _ in settings.ghosts if when in known],
        targets=engine_targets(settings),
    )
    return result, dates


def applied_settings(
    result: spc.SPCResult, dates: pd.DatetimeIndex, settings: ChartSettings
) -> tuple[tuple[AppliedSetting, ...], tuple[str, ...]]:
    """The lead's settings that changed this chart (to name in its reading), and a sentence for each one
    that did not, saying why (kept apart: a reading never names a setting that changed nothing)."""
    applied: list[AppliedSetting] = []
    refused: list[str] = []
    starts = {dates[position] for position in result.segment_starts[1:]}
    ghosts = set(dates[result.points["ghost"].to_numpy()]) if len(dates) else set()
    first, last = (dates.min(), dates.max()) if len(dates) else (None, None)
    if settings.baseline and result.baseline is not None and bool(result.points["baseline"].any()):
        applied.append(AppliedSetting("baseline", None, settings.baseline[0], None, settings.baseline[1]))
    elif settings.baseline:
        refused.append(f"The baseline of {settings.baseline[0]} months does not apply to this chart.")
    for when, why in settings.recalculations:
        if when in starts:
            applied.append(AppliedSetting("recalculation", when, None, None, why))
        elif first is not None and last is not None and first <= when <= last:  # both None or neither
            refused.append(
                f"The recalculation from {month_label(when)} does not apply in this period: each part of "
                f"the chart needs at least {spc.MIN_SEGMENT_POINTS} months."
            )
    applied += [
        AppliedSetting("ghost", when, None, None, why) for when, why in settings.ghosts if when in ghosts
    ]
    applied += [
        AppliedSetting("target", when, None, value, why)
        for when, value, why in settings.targets
        if last is not None and when <= last
    ]
    return tuple(applied), tuple(refused)


def setting_sentence(setting: AppliedSetting, kpi: KPI) -> str:
    """'Limits recalculated from Apr 2025: new triage model.'"""
    if setting.kind == "baseline":
        return f"Limits fixed on the first {setting.points} months (baseline): {setting.reason}."
    month = month_label(setting.month)
    if setting.kind == "recalculation":
        return f"Limits recalculated from {month}: {setting.reason}."
    if setting.kind == "ghost":
        return f"{month} is a ghost point, left out of the limits and rules: {setting.reason}."
    return f"Target {format_target(setting.value, kpi.unit)} from {month}: {setting.reason}."


def suggestion_sentence(suggestion: Suggestion | None) -> str:
    """'Recalculating the limits from Oct 2024 is worth considering (25 months in a row above ...).'"""
    if suggestion is None:
        return ""
    return (
        f"Recalculating the limits from {month_label(suggestion.period)} is worth considering "
        f"({suggestion.why})."
    )


def provisional_sentence(rows: pd.DataFrame, include_provisional: bool) -> str:
    """'Nov 2026 provisional: 2 of 15 trusts reported, so it is left out of the calculation.' or,
    included, 'Nov 2026 (provisional): 2 of 15 trusts reported; included in the calculation as asked.';
    '' when no month is provisional."""
    months = rows[provisional.flags(rows)].sort_values("period")
    if months.empty:
        return ""
    if include_provisional:
        return f"{provisional.line(months.tail(1), included=True)}; included in the calculation as asked."
    left_out = "it is" if len(months) == 1 else f"the {len(months)} provisional months are"
    return f"{provisional.line(months.tail(1))}, so {left_out} left out of the calculation."


def subject(kpi: KPI) -> str:
    """The KPI's name as the subject of a sentence, without a trailing qualifier the sentence says anyway:
    'Leaver rate, 12 months rolling' -> 'Leaver rate'."""
    return kpi.name.split(", ")[0]


def _changes(
    history: pd.DataFrame, latest: Mapping[str, Any], kpi: KPI
) -> tuple[Change | None, Change | None]:
    """The latest value against the month before and the same month a year earlier (any month of the
    history, provisional or not, as the charts draw them)."""
    by_month = dict(zip(pd.DatetimeIndex(history["period"]), history["value"], strict=True))
    month = pd.Timestamp(latest["period"])
    out = []
    for months in (1, 12):
        earlier = month - pd.DateOffset(months=months)
        out.append(change_between(latest["value"], by_month.get(earlier), earlier, kpi))
    return out[0], out[1]


def read_kpi(
    history: pd.DataFrame,
    kpi: KPI,
    scope_code: str,
    scope_name: str,
    *,
    window: Window | None = None,
    months: KPIMonths = KPIMonths(),
    include_provisional: bool = False,
    settings: ChartSettings | None = None,
    rebase: Sequence[pd.Timestamp] = (),
    decided: Iterable[pd.Timestamp] = (),
    events: Iterable[tuple[pd.Timestamp, str]] = (),
    freshness: Mapping[str, Any] | None = None,
) -> Reading:
    """The reading of `kpi` for one scope. `history` holds the scope's rows of the KPI (period, value and,
    where they apply, numerator, denominator, provisional, contributors, expected, synthetic), any months;
    `window` is the period the viewer chose, or None for the KPI's own default (from `months`)."""
    settings = settings or ChartSettings()
    history = history.sort_values("period").reset_index(drop=True)
    recalculations = [when for when, _ in settings.recalculations]
    window = window or default_window(months.latest_complete, months.newest, recalculations)
    rows = window.rows(history).reset_index(drop=True)
    used = provisional.used(rows, include_provisional)
    note = provisional.headline_line(rows, include_provisional)
    steps = target_steps(kpi, settings)
    if used.empty:
        empty = f"{note}; no complete month yet." if note else "No data for this scope and period."
        return Reading(
            kpi, scope_code, scope_name, window, rows, include_provisional, None,
            target_at(steps, window.last), None, pd.DatetimeIndex([]),
            provisional_note=note, freshness=freshness, target_steps=steps,
            wording=partial(Words, None, empty),
        )  # fmt: skip
    latest = row_dict(used.iloc[-1])
    result, dates = _spc(used, kpi, rebase, settings)
    applied, refused = applied_settings(result, dates, settings)
    wording = _Wording(
        history, kpi, scope_name, rows, used, result, dates, applied, settings, tuple(rebase),
        include_provisional, tuple(decided), tuple(events),
    )  # fmt: skip
    previous, last_year = _changes(history, latest, kpi)
    return Reading(
        kpi=kpi,
        scope_code=scope_code,
        scope_name=scope_name,
        window=window,
        rows=rows,
        include_provisional=include_provisional,
        latest=latest,
        target=target_at(steps, pd.Timestamp(latest["period"])),
        result=result,
        dates=dates,
        applied=applied,
        refused=refused,
        previous=previous,
        last_year=last_year,
        provisional_note=note,
        freshness=freshness,
        target_steps=steps,
        wording=wording,
    )


@dataclass(frozen=True)
class _Wording:
    """What a reading needs to say itself in words, kept until a view first asks for them."""

    history: pd.DataFrame  # the scope's rows of the KPI, any months
    kpi: KPI
    scope_name: str
    rows: pd.DataFrame  # the window's rows
    used: pd.DataFrame  # the months the SPC read
    result: spc.SPCResult
    dates: pd.DatetimeIndex
    applied: tuple[AppliedSetting, ...]
    settings: ChartSettings
    rebase: tuple[pd.Timestamp, ...]
    include_provisional: bool
    decided: tuple[pd.Timestamp, ...]
    events: tuple[tuple[pd.Timestamp, str], ...]

    def __call__(self) -> Words:
        kpi = self.kpi
        suggestion = _suggestion(
            self.history, kpi, self.rebase, self.settings, self.include_provisional, self.decided,
            self.events, (self.used, self.result),
        )  # fmt: skip
        words = [
            spc.describe(self.result, unit=kpi.unit, dates=self.dates, name=subject(kpi)),
            provisional_sentence(self.rows, self.include_provisional),
            *(setting_sentence(setting, kpi) for setting in self.applied),
            suggestion_sentence(suggestion),
        ]
        return Words(
            suggestion=suggestion,
            sentence=" ".join(word for word in words if word),
            value_sentence=chart_text.value_sentence(self.rows, kpi, self.scope_name, say_provisional=False),
        )


def read_scope(
    series: pd.DataFrame,
    kpis: Mapping[str, KPI],
    scope_code: str,
    scope_name: str,
    *,
    window: Window | None = None,
    months: Mapping[str, KPIMonths] | None = None,
    include_provisional: bool = False,
    settings: Mapping[str, ChartSettings] | None = None,
    rebase: Mapping[str, Sequence[pd.Timestamp]] | None = None,
    decided: Mapping[str, Iterable[pd.Timestamp]] | None = None,
    events: Iterable[tuple[pd.Timestamp, str]] = (),
    freshness: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Reading]:
    """The reading of every KPI of `kpis` (in their order) for one scope, from `series` (kpi_series rows,
    any scopes and months; this scope's are read). Each argument by KPI code is optional."""
    scoped = series[series["scope_code"] == scope_code]
    by_kpi = dict(tuple(scoped.groupby("kpi_code", sort=False)))
    empty = scoped.iloc[0:0]
    events = tuple(events)
    return {
        code: read_kpi(
            by_kpi.get(code, empty),
            kpi,
            scope_code,
            scope_name,
            window=window,
            months=(months or {}).get(code, KPIMonths()),
            include_provisional=include_provisional,
            settings=(settings or {}).get(code),
            rebase=(rebase or {}).get(code, ()),
            decided=(decided or {}).get(code, ()),
            events=events,
            freshness=(freshness or {}).get(code),
        )
        for code, kpi in kpis.items()
    }


def _suggestion(
    history: pd.DataFrame,
    kpi: KPI,
    rebase: Sequence[pd.Timestamp],
    settings: ChartSettings,
    include_provisional: bool,
    decided: Iterable[pd.Timestamp],
    events: Iterable[tuple[pd.Timestamp, str]],
    read: tuple[pd.DataFrame, spc.SPCResult],
) -> Suggestion | None:
    """The recalculation the scope's whole history suggests under the settings in force (None for a KPI
    read as a trend). `read`: the window's rows and their SPC result, reused when the window holds the
    whole history."""
    if not kpi.is_monthly:
        return None
    used = provisional.used(history, include_provisional)
    if used.empty:
        return None
    window_rows, result = read
    if not np.array_equal(window_rows["period"].to_numpy(), used["period"].to_numpy()):
        result, _dates = _spc(used, kpi, rebase, settings)
    done = {*decided, *(when for when, _ in settings.recalculations)}
    return suggested_recalculation(result, events=events, decided=done)


__all__ = [
    "KPIMonths",
    "applied_settings",
    "provisional_sentence",
    "read_kpi",
    "read_scope",
    "setting_sentence",
    "subject",
    "suggestion_sentence",
]
