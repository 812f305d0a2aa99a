"""Suggested recalculation, never automatic: where the data show a sustained step, the month from which
new limits would describe the process, for the lead to accept or dismiss (`kpi.notes.chart_settings`).

A month is suggested when, in the latest segment (its non-missing, non-ghost points):
- **a sustained run**: the latest SUSTAINED_RUN or more points lie on one side of the mean, starting at
  least MIN_SEGMENT_POINTS points into the segment (so the points before it could keep limits of
  their own);
- **a step, not a trend**: no trend rule is active at the latest point; two levels (the best single
  split leaving MIN_SEGMENT_POINTS on each side) fit the segment clearly better than a straight line
  (at most LINE_SHARE of its squared error); and the new level itself is flat (a line through its
  points explains less than LEVEL_SLOPE_SHARE of their variance). A steadily growing count puts its
  later half above the mean too, but a line fits it as well as two levels, and its later half still
  rises: recalculating there would hide the trend;
- **the month the new level began**: the first month of the run, moved on to a later step within it
  when the points from the run's start themselves show one (70.6%, then 94.1% from Feb 2024, then 100%
  from Oct 2024: the latest level began in Oct 2024);
or, failing that, a confirmed merger or membership change that took in or lost staff took effect with at
least MIN_SEGMENT_POINTS points on each side of it, and the data step there (two levels split at it beat
a straight line). A month the lead already accepted or dismissed is never suggested again.
This is the room NHS England's guidance leaves between 'never redraw limits automatically' and users'
requests for rebasing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kpi.spc.limits import MIN_SEGMENT_POINTS
from kpi.spc.result import SPCResult
from kpi.words.formats import english_date

SUSTAINED_RUN = 12
#: Two levels must leave at most this share of a straight line's squared error to count as a step.
LINE_SHARE = 0.9
#: A new level is flat when a line through it explains less than this share of its variance.
LEVEL_SLOPE_SHARE = 0.25


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
    for suggestion in (sustained_step(points), *_event_months(points, events)):
        if suggestion is not None and suggestion.period not in done:
            return suggestion
    return None


def _latest_segment(points: pd.DataFrame) -> pd.DataFrame:
    used = points[points["value"].notna() & ~points["ghost"]]
    return used[used["segment"] == used["segment"].max()].reset_index(drop=True) if len(used) else used


def latest_run_start(values: np.ndarray, mean: float) -> int | None:
    """Where the latest run of points strictly on one side of `mean` begins (None when the latest point
    is on the mean or there are no points)."""
    side = np.sign(values - mean)
    if not side.size or side[-1] == 0:
        return None
    start = side.size - 1
    while start > 0 and side[start - 1] == side[-1]:
        start -= 1
    return start


def squared_error(values: np.ndarray) -> float:
    """The sum of squared differences from the mean (0 for no values)."""
    return float(((values - values.mean()) ** 2).sum()) if values.size else 0.0


def line_error(values: np.ndarray) -> float:
    """The squared error left by the least-squares straight line through `values` (in time order)."""
    if values.size < 3:
        return 0.0
    t = np.arange(values.size, dtype=float)
    slope, intercept = np.polyfit(t, values, 1)
    return float(((values - (slope * t + intercept)) ** 2).sum())


def split_error(values: np.ndarray, at: int) -> float:
    """The squared error two levels leave, one before position `at` and one from it on."""
    return squared_error(values[:at]) + squared_error(values[at:])


def two_level_error(values: np.ndarray) -> float:
    """The least squared error two levels leave, over every split with MIN_SEGMENT_POINTS on each side
    (infinite when the values are too few to split)."""
    splits = range(MIN_SEGMENT_POINTS, values.size - MIN_SEGMENT_POINTS + 1)
    return min((split_error(values, at) for at in splits), default=np.inf)


def levels_beat_line(values: np.ndarray, at: int | None = None) -> bool:
    """Two levels (split at `at`, or the best split) describe `values` clearly better than a straight
    line does (see LINE_SHARE)."""
    line = line_error(values)
    levels = two_level_error(values) if at is None else split_error(values, at)
    return bool(levels <= LINE_SHARE * line) if line > 0 else False


def is_flat(values: np.ndarray) -> bool:
    """A line through `values` explains less than LEVEL_SLOPE_SHARE of their variance (constant values
    are flat)."""
    total = squared_error(values)
    return total == 0 or bool(1 - line_error(values) / total < LEVEL_SLOPE_SHARE)


def new_level_start(values: np.ndarray, run_start: int) -> int:
    """The first point of the latest level within the run starting at `run_start`: while the points from
    the candidate on show a run of SUSTAINED_RUN or more on one side of their own mean and are a step
    themselves (two levels beat a line), move on to its start."""
    start = run_start
    while True:
        rest = values[start:]
        inner = latest_run_start(rest, float(rest.mean()))
        if inner is None or inner == 0 or rest.size - inner < SUSTAINED_RUN:
            return start
        if not levels_beat_line(rest, inner):
            return start
        start += inner


def sustained_step(points: pd.DataFrame) -> Suggestion | None:
    """A suggestion from the latest segment's points (value, mean, date, trend): see the module."""
    if points.empty:
        return None
    values = points["value"].to_numpy(dtype=float)
    run_start = latest_run_start(values, float(points["mean"].iloc[-1]))
    if run_start is None or values.size - run_start < SUSTAINED_RUN or run_start < MIN_SEGMENT_POINTS:
        return None
    if bool(points["trend"].iloc[-1]) or not levels_beat_line(values):
        return None
    start = new_level_start(values, run_start)
    if not is_flat(values[start:]):
        return None
    when = pd.Timestamp(cast(pd.Timestamp, points.loc[start, "date"]))  # the date column holds months
    level = values[start:]
    where = "above" if values[-1] > points["mean"].iloc[-1] else "below"
    return Suggestion(
        when,
        f"{level.size} months in a row {where} the mean, at a new level since "
        f"{english_date(when, '%b %Y')} (a step, not a trend)",
    )


def _event_months(points: pd.DataFrame, events: Iterable[tuple[pd.Timestamp, str]]) -> list[Suggestion]:
    """The merger and membership months with MIN_SEGMENT_POINTS points on each side where the data step:
    two levels split there beat a straight line (LINE_SHARE)."""
    dates = pd.DatetimeIndex(points["date"])
    values = points["value"].to_numpy(dtype=float)
    suggestions = []
    for when, label in events:
        before = int((dates < pd.Timestamp(when)).sum())
        if before < MIN_SEGMENT_POINTS or len(dates) - before < MIN_SEGMENT_POINTS:
            continue
        if levels_beat_line(values, before):
            suggestions.append(Suggestion(pd.Timestamp(dates[before]), label))
    return suggestions


__all__ = [
    "LEVEL_SLOPE_SHARE",
    "LINE_SHARE",
    "SUSTAINED_RUN",
    "Suggestion",
    "is_flat",
    "latest_run_start",
    "levels_beat_line",
    "line_error",
    "new_level_start",
    "split_error",
    "suggested_recalculation",
    "sustained_step",
    "two_level_error",
]
