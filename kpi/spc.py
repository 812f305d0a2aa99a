"""Making Data Count XmR statistical process control (SPC) engine.

Pure Python (numpy and pandas only): no Streamlit or plotting here. The rules follow NHS England's
"Making Data Count" SPC tools (SQL query v2.6) and the NHS-R community package NHSRplotthedots,
with the project decisions recorded in the domain reference (section 7). Where the two references
differ, the choice made is stated in the docstring or comment of the helper concerned.

Public entry points:

* :func:`xmr` computes the chart, the point colours, the variation icon and the assurance icon.
  XmR rules assume each point is a separate period: a 12-month rolling or year-to-date figure
  (``accumulation``) is returned as a plain trend, without limits, signals or icons.
* :func:`describe` turns a result into one plain-English sentence for a board member.
* Small pure helpers (:func:`moving_ranges`, :func:`process_limits`, :func:`points_outside_limits`,
  :func:`shift_runs`, :func:`trend_runs`, :func:`two_in_three`, :func:`classify_points`,
  :func:`assurance_type`, ...) that mirror NHSRplotthedots' ``ptd_*`` functions and can be tested alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "ACCUMULATIONS",
    "ACCUMULATION_LABELS",
    "ASSURANCE_CODES",
    "ASSURANCE_COLOURS",
    "ASSURANCE_LABELS",
    "COLOUR_COMMON_CAUSE",
    "COLOUR_CONCERN",
    "COLOUR_IMPROVEMENT",
    "COLOUR_MEAN",
    "COLOUR_NEITHER",
    "COLOUR_TARGET",
    "LIMIT_FACTOR",
    "MIN_SEGMENT_POINTS",
    "MR_OUTLIER_FACTOR",
    "POINT_TYPE_COLOURS",
    "POINT_TYPE_LABELS",
    "TWO_SIGMA_FACTOR",
    "VARIATION_CODES",
    "VARIATION_COLOURS",
    "VARIATION_LABELS",
    "Limits",
    "SPCResult",
    "assurance_type",
    "classify_points",
    "describe",
    "format_value",
    "mean_moving_range",
    "moving_ranges",
    "points_outside_limits",
    "process_limits",
    "relative_to_mean",
    "shift_runs",
    "trend_runs",
    "two_in_three",
    "variation_type",
    "xmr",
]

# --------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------

#: Process limits are mean +/- 2.66 * mean moving range (3 sigma for an XmR chart).
LIMIT_FACTOR = 2.66
#: Two-sigma lines are mean +/- (2/3) * 2.66 * mean moving range (written as NHSRplotthedots does).
TWO_SIGMA_FACTOR = 2 * (LIMIT_FACTOR / 3)
#: Moving ranges above 3.267 * mean moving range are outliers when screening is switched on.
MR_OUTLIER_FACTOR = 3.267
#: Each segment of a rebased (recalculated) chart needs at least this many non-missing points.
MIN_SEGMENT_POINTS = 12

# Making Data Count colours (domain README section 7).
COLOUR_COMMON_CAUSE = "#A6A6A6"  # grey
COLOUR_IMPROVEMENT = "#00B0F0"  # blue
COLOUR_CONCERN = "#E46C0A"  # orange
COLOUR_NEITHER = "#490092"  # purple
COLOUR_TARGET = "#DE1B1B"  # red
COLOUR_MEAN = "#000000"  # black

POINT_TYPES = ("common_cause", "improvement", "concern", "neither")

POINT_TYPE_COLOURS: dict[str, str] = {
    "common_cause": COLOUR_COMMON_CAUSE,
    "improvement": COLOUR_IMPROVEMENT,
    "concern": COLOUR_CONCERN,
    "neither": COLOUR_NEITHER,
}

POINT_TYPE_LABELS: dict[str, str] = {
    "common_cause": "Common cause",
    "improvement": "Special cause improvement",
    "concern": "Special cause concern",
    "neither": "Special cause (neither improvement nor concern)",
}

VARIATION_CODES = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neither_high",
    "neither_low",
)

VARIATION_LABELS: dict[str | None, str] = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neither_high": "Special cause variation, neither improvement nor concern (high)",
    "neither_low": "Special cause variation, neither improvement nor concern (low)",
    None: "No variation icon: too few data points for process limits",
}

VARIATION_COLOURS: dict[str, str] = {
    "common_cause": COLOUR_COMMON_CAUSE,
    "improvement_high": COLOUR_IMPROVEMENT,
    "improvement_low": COLOUR_IMPROVEMENT,
    "concern_high": COLOUR_CONCERN,
    "concern_low": COLOUR_CONCERN,
    "neither_high": COLOUR_NEITHER,
    "neither_low": COLOUR_NEITHER,
}

ASSURANCE_CODES = ("pass", "fail", "hit_or_miss")

ASSURANCE_LABELS: dict[str | None, str] = {
    "pass": "Consistently passing target",
    "fail": "Consistently failing target",
    "hit_or_miss": "Hit and miss target",
    None: "No assurance icon: needs a target, an improvement direction and process limits",
}

ASSURANCE_COLOURS: dict[str, str] = {
    "pass": COLOUR_IMPROVEMENT,
    "fail": COLOUR_CONCERN,
    "hit_or_miss": COLOUR_COMMON_CAUSE,
}

# Why no assurance icon is shown although there is a target and there are limits: the latest point(s)
# contradict what the limits say (e.g. a process at 100% with target 100%, its limits still dragged
# down by earlier months). See xmr(): the limits of a changed process need recalculating.
ASSURANCE_WITHHELD_LABELS: dict[str, str] = {
    "met": "No assurance icon: the latest months meet the target, but the limits still include "
    "earlier months (consider recalculating them)",
    "missed": "No assurance icon: the latest months miss the target, but the limits still include "
    "earlier months (consider recalculating them)",
}

#: How a figure accumulates: only "monthly" figures (each month its own period) are read with XmR rules.
ACCUMULATIONS = ("monthly", "rolling_12_months", "year_to_date")

#: What each kind of figure is, for legends and labels.
ACCUMULATION_LABELS: dict[str, str] = {
    "monthly": "Monthly figure",
    "rolling_12_months": "12-month rolling figure",
    "year_to_date": "Year-to-date figure",
}

# (what it is, why consecutive points are not independent), for the reading of a trend.
_ACCUMULATION_REASONS: dict[str, tuple[str, str]] = {
    "rolling_12_months": (
        "a 12-month rolling figure",
        "each month shares 11 months with the one before",
    ),
    "year_to_date": (
        "a year-to-date figure",
        "each month adds to the months before it in the financial year",
    ),
}

_IMPROVEMENT_ALIASES = {
    "up": "up",
    "increase": "up",
    "higher": "up",
    "down": "down",
    "decrease": "down",
    "lower": "down",
    "neither": "neither",
    "neutral": "neither",
}
_CONFLICT_VALUES = ("concern", "improvement")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# --------------------------------------------------------------------------------------------------
# Result type
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SPCResult:
    """The outcome of :func:`xmr`.

    ``points`` has one row per input value, in input order, with the columns ``value``, ``date``,
    ``segment``, ``mean``, ``lpl``, ``upl``, ``lower_two_sigma``, ``upper_two_sigma``, ``moving_range``,
    ``mr_screened_out``, the rule flags (``outside_limits``, ``shift``, ``trend``, ``two_in_three``, each
    also split by side, e.g. ``shift_high``/``shift_low``, ``trend_high`` = rising, ``trend_low`` = falling),
    ``high_signal``/``low_signal`` (any rule on that side), ``special_cause``, ``point_type`` and
    ``signal_side``. Missing inputs come back with a NaN value and ``point_type`` None.
    ``mean``/``lpl``/``upl`` are the last segment's values (NaN when not computed).

    ``chart_type`` is "xmr", "run" (too few points: mean only, no icons) or "trend" (an accumulating
    figure, see ``accumulation``: no mean, no limits, no point types, no icons).
    ``target_check`` says when the latest point overrode the assurance the limits alone give:
    "met_beyond_limits"/"missed_beyond_limits" (assurance withheld, the limits need recalculating;
    ``target_run_start`` is the position where the latest run of points meeting or missing the target
    began) or "met_on_limit"/"missed_on_limit" (assurance "hit_or_miss"); None otherwise.
    """

    points: pd.DataFrame
    variation: str | None
    assurance: str | None
    chart_type: str
    notes: tuple[str, ...]
    improvement: str
    target: float | None
    mean: float
    lpl: float
    upl: float
    conflict: str = "concern"
    min_points: int = 15
    segment_starts: tuple[int, ...] = (0,)
    accumulation: str = "monthly"
    target_check: str | None = None
    target_run_start: int | None = None

    @property
    def n_points(self) -> int:
        """Number of non-missing values used."""
        return int(self.points["value"].notna().sum())

    @property
    def variation_label(self) -> str:
        """Plain-English label of the variation icon (alt text), or why there is none."""
        if self.chart_type == "trend":
            return f"No variation icon: {_trend_label(self.accumulation)}"
        return VARIATION_LABELS[self.variation]

    @property
    def assurance_label(self) -> str:
        """Plain-English label of the assurance icon (alt text), or why there is none."""
        if self.chart_type == "trend":
            return f"No assurance icon: {_trend_label(self.accumulation)}"
        if self.assurance is None and self.target_check in ("met_beyond_limits", "missed_beyond_limits"):
            return ASSURANCE_WITHHELD_LABELS[self.target_check.split("_")[0]]
        return ASSURANCE_LABELS[self.assurance]


def _trend_label(accumulation: str) -> str:
    what, _why = _ACCUMULATION_REASONS[accumulation]
    return f"{what}, shown as a trend (the SPC rules do not apply)"


class Limits(NamedTuple):
    """Centre line and limits of one segment, as returned by :func:`process_limits`."""

    mean: float
    mr_bar: float
    lpl: float
    upl: float
    lower_two_sigma: float
    upper_two_sigma: float
    n_screened_out: int


# --------------------------------------------------------------------------------------------------
# Pure helpers (one rule each)
# --------------------------------------------------------------------------------------------------


def _as_float_array(values: Iterable[Any]) -> np.ndarray:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)


def moving_ranges(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Moving ranges ``|x_i - x_(i-1)|``; the first point has none (NaN). Values must not contain NaN."""
    x = _as_float_array(values)
    mr = np.full(x.shape, np.nan)
    if x.size > 1:
        mr[1:] = np.abs(np.diff(x))
    return mr


