"""The entry point: :func:`xmr` reads a series with the Making Data Count rules, segment by segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpi.spc.arguments import (
    check_count,
    normalise_accumulation,
    normalise_conflict,
    normalise_improvement,
    to_dates,
    to_target,
    to_values,
)
from kpi.spc.assurance import assurance_type
from kpi.spc.limits import MR_OUTLIER_FACTOR, NO_LIMITS, Limits, moving_ranges, process_limits
from kpi.spc.result import SPCResult
from kpi.spc.rules import (
    RULE_COLUMNS,
    classify_points,
    points_outside_limits,
    shift_runs,
    trend_runs,
    two_in_three,
    variation_type,
)
from kpi.spc.segments import accept_segment_starts, resolve_recalculation
from kpi.spc.settings import baseline_points, ghost_mask, targets_by_point

_LINE_COLUMNS = ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma", "moving_range")


def xmr(
    values: Any,
    dates: Any = None,
    *,
    improvement: str = "up",
    target: float | None = None,
    conflict: str = "concern",
    screen_outliers: bool = False,
    recalculate_at: Any = (),
    shift_points: int = 7,
    trend_points: int = 7,
    min_points: int = 15,
    two_in_three_counts_beyond_limits: bool = True,
    accumulation: str = "monthly",
    baseline: int | None = None,
    ghosts: Any = (),
    targets: Any = (),
) -> SPCResult:
    """Compute a Making Data Count XmR chart.

    ``values`` are in time order (missing values as None/NaN are left out of every calculation and come
    back as rows with NaN value and point type None). ``dates`` (optional) are the same length.
    ``recalculate_at`` holds 0-based positions (or dates, when dates are given) where a new segment with
    its own mean and limits starts; a recalculation that would leave a segment with fewer than 12
    non-missing points is skipped with a note. With fewer than ``min_points`` non-missing values the result
    is a run chart: mean only, every point common cause, no icons. Never raises on data (empty, single,
    constant, all missing); raises ValueError on invalid arguments.

    Rules are evaluated within each segment over the non-missing points. ``conflict`` decides a point
    with both an improvement and a concern signal. ``two_in_three_counts_beyond_limits`` (default True,
    as NHS England's SQL v2.6, the domain reference) lets points beyond the process limits count towards
    the two-in-three rule; False gives NHSRplotthedots' behaviour, where only points between two sigma
    and the limit count. NHS England's v2.6 defaults are 6-point shifts/trends and 13 points
    minimum; this project keeps 7, 7 and 15 (set ``shift_points``/``trend_points``/``min_points``).

    ``accumulation`` says what each point is: "monthly" (its own period, the default) or an
    accumulating figure, "rolling_12_months" or "year_to_date". The rules assume independent periods,
    and an accumulating figure is autocorrelated by construction, so it is returned as a plain trend
    (``chart_type`` "trend"): no mean, limits, signals, point types or icons.

    Assurance comes from the target in force at the latest point against the latest segment's process
    limits alone, as NHS England's SQL (v2.5, step 4K): it is given even when the latest points lie
    beyond a limit (the limits then need recalculating, which :mod:`kpi.spc.suggestions` suggests).
    Trends are read over every non-ghost point of the chart, across recalculation points, as that
    query's step 4H does ("works across partitions"); the other rules are read within each segment.

    A lead's settings for one chart (see :mod:`kpi.spc.settings`): ``baseline`` fixes each segment's
    mean and limits on its first ``baseline`` non-missing points (the later points are read against
    them); ``ghosts`` (positions or dates) are points drawn but left out of the limits and the rules
    (point type "ghost"); ``targets`` are (from, value) pairs, a position or a date each, giving the
    target in force from that point on (``target`` before the first). The assurance uses the target in
    force at the latest point, and ``points["target"]`` holds each point's.

    (Longer than 80 lines only because this docstring is the engine's reference and the signature holds
    its 14 settings; the code under it is under 60 lines of named steps.)
    """
    improvement = normalise_improvement(improvement)
    conflict = normalise_conflict(conflict)
    shift_points = check_count("shift_points", shift_points, 2)
    trend_points = check_count("trend_points", trend_points, 2)
    min_points = check_count("min_points", min_points, 1)
    accumulation = normalise_accumulation(accumulation)
    fixed_on = baseline_points(baseline)

    x, date_index, have_dates, notes = _finite_values(values, dates)
    n = x.size
    notes.extend(_data_notes(n, int((~np.isnan(x)).sum()), date_index, ~np.isnan(x), have_dates))
    ghost = ghost_mask(ghosts, n, date_index, have_dates, ~np.isnan(x), notes)
    valid = ~np.isnan(x) & ~ghost  # the points the limits and the rules read
    target_at = targets_by_point(to_target(target), targets, n, date_index, have_dates, notes)
    target_value = _target_in_force(target_at, valid)

    candidates, recalc_notes = resolve_recalculation(recalculate_at, n, date_index, have_dates)
    notes.extend(recalc_notes)
    chart_type = _chart_type(accumulation, int(valid.sum()), min_points)
    starts = _segment_starts(chart_type, candidates, valid, date_index, min_points, notes)
    segment = _segment_numbers(starts, n)

    reading = _Reading(n, chart_trends(x, valid, trend_points))
    for k in range(len(starts)):
        reading.read_segment(
            x,
            segment == k,
            valid,
            chart_type,
            screen_outliers=screen_outliers,
            improvement=improvement,
            conflict=conflict,
            shift_points=shift_points,
            two_in_three_counts_beyond_limits=two_in_three_counts_beyond_limits,
            baseline=fixed_on,
        )
    last_limits = reading.last_limits
    verdict = _Verdict()
    if chart_type == "xmr":
        notes.extend(_limit_notes(last_limits, reading.n_screened))
        verdict = _latest_verdict(valid, reading, target_value, improvement)

    if fixed_on is not None and chart_type == "xmr":
        notes.append(f"Limits fixed on the first {fixed_on} points of each segment (the baseline).")
    return SPCResult(
        points=reading.frame(x, date_index, segment, ghost, target_at),
        variation=verdict.variation,
        assurance=verdict.assurance,
        chart_type=chart_type,
        notes=tuple(notes),
        improvement=improvement,
        target=target_value,
        mean=float(last_limits.mean),
        lpl=float(last_limits.lpl),
        upl=float(last_limits.upl),
        conflict=conflict,
        min_points=min_points,
        segment_starts=tuple(starts),
        accumulation=accumulation,
        baseline=fixed_on,
    )


def _target_in_force(target_at: np.ndarray, valid: np.ndarray) -> float | None:
    """The target at the latest point the calculations read (at the last point, when there is none)."""
    if not target_at.size:
        return None
    used = np.flatnonzero(valid)
    value = target_at[used[-1] if used.size else -1]
    return None if np.isnan(value) else float(value)


def _finite_values(values: Any, dates: Any) -> tuple[np.ndarray, pd.DatetimeIndex, bool, list[str]]:
    """The values as floats with infinities made missing, their dates (a Series' DatetimeIndex when
    no dates are given), whether there were dates, and a note when infinities were found."""
    if dates is None and isinstance(values, pd.Series) and isinstance(values.index, pd.DatetimeIndex):
        dates = values.index
    have_dates = dates is not None
    x = to_values(values)
    date_index = to_dates(dates, x.size)
    notes: list[str] = []
    infinite = np.isinf(x)
    if infinite.any():
        notes.append(f"{int(infinite.sum())} infinite value(s) treated as missing.")
        x = np.where(infinite, np.nan, x)
    return x, date_index, have_dates, notes


def _segment_numbers(starts: list[int], n: int) -> np.ndarray:
    """For each position, the number (0, 1, ...) of the segment it falls in."""
    segment = np.zeros(n, dtype=int)
    for k, start in enumerate(starts):
        segment[start:] = k
    return segment


@dataclass(frozen=True)
class _Verdict:
    """What an XmR chart says about its latest point: the variation and assurance icons (None for a run
    chart or a trend)."""

    variation: str | None = None
    assurance: str | None = None


def _latest_verdict(
    valid: np.ndarray, reading: _Reading, target_value: float | None, improvement: str
) -> _Verdict:
    """The variation of the latest non-missing point, and the assurance of the target in force then
    against the latest limits (NHS England's SQL v2.5, step 4K)."""
    last_limits = reading.last_limits
    last = int(np.flatnonzero(valid)[-1])
    variation = variation_type(reading.point_type[last], reading.signal_side[last])
    return _Verdict(variation, assurance_type(target_value, last_limits.lpl, last_limits.upl, improvement))


def chart_trends(x: np.ndarray, valid: np.ndarray, trend_points: int) -> tuple[np.ndarray, np.ndarray]:
    """The trend rule over every point the rules read (non-missing, non-ghost), across recalculation
    points, as NHS England's SQL v2.5 step 4H does: (rising, falling) at each position."""
    rising, falling = np.zeros(x.size, dtype=bool), np.zeros(x.size, dtype=bool)
    pos = np.flatnonzero(valid)
    rising[pos], falling[pos] = trend_runs(x[pos], trend_points)
    return rising, falling


def _data_notes(
    n: int, n_valid: int, date_index: pd.DatetimeIndex, valid: np.ndarray, have_dates: bool
) -> list[str]:
    """Notes about the data itself: none at all, missing values, dates out of order."""
    notes: list[str] = []
    if n == 0:
        notes.append("No data points: nothing to calculate.")
    elif n_valid < n:
        missing = n - n_valid
        notes.append(
            f"{missing} missing value{'s' if missing != 1 else ''} left out of the calculations."
            if n_valid
            else "No values: nothing to calculate."
        )
    if have_dates:
        # notna() is ~isna() in pandas (Index.notna); the stubs type isna() as Index, which has no ~.
        known = date_index[valid & date_index.notna()]
        if len(known) > 1 and not known.is_monotonic_increasing:
            notes.append("Dates are not in time order: points are used in the order given.")
    return notes


def _chart_type(accumulation: str, n_valid: int, min_points: int) -> str:
    """ "trend" for an accumulating figure, "xmr" with enough points, otherwise "run"."""
    if accumulation != "monthly":
        return "trend"
    return "xmr" if n_valid >= min_points and n_valid > 0 else "run"


def _segment_starts(
    chart_type: str,
    candidates: list[int],
    valid: np.ndarray,
    date_index: pd.DatetimeIndex,
    min_points: int,
    notes: list[str],
) -> list[int]:
    """Where each segment starts (adding to ``notes`` why a recalculation was refused)."""
    if chart_type == "xmr":
        starts, accept_notes = accept_segment_starts(candidates, valid, date_index)
        notes.extend(accept_notes)
        return starts
    if chart_type == "run":
        n_valid = int(valid.sum())
        if n_valid > 0:
            notes.insert(
                0,
                f"Only {n_valid} data point{'s' if n_valid != 1 else ''}: shown as a run chart; "
                f"icons need at least {min_points}.",
            )
    if candidates:
        chart = "a trend" if chart_type == "trend" else "a run chart"
        notes.append(f"Limits not recalculated: {chart} has no process limits.")
    return [0]


def _limit_notes(last_limits: Limits, n_screened: int) -> list[str]:
    notes: list[str] = []
    if last_limits.mr_bar == 0:
        notes.append("All values in the latest segment are the same: the process limits equal the mean.")
    if n_screened:
        notes.append(
            f"Outlier screening left out {n_screened} moving range"
            f"{'s' if n_screened != 1 else ''} when calculating the limits."
        )
    return notes


class _Reading:
    """The columns of :attr:`SPCResult.points` as the segments fill them in."""

    def __init__(self, n: int, trends: tuple[np.ndarray, np.ndarray]) -> None:
        self.trends = trends  # the trend rule over the whole chart (chart_trends)
        self.lines = {name: np.full(n, np.nan) for name in _LINE_COLUMNS}
        self.screened = np.zeros(n, dtype=bool)
        self.rules = {name: np.zeros(n, dtype=bool) for name in RULE_COLUMNS}
        self.point_type: list[str | None] = [None] * n
        self.signal_side: list[str | None] = [None] * n
        self.in_baseline = np.zeros(n, dtype=bool)
        self.last_limits = NO_LIMITS
        self.n_screened = 0

    def read_segment(
        self,
        x: np.ndarray,
        in_seg: np.ndarray,
        valid: np.ndarray,
        chart_type: str,
        *,
        screen_outliers: bool,
        improvement: str,
        conflict: str,
        shift_points: int,
        two_in_three_counts_beyond_limits: bool,
        baseline: int | None = None,
    ) -> None:
        pos = np.flatnonzero(in_seg & valid)
        seg_x = x[pos]
        fixed = chart_type == "xmr" and baseline is not None and seg_x.size > baseline
        lim = _segment_limits(seg_x[:baseline] if fixed else seg_x, chart_type, screen_outliers)
        if fixed:
            self.in_baseline[pos[:baseline]] = True
        self.n_screened += lim.n_screened_out
        self.last_limits = lim
        for name in _LINE_COLUMNS[:-1]:
            self.lines[name][in_seg] = getattr(lim, name)
        if seg_x.size == 0 or chart_type == "trend":
            return
        mr = moving_ranges(seg_x)
        self.lines["moving_range"][pos] = mr
        if chart_type == "run":
            for p in pos:
                self.point_type[p] = "common_cause"
            return
        if screen_outliers and lim.n_screened_out:
            raw_bar = float(np.nanmean(mr))
            with np.errstate(invalid="ignore"):
                self.screened[pos] = mr > MR_OUTLIER_FACTOR * raw_bar
        seg_rules = _segment_rules(seg_x, lim, shift_points, two_in_three_counts_beyond_limits)
        seg_rules["trend_high"], seg_rules["trend_low"] = self.trends[0][pos], self.trends[1][pos]
        for name, flags in seg_rules.items():
            self.rules[name][pos] = flags
        high = np.logical_or.reduce([seg_rules[c] for c in RULE_COLUMNS if c.endswith("_high")])
        low = np.logical_or.reduce([seg_rules[c] for c in RULE_COLUMNS if c.endswith("_low")])
        types, sides = classify_points(high, low, seg_x, lim.mean, improvement, conflict)
        for p, t, s in zip(pos, types, sides, strict=True):
            self.point_type[p] = t
            self.signal_side[p] = s

    def frame(
        self,
        x: np.ndarray,
        date_index: pd.DatetimeIndex,
        segment: np.ndarray,
        ghost: np.ndarray,
        target_at: np.ndarray,
    ) -> pd.DataFrame:
        rules = {name: self.rules[name] for name in RULE_COLUMNS}
        high = np.logical_or.reduce([rules[c] for c in RULE_COLUMNS if c.endswith("_high")])
        low = np.logical_or.reduce([rules[c] for c in RULE_COLUMNS if c.endswith("_low")])
        types = np.array(self.point_type, dtype=object)
        types[ghost] = "ghost"
        # One frame from whole columns: adding 30 columns one by one cost four fifths of an xmr call.
        return pd.DataFrame(
            {
                "value": x,
                "date": date_index,
                "segment": segment,
                **{name: self.lines[name] for name in _LINE_COLUMNS},
                "mr_screened_out": self.screened,
                "ghost": ghost,
                "baseline": self.in_baseline,
                "target": target_at,
                **rules,
                "outside_limits": rules["outside_high"] | rules["outside_low"],
                "shift": rules["shift_high"] | rules["shift_low"],
                "trend": rules["trend_high"] | rules["trend_low"],
                "two_in_three": rules["two_in_three_high"] | rules["two_in_three_low"],
                "high_signal": high,
                "low_signal": low,
                "special_cause": high | low,
                "point_type": pd.Series(types, dtype=object),  # None for a missing point, not NaN
                "signal_side": pd.Series(self.signal_side, dtype=object),
            }
        )


def _segment_limits(seg_x: np.ndarray, chart_type: str, screen_outliers: bool) -> Limits:
    """A trend has no lines, a run chart only its mean, an XmR chart mean, limits and two-sigma lines."""
    if chart_type == "trend":
        return NO_LIMITS
    if chart_type == "run":
        mean = float(np.mean(seg_x)) if seg_x.size else np.nan
        return NO_LIMITS._replace(mean=mean)
    return process_limits(seg_x, screen_outliers=screen_outliers)


def _segment_rules(
    seg_x: np.ndarray, lim: Limits, shift_points: int, count_beyond_limits: bool
) -> dict[str, np.ndarray]:
    """The segment rules' high and low flags for one segment's non-missing values (the trend rule is
    read over the whole chart: chart_trends)."""
    rules: dict[str, np.ndarray] = {}
    rules["outside_high"], rules["outside_low"] = points_outside_limits(seg_x, lim.lpl, lim.upl)
    rules["shift_high"], rules["shift_low"] = shift_runs(seg_x, lim.mean, shift_points)
    rules["two_in_three_high"], rules["two_in_three_low"] = two_in_three(
        seg_x,
        lim.mean,
        lim.lower_two_sigma,
        lim.upper_two_sigma,
        lim.lpl,
        lim.upl,
        count_beyond_limits=count_beyond_limits,
    )
    return rules
