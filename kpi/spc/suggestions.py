"""Suggested recalculation, never automatic: where the current limits mislead, the month from which new
limits would describe the process, for the lead to accept or dismiss (`kpi.chart_settings`).

A month is suggested when, in the latest segment,
- the latest points form a sustained shift: SUSTAINED_RUN or more in a row on the same side of the mean
  (the shift rule held for a year), starting at least MIN_SEGMENT_POINTS points into the segment; the
  month suggested is the first of the run; or, failing that,
- a confirmed merger or membership change took effect with at least MIN_SEGMENT_POINTS points on each
  side of it.
A month the lead already accepted or dismissed is never suggested again. This is the room NHS England's
guidance leaves between 'never redraw limits automatically' and users' requests for rebasing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.spc.limits import MIN_SEGMENT_POINTS
from kpi.spc.result import SPCResult
from kpi.spc.words import _format_date

SUSTAINED_RUN = 12


@dataclass(frozen=True)
class Suggestion:
    period: pd.Timestamp
    why: str


def suggested_recalculation(
    result: SPCResult,
    *,
    events: Iterable[tuple[pd.Timestamp, str]] = (),
    decided: Iterable[pd.Timestamp] = (),
) -> Suggestion | None:
    """The month to suggest recalculating the limits from (see the module), or None."""
    if result.chart_type != "xmr":
        return None
    points = _latest_segment(result.points)
    done = {pd.Timestamp(d) for d in decided}
    for suggestion in (_sustained_shift(points), *_event_months(points, events)):
        if suggestion is not None and suggestion.period not in done:
            return suggestion
    return None


def _latest_segment(points: pd.DataFrame) -> pd.DataFrame:
    used = points[points["value"].notna() & ~points["ghost"]]
    return used[used["segment"] == used["segment"].max()].reset_index(drop=True) if len(used) else used


def _sustained_shift(points: pd.DataFrame) -> Suggestion | None:
    side = np.sign(points["value"].to_numpy() - points["mean"].to_numpy())
    if not side.size or side[-1] == 0:
        return None
    run = 1
    while run < side.size and side[-1 - run] == side[-1]:
        run += 1
    start = side.size - run
    if run < SUSTAINED_RUN or start < MIN_SEGMENT_POINTS:
        return None
    when = pd.Timestamp(points.loc[start, "date"])
    where = "above" if side[-1] > 0 else "below"
    return Suggestion(when, f"{run} months in a row {where} the mean since {_format_date(when, '%b %Y')}")


def _event_months(points: pd.DataFrame, events: Iterable[tuple[pd.Timestamp, str]]) -> list[Suggestion]:
    dates = pd.DatetimeIndex(points["date"])
    suggestions = []
    for when, label in events:
        before = int((dates < pd.Timestamp(when)).sum())
        if before >= MIN_SEGMENT_POINTS and len(dates) - before >= MIN_SEGMENT_POINTS:
            suggestions.append(Suggestion(pd.Timestamp(dates[before]), label))
    return suggestions


__all__ = ["SUSTAINED_RUN", "Suggestion", "suggested_recalculation"]