def mean_moving_range(
    mr: Sequence[float] | np.ndarray, *, screen_outliers: bool = False
) -> tuple[float, int]:
    """Mean of the moving ranges (NaNs ignored), and how many were screened out.

    With ``screen_outliers`` the mean is computed once, moving ranges ``> 3.267 * mean`` are dropped and
    the mean recomputed once. The comparison follows the domain reference and NHS England's SQL v2.6,
    which keep ``mr <= 3.267 * amr`` (a moving range exactly at 3.267 x the mean is kept);
    NHSRplotthedots ``ptd_spc_standard.R`` keeps only ``<``. When the mean moving range is 0 (constant
    data) nothing is screened, so the limits stay equal to the mean rather than becoming undefined.
    """
    arr = _as_float_array(mr)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return math.nan, 0
    mr_bar = float(np.mean(arr))
    if not screen_outliers or mr_bar == 0:
        return mr_bar, 0
    kept = arr[arr <= MR_OUTLIER_FACTOR * mr_bar]
    return float(np.mean(kept)), int(arr.size - kept.size)


def process_limits(values: Sequence[float] | np.ndarray, *, screen_outliers: bool = False) -> Limits:
    """Mean, mean moving range, process limits and two-sigma lines of one segment (no NaNs)."""
    x = _as_float_array(values)
    if x.size == 0:
        return Limits(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(x))
    mr_bar, n_out = mean_moving_range(moving_ranges(x), screen_outliers=screen_outliers)
    return Limits(
        mean=mean,
        mr_bar=mr_bar,
        lpl=mean - LIMIT_FACTOR * mr_bar,
        upl=mean + LIMIT_FACTOR * mr_bar,
        lower_two_sigma=mean - TWO_SIGMA_FACTOR * mr_bar,
        upper_two_sigma=mean + TWO_SIGMA_FACTOR * mr_bar,
        n_screened_out=n_out,
    )


