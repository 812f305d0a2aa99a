"""The settings a lead chooses for one chart, turned into what :func:`kpi.spc.xmr` works with: ghost
points (drawn, left out of the limits and the rules), a baseline (limits fixed on the first points of
each segment) and date-bounded targets (a target that changes from a month on).

Each entry is a 0-based position or, when the chart has dates, a date; an entry that names no point is
left out with a note rather than guessed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpi.spc.arguments import to_target
from kpi.words.formats import english_date


def _as_list(items: Any) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, (int, np.integer, str, pd.Timestamp)) and not isinstance(items, bool):
        return [items]
    return list(items)


def point_position(item: Any, dates: pd.DatetimeIndex, have_dates: bool, what: str) -> int | None:
    """The position `item` names: itself when a whole number, else the point with that date (None, when
    no point has it). Raises ValueError for anything else."""
    if isinstance(item, (bool, np.bool_)):
        raise ValueError(f"{what} entries must be positions (whole numbers) or dates, not {item!r}")
    if isinstance(item, (int, np.integer)) or (isinstance(item, float) and item.is_integer()):
        return int(item)
    if not have_dates:
        raise ValueError(f"{what} entry {item!r} is not a position, and the chart has no dates")
    try:
        when = pd.Timestamp(item)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} entry {item!r} is neither a position nor a date") from exc
    matches = np.flatnonzero(dates == when)
    return int(matches[0]) if matches.size else None


def ghost_mask(
    ghosts: Any, n: int, dates: pd.DatetimeIndex, have_dates: bool, valid: np.ndarray, notes: list[str]
) -> np.ndarray:
    """True at each ghost point that has a value; a note for every entry that names no such point, and
    one saying how many were left out of the calculations."""
    mask = np.zeros(n, dtype=bool)
    for item in _as_list(ghosts):
        pos = point_position(item, dates, have_dates, "ghosts")
        if pos is None or not 0 <= pos < n or not valid[pos]:
            notes.append(f"Ghost point {_named(item, have_dates)} ignored: no data point with a value there.")
            continue
        mask[pos] = True
    if count := int(mask.sum()):
        notes.append(
            f"{count} ghost point{'s' if count != 1 else ''} drawn but left out of the limits and the rules."
        )
    return mask


def _named(item: Any, have_dates: bool) -> str:
    if have_dates and not isinstance(item, (int, np.integer)):
        return f"at {english_date(pd.Timestamp(item), '%b %Y')}"
    return f"at index {item}"


def baseline_points(baseline: Any) -> int | None:
    """The number of points the limits are fixed on (None: all the segment's points)."""
    if baseline is None:
        return None
    if isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, (int, np.integer)) or baseline < 2:
        raise ValueError(f"baseline must be a whole number of points, 2 or more, not {baseline!r}")
    return int(baseline)


def targets_by_point(
    target: float | None, targets: Any, n: int, dates: pd.DatetimeIndex, have_dates: bool, notes: list[str]
) -> np.ndarray:
    """The target in force at each point: `target` until the first of `targets` ((from, value) pairs,
    from a position or a date), then each from its point on. NaN where there is none."""
    by_point = np.full(n, np.nan if target is None else target, dtype=float)
    starts = []
    for when, value in _as_list(targets):
        pos = point_position(when, dates, have_dates, "targets")
        if pos is None and have_dates:
            after = np.flatnonzero(dates >= pd.Timestamp(when))  # a target from a month with no point
            pos = int(after[0]) if after.size else n
        if pos is None or pos < 0:
            notes.append(f"Target from {_named(when, have_dates)} ignored: no such point.")
            continue
        starts.append((pos, to_target(value)))
    for pos, value in sorted(starts, key=lambda pair: pair[0]):
        by_point[pos:] = np.nan if value is None else value
    return by_point


__all__ = ["baseline_points", "ghost_mask", "point_position", "targets_by_point"]
