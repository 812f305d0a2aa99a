"""Centre line, process limits and two-sigma lines of one segment (pure functions, no NaNs in)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

#: Process limits are mean +/- 2.66 * mean moving range (3 sigma for an XmR chart).
LIMIT_FACTOR = 2.66
#: Two-sigma lines are mean +/- (2/3) * 2.66 * mean moving range (written as NHSRplotthedots does).
TWO_SIGMA_FACTOR = 2 * (LIMIT_FACTOR / 3)
#: Moving ranges above 3.267 * mean moving range are outliers when screening is switched on.
MR_OUTLIER_FACTOR = 3.267
#: Each segment of a rebased (recalculated) chart needs at least this many non-missing points.
MIN_SEGMENT_POINTS = 12


class Limits(NamedTuple):
    """Centre line and limits of one segment, as returned by :func:`process_limits`."""

    mean: float
    mr_bar: float
    lpl: float
    upl: float
    lower_two_sigma: float
    upper_two_sigma: float
    n_screened_out: int


#: The limits of a segment that has none (a run chart or a trend).
NO_LIMITS = Limits(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)


def as_float_array(values: Iterable[Any]) -> np.ndarray:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)


def moving_ranges(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Moving ranges ``|x_i - x_(i-1)|``; the first point has none (NaN). Values must not contain NaN."""
    x = as_float_array(values)
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
    arr = as_float_array(mr)
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
    x = as_float_array(values)
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
