"""Writes that cost what they write, on SQLite and PostgreSQL: an import or an undo refreshes the roll-ups
and completeness counts of only the KPIs and months it touched (kpi.figures.rollups.touch), and after every
kind of write (a new month, a replaced figure, a merged trust's old code, an undo, a demo load, a reference
change) both tables equal a full rebuild."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import event, update

from kpi.figures import rollups
from kpi.ingest import apply_import, undo_batch
from kpi.ingest.dispatch import prepare_file
from kpi.seed.demo import load_demo
from kpi.store.db import session_scope
from kpi.store.models import Membership
from tests.figures.test_rollups import LEAD, stored, stored_counts

END = dt.date(2026, 9, 1)
HEADER = "period,trust_code,profession,kpi_code,value,numerator,denominator\n"


def rebuilt(engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roll-up table and the counts as they are, then as a full rebuild makes them."""
    order = ["kpi_code", "trust_code", "period"]
    now = stored(engine).sort_values(order, na_position="first", ignore_index=True), stored_counts(engine)
    with engine.begin() as conn:
        rollups.refresh(conn)
    full = stored(engine).sort_values(order, na_position="first", ignore_index=True), stored_counts(engine)
    return (now[0], full[0]), (now[1], full[1])  # type: ignore[return-value]


def assert_as_a_full_rebuild(engine) -> None:
    (table, table_full), (counts, counts_full) = rebuilt(engine)
    pd.testing.assert_frame_equal(table, table_full, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(counts, counts_full)


def imported(engine, name: str, rows: list[str], *, replace: bool = False):
    data = (HEADER + "\n".join(rows) + "\n").encode()
    result = apply_import(engine, LEAD, prepare_file(engine, name, data, channel="cli"), replace=replace)
    assert result.applied, result.message
    return result


@pytest.fixture
def demo(engine):
    load_demo(engine, end=END)
    return engine


def test_every_kind_of_write_leaves_the_tables_as_a_full_rebuild_would(demo):
    # A new month for two trusts (a provisional month), a replaced figure and a merged trust's old code.
    first = imported(demo, "october.csv", ["2026-10,REM,PHYSIO,SIP_FTE,400,,", "2026-10,RBS,OT,SIP_FTE,30,,"])
    assert_as_a_full_rebuild(demo)
    imported(demo, "fix.csv", ["2026-09,REM,PHYSIO,SIP_FTE,999,,"], replace=True)
    assert_as_a_full_rebuild(demo)
    imported(demo, "old-code.csv", ["2023-05,RVY,PHYSIO,VACANCY_RATE,,3,40"], replace=True)
    assert_as_a_full_rebuild(demo)
    undo_batch(demo, LEAD, first.batch_id)
    assert_as_a_full_rebuild(demo)


def test_a_reference_change_and_a_demo_load_rebuild_everything(demo):
    with session_scope(demo) as s:  # declares nothing: a full refresh
        s.execute(
            update(Membership).where(Membership.trust_code == "RJN").values(valid_to=dt.date(2025, 3, 31))
        )
    assert_as_a_full_rebuild(demo)
    load_demo(demo, end=END)
    assert_as_a_full_rebuild(demo)


def test_an_import_refreshes_only_its_kpis_and_months(demo):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(demo, "before_cursor_execute", seen)
    try:
        imported(demo, "october.csv", ["2026-10,REM,PHYSIO,SIP_FTE,400,,"])
    finally:
        event.remove(demo, "before_cursor_execute", seen)
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE FROM ROLLUP_TRUST_MONTHS")]
    assert deletes and all("WHERE" in s.upper() for s in deletes), "no delete of the whole table"
    counts = [s for s in statements if s.lstrip().upper().startswith("DELETE FROM ROLLUP_MONTH_COUNTS")]
    assert counts and all("WHERE" in s.upper() for s in counts)
    assert_as_a_full_rebuild(demo)
