"""The assurance icon: where the target lies against the process limits (a pure function)."""

from __future__ import annotations

import math


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
