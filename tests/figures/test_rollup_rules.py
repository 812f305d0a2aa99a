"""One test per roll-up rule, each on a fixture small enough to compute by hand, each written so that
the rule's mutant (an operator flipped, a condition dropped) gives a different figure and fails it.
Named after the rule it guards."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update

from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from kpi.store.db import session_scope
from kpi.store.models import Membership
from tests.conftest import add_observations


def figures(engine, level: str, kpi: str, **filters) -> dict[tuple[str, str], float]:
    """{(scope, 'YYYY-MM'): value} for one KPI at one level."""
    frame = queries.kpi_series(KPIFilter(kpis=(kpi,), **filters), level, engine)
    return {
        (row.scope_code, f"{row.period:%Y-%m}"): (None if pd.isna(row.value) else float(row.value))
        for row in frame.itertuples()
    }


def test_profession_rows_win_over_an_all_ahp_row_even_when_there_is_only_one(engine):
    # REM sends one profession row (physios, 10 FTE) and an all-AHP row (100 FTE) for the same month:
    # the profession row counts, so nothing is counted twice (a rule of "more than one profession row"
    # would add them up to 110).
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", "PHYSIO", "2024-01", 10, None, None),
            ("SIP_FTE", "REM", None, "2024-01", 100, None, None),
        ],
    )
    assert figures(engine, "trust", "SIP_FTE")[("REM", "2024-01")] == 10
    assert figures(engine, "system", "SIP_FTE")[("C&M", "2024-01")] == 10


def test_a_system_level_row_counts_only_for_a_month_no_trust_reported(engine):
    # January: REM reported 100 and a system-level row says 500; the trusts' figures stand (100), never
    # both (600). February: only the system-level row (300), so it is the system's figure.
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, "2024-01", 100, None, None),
            ("SIP_FTE", None, None, "2024-01", 500, None, None),
            ("SIP_FTE", None, None, "2024-02", 300, None, None),
        ],
    )
    system = figures(engine, "system", "SIP_FTE")
    assert system == {("C&M", "2024-01"): 100, ("C&M", "2024-02"): 300}


def test_profession_breakdown_keeps_to_the_chosen_collaborative(engine):
    # Physios: REM (CMAST only) 10 FTE, RW4 (MHLDC only) 30 FTE. MHLDC's breakdown is RW4's 30, not 40.
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", "PHYSIO", "2024-01", 10, None, None),
            ("SIP_FTE", "RW4", "PHYSIO", "2024-01", 30, None, None),
        ],
    )
    breakdown = queries.profession_breakdown(KPIFilter(kpis=("SIP_FTE",), collaboratives=("MHLDC",)), engine)
    assert breakdown[["profession_code", "value"]].values.tolist() == [["PHYSIO", 30.0]]
    everyone = queries.profession_breakdown(KPIFilter(kpis=("SIP_FTE",)), engine)
    assert everyone["value"].tolist() == [40.0]


def test_a_trust_counts_in_its_collaborative_from_the_month_it_joins_to_the_month_it_leaves(engine):
    # REM joins CMAST on 2021-04-01 and Bridgewater (RY2) leaves MHLDC after 2026-03-31. The joining
    # month and the last month both count; the months outside do not (in the collaborative: the system
    # follows each trust's system span, so counts all four).
    with session_scope(engine) as s:
        s.execute(
            update(Membership).where(Membership.trust_code == "REM").values(valid_from=dt.date(2021, 4, 1))
        )
        s.execute(
            update(Membership).where(Membership.trust_code == "RY2").values(valid_to=dt.date(2026, 3, 31))
        )
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, "2021-03", 7, None, None),
            ("SIP_FTE", "REM", None, "2021-04", 8, None, None),
            ("SIP_FTE", "RY2", None, "2026-03", 20, None, None),
            ("SIP_FTE", "RY2", None, "2026-04", 21, None, None),
        ],
    )
    collab = figures(engine, "collaborative", "SIP_FTE")
    assert collab.get(("CMAST", "2021-03")) is None
    assert collab[("CMAST", "2021-04")] == 8
    assert collab[("MHLDC", "2026-03")] == 20
    assert collab.get(("MHLDC", "2026-04")) is None
    assert figures(engine, "system", "SIP_FTE") == {
        ("C&M", "2021-03"): 7, ("C&M", "2021-04"): 8, ("C&M", "2026-03"): 20, ("C&M", "2026-04"): 21,
    }  # fmt: skip


def test_a_ratio_whose_denominators_sum_to_zero_has_no_value_rather_than_an_error(engine):
    add_observations(
        engine,
        [
            ("VACANCY_RATE", "REM", None, "2024-01", None, 0, 0),
            ("VACANCY_RATE", "REM", None, "2024-02", None, 6, 60),
        ],
    )
    trust = figures(engine, "trust", "VACANCY_RATE")
    assert trust[("REM", "2024-01")] is None
    assert trust[("REM", "2024-02")] == pytest.approx(10.0)


def test_the_period_includes_its_first_and_last_month_and_one_month_is_a_period(engine):
    import datetime as dt

    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, month, 10 + i, None, None)
            for i, month in enumerate(("2024-01", "2024-02", "2024-03"))
        ],
    )
    jan, feb, mar = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
    assert set(figures(engine, "trust", "SIP_FTE", period_from=feb, period_to=mar)) == {
        ("REM", "2024-02"),
        ("REM", "2024-03"),
    }
    assert figures(engine, "trust", "SIP_FTE", period_from=jan, period_to=jan) == {("REM", "2024-01"): 10}
    assert figures(engine, "trust", "SIP_FTE", period_from=feb, period_to=jan) == {}


def test_synthetic_labels_say_all_some_or_none_of_the_data(engine):
    status = queries.data_status(engine)
    assert (status.last_period, status.any_synthetic, status.all_synthetic) == (None, False, False)
    assert queries.observation_counts(engine).total == 0
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 10, None, None)], synthetic=True)
    status = queries.data_status(engine)
    assert (status.any_synthetic, status.all_synthetic) == (True, True)
    add_observations(engine, [("SIP_FTE", "RBS", None, "2024-02", 20, None, None)])
    status = queries.data_status(engine)
    assert queries.observation_counts(engine) == queries.ObservationCounts(total=2, synthetic=1)
    assert (status.any_synthetic, status.all_synthetic) == (True, False)
    assert (status.first_period.isoformat(), status.last_period.isoformat()) == ("2024-01-01", "2024-02-01")
    assert status.last_import_at is not None


def test_milestone_history_of_one_milestone_holds_only_its_changes(engine):
    from kpi.access.auth import User
    from kpi.programme.milestones import update_milestone

    lead = User("lead@nhs.net", "Lead", "lead")
    update_milestone(engine, lead, "M1", notes="first")
    update_milestone(engine, lead, "M2", notes="second")
    every = queries.milestone_history(engine)
    assert {"M1", "M2"} <= set(every["milestone_code"])
    one = queries.milestone_history(engine, "M1")
    assert set(one["milestone_code"]) == {"M1"}
    assert len(one) == (every["milestone_code"] == "M1").sum()
