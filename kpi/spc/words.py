"""The words of SPC: icon labels and the plain-English sentence a board member reads (:func:`describe`).

No maths here: the sentence reads the flags :func:`kpi.spc.xmr` computed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpi.spc.arguments import to_dates
from kpi.words.formats import english_date, format_value

if TYPE_CHECKING:
    from kpi.spc.result import SPCResult

POINT_TYPE_LABELS: dict[str, str] = {
    "common_cause": "Common cause",
    "improvement": "Special cause improvement",
    "concern": "Special cause concern",
    "neither": "Special cause (neither improvement nor concern)",
}

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

ASSURANCE_LABELS: dict[str | None, str] = {
    "pass": "Consistently passing target",
    "fail": "Consistently failing target",
    "hit_or_miss": "Hit and miss target",
    None: "No assurance icon: needs a target, an improvement direction and process limits",
}

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


def trend_label(accumulation: str) -> str:
    what, _why = _ACCUMULATION_REASONS[accumulation]
    return f"{what}, shown as a trend (the SPC rules do not apply)"


def point_name(pos: int, dates: pd.DatetimeIndex) -> str:
    when = dates[pos] if pos < len(dates) else pd.NaT
    if pd.isna(when):
        return f"point {pos + 1}"
    return f"point {pos + 1}, {english_date(when, '%b %Y')}"


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
        date_col = pd.Series(to_dates(dates, len(pts)), index=pts.index)
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
        return label_fmt(pd.Timestamp(when)) if callable(label_fmt) else english_date(when, label_fmt)

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

    return f"{head}: {detail}{_assurance_clause(result, unit)}."


def _run_start(
    pts: pd.DataFrame,
    valid_pos: np.ndarray,
    last: int,
    keep: Callable[[int, int], bool],
    *,
    across_segments: bool = False,
) -> int:
    """Walk back over the non-missing, non-ghost points of the last point's segment (of the whole chart,
    `across_segments`, as the trend rule reads) while ``keep(prev, cur)`` holds."""
    seg = pts["segment"].iloc[last]
    read = ~pts["ghost"].to_numpy() if "ghost" in pts else np.ones(len(pts), dtype=bool)
    seq = [int(p) for p in valid_pos if read[p] and (across_segments or pts["segment"].iloc[int(p)] == seg)]
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
            across_segments=True,
        )
        count = int(((pts.index >= start) & (pts.index <= last) & pts["value"].notna() & ~pts["ghost"]).sum())
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


def _assurance_clause(result: SPCResult, unit: str) -> str:
    """'; target 7.5% is inside the limits, so it will be hit and missed' ('' without an icon)."""
    if result.target is None or result.assurance is None:
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
    target = f"target {format_value(t, unit, None)} is {where}"
    outcome = {
        "pass": "it will consistently be met",
        "fail": "it will consistently be missed",
        "hit_or_miss": "it will be hit and missed",
    }[result.assurance or "hit_or_miss"]
    return f"; {target}, so {outcome}"
