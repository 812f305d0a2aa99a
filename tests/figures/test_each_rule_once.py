"""Each rule once: the merger rule (kpi.reference.membership.merger_of) gives the same trusts to the
roll-ups, the
completeness counts (raw and stored) and the submissions grid; one scope resolver for the report and
the plan; one month parser and locale-free formatter; one code cleaner; the undo rule on the page and
in the database agree. On SQLite and PostgreSQL (when KPI_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import datetime as dt
import locale

import pandas as pd
import pytest
from sqlalchemy import update

from kpi.access.auth import User
from kpi.exports.board_pack import resolve_scope as report_scope
from kpi.figures import queries, rollups, submissions
from kpi.figures.queries import KPIFilter
from kpi.figures.scopes import named_scope
from kpi.ingest import UndoRefused, undo_batch
from kpi.plan.inputs import resolve_scope as plan_scope
from kpi.plan.model import UnknownName
from kpi.store import batches
from kpi.store.models import ImportBatch
from kpi.words.formats import english_date, month_label, uk_day
from kpi.words.months import month_of_key
from kpi.words.text import clean_code
from tests.conftest import add_observations

LEAD = User("lead@example.nhs.uk", "Lead", "lead")


def fte(trust: str | None, month: str) -> tuple:
    return ("SIP_FTE", trust, None, month, 10.0, None, None)


def test_a_merged_trusts_old_code_counts_under_its_successor_everywhere(engine):
    # RVY merged into RBN from July 2023: June's RVY row is RVY's, July's is RBN's, in every reader.
    add_observations(engine, [fte("RBN", "2023-06"), fte("RVY", "2023-06"), fte("RVY", "2023-07")])
    kpis, start, end = ["SIP_FTE"], dt.date(2023, 6, 1), dt.date(2023, 7, 1)
    raw = rollups.reporters(engine, kpis, start, end, raw=True)
    stored = rollups.reporters(engine, kpis, start, end)
    expected = {("RBN", "2023-06"), ("RVY", "2023-06"), ("RBN", "2023-07")}

    def pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
        return {(row.trust_code, f"{row.period:%Y-%m}") for row in frame.itertuples()}

    assert pairs(raw) == pairs(stored) == expected
    trusts = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",)), "trust", engine)
    assert pairs(trusts.rename(columns={"scope_code": "trust_code"})) == expected
    grid = submissions.submissions(engine, "SIP_FTE", start, end, dt.date(2026, 1, 1))
    received = grid[grid["status"] != "missing"]
    assert {("RBN", "2023-07")} <= pairs(received) and ("RVY", "2023-07") not in pairs(received)


def test_the_report_and_the_plan_read_a_scope_alike(engine):
    for alias in ("system", "System", " cm ", "CM", "c&m", "C&M"):
        assert report_scope(engine, alias).series_code == "C&M"
        assert plan_scope(engine, alias) == ("C&M", "system")
    assert report_scope(engine, "cmast").code == "CMAST"
    assert plan_scope(engine, "cmast") == ("CMAST", "collaborative")
    assert report_scope(engine, "rbs").level == "trust" and plan_scope(engine, " rbs") == ("RBS", "trust")
    with pytest.raises(UnknownName, match="merged trust"):
        plan_scope(engine, "RVY")  # the plan's own rule on top: member trusts only
    with pytest.raises(UnknownName, match="no scope"):
        plan_scope(engine, "nowhere")
    assert named_scope("nowhere", ["CMAST"], ["RBS"]) is None


def test_one_month_parser_and_a_formatter_that_ignores_the_locale():
    assert month_of_key("2026-10") == dt.date(2026, 10, 1)
    with pytest.raises(ValueError, match="not a month"):
        month_of_key("2026-13")
    assert month_label("2026-10") == month_label(dt.date(2026, 10, 1)) == "Oct 2026"
    assert english_date(dt.date(2026, 3, 5), "%d %B %Y") == "05 March 2026"
    assert uk_day(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)) == "3 Dec 2026"


def test_month_names_stay_english_under_another_locale():
    before = locale.setlocale(locale.LC_TIME)
    try:
        try:
            locale.setlocale(locale.LC_TIME, "fr_FR.UTF-8")
        except locale.Error:
            pytest.skip("no French locale installed here (locale -a) to prove the point")
        assert month_label(dt.date(2026, 2, 1)) == "Feb 2026"
        assert english_date(dt.date(2026, 8, 1), "%B") == "August"
    finally:
        locale.setlocale(locale.LC_TIME, before)


def test_one_code_cleaner():
    assert clean_code(" rbs\n") == "RBS"
    assert clean_code(None) == ""


def test_the_page_offers_the_undo_the_database_allows(engine):
    real = add_observations(engine, [fte("REM", "2026-01")])
    synthetic = add_observations(engine, [fte("RBS", "2026-01")], synthetic=True)
    demo = add_observations(engine, [fte("RW4", "2026-01")], synthetic=True)
    with engine.begin() as conn:
        conn.execute(update(ImportBatch).where(ImportBatch.id == demo).values(source=batches.DEMO_SOURCE))
    offered = set(batches.undoable(queries.import_batches(engine))["id"])
    assert offered == {real}
    for refused in (synthetic, demo):
        with pytest.raises(UndoRefused):
            undo_batch(engine, LEAD, refused)
    undo_batch(engine, LEAD, real)
    assert set(batches.undoable(queries.import_batches(engine))["id"]) == set()