def points_outside_limits(
    values: Sequence[float] | np.ndarray, lpl: float, upl: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 1: points strictly above the upper (high) or strictly below the lower (low) process limit.

    A point exactly on a limit is not special cause (as in both references).
    """
    x = _as_float_array(values)
    with np.errstate(invalid="ignore"):
        return x > upl, x < lpl


def relative_to_mean(values: Sequence[float] | np.ndarray, mean: float) -> np.ndarray:
    """+1 above the mean, -1 below, 0 exactly on it (NHSRplotthedots ``relative_to_mean``)."""
    x = _as_float_array(values)
    with np.errstate(invalid="ignore"):
        return np.where(x > mean, 1, np.where(x < mean, -1, 0)).astype(int)


def _flag_runs(signs: np.ndarray, target: int, min_run: int) -> np.ndarray:
    """Flag every element of each maximal run of ``signs == target`` that is at least ``min_run`` long."""
    flags = np.zeros(signs.shape, dtype=bool)
    n = signs.size
    i = 0
    while i < n:
        if signs[i] != target:
            i += 1
            continue
        j = i
        while j < n and signs[j] == target:
            j += 1
        if j - i >= min_run:
            flags[i:j] = True
        i = j
    return flags


def shift_runs(
    values: Sequence[float] | np.ndarray, mean: float, min_run: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 2 (shift): runs of ``min_run`` or more consecutive points strictly on one side of the mean.

    Every point of the run is flagged; a point exactly on the mean breaks the run
    (NHSRplotthedots ``ptd_seven_point_one_side_mean``; NHS England SQL step 4G). Returns (high, low).
    """
    rtm = relative_to_mean(values, mean)
    return _flag_runs(rtm, 1, min_run), _flag_runs(rtm, -1, min_run)


def trend_runs(values: Sequence[float] | np.ndarray, min_run: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Rule 3 (trend): ``min_run`` or more consecutive points each strictly above (rising, "high") or
    strictly below (falling, "low") the previous one. 7 points means 6 increases; equal neighbours break
    the trend. Every point of the trend is flagged, including its first point (NHSRplotthedots
    ``ptd_seven_point_trend``/``ptd_part_of_seven_trend``; NHS England SQL step 4H "including endpoints").

    A turning point can end one trend and start the other, so it can be both rising and falling.
    """
    x = _as_float_array(values)
    n = x.size
    rising = np.zeros(n, dtype=bool)
    falling = np.zeros(n, dtype=bool)
    if n < 2:
        return rising, falling
    step = np.sign(np.diff(x)).astype(int)  # step[k] compares x[k+1] with x[k]
    for target, out in ((1, rising), (-1, falling)):
        k = 0
        while k < step.size:
            if step[k] != target:
                k += 1
                continue
            m = k
            while m < step.size and step[m] == target:
                m += 1
            # steps k..m-1 cover points k..m, i.e. (m - k + 1) points
            if m - k + 1 >= min_run:
                out[k : m + 1] = True
            k = m
    return rising, falling


def two_in_three(
    values: Sequence[float] | np.ndarray,
    mean: float,
    lower_two_sigma: float,
    upper_two_sigma: float,
    lpl: float | None = None,
    upl: float | None = None,
    *,
    count_beyond_limits: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 4: two or three of three consecutive points strictly beyond the same two-sigma line, with
    all three strictly on that side of the mean. Only the points beyond two sigma are flagged.

    Points beyond the process limits are beyond the two-sigma line too, so by default
    (``count_beyond_limits=True``) they count towards the two-in-three, as in NHS England's SQL v2.6 (Jan
    2024), the domain reference. NHSRplotthedots ``ptd_spc_standard.R`` does not count them
    (``close_to_limits = !outside_limits & (y < nlpl | y > nupl)``, see its issue #153); pass
    ``count_beyond_limits=False`` for that behaviour.
    ``lpl``/``upl`` are needed only when ``count_beyond_limits`` is False. Returns (high, low).
    """
    x = _as_float_array(values)
    n = x.size
    with np.errstate(invalid="ignore"):
        beyond_high = x > upper_two_sigma
        beyond_low = x < lower_two_sigma
        if not count_beyond_limits:
            if upl is not None:
                beyond_high &= ~(x > upl)
            if lpl is not None:
                beyond_low &= ~(x < lpl)
    rtm = relative_to_mean(x, mean)
    high = np.zeros(n, dtype=bool)
    low = np.zeros(n, dtype=bool)
    for start in range(max(n - 2, 0)):
        window = slice(start, start + 3)
        side = rtm[window]
        if np.all(side == 1) and beyond_high[window].sum() >= 2:
            high[window] |= beyond_high[window]
        elif np.all(side == -1) and beyond_low[window].sum() >= 2:
            low[window] |= beyond_low[window]
    return high, low


def classify_points(
    high_signal: np.ndarray,
    low_signal: np.ndarray,
    values: Sequence[float] | np.ndarray,
    mean: float,
    improvement: str,
    conflict: str = "concern",
) -> tuple[list[str], list[str | None]]:
    """Point type and deciding side for each point, from its high-side and low-side signals.

    ``improvement`` "up": high-side signals are improvement, low-side concern; "down" mirrored. A point
    with both an improvement and a concern signal (e.g. a falling trend above the mean) is resolved by
    ``conflict`` ("concern" or "improvement"), as NHS England's ``MetricConflictRule`` does (SQL step 4J).
    NHSRplotthedots has no such option: it keeps the first rule in the order outside limits, trend,
    two-in-three, shift.

    ``improvement`` "neither": any signal gives "neither"; with signals on both sides the side is the side
    of the mean the point is on (exactly on the mean: "high", NHS England's order of precedence).
    Returns (point types, sides); the side is None for common cause points.
    """
    high = np.asarray(high_signal, dtype=bool)
    low = np.asarray(low_signal, dtype=bool)
    x = _as_float_array(values)
    types: list[str] = []
    sides: list[str | None] = []
    for i in range(high.size):
        h, lo = bool(high[i]), bool(low[i])
        if not (h or lo):
            types.append("common_cause")
            sides.append(None)
            continue
        if improvement == "neither":
            # Both sides signalled: use the side of the mean the point is on (on the mean: "high").
            both_side = "low" if x[i] < mean else "high"
            side = both_side if (h and lo) else ("high" if h else "low")
            types.append("neither")
            sides.append(side)
            continue
        good_side, bad_side = ("high", "low") if improvement == "up" else ("low", "high")
        has_good = h if good_side == "high" else lo
        has_bad = h if bad_side == "high" else lo
        if has_good and has_bad:
            kind = "improvement" if conflict == "improvement" else "concern"
        else:
            kind = "improvement" if has_good else "concern"
        types.append(kind)
        sides.append(good_side if kind == "improvement" else bad_side)
    return types, sides


def variation_type(point_type: str | None, signal_side: str | None) -> str | None:
    """Variation icon code for one point: "common_cause" or ``<type>_<side>`` (None for a missing point)."""
    if point_type is None:
        return None
    if point_type == "common_cause" or signal_side is None:
        return "common_cause"
    return f"{point_type}_{signal_side}"


def assurance_type(target: float | None, lpl: float, upl: float, improvement: str) -> str | None:
    """Assurance icon code from a target and the (last segment's) process limits.

    Up is better: target <= LPL "pass", target >= UPL "fail", otherwise "hit_or_miss"; down mirrored.
    A target exactly on a limit is a pass/fail, as in NHS England's SQL v2.6 (changed in v2.1) and the
    domain reference; NHSRplotthedots ``ptd_calculate_assurance_type`` uses strict comparisons instead.
    None without a target, for direction "neither", or when the limits are undefined.
    """
    if target is None or improvement not in ("up", "down"):
        return None
    t = float(target)
    if any(math.isnan(v) for v in (t, lpl, upl)):
        return None
    if improvement == "up":
        if t <= lpl:
            return "pass"
        if t >= upl:
            return "fail"
        return "hit_or_miss"
    if t >= upl:
        return "pass"
    if t <= lpl:
        return "fail"
    return "hit_or_miss"


# --------------------------------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------------------------------


def _normalise_improvement(improvement: str) -> str:
    key = str(improvement).strip().lower() if improvement is not None else ""
    if key not in _IMPROVEMENT_ALIASES:
        raise ValueError(f"improvement must be 'up', 'down' or 'neither', not {improvement!r}")
    return _IMPROVEMENT_ALIASES[key]


def _normalise_accumulation(accumulation: str) -> str:
    key = str(accumulation).strip().lower() if accumulation is not None else ""
    if key not in ACCUMULATIONS:
        raise ValueError(f"accumulation must be one of {', '.join(ACCUMULATIONS)}, not {accumulation!r}")
    return key


def _normalise_conflict(conflict: str) -> str:
    key = str(conflict).strip().lower() if conflict is not None else ""
    if key not in _CONFLICT_VALUES:
        raise ValueError(f"conflict must be 'concern' or 'improvement', not {conflict!r}")
    return key


def _check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)


def _to_values(values: Any) -> np.ndarray:
    if values is None:
        return np.array([], dtype=float)
    if isinstance(values, (str, bytes)):
        raise ValueError("values must be a sequence of numbers, not a string")
    items = list(values.tolist() if isinstance(values, (np.ndarray, pd.Series, pd.Index)) else values)
    out = np.empty(len(items), dtype=float)
    for i, item in enumerate(items):
        if item is None or item is pd.NA or item is pd.NaT:
            out[i] = np.nan
            continue
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"values[{i}] is a boolean ({item!r}); expected a number")
        try:
            out[i] = float(item)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"values[{i}] is not a number: {item!r}") from exc
    return out


