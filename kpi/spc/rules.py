"""The four Making Data Count rules, and how their signals become point types (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kpi.spc.limits import as_float_array

RULE_COLUMNS = (
    "outside_high",
    "outside_low",
    "shift_high",
    "shift_low",
    "trend_high",
    "trend_low",
    "two_in_three_high",
    "two_in_three_low",
)


def points_outside_limits(
    values: Sequence[float] | np.ndarray, lpl: float, upl: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 1: points strictly above the upper (high) or strictly below the lower (low) process limit.

    A point exactly on a limit is not special cause (as in both references).
    """
    x = as_float_array(values)
    with np.errstate(invalid="ignore"):
        return x > upl, x < lpl


def relative_to_mean(values: Sequence[float] | np.ndarray, mean: float) -> np.ndarray:
    """+1 above the mean, -1 below, 0 exactly on it (NHSRplotthedots ``relative_to_mean``)."""
    x = as_float_array(values)
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
    x = as_float_array(values)
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
    x = as_float_array(values)
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
    x = as_float_array(values)
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
