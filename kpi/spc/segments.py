"""Where a rebased (recalculated) chart starts each segment, with a note for every point refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpi.spc.limits import MIN_SEGMENT_POINTS
from kpi.spc.words import point_name
from kpi.words.formats import english_date


def resolve_recalculation(
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
                    f"Recalculation at {english_date(when, '%d %b %Y')} ignored: no data point has that date."
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


def accept_segment_starts(
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
                f"Limits not recalculated at index {pos} ({point_name(pos, dates)}): each segment needs at "
                f"least {MIN_SEGMENT_POINTS} data points, but this would leave {before} before it and "
                f"{after} from it on."
            )
    return starts, notes