def _to_dates(dates: Any, n: int) -> pd.DatetimeIndex:
    if dates is None:
        return pd.DatetimeIndex([pd.NaT] * n)
    if isinstance(dates, (str, bytes)):
        raise ValueError("dates must be a sequence of dates, not a string")
    items = list(dates)
    if len(items) != n:
        raise ValueError(f"dates has {len(items)} items but values has {n}; they must be the same length")
    try:
        return pd.DatetimeIndex(pd.to_datetime(pd.Series(items, dtype=object), errors="raise"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dates could not be read as dates: {exc}") from exc


def _to_target(target: Any) -> float | None:
    if target is None:
        return None
    if isinstance(target, (bool, np.bool_)):
        raise ValueError(f"target must be a number, not {target!r}")
    try:
        t = float(target)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target must be a number, not {target!r}") from exc
    if math.isnan(t):
        return None
    if math.isinf(t):
        raise ValueError("target must be finite")
    return t


def _point_name(pos: int, dates: pd.DatetimeIndex) -> str:
    when = dates[pos] if pos < len(dates) else pd.NaT
    if pd.isna(when):
        return f"point {pos + 1}"
    return f"point {pos + 1}, {_format_date(when, '%b %Y')}"


def _resolve_recalculation(
    recalculate_at: Any, n: int, dates: pd.DatetimeIndex, have_dates: bool
) -> tuple[list[int], list[str]]:
    """Turn ``recalculate_at`` into sorted unique positions 1..n-1, with notes for ignored entries.

    Entries are 0-based positions in the input; when dates are given a date may be used instead.
    """
    if recalculate_at is None:
        return [], []
    if isinstance(recalculate_at, (int, np.integer, str, pd.Timestamp)) and not isinstance(
        recalculate_at, bool
    ):
        recalculate_at = [recalculate_at]
    positions: set[int] = set()
    notes: list[str] = []
    for item in recalculate_at:
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"recalculate_at entries must be positions (whole numbers), not {item!r}")
        pos: int | None = None
        if isinstance(item, (int, np.integer)) or (isinstance(item, float) and item.is_integer()):
            pos = int(item)
        elif have_dates:
            try:
                when = pd.Timestamp(item)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"recalculate_at entry {item!r} is neither a position nor a date") from exc
            matches = np.flatnonzero(dates == when)
            if matches.size == 0:
                notes.append(
                    f"Recalculation at {_format_date(when, '%d %b %Y')} ignored: no data point has that date."
                )
                continue
            pos = int(matches[0])
        else:
            raise ValueError(f"recalculate_at entries must be positions (whole numbers), not {item!r}")
        if pos == 0:
            notes.append(
                "Recalculation at index 0 ignored: the first segment always starts at the first point."
            )
            continue
        if pos < 0 or pos >= n:
            notes.append(f"Recalculation at index {pos} ignored: out of range for {n} data points.")
            continue
        positions.add(pos)
    return sorted(positions), notes


