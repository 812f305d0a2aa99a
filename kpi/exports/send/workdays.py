"""Working days in England: Monday to Friday except the bank holidays of England and Wales listed in
data/reference/bank_holidays.csv (2025 to 2028, each with its source; add the next years there when
GOV.UK publishes them). `send --only-on-working-day 10` uses this so that a job run every weekday
sends on the 10th working day of the month and does nothing on the others."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

BANK_HOLIDAYS = Path(__file__).resolve().parents[3] / "data" / "reference" / "bank_holidays.csv"


class CalendarError(ValueError):
    """The bank-holiday list does not cover the month asked about."""


@cache
def bank_holidays(path: Path = BANK_HOLIDAYS) -> frozenset[dt.date]:
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(dt.date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


def _covered_years(holidays: frozenset[dt.date]) -> set[int]:
    return {day.year for day in holidays}


def is_working_day(day: dt.date, holidays: frozenset[dt.date] | None = None) -> bool:
    days_off = bank_holidays() if holidays is None else holidays
    return day.weekday() < 5 and day not in days_off


def nth_working_day(year: int, month: int, n: int, holidays: frozenset[dt.date] | None = None) -> dt.date:
    """The n-th working day (1 = the first) of the month. CalendarError for a year the list does not
    cover: a wrong guess would send on the wrong day."""
    days_off = bank_holidays() if holidays is None else holidays
    if year not in _covered_years(days_off):
        raise CalendarError(
            f"data/reference/bank_holidays.csv has no bank holidays for {year}: add that year's (GOV.UK) "
            "before scheduling by working day."
        )
    if not 1 <= n <= 20:
        raise CalendarError(f"A month has at least 20 working days; {n} is not between 1 and 20.")
    day, count = dt.date(year, month, 1), 0
    while True:
        if is_working_day(day, days_off):
            count += 1
            if count == n:
                return day
        day += dt.timedelta(days=1)


def is_nth_working_day(day: dt.date, n: int, holidays: frozenset[dt.date] | None = None) -> bool:
    return nth_working_day(day.year, day.month, n, holidays) == day


__all__ = ["BANK_HOLIDAYS", "CalendarError", "bank_holidays", "is_nth_working_day", "is_working_day",
           "nth_working_day"]  # fmt: skip
