"""Whether a lead's chart setting can take effect, checked when it is saved (in the app and from the
command line): a recalculation or a baseline that the engine would refuse, or a ghost on a month without
a point, is refused with why and what would work, so no reading ever names a setting that changed
nothing. Pure: the months with a complete figure come in as dates."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kpi.spc.limits import MIN_SEGMENT_POINTS
from kpi.words.formats import english_date


def _month(when: pd.Timestamp) -> str:
    return english_date(when, "%b %Y")


def _span(months: pd.DatetimeIndex) -> str:
    return f"from {_month(months.min())} to {_month(months.max())}" if len(months) else "none yet"


def _more(count: int) -> str:
    return "1 more month is in" if count == 1 else f"{count} more months are in"


def recalculation_problem(
    month: pd.Timestamp, months: pd.DatetimeIndex, earlier: Iterable[pd.Timestamp] = ()
) -> str | None:
    """Why limits cannot be recalculated from `month` given the `months` with a complete figure and the
    `earlier` recalculations in force; None when they can. Each part of the chart needs
    MIN_SEGMENT_POINTS months."""
    months = pd.DatetimeIndex(sorted(set(months)))
    if month not in months:
        return (
            f"There is no complete month of data for {_month(month)}: a recalculation starts at a month "
            f"with data (complete months run {_span(months)})."
        )
    after = int((months >= month).sum())
    if after < MIN_SEGMENT_POINTS:
        latest_ok = months[-MIN_SEGMENT_POINTS] if len(months) >= MIN_SEGMENT_POINTS else None
        instead = f"; {_month(latest_ok)} or earlier would work now" if latest_ok is not None else ""
        return (
            f"A recalculation needs at least {MIN_SEGMENT_POINTS} months after it; {_month(month)} has "
            f"{after} (to {_month(months.max())}){instead}, or save it once "
            f"{_more(MIN_SEGMENT_POINTS - after)}."
        )
    previous = max((when for when in earlier if when < month), default=None)
    since = months[months >= previous] if previous is not None else months
    before = int((since < month).sum())
    if before < MIN_SEGMENT_POINTS:
        start = f"the recalculation from {_month(previous)}" if previous is not None else "the first month"
        return (
            f"A recalculation needs at least {MIN_SEGMENT_POINTS} months before it, counted from {start}; "
            f"{_month(month)} has {before}."
        )
    return None


def ghost_problem(
    month: pd.Timestamp, months: pd.DatetimeIndex, ghosts: Iterable[pd.Timestamp] = ()
) -> str | None:
    """Why `month` cannot be a ghost point: no figure that month, or it would leave fewer than two months
    for the chart to read; None when it can."""
    months = pd.DatetimeIndex(sorted(set(months)))
    if month not in months:
        return (
            f"There is no complete month of data for {_month(month)} to ghost (complete months run "
            f"{_span(months)})."
        )
    left = len(set(months) - {*ghosts, month})
    if left < 2:
        return (
            f"Ghosting {_month(month)} would leave {left} month{'s' if left != 1 else ''} for the chart to "
            "read; it needs 2."
        )
    return None


def baseline_problem(points: int, months: pd.DatetimeIndex) -> str | None:
    """Why limits cannot be fixed on the first `points` months: there are not more months than that (the
    baseline fixes the limits that later months are read against); None when they can."""
    count = len(set(months))
    if points >= count:
        return (
            f"A baseline of {points} months needs more than {points} complete months, so that later months "
            f"are read against it; there are {count}."
        )
    return None


__all__ = ["baseline_problem", "ghost_problem", "recalculation_problem"]
