"""The synthetic demo history: reproducible, complete, plausible, and labelled synthetic."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from kpi.seed.demo import generate_observations, last_complete_month, load_demo
from kpi.spc import xmr
from kpi.store.db import session_scope
from kpi.store.models import ImportBatch, Milestone, MilestoneUpdate
from tests.conftest import add_observations

END = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def demo_frame() -> pd.DataFrame:
    return generate_observations(END)


def test_same_seed_same_history_other_seed_other_history(demo_frame):
    pd.testing.assert_frame_equal(demo_frame, generate_observations(END))
    assert not demo_frame["value"].equals(generate_observations(END, seed=7)["value"])


def test_every_kpi_from_april_2022_to_the_end_month(demo_frame):
    assert demo_frame["kpi_code"].nunique() == 22  # the 19 AHP KPIs and the 3 ST&T proxies
    periods = demo_frame.groupby("kpi_code")["period"].agg(["min", "max", "nunique"])
    assert (periods["min"] == dt.date(2022, 4, 1)).all() and (periods["max"] == END).all()
    assert (periods["nunique"] == 55).all()


def test_natural_grain_profession_kpis_by_profession_funding_at_system_level(demo_frame):
    by_profession = demo_frame[demo_frame["profession_code"].notna()]["kpi_code"].unique()
    assert set(by_profession) == {
        "SIP_FTE", "SIP_HC", "ESTAB_FTE", "VACANCY_RATE",
        "LEAVER_RATE", "SICKNESS_RATE", "SUPPORT_FTE", "BME_SHARE",
    }  # fmt: skip
    system_only = demo_frame[demo_frame["trust_code"].isna()]["kpi_code"].unique()
    assert set(system_only) == {"FUNDING_SECURED", "FUNDING_UTILISED"}
    assert demo_frame["profession_code"].nunique() == 14


def test_ratio_rows_are_consistent_and_plausible(demo_frame):
    ratios = demo_frame[demo_frame["denominator"].notna()]
    assert (ratios["numerator"] <= ratios["denominator"]).all()
    assert ratios["value"].between(0, 100).all()
    assert (ratios["value"] - 100 * ratios["numerator"] / ratios["denominator"]).abs().max() < 1e-3


def test_merged_trusts_report_under_their_successor_after_a_confirmed_merger_only(demo_frame):
    rvy = demo_frame[demo_frame["trust_code"] == "RVY"]["period"]
    assert rvy.max() == dt.date(2023, 6, 1)
    # Bridgewater's merger into RWW is planned, not confirmed: RY2 reports under its own code throughout.
    ry2 = demo_frame[demo_frame["trust_code"] == "RY2"]["period"]
    assert ry2.max() == demo_frame["period"].max()


def test_demo_load_is_marked_synthetic_everywhere(engine):
    result = load_demo(engine, end=END)
    assert result.observations > 50_000
    with session_scope(engine) as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch.is_synthetic and batch.source == "demo" and "SYNTHETIC" in batch.notes
        statuses = {m.status for m in s.scalars(select(Milestone))}
        assert {"complete", "on track", "at risk", "off track"} <= statuses
        assert all(m.is_synthetic for m in s.scalars(select(Milestone)))
        assert s.scalars(select(MilestoneUpdate)).first() is not None
    status = queries.data_status(engine)
    assert status.all_synthetic and status.last_period == END


def test_demo_reload_replaces_the_earlier_demo(engine):
    first = load_demo(engine, end=END)
    second = load_demo(engine, end=END)
    assert queries.observation_counts(engine).total == first.observations == second.observations
    assert queries.table_counts(engine)["import_batches"] == 1


def test_demo_refuses_a_database_with_real_data(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2024-01", 100, None, None)])
    with pytest.raises(ValueError, match="real observations"):
        load_demo(engine, end=END)
    assert queries.observation_counts(engine).total == 1


def test_deliberate_signals_are_there_for_the_statistics_to_find(engine):
    load_demo(engine, end=END)
    cmast = queries.kpi_series(
        KPIFilter(kpis=("VACANCY_RATE",), collaboratives=("CMAST",)), "collaborative", engine
    )
    before = cmast[cmast["period"] < "2024-09-01"]["value"].mean()
    after = cmast[cmast["period"] >= "2024-09-01"]["value"].mean()
    assert after < before - 1.0
    temp = queries.kpi_series(KPIFilter(kpis=("TEMP_STAFF_RATE",)), "system", engine)
    result = xmr(temp["value"].tolist(), improvement="down")
    spike = temp.index[temp["period"] == "2023-12-01"][0]
    assert result.points.loc[spike, "point_type"] == "concern"


def test_last_complete_month():
    assert last_complete_month(dt.date(2026, 11, 25)) == dt.date(2026, 10, 1)
    assert last_complete_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)
