"""The outcome of :func:`kpi.spc.xmr`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpi.spc.words import ASSURANCE_LABELS, VARIATION_LABELS, trend_label


@dataclass(frozen=True, eq=False)
class SPCResult:
    """The outcome of :func:`xmr`.

    ``points`` has one row per input value, in input order, with the columns ``value``, ``date``,
    ``segment``, ``mean``, ``lpl``, ``upl``, ``lower_two_sigma``, ``upper_two_sigma``, ``moving_range``,
    ``mr_screened_out``, the rule flags (``outside_limits``, ``shift``, ``trend``, ``two_in_three``, each
    also split by side, e.g. ``shift_high``/``shift_low``, ``trend_high`` = rising, ``trend_low`` = falling),
    ``high_signal``/``low_signal`` (any rule on that side), ``special_cause``, ``point_type`` and
    ``signal_side``, ``ghost`` (drawn, left out of the calculations; point type "ghost"), ``baseline``
    (the points the limits were fixed on) and ``target`` (the target in force at each point, NaN where
    none). Missing inputs come back with a NaN value and ``point_type`` None.
    ``mean``/``lpl``/``upl`` are the last segment's values (NaN when not computed).

    ``chart_type`` is "xmr", "run" (too few points: mean only, no icons) or "trend" (an accumulating
    figure, see ``accumulation``: no mean, no limits, no point types, no icons).
    ``assurance`` is read from the target in force at the latest point against the latest limits only
    (NHS England's SQL v2.5), even when the latest points lie beyond a limit.
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
    baseline: int | None = None  # the limits of each segment fixed on its first `baseline` points

    @property
    def n_points(self) -> int:
        """Number of non-missing values used (ghost points are drawn, not used)."""
        return int((self.points["value"].notna() & ~self.points["ghost"]).sum())

    @property
    def variation_label(self) -> str:
        """Plain-English label of the variation icon (alt text), or why there is none."""
        if self.chart_type == "trend":
            return f"No variation icon: {trend_label(self.accumulation)}"
        return VARIATION_LABELS[self.variation]

    @property
    def assurance_label(self) -> str:
        """Plain-English label of the assurance icon (alt text), or why there is none."""
        if self.chart_type == "trend":
            return f"No assurance icon: {trend_label(self.accumulation)}"
        return ASSURANCE_LABELS[self.assurance]