def _accept_segment_starts(
    candidates: list[int], valid: np.ndarray, dates: pd.DatetimeIndex
) -> tuple[list[int], list[str]]:
    """Keep the recalculation points that leave every segment with at least 12 non-missing points."""
    n = valid.size
    prefix = np.concatenate([[0], np.cumsum(valid)])
    starts = [0]
    notes: list[str] = []
    for pos in candidates:
        before = int(prefix[pos] - prefix[starts[-1]])
        after = int(prefix[n] - prefix[pos])
        if before >= MIN_SEGMENT_POINTS and after >= MIN_SEGMENT_POINTS:
            starts.append(pos)
        else:
            notes.append(
                f"Limits not recalculated at index {pos} ({_point_name(pos, dates)}): each segment needs at "
                f"least {MIN_SEGMENT_POINTS} data points, but this would leave {before} before it and "
                f"{after} from it on."
            )
    return starts, notes


# --------------------------------------------------------------------------------------------------
# Main entry point
# --------------------------------------------------------------------------------------------------

_RULE_COLUMNS = (
    "outside_high",
    "outside_low",
    "shift_high",
    "shift_low",
    "trend_high",
    "trend_low",
    "two_in_three_high",
    "two_in_three_low",
)


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

    Assurance never contradicts the latest point: where the limits alone say "fail" (or "pass") but the
    latest point meets (or misses) the target, the latest point lies beyond a limit or on it. Beyond it,
    the process has moved away from limits that still include earlier months, so no assurance icon is
    given and :func:`describe` says that recalculating the limits is worth considering (e.g. a share at
    100% with target 100%, its limits pulled down by the months before it reached 100%); on it, the
    target is "hit_or_miss". See ``target_check``.
    """
    improvement = _normalise_improvement(improvement)
    conflict = _normalise_conflict(conflict)
    shift_points = _check_count("shift_points", shift_points, 2)
    trend_points = _check_count("trend_points", trend_points, 2)
    min_points = _check_count("min_points", min_points, 1)
    target_value = _to_target(target)
    accumulation = _normalise_accumulation(accumulation)

    if dates is None and isinstance(values, pd.Series) and isinstance(values.index, pd.DatetimeIndex):
        dates = values.index
    have_dates = dates is not None
    x = _to_values(values)
    n = x.size
    date_index = _to_dates(dates, n)

    notes: list[str] = []
    infinite = np.isinf(x)
    if infinite.any():
        notes.append(f"{int(infinite.sum())} infinite value(s) treated as missing.")
        x = np.where(infinite, np.nan, x)
    valid = ~np.isnan(x)
    n_valid = int(valid.sum())
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
        known = date_index[valid & ~date_index.isna()]
        if len(known) > 1 and not known.is_monotonic_increasing:
            notes.append("Dates are not in time order: points are used in the order given.")

    candidates, recalc_notes = _resolve_recalculation(recalculate_at, n, date_index, have_dates)
    notes.extend(recalc_notes)

    if accumulation != "monthly":
        chart_type = "trend"
    else:
        chart_type = "xmr" if n_valid >= min_points and n_valid > 0 else "run"

    if chart_type == "trend":
        if candidates:
            notes.append("Limits not recalculated: a trend has no process limits.")
        starts = [0]
    elif chart_type == "run":
        if n_valid > 0:
            notes.insert(
                0,
                f"Only {n_valid} data point{'s' if n_valid != 1 else ''}: shown as a run chart; "
                f"icons need at least {min_points}.",
            )
        if candidates:
            notes.append("Limits not recalculated: a run chart has no process limits.")
        starts = [0]
    else:
        starts, accept_notes = _accept_segment_starts(candidates, valid, date_index)
        notes.extend(accept_notes)

    segment = np.zeros(n, dtype=int)
    for k, start in enumerate(starts):
        segment[start:] = k

    cols: dict[str, np.ndarray] = {
        name: np.full(n, np.nan)
        for name in ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma", "moving_range")
    }
    screened = np.zeros(n, dtype=bool)
    rules = {name: np.zeros(n, dtype=bool) for name in _RULE_COLUMNS}
    point_type: list[str | None] = [None] * n
    signal_side: list[str | None] = [None] * n
    last_limits = Limits(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    n_screened_total = 0

    for k in range(len(starts)):
        in_seg = segment == k
        pos = np.flatnonzero(in_seg & valid)
        seg_x = x[pos]
        if chart_type == "trend":
            lim = Limits(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
        elif chart_type == "run":
            mean = float(np.mean(seg_x)) if seg_x.size else math.nan
            lim = Limits(mean, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
        else:
            lim = process_limits(seg_x, screen_outliers=screen_outliers)
        n_screened_total += lim.n_screened_out
        last_limits = lim
        cols["mean"][in_seg] = lim.mean
        cols["lpl"][in_seg] = lim.lpl
        cols["upl"][in_seg] = lim.upl
        cols["lower_two_sigma"][in_seg] = lim.lower_two_sigma
        cols["upper_two_sigma"][in_seg] = lim.upper_two_sigma
        if seg_x.size == 0 or chart_type == "trend":
            continue
        mr = moving_ranges(seg_x)
        cols["moving_range"][pos] = mr
        if chart_type == "run":
            for p in pos:
                point_type[p] = "common_cause"
            continue
        if screen_outliers and lim.n_screened_out:
            raw_bar = float(np.nanmean(mr))
            with np.errstate(invalid="ignore"):
                screened[pos] = mr > MR_OUTLIER_FACTOR * raw_bar

        seg_rules = {}
        seg_rules["outside_high"], seg_rules["outside_low"] = points_outside_limits(seg_x, lim.lpl, lim.upl)
        seg_rules["shift_high"], seg_rules["shift_low"] = shift_runs(seg_x, lim.mean, shift_points)
        seg_rules["trend_high"], seg_rules["trend_low"] = trend_runs(seg_x, trend_points)
        seg_rules["two_in_three_high"], seg_rules["two_in_three_low"] = two_in_three(
            seg_x,
            lim.mean,
            lim.lower_two_sigma,
            lim.upper_two_sigma,
            lim.lpl,
            lim.upl,
            count_beyond_limits=two_in_three_counts_beyond_limits,
        )
        for name, flags in seg_rules.items():
            rules[name][pos] = flags
        high = np.logical_or.reduce([seg_rules[c] for c in _RULE_COLUMNS if c.endswith("_high")])
        low = np.logical_or.reduce([seg_rules[c] for c in _RULE_COLUMNS if c.endswith("_low")])
        types, sides = classify_points(high, low, seg_x, lim.mean, improvement, conflict)
        for p, t, s in zip(pos, types, sides, strict=True):
            point_type[p] = t
            signal_side[p] = s

    if chart_type == "xmr":
        if last_limits.mr_bar == 0:
            notes.append("All values in the latest segment are the same: the process limits equal the mean.")
        if n_screened_total:
            notes.append(
                f"Outlier screening left out {n_screened_total} moving range"
                f"{'s' if n_screened_total != 1 else ''} when calculating the limits."
            )

    points = pd.DataFrame(
        {
            "value": x,
            "date": date_index,
            "segment": segment,
            "mean": cols["mean"],
            "lpl": cols["lpl"],
            "upl": cols["upl"],
            "lower_two_sigma": cols["lower_two_sigma"],
            "upper_two_sigma": cols["upper_two_sigma"],
            "moving_range": cols["moving_range"],
            "mr_screened_out": screened,
        }
    )
    for name in _RULE_COLUMNS:
        points[name] = rules[name]
    points["outside_limits"] = points["outside_high"] | points["outside_low"]
    points["shift"] = points["shift_high"] | points["shift_low"]
    points["trend"] = points["trend_high"] | points["trend_low"]
    points["two_in_three"] = points["two_in_three_high"] | points["two_in_three_low"]
    points["high_signal"] = points[[c for c in _RULE_COLUMNS if c.endswith("_high")]].any(axis=1)
    points["low_signal"] = points[[c for c in _RULE_COLUMNS if c.endswith("_low")]].any(axis=1)
    points["special_cause"] = points["high_signal"] | points["low_signal"]
    points["point_type"] = pd.Series(point_type, dtype=object)
    points["signal_side"] = pd.Series(signal_side, dtype=object)

    variation: str | None = None
    assurance: str | None = None
    target_check: str | None = None
    target_run_start: int | None = None
    if chart_type == "xmr":
        last = int(np.flatnonzero(valid)[-1])
        variation = variation_type(point_type[last], signal_side[last])
        assurance = assurance_type(target_value, last_limits.lpl, last_limits.upl, improvement)
        if assurance in ("pass", "fail") and target_value is not None:
            in_last = np.flatnonzero(valid & (segment == segment[last]))
            assurance, target_check, target_run_start = _check_latest_against_target(
                x[in_last], in_last, target_value, improvement, assurance, last_limits
            )

    return SPCResult(
        points=points,
        variation=variation,
        assurance=assurance,
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
        target_check=target_check,
        target_run_start=target_run_start,
    )


def _meets_target(value: float, target: float, improvement: str) -> bool:
    """Whether a value meets the target for the direction (a value equal to the target meets it; a
    difference of float rounding, e.g. 100 * 17 / 17 against 100, does not count)."""
    tolerance = 1e-9 * max(1.0, abs(target))
    return value >= target - tolerance if improvement == "up" else value <= target + tolerance


def _check_latest_against_target(
    seg_x: np.ndarray,
    positions: np.ndarray,
    target: float,
    improvement: str,
    assurance: str,
    limits: Limits,
) -> tuple[str | None, str | None, int | None]:
    """The assurance after checking it against the latest point of the last segment (``seg_x``, its
    non-missing values, at ``positions``): (assurance, target_check, target_run_start).

    "fail" while the latest point meets the target, or "pass" while it misses it, cannot both be true.
    The latest point then lies beyond the limit on the target's side or exactly on it (the target is
    on or beyond that limit). Beyond it, the limits no longer describe the process (they still include
    the months before it moved), so no assurance is given; on it, the target is hit and missed.
    ``target_run_start`` is where the latest run of points that all meet (or all miss) the target began.
    """
    met = [_meets_target(v, target, improvement) for v in seg_x]
    latest_met = met[-1]
    if (assurance == "fail") != latest_met:
        return assurance, None, None
    kind = "met" if latest_met else "missed"
    idx = len(met) - 1
    while idx > 0 and met[idx - 1] == latest_met:
        idx -= 1
    run_start = int(positions[idx])
    # Met while "fail" means beyond the limit on the improvement side; missed while "pass", the other.
    high_side = (improvement == "up") == latest_met
    latest = float(seg_x[-1])
    beyond = latest > limits.upl if high_side else latest < limits.lpl
    if beyond:
        return None, f"{kind}_beyond_limits", run_start
    return "hit_or_miss", f"{kind}_on_limit", run_start


# --------------------------------------------------------------------------------------------------
# Plain-English description
# --------------------------------------------------------------------------------------------------


def _format_date(when: Any, fmt: str) -> str:
    """strftime with English month names whatever the locale (%b "Mar", %B "March")."""
    ts = pd.Timestamp(when)
    fmt = fmt.replace("%b", _MONTHS[ts.month - 1]).replace("%B", _MONTHS_LONG[ts.month - 1])
    return ts.strftime(fmt)


def format_value(value: float, unit: str = "") -> str:
    """Format a number for a sentence: "7.5%", "12.5 FTE", "£1,234", "1,234.5".

    "%" attaches without a space; "£"/"GBP" gives money (whole pounds, or pence when not whole);
    any other unit follows after a space. Up to 2 decimal places (4 below 1), trailing zeros dropped.
    """
    v = float(value)
    if math.isnan(v):
        return "n/a"
    u = (unit or "").strip()
    if u.upper() in ("£", "GBP"):
        sign = "-" if v < 0 else ""
        amount = abs(v)
        text = f"{amount:,.0f}" if round(amount, 2).is_integer() else f"{amount:,.2f}"
        return f"{sign}£{text}"
    decimals = 2 if abs(v) >= 1 or v == 0 else 4
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if not u:
        return text
    if u == "%":
        return f"{text}%"
    return f"{text} {u}"


def _period_noun(dates: pd.Series) -> str:
    """ "month", "week", "day", "quarter" or "year" from the typical spacing of the dates, else "point"."""
    known = pd.DatetimeIndex(dates.dropna())
    if len(known) < 2:
        return "month" if len(known) == 1 else "point"
    gaps = np.diff(known.values).astype("timedelta64[D]").astype(float)
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return "point"
    gap = float(np.median(gaps))
    for noun, low, high in (("day", 1, 1), ("week", 6, 8), ("month", 27, 32), ("quarter", 88, 93)):
        if low <= gap <= high:
            return noun
    if 360 <= gap <= 367:
        return "year"
    return "point"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe(
    result: SPCResult,
    *,
    unit: str = "",
    dates: Any = None,
    label_fmt: str | Callable[[pd.Timestamp], str] = "%b %Y",
    name: str | None = None,
) -> str:
    """One plain-English sentence about an :class:`SPCResult` for a board member.

    Examples: "Special cause concern: 7 months below the mean since Mar 2025; target 7.5% is inside the
    limits, so it will be hit and missed." / "Common cause variation: no signals; target 85% is below the
    lower limit, so it will consistently be met." / "Only 9 months of data: too few for process limits
    (need 15)." ``dates`` overrides the result's dates; ``label_fmt`` is a strftime format (English month
    names) or a callable turning a timestamp into a label. A trend (an accumulating figure) says why it
    is not read with the rules, naming the measure when ``name`` is given: "Leaver rate is a 12-month
    rolling figure: each month shares 11 months with the one before, so the SPC rules do not apply;
    shown as a trend."
    """
    if result.chart_type == "trend":
        what, why = _ACCUMULATION_REASONS[result.accumulation]
        subject = f"{name} is {what}" if name else what[0].upper() + what[1:]
        return f"{subject}: {why}, so the SPC rules do not apply; shown as a trend."
    pts = result.points
    if dates is not None:
        date_col = pd.Series(_to_dates(dates, len(pts)), index=pts.index)
    elif "date" in pts.columns:
        date_col = pd.Series(pd.DatetimeIndex(pts["date"]), index=pts.index)
    else:
        date_col = pd.Series(pd.DatetimeIndex([pd.NaT] * len(pts)), index=pts.index)
    valid_mask = pts["value"].notna().to_numpy()
    have_dates = bool(date_col[valid_mask].notna().any())
    noun = _period_noun(date_col[valid_mask]) if have_dates else "point"

    def label(pos: int) -> str:
        when = date_col.iloc[pos]
        if pd.isna(when):
            return f"point {pos + 1}"
        return label_fmt(pd.Timestamp(when)) if callable(label_fmt) else _format_date(when, label_fmt)

    n_valid = int(valid_mask.sum())
    if result.chart_type == "run" or result.variation is None:
        if n_valid == 0:
            return f"No data yet: too few for process limits (need {result.min_points})."
        amount = f"{_plural(n_valid, noun)} of data" if noun != "point" else _plural(n_valid, "data point")
        return f"Only {amount}: too few for process limits (need {result.min_points})."

    valid_pos = np.flatnonzero(valid_mask)
    last = int(valid_pos[-1])
    row = pts.iloc[last]
    kind = row["point_type"]
    side = row["signal_side"]
    heads = {
        "common_cause": "Common cause variation",
        "improvement": "Special cause improvement",
        "concern": "Special cause concern",
        "neither": "Special cause variation",
    }
    head = heads.get(kind, "Common cause variation")

    if kind == "common_cause" or side is None:
        detail = "no signals" if not bool(pts["special_cause"].any()) else f"no signal in the latest {noun}"
    else:
        detail = _signal_phrase(pts, valid_pos, last, side, noun, label)

    return f"{head}: {detail}{_assurance_clause(result, unit, pts, valid_pos, noun, label)}."


def _run_start(pts: pd.DataFrame, valid_pos: np.ndarray, last: int, keep: Callable[[int, int], bool]) -> int:
    """Walk back over non-missing points of the last point's segment while ``keep(prev, cur)`` holds."""
    seg = pts["segment"].iloc[last]
    seq = [int(p) for p in valid_pos if pts["segment"].iloc[int(p)] == seg]
    idx = len(seq) - 1
    while idx > 0 and keep(seq[idx - 1], seq[idx]):
        idx -= 1
    return seq[idx]


