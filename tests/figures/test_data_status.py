"""What the database holds (queries.data_status: the 'data as at' line, the synthetic-data notice) is read
with index look-ups, never a scan of the observations: every page's first run after a write reads it, and
at a million observations a count(*) was a quarter of that run (issue 25). The counts themselves are for
`python -m kpi info` only (queries.observation_counts)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, event

from kpi.figures import queries
from tests.conftest import add_observations


def _statements(engine: Engine) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    queries.data_status(engine)
    event.remove(engine, "before_cursor_execute", note)
    return seen


def test_the_status_never_scans_the_observations(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 10, None, None)])
    statements = _statements(engine)
    assert statements and not any("count(" in sql.lower() for sql, _ in statements)
    if engine.dialect.name != "sqlite":  # PostgreSQL's planner scans a table this small whatever the query
        return
    with engine.connect() as conn:
        plans = [
            row[-1]
            for sql, parameters in statements
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)  # type: ignore[arg-type]
        ]
    on_observations = [step for step in plans if " observations " in f"{step} "]
    assert on_observations and all(step.startswith("SEARCH") for step in on_observations), plans


def test_the_status_says_the_months_and_whether_synthetic_on_both_sides(engine):
    status = queries.data_status(engine)
    assert (status.first_period, status.last_period, status.any_synthetic, status.all_synthetic) == (
        None,
        None,
        False,
        False,
    ), "an empty database: no months, nothing synthetic, and not 'all synthetic'"
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-03", 10, None, None)], synthetic=True)
    add_observations(engine, [("VACANCY_RATE", "RBS", "PHYSIO", "2023-11", None, 3, 30)], synthetic=True)
    status = queries.data_status(engine)
    assert (status.first_period, status.last_period) == (dt.date(2023, 11, 1), dt.date(2024, 3, 1))
    assert (status.any_synthetic, status.all_synthetic) == (True, True)
    add_observations(engine, [("SIP_FTE", "RBS", None, "2024-04", 20, None, None)])
    status = queries.data_status(engine)
    assert status.last_period == dt.date(2024, 4, 1), "the newest month of any KPI"
    assert (status.any_synthetic, status.all_synthetic) == (True, False)
    assert queries.observation_counts(engine) == queries.ObservationCounts(total=3, synthetic=2)


def test_a_synthetic_batch_whose_rows_are_all_gone_is_not_synthetic_data(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 10, None, None)], synthetic=True)
    add_observations(engine, [("SIP_FTE", "RBS", None, "2024-01", 20, None, None)])
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM observations WHERE trust_code = 'REM'")
    status = queries.data_status(engine)
    assert (status.any_synthetic, status.all_synthetic) == (False, False)
    assert status.first_period == status.last_period == dt.date(2024, 1, 1)
