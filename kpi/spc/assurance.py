"""The assurance icon: where the target lies against the process limits, checked against the latest
point (pure functions)."""

from __future__ import annotations

import math

import numpy as np

from kpi.spc.limits import Limits


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