def _signal_phrase(
    pts: pd.DataFrame, valid_pos: np.ndarray, last: int, side: str, noun: str, label: Callable[[int], str]
) -> str:
    row = pts.iloc[last]
    values = pts["value"]
    above = side == "high"
    nouns = f"{noun}s" if noun != "point" else "points"
    if row[f"outside_{side}"]:
        where = "above the upper" if above else "below the lower"
        return f"the latest {noun} is {where} process limit"
    if row[f"shift_{side}"]:
        mean = row["mean"]
        start = _run_start(
            pts, valid_pos, last, lambda p, _c: values.iloc[p] > mean if above else values.iloc[p] < mean
        )
        count = int(((pts.index >= start) & (pts.index <= last) & pts["value"].notna()).sum())
        where = "above" if above else "below"
        return f"{count} {nouns if count != 1 else noun} {where} the mean since {label(start)}"
    if row[f"trend_{side}"]:
        start = _run_start(
            pts,
            valid_pos,
            last,
            lambda p, c: values.iloc[c] > values.iloc[p] if above else values.iloc[c] < values.iloc[p],
        )
        count = int(((pts.index >= start) & (pts.index <= last) & pts["value"].notna()).sum())
        way = "rising" if above else "falling"
        return f"{count} {way} {nouns} in a row since {label(start)}"
    if row[f"two_in_three_{side}"]:
        seg = pts["segment"].iloc[last]
        recent = [int(p) for p in valid_pos if pts["segment"].iloc[int(p)] == seg][-3:]
        line = "upper_two_sigma" if above else "lower_two_sigma"
        beyond = sum(
            1
            for p in recent
            if (values.iloc[p] > pts[line].iloc[p] if above else values.iloc[p] < pts[line].iloc[p])
        )
        where = "upper" if above else "lower"
        return f"{beyond} of the last 3 {nouns} close to the {where} process limit"
    return f"a signal in the latest {noun}"


