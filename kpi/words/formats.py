"""How numbers, months and changes are written for people: UK conventions, units, and the
better/worse reading of a change that respects each KPI's improvement direction."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from kpi.words.months import month_of_key

#: The words for "which direction is better", by improvement direction: the one place they are written.
DIRECTION_WORDS: dict[str, str] = {
    "up": "Higher is better",
    "down": "Lower is better",
    "neither": "Neither direction is better",
}


def direction_words(improvement: str) -> str:
    """'Higher is better', 'Lower is better', 'Neither direction is better'; '' for an unknown one."""
    return DIRECTION_WORDS.get(improvement, "")


def format_value(value: float | None, unit: str = "", decimals: int | None = 1) -> str:
    """The one way a value is written: 7.4%, 1,234.5 FTE, 312 people, £12,300, -£1,200; an en dash
    for no value.

    "%" attaches without a space; "GBP" (or "£") is money, whole pounds; any other unit follows after a
    space, no unit gives the bare number. ``decimals`` None writes as many decimals as the value needs,
    up to 2 (4 below 1), trailing zeros dropped, and money in pence when not whole (the SPC sentences:
    "7.5%", "85%", "£1,234.50").
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    v = float(value)
    u = (unit or "").strip()
    if u.upper() in ("£", "GBP"):
        amount = abs(v)
        whole = decimals is not None or round(amount, 2).is_integer()
        text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
        return f"{'-' if v < 0 and text.strip('0,.') else ''}£{text}"
    text = _number(v, decimals)
    if not u:
        return text
    if u == "%":
        return f"{text}%"
    return f"{text} {u}"


def _number(v: float, decimals: int | None) -> str:
    if decimals is not None:
        return f"{v:,.{decimals}f}"
    text = f"{v:,.{2 if abs(v) >= 1 or v == 0 else 4}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_target(target: float | None, unit: str) -> str:
    """A target as people write it: 7.5%, 100%, 95%."""
    if target is None:
        return ""
    decimals = 0 if float(target).is_integer() else 1
    return format_value(target, unit, decimals)


def format_change(delta: float | None, unit: str, decimals: int = 1) -> str:
    """+0.4 pts, -12.0 FTE, +£1,200 (percentage-point changes say "pts")."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return "–"
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    size = abs(delta)
    if unit == "%":
        return f"{sign}{size:,.{decimals}f} pts"
    if unit == "GBP":
        return f"{sign}£{size:,.0f}"
    return f"{sign}{size:,.{decimals}f} {unit}"


def change_reading(delta: float | None, improvement: str, decimals: int = 1) -> str:
    """'better', 'worse', 'no change' or 'change' (for KPIs where neither direction is better);
    a change that rounds to zero at the KPI's precision is 'no change'."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return ""
    if round(delta, decimals) == 0:
        return "no change"
    if improvement == "neither":
        return "higher" if delta > 0 else "lower"
    up = delta > 0
    return "better" if up == (improvement == "up") else "worse"


MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def english_date(when: Any, fmt: str) -> str:
    """strftime with English month names whatever the server's locale (%b "Mar", %B "March"): the one
    date formatter every label goes through."""
    stamp = pd.Timestamp(when)
    fmt = fmt.replace("%b", MONTH_ABBREVIATIONS[stamp.month - 1]).replace("%B", MONTH_NAMES[stamp.month - 1])
    return stamp.strftime(fmt)


def month_label(period: dt.date | pd.Timestamp | str | None) -> str:
    """'Oct 2026' (any language setting); a month key such as '2026-10' reads as its month."""
    if isinstance(period, str):
        return month_label(month_of_key(period))
    return "–" if period is None or pd.isna(period) else english_date(period, "%b %Y")


UK_TIME = "Europe/London"


def uk_time(moment: dt.datetime) -> dt.datetime:
    """`moment` in UK time (a naive moment is UTC); UTC when there is no time zone database."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(ZoneInfo(UK_TIME))
    except Exception:  # no time zone database: say UTC
        return moment.astimezone(dt.UTC)


def uk_day(moment: dt.datetime | None) -> str:
    """'3 Dec 2026': the day of `moment` in UK time ('' for None)."""
    if moment is None:
        return ""
    local = uk_time(moment)
    return f"{local.day} {english_date(local, '%b %Y')}"


def uk_date(day: dt.date | pd.Timestamp | None) -> str:
    """'23/11/2026'."""
    return "–" if day is None or pd.isna(day) else f"{pd.Timestamp(day):%d/%m/%Y}"


def financial_year(period: dt.date | pd.Timestamp) -> str:
    """'2024/25' for any month from April 2024 to March 2025."""
    stamp = pd.Timestamp(period)
    start = stamp.year if stamp.month >= 4 else stamp.year - 1
    return f"{start}/{str(start + 1)[-2:]}"


def month_key(period: dt.date | pd.Timestamp) -> str:
    """'2026-10', the month as it appears in URLs and file names."""
    return f"{pd.Timestamp(period):%Y-%m}"
