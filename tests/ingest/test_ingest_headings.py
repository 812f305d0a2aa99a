"""A file's headings: two headings that name the same template column (`value` and `Value`, `trust_code`
and `Trust Code`) are refused, naming the repeat, and nothing is written; the same file with one of
them imports. A file of headings and no rows is refused as such, with no rows counted."""

from __future__ import annotations

from sqlalchemy import func, select

from kpi.access.auth import User
from kpi.ingest import TEMPLATE_COLUMNS, apply_import, prepare_import
from kpi.ingest.checks import columns_are_known_and_unique
from kpi.store.models import Observation

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
HEADER = ",".join(TEMPLATE_COLUMNS)


def observations(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Observation)).scalar_one()


def test_value_and_Value_headings_are_refused_naming_both_and_nothing_is_written(engine):
    data = f"{HEADER},Value\n2025-04,REM,PHYSIO,SIP_FTE,100,,,999\n".encode()
    preview = prepare_import(engine, "twice.csv", data)
    assert not preview.ok
    problems = [(p.row, p.column, p.message) for p in preview.problems]
    assert problems == [(1, "Value", 'The column "value" appears more than once.')]
    result = apply_import(engine, LEAD, preview, replace=True)
    assert not result.applied
    assert observations(engine) == 0


def test_a_heading_written_another_way_counts_as_the_same_column():
    columns, problems = columns_are_known_and_unique(["period", "Trust Code", "trust_code", "value"])
    assert columns == {"period": "period", "trust_code": "Trust Code", "value": "value"}
    assert [(p.column, p.message) for p in problems] == [
        ("trust_code", 'The column "trust_code" appears more than once.')
    ]


def test_the_same_file_with_one_value_heading_imports(engine):
    data = f"{HEADER}\n2025-04,REM,PHYSIO,SIP_FTE,100,,\n".encode()
    preview = prepare_import(engine, "once.csv", data)
    assert preview.ok, preview.problems
    assert apply_import(engine, LEAD, preview, replace=True).applied
    assert observations(engine) == 1


def test_a_file_with_headings_and_no_rows_is_refused_as_having_no_data_rows(engine):
    preview = prepare_import(engine, "empty.csv", f"{HEADER}\n".encode())
    assert not preview.ok
    assert [(p.row, p.column, p.message) for p in preview.problems] == [
        (None, None, "The file has a header row but no data rows.")
    ]
    assert preview.rows_in_file == 0
    assert preview.rows_added == preview.rows_changed == preview.rows_skipped == 0
