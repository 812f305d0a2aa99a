"""Months: the one parser of month text for the whole project, and month arithmetic.

`parse_month` reads every way a month is written in the files and links the dashboard accepts:

    2025-03                      ISO month (the month may be one digit: 2025-3)
    2025-03-01, 2025-03-31       ISO date; any real day stands for its month (a midnight time may follow)
    01/03/2025, 1/3/2025         UK date, day first ("00:00" may follow)
    Mar 2025, March 2025         month name or abbreviation, any case, "." after it allowed, space or hyphen
    MAR2025, Mar-2025            (as NHS Digital writes them: no separator or a hyphen)
    31-Jan-2025, 31 Jan 2025     day, month name and year (NHS Digital); the day must exist in that month

Leading and trailing spaces are ignored. Anything else is None, never guessed: two-digit years (Mar-25),
month 13, day 32 or 31/02, "Febr 2025", quarters, years before 1900.
"""

from __future__ import annotations

import datetime as dt
import re

_NAMES: tuple[tuple[str, ...], ...] = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
MONTH_NUMBERS: dict[str, int] = {
    name: number for number, names in enumerate(_NAMES, start=1) for name in names
}

_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_ISO_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})")
_ISO_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _MIDNIGHT)
_UK_DATE = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})" + _MIDNIGHT)
_NAMED_MONTH = re.compile(r"(?P<name>[A-Za-z]+)\.?[\s-]*(?P<year>\d{4})")
_DAY_NAMED_MONTH = re.compile(r"(?P<day>\d{1,2})[\s-](?P<name>[A-Za-z]+)\.?[\s-](?P<year>\d{4})")
_FORMS = (_ISO_MONTH, _ISO_DATE, _UK_DATE, _NAMED_MONTH, _DAY_NAMED_MONTH)

# How the forms are described to a user (the template, its guide and every problem about a period).
PERIOD_FORMATS_TEXT = "2025-03, 2025-03-01, 01/03/2025 (day first), Mar 2025 or March 2025"


def parse_month(text: str | None) -> dt.date | None:
    """The first day of the month `text` names, or None when it is not one of the accepted forms
    (see the module's docstring). A day, when given, must exist: 31/02/2025 is None."""
    value = (text or "").strip()
    match = next((m for form in _FORMS if (m := form.fullmatch(value))), None)
    if match is None:
        return None
    parts = match.groupdict()
    month = MONTH_NUMBERS.get(parts["name"].lower()) if "name" in parts else int(parts["month"])
    year, day = int(parts["year"]), int(parts.get("day") or 1)
    if month is None or year < 1900:
        return None
    try:
        dt.date(year, month, day)  # rejects 31/02/2025, day 32 and month 13
    except ValueError:
        return None
    return dt.date(year, month, 1)


def month_of_key(key: str) -> dt.date:
    """The first day of the month `key` names, for a month the app wrote itself ('2026-10', as
    kpi.words.formats.month_key writes it, in a widget's options or a URL the app checked): parse_month's
    rule, and a ValueError (a bug, never a user's slip) when it names none."""
    month = parse_month(key)
    if month is None:
        raise ValueError(f"not a month: {key!r}")
    return month


def current_month(today: dt.date | None = None) -> dt.date:
    """The first day of this month (of `today`'s month when given)."""
    return (today or dt.date.today()).replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or, negative, before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


__all__ = ["MONTH_NUMBERS", "PERIOD_FORMATS_TEXT", "add_months", "current_month", "parse_month"]
