"""kpi.words.months: the one month parser accepts each documented form and refuses just past each boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi.words.months import add_months, current_month, parse_month

MARCH = dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2025-03", MARCH),
        ("2025-3", MARCH),
        ("2025-12", dt.date(2025, 12, 1)),
        ("2025-03-01", MARCH),
        ("2025-03-31", MARCH),
        ("2025-03-31 00:00:00", MARCH),
        ("2025-03-31T00:00", MARCH),
        ("01/03/2025", MARCH),  # day first: 1 March, not 3 January
        ("1/3/2025", MARCH),
        ("31/03/2025", MARCH),
        ("29/02/2024", dt.date(2024, 2, 1)),
        ("Mar 2025", MARCH),
        ("mar 2025", MARCH),
        ("Mar. 2025", MARCH),
        ("March 2025", MARCH),
        ("MAR 2025", MARCH),
        ("MAR2025", MARCH),
        ("Mar-2025", MARCH),
        ("Feb 2025", dt.date(2025, 2, 1)),
        ("Sept 2025", dt.date(2025, 9, 1)),
        ("31-Mar-2025", MARCH),
        ("31 Mar 2025", MARCH),
        ("28-Feb-2025", dt.date(2025, 2, 1)),
        (" MARCH 2025 ", MARCH),
        ("  2025-03  ", MARCH),
        ("\t01/03/2025\n", MARCH),
    ],
)
def test_accepted_month_forms(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "2025",
        "2025-13",  # month 13
        "2025-00",
        "2025-13-01",
        "2025-03-32",  # day 32
        "2025-02-29",  # not a leap year
        "32/03/2025",
        "31/02/2025",
        "01/13/2025",
        "03/2025",
        "Febr 2025",  # not a month name
        "Marc 2025",
        "Mar-25",  # two-digit years are refused
        "Mar 25",
        "01/03/25",
        "25-03",
        "32-Mar-2025",
        "30-Feb-2025",
        "Q1 2025",
        "1899-12",
        "2025-03-01 12:00",
        "2025 03",
    ],
)
def test_refused_month_text(text):
    assert parse_month(text) is None


def test_add_months_crosses_years_both_ways():
    assert add_months(dt.date(2025, 11, 15), 2) == dt.date(2026, 1, 1)
    assert add_months(dt.date(2025, 1, 1), -1) == dt.date(2024, 12, 1)
    assert add_months(MARCH, 0) == MARCH
    assert add_months(MARCH, -24) == dt.date(2023, 3, 1)


def test_current_month_is_the_first_day():
    assert current_month(dt.date(2025, 3, 31)) == MARCH
    assert current_month().day == 1
