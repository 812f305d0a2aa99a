"""Validation rules on both sides of their boundary, each named after its rule, so that a `>` turned
into `>=` (or back) fails a test. Files in the template layout, checked by the real import path."""

from __future__ import annotations

from sqlalchemy import text

from kpi.ingest import TEMPLATE_COLUMNS, prepare_import

HEADER = ",".join(TEMPLATE_COLUMNS)  # period, trust_code, profession, kpi_code, value, numerator, denominator


def problems(engine, *rows: str) -> list[tuple[str, str]]:
    data = "\n".join([HEADER, *rows]).encode()
    return [(p.column, p.message) for p in prepare_import(engine, "rules.csv", data).problems]


def test_a_percentage_numerator_may_equal_its_denominator_but_not_exceed_it(engine):
    assert problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,,40,40") == []  # 100%: allowed
    found = problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,,41,40")
    assert [column for column, _ in found] == ["numerator"]


def test_a_rate_may_reach_the_kpi_maximum_but_not_pass_it(engine):
    with (
        engine.begin() as conn
    ):  # a rate KPI whose maximum is below 100%, to test it apart from the 100% rule
        conn.execute(text("UPDATE kpi_definitions SET max_value = 50 WHERE code = 'VACANCY_RATE'"))
    assert problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,,20,40") == []  # exactly 50%
    found = problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,,21,40")  # 52.5%
    assert found == [
        ("numerator", 'The rate 52.5 worked out from "21" / "40" is above the maximum for VACANCY_RATE.')
    ]


def test_a_count_may_reach_the_kpi_maximum_but_not_pass_it(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE kpi_definitions SET max_value = 5000 WHERE code = 'SIP_FTE'"))
    assert problems(engine, "2025-03,REM,PHYSIO,SIP_FTE,5000,,") == []
    found = problems(engine, "2025-03,REM,PHYSIO,SIP_FTE,5000.5,,")
    assert [column for column, _ in found] == ["value"]
