"""Making Data Count XmR statistical process control (SPC) engine.

Pure Python (numpy and pandas only): no Streamlit or plotting here. The rules follow NHS England's
"Making Data Count" SPC tools (SQL query v2.6) and the NHS-R community package NHSRplotthedots,
with the project decisions recorded in the domain reference (section 7). Where the two references
differ, the choice made is stated in the docstring or comment of the helper concerned.

The package, by job:

* :mod:`kpi.spc.xmr`: the entry point :func:`xmr` (the chart, point colours, variation and assurance
  icons). XmR rules assume each point is a separate period: a 12-month rolling or year-to-date figure
  (``accumulation``) is returned as a plain trend, without limits, signals or icons.
* :mod:`kpi.spc.limits`, :mod:`kpi.spc.rules`, :mod:`kpi.spc.assurance`: the maths as small pure
  functions that mirror NHSRplotthedots' ``ptd_*`` functions and can be tested alone.
* :mod:`kpi.spc.segments` (recalculation points), :mod:`kpi.spc.arguments` (argument checks),
  :mod:`kpi.spc.result` (:class:`SPCResult`), :mod:`kpi.spc.codes` (icon and accumulation codes).
* :mod:`kpi.spc.words`: labels and :func:`describe`, one plain-English sentence for a board member.
* :mod:`kpi.spc.style`: the Making Data Count colours.

May import kpi.words only: the engine knows nothing of the database or the pages.
"""

from __future__ import annotations

from kpi.spc.assurance import assurance_type
from kpi.spc.codes import ACCUMULATIONS, ASSURANCE_CODES, VARIATION_CODES
from kpi.spc.limits import (
    LIMIT_FACTOR,
    MIN_SEGMENT_POINTS,
    MR_OUTLIER_FACTOR,
    TWO_SIGMA_FACTOR,
    Limits,
    mean_moving_range,
    moving_ranges,
    process_limits,
)
from kpi.spc.result import SPCResult
from kpi.spc.rules import (
    classify_points,
    points_outside_limits,
    relative_to_mean,
    shift_runs,
    trend_runs,
    two_in_three,
    variation_type,
)
from kpi.spc.style import (
    ASSURANCE_COLOURS,
    COLOUR_COMMON_CAUSE,
    COLOUR_CONCERN,
    COLOUR_CONCERN_TEXT,
    COLOUR_IMPROVEMENT,
    COLOUR_MEAN,
    COLOUR_NEITHER,
    COLOUR_TARGET,
    POINT_TYPE_COLOURS,
    VARIATION_COLOURS,
)
from kpi.spc.words import (
    ACCUMULATION_LABELS,
    ASSURANCE_LABELS,
    POINT_TYPE_LABELS,
    VARIATION_LABELS,
    describe,
)
from kpi.spc.xmr import xmr

__all__ = [
    "ACCUMULATIONS",
    "ACCUMULATION_LABELS",
    "ASSURANCE_CODES",
    "ASSURANCE_COLOURS",
    "ASSURANCE_LABELS",
    "COLOUR_COMMON_CAUSE",
    "COLOUR_CONCERN",
    "COLOUR_CONCERN_TEXT",
    "COLOUR_IMPROVEMENT",
    "COLOUR_MEAN",
    "COLOUR_NEITHER",
    "COLOUR_TARGET",
    "LIMIT_FACTOR",
    "MIN_SEGMENT_POINTS",
    "MR_OUTLIER_FACTOR",
    "POINT_TYPE_COLOURS",
    "POINT_TYPE_LABELS",
    "TWO_SIGMA_FACTOR",
    "VARIATION_CODES",
    "VARIATION_COLOURS",
    "VARIATION_LABELS",
    "Limits",
    "SPCResult",
    "assurance_type",
    "classify_points",
    "describe",
    "mean_moving_range",
    "moving_ranges",
    "points_outside_limits",
    "process_limits",
    "relative_to_mean",
    "shift_runs",
    "trend_runs",
    "two_in_three",
    "variation_type",
    "xmr",
]
