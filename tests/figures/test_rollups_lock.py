"""Two readers that both find the roll-up table stale recompute it once, one after the other: the second
waits on the state row's lock, then looks again and finds the first one's work
(kpi.figures.rollups.ensure_fresh).

Here the first reader is the test itself, holding the lock in an open transaction while it recomputes;
the second is a thread calling ensure_fresh. What a user would notice without the lock is the work done
twice (each page load paying for a full recompute) or, on SQLite, a "database is locked" error; the test
counts the thread's recomputes (its DELETEs of the roll-up table) and checks it waited."""

from __future__ import annotations

import threading
import time

from sqlalchemy import event, select, update

from kpi.figures import queries, rollups
from kpi.figures.queries import KPIFilter
from kpi.store.models import RollupState
from tests.conftest import add_observations


def test_a_reader_that_finds_the_table_stale_waits_for_the_one_recomputing_and_does_not_repeat_it(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 10, None, None)])
    rollups.ensure_fresh(engine)
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-02", 12, None, None)])  # now stale

    recomputes: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "second-reader" and statement.lstrip().upper().startswith(
            "DELETE FROM ROLLUP_TRUST_MONTHS"
        ):
            recomputes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    errors: list[BaseException] = []

    def second_reader() -> None:
        try:
            rollups.ensure_fresh(engine)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    with engine.begin() as conn:
        conn.execute(
            update(RollupState).where(RollupState.id == 1).values(fingerprint=RollupState.fingerprint)
        )
        thread = threading.Thread(target=second_reader, name="second-reader")
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive(), "the second reader did not wait for the lock"
        rollups.refresh(conn)
    thread.join(timeout=30)
    event.remove(engine, "before_cursor_execute", count)

    assert not thread.is_alive() and errors == []
    assert recomputes == []  # it looked again after the wait and found the table fresh
    with engine.connect() as conn:
        stored = conn.execute(select(RollupState.fingerprint)).scalar_one()
        assert stored == rollups.fingerprint(conn)
    series = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",)), "trust", engine)
    assert series["value"].tolist() == [10.0, 12.0]


def test_a_reader_that_finds_the_table_stale_recomputes_it(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 10, None, None)])
    rollups.ensure_fresh(engine)
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-02", 12, None, None)])
    with engine.connect() as conn:
        assert conn.execute(select(RollupState.fingerprint)).scalar_one() != rollups.fingerprint(conn)
    rollups.ensure_fresh(engine)
    with engine.connect() as conn:
        assert conn.execute(select(RollupState.fingerprint)).scalar_one() == rollups.fingerprint(conn)