def _assurance_clause(
    result: SPCResult,
    unit: str,
    pts: pd.DataFrame,
    valid_pos: np.ndarray,
    noun: str,
    label: Callable[[int], str],
) -> str:
    check = result.target_check
    if result.target is None or (result.assurance is None and check is None):
        return ""
    t, lpl, upl = result.target, result.lpl, result.upl
    if t == lpl == upl:
        where = "on the process limits (all values are the same)"
    elif t < lpl:
        where = "below the lower limit"
    elif t == lpl:
        where = "on the lower limit"
    elif t > upl:
        where = "above the upper limit"
    elif t == upl:
        where = "on the upper limit"
    else:
        where = "inside the limits"
    target = f"target {format_value(t, unit)} is {where}"
    if check is not None:
        return f"; {target}{_latest_against_target(result, check, valid_pos, noun, label)}"
    outcome = {
        "pass": "it will consistently be met",
        "fail": "it will consistently be missed",
        "hit_or_miss": "it will be hit and missed",
    }[result.assurance]
    return f"; {target}, so {outcome}"


def _latest_against_target(
    result: SPCResult, check: str, valid_pos: np.ndarray, noun: str, label: Callable[[int], str]
) -> str:
    """The end of the assurance clause when the latest point overrode the limits (see xmr)."""
    verb = "met" if check.startswith("met") else "missed"
    if check.endswith("_on_limit"):
        return f" and was {verb} in the latest {noun}, so it will be hit and missed"
    start = result.target_run_start if result.target_run_start is not None else int(valid_pos[-1])
    count = int((valid_pos >= start).sum())
    nouns = f"{noun}s" if noun != "point" else "points"
    if count == 1:
        return (
            f" but was {verb} in the latest {noun}: if that lasts, recalculating the limits (rebasing) "
            "is worth considering"
        )
    since = f" but has been {verb} in each of the last {count} {nouns}, since {label(start)}"
    if count >= MIN_SEGMENT_POINTS:
        return (
            f"{since}: the limits still include the earlier {nouns}, so recalculating them (rebasing) "
            f"from {label(start)} is worth considering"
        )
    return (
        f"{since}: if that lasts, recalculating the limits (rebasing) from {label(start)} is worth "
        f"considering once there are {MIN_SEGMENT_POINTS} {nouns} since then"
    )
