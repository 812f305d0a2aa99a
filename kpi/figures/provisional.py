"""Provisional months as the board reads them: a month too few of the expected trusts have reported
(kpi.figures.completeness decides which; kpi_series marks it `provisional`, with `contributors` reporting of
`expected`) is drawn hollow on charts and never becomes the "latest" figure of a card, summary, scorecard,
board pack or export, unless the user asks for provisional months. These helpers say which rows count and
put the state in words. Pure pandas, no Streamlit.
"""

from __future__ import annotations

import pandas as pd

from kpi.words.formats import month_label

LEGEND = "Provisional month (hollow)"  # the legend entry of hollow points on every chart
CHART_NOTE = "Hollow points are provisional months: too few of the expected trusts have reported yet."
SPC_EXCLUDED_NOTE = (
    "Hollow grey points are provisional months (too few of the expected trusts have reported): they are "
    "left out of the mean, the limits and the signals."
)
SPC_INCLUDED_NOTE = (
    "Hollow points are provisional months (too few of the expected trusts have reported), included in "
    "the mean, the limits and the signals as asked."
)


def flags(rows: pd.DataFrame) -> pd.Series:
    """Each row's provisional flag (all False for a frame without the column)."""
    if "provisional" not in rows:
        return pd.Series(False, index=rows.index, dtype=bool)
    return rows["provisional"].fillna(False).astype(bool)


def used(rows: pd.DataFrame, include: bool) -> pd.DataFrame:
    """The rows headline figures and SPC calculations use: every row when `include`, else the
    complete months only."""
    if include:
        return rows
    marks = flags(rows)
    return rows if not marks.any() else rows[~marks]


def reported_words(reported: object, expected: object) -> str:
    """'2 of 15 trusts reported' ('1 of 1 trust reported')."""
    # counts from a frame (int, float or NaN); int() is typed for numbers and text, not object
    count = int(expected) if pd.notna(expected) else 0  # type: ignore[call-overload]
    got = int(reported) if pd.notna(reported) else 0  # type: ignore[call-overload]
    return f"{got} of {count} {'trust' if count == 1 else 'trusts'} reported"


def hover_words(reported: object, expected: object) -> str:
    """What hovering a provisional point says: 'provisional: 2 of 15 expected trusts reported'."""
    return "provisional: " + reported_words(reported, expected).replace(" trust", " expected trust", 1)


def pending(rows: pd.DataFrame) -> pd.DataFrame:
    """The provisional months newer than the newest complete one (all of them when none is complete),
    oldest first: what a headline leaves out and says it leaves out."""
    if not flags(rows).any():
        return rows.iloc[0:0]
    ordered = rows.sort_values("period")
    marks = flags(ordered)
    complete = ordered.loc[~marks, "period"]
    newer = ordered["period"] > complete.max() if not complete.empty else pd.Series(True, index=ordered.index)
    return ordered[marks & newer]


def line(rows: pd.DataFrame, *, included: bool = False) -> str:
    """A headline's line about provisional months, from provisional rows (period, contributors,
    expected), oldest first: 'Nov 2026 provisional: 2 of 15 trusts reported'; when the headline
    uses the month (`included`), 'Nov 2026 (provisional): 2 of 15 trusts reported'; for several
    months, 'Oct 2026 to Nov 2026 provisional (Nov 2026: 2 of 15 trusts reported)'. '' for none."""
    if rows.empty:
        return ""
    newest = rows.iloc[-1]
    words = reported_words(newest["contributors"], newest["expected"])
    month = month_label(newest["period"])
    if len(rows) > 1:
        return f"{month_label(rows['period'].iloc[0])} to {month} provisional ({month}: {words})"
    return f"{month} (provisional): {words}" if included else f"{month} provisional: {words}"


def headline_line(rows: pd.DataFrame, include: bool) -> str:
    """The line under a headline figure taken from `rows` (one scope and KPI, any order): with
    provisional months included and the newest provisional, that it is; otherwise the provisional
    months the figure leaves out; '' when every month is complete."""
    if rows.empty:
        return ""
    if include:
        newest = rows.sort_values("period").tail(1)
        return line(newest, included=True) if bool(flags(newest).iloc[0]) else ""
    return line(pending(rows))


def month_words(period: pd.Timestamp, provisional: bool) -> str:
    """'Nov 2026', or 'Nov 2026 (provisional)' for a provisional month."""
    return f"{month_label(period)} (provisional)" if provisional else month_label(period)
