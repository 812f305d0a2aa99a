"""The SPC method in words, with the version of NHS England's rules it follows: what the KPI definitions
page and the README say about how every chart is read. One source, built from the engine's own settings,
so the words cannot drift from the code."""

from __future__ import annotations

from kpi.spc.limits import LIMIT_FACTOR, MIN_SEGMENT_POINTS, MR_OUTLIER_FACTOR
from kpi.spc.suggestions import LEVEL_SLOPE_SHARE, LINE_SHARE, SUSTAINED_RUN

RULE_SET = "NHS England's Making Data Count SPC rules, as its SPC charts SQL query (v2.5) applies them"
SHIFT_POINTS = 7  # kpi.spc.xmr's defaults
TREND_POINTS = 7
MIN_POINTS = 15


def method() -> list[tuple[str, str]]:
    """(heading, text) pairs in reading order."""
    return [
        (
            "Rule set",
            f"{RULE_SET}. Each KPI is an XmR chart: the mean, and process limits at the mean ± "
            f"{LIMIT_FACTOR} × the average moving range; moving ranges are not screened for outliers "
            f"(the option exists, off as in NHS England's tools; screening drops ranges above "
            f"{MR_OUTLIER_FACTOR} × the average).",
        ),
        (
            "Special cause rules",
            f"A point beyond a process limit; a shift of {SHIFT_POINTS} or more points in a row on one side "
            f"of the mean; a trend of {TREND_POINTS} or more points each rising (or each falling), read "
            "across recalculations as NHS England's query does; two of three points beyond the same "
            "two-sigma line, all three on one side of the mean (points beyond the limits count, as in "
            "v2.6 of the query). Where a point is both improvement and concern, the KPI's conflict rule "
            "decides (concern unless the catalogue says otherwise).",
        ),
        (
            "Icons",
            f"With fewer than {MIN_POINTS} months a chart is a run chart with no icons. The variation icon "
            "reads the latest month. The assurance icon reads the target in force at the latest month "
            "against the latest process limits only: up is better, a target at or below the lower limit "
            "is consistently passed, at or above the upper limit consistently failed, otherwise hit and "
            "miss; mirrored when lower is better. It is given even when the latest months lie beyond a "
            "limit; the reading then suggests recalculating.",
        ),
        (
            "Recalculating the limits",
            f"A recalculation starts a new segment with its own mean and limits; each segment needs at "
            f"least {MIN_SEGMENT_POINTS} months, and a recalculation that could not leave that many is "
            "refused when it is saved, saying why. A ghost month is drawn but left out of the limits and "
            "rules; a baseline fixes each segment's limits on its first months; a target from a month "
            "replaces the catalogue's from then on, for that scope only.",
        ),
        (
            "Suggested recalculations",
            f"Suggested, never applied, only for a step: the latest {SUSTAINED_RUN} or more months on one "
            f"side of the mean, starting at least {MIN_SEGMENT_POINTS} months into the segment; two levels "
            f"leaving at most {LINE_SHARE:.0%} of the squared error of a straight line through the "
            f"segment; a new level that is flat (a line through it explains less than "
            f"{LEVEL_SLOPE_SHARE:.0%} of its variance); and no trend still running. The month suggested is "
            "where the latest level began. A steadily growing count is a trend, not a step, and gets no "
            "suggestion. A confirmed merger or membership change that took in or lost staff, with "
            f"{MIN_SEGMENT_POINTS} months each side and a step in the data there, is suggested too.",
        ),
        (
            "Period",
            "Unless a period is chosen, each KPI shows its own latest 36 complete months (and any "
            "provisional months after them, drawn hollow): a partial month of one KPI moves no other "
            "KPI's chart. A 12-month rolling or year-to-date figure (leaver rate, stability index, "
            "funding utilised) is shown as a trend without the SPC rules.",
        ),
    ]


__all__ = ["MIN_POINTS", "RULE_SET", "SHIFT_POINTS", "TREND_POINTS", "method"]
