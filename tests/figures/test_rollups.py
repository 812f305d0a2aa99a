"""Roll-ups computed once per write (kpi.figures.rollups): the table holds exactly what the rules compute from
the observations; every series read from it, and who reported what (completeness), equals what is
computed from the observations, at every level and filter, on the demo data and on the rules' edge
cases; an import refreshes it in its own transaction, a failed write leaves both unchanged, and a write
that went round kpi is still never read stale."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update

from kpi.access.auth import User
from kpi.figures import completeness, queries, rollups
from kpi.figures.queries import KPIFilter
from kpi.ingest import apply_import, undo_batch
from kpi.ingest.dispatch import prepare_file
from kpi.reference import membership
from kpi.seed.demo import load_demo
from kpi.store.db import session_scope
from kpi.store.models import Membership, MonthCount, Observation, RollupState, Trust, TrustMonthRollup
from tests.conftest import add_observations

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
END = dt.date(2026, 9, 1)
FILTERS = [
    KPIFilter(),
    KPIFilter(period_from=dt.date(2025, 4, 1), period_to=END, workstreams=("PLAN", "RET")),
    KPIFilter(collaboratives=("CMAST",)),
    KPIFilter(trusts=("RBN", "REM"), kpis=("SIP_FTE", "VACANCY_RATE", "FUNDING_SECURED")),
    KPIFilter(professions=("PHYSIO", "OT")),  # read from the observations themselves
]


def stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(TrustMonthRollup.__table__)).mappings().all())
    return frame.drop(columns="id")


def state(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(select(RollupState.fingerprint)).scalar_one()


def stored_counts(engine) -> pd.DataFrame:
    """The completeness counts table as it is, read round kpi (no catching up)."""
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(MonthCount.__table__)).mappings().all())
    frame = frame.drop(columns="id").astype({"system_figure": bool})
    frame["period"] = pd.to_datetime(frame["period"])
    return frame.sort_values(["kpi_code", "scope_code", "period"], na_position="first", ignore_index=True)


def system_count(engine, kpi: str, month: str, scope: str | None = None) -> tuple[int, int]:
    """(expected, reported) stored for the system (or the collaborative `scope`) in one month."""
    counts = stored_counts(engine)
    in_scope = counts["scope_code"].isna() if scope is None else counts["scope_code"] == scope
    row = counts[(counts["kpi_code"] == kpi) & in_scope & (counts["period"] == pd.Timestamp(month))]
    return int(row["expected"].iloc[0]), int(row["reported"].iloc[0])


def assert_same_counts(engine) -> None:
    """The stored completeness counts are the rules applied to the observations themselves."""
    computed = completeness.all_counts(rollups.reporters(engine, raw=True), membership.spans(engine))
    computed = computed.astype({"expected": int, "reported": int, "system_figure": bool})
    computed = computed.sort_values(
        ["kpi_code", "scope_code", "period"], na_position="first", ignore_index=True
    )
    table = stored_counts(engine)
    assert len(table) > 0 and table["scope_code"].isna().any() and table["scope_code"].notna().any()
    for frame in (table, computed):  # the system's scope is None in one and NaN in the other
        frame["scope_code"] = frame["scope_code"].fillna("").astype(str)
    pd.testing.assert_frame_equal(table[computed.columns], computed, check_dtype=False)


def assert_same_series(engine) -> None:
    queries.kpi_series(KPIFilter(), "system", engine)  # catch up with rows written round kpi
    assert_same_counts(engine)
    order = ["kpi_code", "trust_code", "period"]
    for window in ((None, None), (dt.date(2025, 4, 1), END)):
        computed = rollups.reporters(engine, None, *window, raw=True)
        found = rollups.reporters(engine, None, *window)
        assert len(found) > 0
        pd.testing.assert_frame_equal(
            found.sort_values(order, na_position="first", ignore_index=True),
            computed.sort_values(order, na_position="first", ignore_index=True),
        )
    for flt in FILTERS:
        for level in queries.LEVELS:
            from_rollups = queries.kpi_series(flt, level, engine)
            computed = queries.kpi_series(flt, level, engine, raw=True)
            assert len(computed) > 0 or flt.trusts, (flt, level)
            pd.testing.assert_frame_equal(from_rollups, computed, check_exact=False, rtol=1e-12)


def test_on_the_demo_data_the_table_is_the_rules_and_every_series_read_from_it_is_the_computed_one(engine):
    load_demo(engine, end=END)  # through session_scope: the table is refreshed in the same transaction
    with engine.connect() as conn:
        assert state(engine) == rollups.fingerprint(conn)
        computed = pd.DataFrame(conn.execute(queries.rollup_rows()).mappings().all())
    table = stored(engine)
    assert len(table) == len(computed) > 10_000
    key = ["kpi_code", "trust_code", "period"]
    merged = table.merge(computed, on=key, suffixes=("", "_rule"))
    assert len(merged) == len(table)
    for column in ("value", "numerator", "denominator"):
        pd.testing.assert_series_equal(
            pd.to_numeric(merged[column]), pd.to_numeric(merged[f"{column}_rule"]), check_names=False
        )
    assert table["trust_code"].isna().any(), "system-level figures where no trust reported"
    assert_same_series(engine)


def test_the_rules_edge_cases_read_the_same_from_the_table(engine):
    add_observations(  # written round kpi: the next read finds the fingerprint moved and recomputes
        engine,
        [
            ("SIP_FTE", "REM", "PHYSIO", "2026-09", 40.0, None, None),
            ("SIP_FTE", "REM", None, "2026-09", 99.0, None, None),  # all-AHP beside professions: not counted
            ("SIP_FTE", "RBN", None, "2026-09", 60.0, None, None),
            ("SIP_FTE", "RVY", None, "2026-09", 25.0, None, None),  # merged into RBN in 2023: RBN's
            ("VACANCY_RATE", "REM", None, "2026-09", None, 5.0, 100.0),
            ("VACANCY_RATE", "RBN", None, "2026-09", None, 15.0, 100.0),  # ratio: 20 / 200, not mean
            ("FUNDING_SECURED", None, None, "2026-09", 1000.0, None, None),  # system only
            ("SIP_FTE", "RX7", None, "2026-09", 500.0, None, None),  # NWAS: outside system totals
        ],
    )
    system = queries.kpi_series(KPIFilter(), "system", engine).set_index("kpi_code")
    assert system.loc["SIP_FTE", "value"] == 40.0 + 60.0 + 25.0
    assert system.loc["VACANCY_RATE", "value"] == pytest.approx(10.0)
    assert system.loc["FUNDING_SECURED", "value"] == 1000.0
    assert_same_series(engine)


def test_an_import_refreshes_the_table_in_its_transaction_and_a_failed_write_changes_nothing(engine):
    add_observations(engine, [("SIP_FTE", "REM", "PHYSIO", "2026-09", 40.0, None, None)])
    queries.kpi_series(KPIFilter(), "system", engine)  # the table catches up with the hand-written row
    before, fingerprint = stored(engine), state(engine)

    with pytest.raises(RuntimeError), session_scope(engine) as s:
        s.execute(update(Observation).values(value=1.0))
        raise RuntimeError("the import fails half-way")
    pd.testing.assert_frame_equal(stored(engine), before)
    assert state(engine) == fingerprint

    csv = (
        "period,trust_code,profession,kpi_code,value,numerator,denominator\n2026-09,REM,PHYSIO,SIP_FTE,55,,\n"
    )
    result = apply_import(
        engine, LEAD, prepare_file(engine, "fix.csv", csv.encode(), channel="cli"), replace=True
    )
    assert result.applied
    row = stored(engine).set_index(["kpi_code", "trust_code"]).loc[("SIP_FTE", "REM")]
    assert row["value"] == 55.0, "the table holds the import's figure before any read"
    with engine.connect() as conn:
        assert state(engine) == rollups.fingerprint(conn)

    undo_batch(engine, LEAD, result.batch_id)
    row = stored(engine).set_index(["kpi_code", "trust_code"]).loc[("SIP_FTE", "REM")]
    assert row["value"] == 40.0, "undo puts the table back too"


def test_a_write_round_kpi_is_never_read_stale_and_forget_marks_the_table_stale(engine):
    add_observations(engine, [("SIP_FTE", "REM", "PHYSIO", "2026-09", 40.0, None, None)])
    assert queries.kpi_series(KPIFilter(), "system", engine)["value"].tolist() == [40.0]
    with engine.begin() as conn:  # by hand, in place, round kpi: the trigger moves the data version ...
        conn.execute(update(Observation).values(value=42.0))
    assert queries.kpi_series(KPIFilter(), "system", engine)["value"].tolist() == [42.0]
    fresh = state(engine)
    assert queries.kpi_series(KPIFilter(), "system", engine)["value"].tolist() == [42.0]
    assert state(engine) == fresh, "... once: the next read recomputes nothing"
    rollups.forget(engine)  # the app marks it stale after an outage
    assert state(engine) == ""
    assert queries.kpi_series(KPIFilter(), "system", engine)["value"].tolist() == [42.0]
    assert state(engine) == fresh


def test_a_system_span_change_recomputes_the_completeness_counts_in_its_own_transaction(engine):
    add_observations(
        engine,
        [("SIP_FTE", trust, None, "2026-09", 10.0, None, None) for trust in ("REM", "RBN")]
        + [("SIP_FTE", "REM", None, "2026-08", 10.0, None, None)],
    )
    queries.kpi_series(KPIFilter(), "system", engine)  # the tables catch up with the rows
    assert system_count(engine, "SIP_FTE", "2026-09") == (2, 2)
    # REM leaves the system at the end of August: September expects RBN alone, at once, with no read in
    # between (the write recomputed the counts in its transaction). Its collaborative is unchanged.
    with session_scope(engine) as s:
        s.execute(update(Trust).where(Trust.ods_code == "REM").values(system_to=dt.date(2026, 8, 31)))
    assert system_count(engine, "SIP_FTE", "2026-09") == (1, 1)
    assert system_count(engine, "SIP_FTE", "2026-08") == (1, 1)  # its last month in the system
    assert system_count(engine, "SIP_FTE", "2026-09", "CMAST") == (2, 2)
    # Written round kpi (a script): the fingerprint moves and the next read recomputes.
    with engine.begin() as conn:
        conn.execute(update(Trust).where(Trust.ods_code == "REM").values(system_to=None))
    assert system_count(engine, "SIP_FTE", "2026-09") == (1, 1), "not yet read"
    series = queries.kpi_series(KPIFilter(), "system", engine).set_index("period")
    assert series.loc[pd.Timestamp("2026-09-01"), "expected"] == 2
    assert system_count(engine, "SIP_FTE", "2026-09") == (2, 2)
    assert_same_counts(engine)


def test_a_membership_change_recomputes_the_collaboratives_counts_and_not_the_systems(engine):
    add_observations(
        engine, [("SIP_FTE", trust, None, "2026-09", 10.0, None, None) for trust in ("REM", "RBN")]
    )
    queries.kpi_series(KPIFilter(), "system", engine)
    assert system_count(engine, "SIP_FTE", "2026-09", "CMAST") == (2, 2)
    with session_scope(engine) as s:
        s.execute(
            update(Membership)
            .where(Membership.trust_code == "REM")
            .values(valid_to=END.replace(day=1) - dt.timedelta(days=1))
        )
    assert system_count(engine, "SIP_FTE", "2026-09", "CMAST") == (1, 1)
    assert system_count(engine, "SIP_FTE", "2026-09") == (2, 2)  # still in the system
    with engine.begin() as conn:  # round kpi: the fingerprint moves
        conn.execute(update(Membership).where(Membership.trust_code == "REM").values(valid_to=None))
    queries.kpi_series(KPIFilter(), "collaborative", engine)
    assert system_count(engine, "SIP_FTE", "2026-09", "CMAST") == (2, 2)
    assert_same_counts(engine)


def test_a_failed_write_leaves_the_completeness_counts_as_they_were(engine):
    add_observations(engine, [("SIP_FTE", t, None, "2026-09", 10.0, None, None) for t in ("REM", "RBN")])
    queries.kpi_series(KPIFilter(), "system", engine)
    before = stored_counts(engine)
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        s.execute(update(Membership).where(Membership.trust_code == "REM").values(status="planned"))
        raise RuntimeError("the reference load fails half-way")
    pd.testing.assert_frame_equal(stored_counts(engine), before)
    assert system_count(engine, "SIP_FTE", "2026-09") == (2, 2)
