"""The months a KPI's chart and reading cover.

A period the viewer chose (From and To in the sidebar, or a pack's months) is the same for every KPI. The
default period is each KPI's own: the DEFAULT_MONTHS months up to that KPI's latest complete month (the
system's, from the completeness counts), and its provisional months after it. So a partial month of one
KPI moves no other KPI's chart, icon or words, and a KPI published three months later than the others
still shows three years. A recalculation in force for the scope that would leave fewer than
MIN_SEGMENT_POINTS months before it in that period takes the period back far enough to keep it, so a
recalculation the lead saved always shows in the default view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kpi.spc.limits import MIN_SEGMENT_POINTS
from kpi.words.months import add_months

DEFAULT_MONTHS = 36  # the default period: three years, enough for SPC limits


@dataclass(frozen=True)
class Window:
    """The first and last month a chart covers (None: open at that end)."""

    first: pd.Timestamp | None
    last: pd.Timestamp | None

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` (a `period` column) inside the window."""
        if self.first is None and self.last is None:
            return frame
        period = frame["period"].to_numpy()
        keep = np.ones(len(frame), dtype=bool)
        if self.first is not None:
            keep &= period >= self.first.to_datetime64()
        if self.last is not None:
            keep &= period <= self.last.to_datetime64()
        return frame if keep.all() else frame[keep]


def chosen_window(period_from: dt.date | None, period_to: dt.date | None) -> Window:
    """The period a viewer chose, the same for every KPI."""
    return Window(
        pd.Timestamp(period_from) if period_from else None, pd.Timestamp(period_to) if period_to else None
    )


def default_window(
    anchor: pd.Timestamp | None,
    newest: pd.Timestamp | None,
    recalculations: Iterable[pd.Timestamp] = (),
) -> Window:
    """A KPI's own default period: DEFAULT_MONTHS months to `anchor` (its latest complete month; the
    newest month when none is complete), then every month up to `newest` (the provisional ones), taken
    back to MIN_SEGMENT_POINTS months before any of `recalculations` that falls inside it."""
    end = anchor if anchor is not None else newest
    if end is None:
        return Window(None, None)
    first = pd.Timestamp(add_months(end.date(), -(DEFAULT_MONTHS - 1)))
    for month in sorted(recalculations):
        month = pd.Timestamp(month)
        if first < month <= end:
            first = min(first, pd.Timestamp(add_months(month.date(), -MIN_SEGMENT_POINTS)))
    last = max(end, newest) if newest is not None else end
    return Window(first, last)


def clip(frame: pd.DataFrame, windows: Window | Mapping[str, Window]) -> pd.DataFrame:
    """The rows of `frame` (kpi_code, period, ...) inside their KPI's window, or inside one window for
    every KPI; a KPI without a window keeps all its rows."""
    if isinstance(windows, Window):
        return windows.rows(frame).reset_index(drop=True)
    parts = [
        windows[cast(str, code)].rows(rows) if code in windows else rows
        for code, rows in frame.groupby("kpi_code", sort=False)
    ]
    return pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]


__all__ = ["DEFAULT_MONTHS", "Window", "chosen_window", "clip", "default_window"]
