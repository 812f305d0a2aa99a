"""Numbers and changes as people read them."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi.reference.catalogue import KPI
from kpi.words.formats import (
    change_reading,
    financial_year,
    format_change,
    format_target,
    format_value,
    month_label,
)


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (7.456, "%", 1, "7.5%"),
        (1234.56, "FTE", 1, "1,234.6 FTE"),
        (312, "people", 0, "312 people"),
        (12300.4, "GBP", 0, "£12,300"),
        (None, "%", 1, "–"),
        (float("nan"), "%", 1, "–"),
        (12.857, "%", 1, "12.9%"),
        (12.857, "%", 2, "12.86%"),
        (-1200, "GBP", 0, "-£1,200"),
        (-1200, "£", None, "-£1,200"),
        (42, "", 0, "42"),
    ],
)
def test_format_value(value, unit, decimals, expected):
    assert format_value(value, unit, decimals) == expected


def test_changes_use_points_for_percentages():
    assert format_change(0.4, "%", 1) == "+0.4 pts"
    assert format_change(-12, "FTE", 1) == "-12.0 FTE"
    assert format_change(1200, "GBP", 0) == "+£1,200"
    assert format_target(7.5, "%") == "7.5%" and format_target(100, "%") == "100%"


@pytest.mark.parametrize(
    ("delta", "improvement", "expected"),
    [(1.0, "up", "better"), (-1.0, "up", "worse"), (1.0, "down", "worse"), (-1.0, "down", "better"),
     (1.0, "neither", "higher"), (0.04, "down", "no change"), (None, "up", "")],
)  # fmt: skip
def test_change_reading_respects_the_direction(delta, improvement, expected):
    assert change_reading(delta, improvement, 1) == expected


def test_uk_month_and_financial_year():
    assert month_label(dt.date(2026, 11, 1)) == "Nov 2026"
    assert financial_year(dt.date(2025, 3, 1)) == "2024/25"
    assert financial_year(dt.date(2025, 4, 1)) == "2025/26"


def _kpi(name: str, unit: str) -> KPI:
    return KPI(code="X", name=name, workstream_code="PLAN", unit=unit, improvement="up",
               catalogue_target=None, rollup="sum", decimals=1)  # fmt: skip


def test_title_says_the_unit_once():
    assert _kpi("AHP staff in post (headcount)", "people").title_with_unit == "AHP staff in post (headcount)"
    assert _kpi("AHP staff in post (FTE)", "FTE").title_with_unit == "AHP staff in post (FTE)"
    assert _kpi("AHP support workforce (bands 2-4)", "FTE").title_with_unit == (
        "AHP support workforce (bands 2-4) (FTE)"
    )
    assert _kpi("Advanced and consultant practitioners", "people").title_with_unit == (
        "Advanced and consultant practitioners (people)"
    )
    assert _kpi("External funding secured", "GBP").title_with_unit == "External funding secured (£)"
    # The proxies say their unit once: never "(FTE, proxy) (FTE)".
    proxy = "Staff in post (FTE), ST&T staff group (proxy)"
    assert _kpi(proxy, "FTE").title_with_unit == proxy


def test_name_in_a_sentence_keeps_abbreviations():
    assert _kpi("AHP staff in post (FTE)", "FTE").name_in_sentence == "AHP staff in post (FTE)"
    assert _kpi("BME share of AHPs at band 7 and above", "%").name_in_sentence.startswith("BME share")
    assert _kpi("Vacancy rate", "%").name_in_sentence == "vacancy rate"
    assert _kpi("A", "%").name_in_sentence == "a"
