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


def test_a_count_given_only_a_numerator_is_refused_as_one_given_both(engine):
    only_numerator = problems(engine, "2025-03,REM,,SIP_FTE,,5,")
    assert [column for column, _ in only_numerator] == ["numerator"]
    only_denominator = problems(engine, "2025-03,REM,,SIP_FTE,12,,5")
    assert [column for column, _ in only_denominator] == ["numerator"]
    assert "not a numerator" in only_denominator[0][1]


def test_an_unknown_trust_on_a_system_only_kpi_is_reported_once_as_unknown(engine):
    assert problems(engine, "2025-03,XYZ,,FUNDING_SECURED,100,,") == [
        ("trust_code", 'Unknown trust code "XYZ".')
    ]
    assert problems(engine, "2025-03,REM,,FUNDING_SECURED,100,,") == [
        (
            "trust_code",
            'FUNDING_SECURED is collected for the whole system only, not by trust (trust_code is "REM").',
        )
    ]
    assert problems(engine, "2025-03,,,FUNDING_SECURED,100,,") == []


def test_a_data_column_with_no_heading_is_named_by_its_letter(engine):
    data = "\n".join([HEADER + ",", "2025-03,REM,,SIP_FTE,12,,,7"]).encode()
    found = [(p.row, p.column, p.message) for p in prepare_import(engine, "rules.csv", data).problems]
    assert found == [(1, "(column H, no heading)", 'Unknown column "(column H, no heading)".')]


def test_a_rate_value_may_differ_from_its_parts_by_up_to_half_a_point(engine):
    # 10 / 40 = 25%: a value of 25.5 (half a point off, as rounding in a spreadsheet gives) is accepted,
    # 25.75 is not.
    assert problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,25.5,10,40") == []
    assert problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,24.5,10,40") == []
    found = problems(engine, "2025-03,REM,PHYSIO,VACANCY_RATE,25.75,10,40")
    assert [column for column, _ in found] == ["value"]
