"""The workforce plan's inputs from a small exact database (kpi.plan.inputs), the shipped assumptions
and scenarios and the lead's edits (kpi.plan.assumptions), on SQLite and PostgreSQL.

The fixture, by hand (SIP_FTE in Dec 2025; RBS is in both collaboratives, NWAS outside every total):

    PHYSIO:  RBS 100, REM 200, RW4 50  -> system 350 (not 450), CMAST 300, MHLDC 150
    OT:      RBS 20,  REM 40,  RW4 60  -> system 120
    RX7 (NWAS) PARA 400                -> nowhere
    Jan 2026: only REM has sent SIP_FTE (210 PHYSIO): 1 of 3 trusts, provisional for the system, so the
    system starts from Dec 2025; REM alone starts from Jan 2026 (a trust's own month is never provisional).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from kpi.access.auth import PermissionDenied, User
from kpi.notes.common import NoteError
from kpi.plan import assumptions as store
from kpi.plan.inputs import mean_and_spread, persistence, plan_inputs, resolve_scope
from kpi.plan.model import BASELINE, PROJECTION_COLUMNS, PlanError, UnknownName
from kpi.plan.run import run_plan
from kpi.store.models import PlanAssumptionChange, PlanScenario
from tests.conftest import add_observations

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
BOARD = User("board@cheshireandmerseyside.nhs.uk", "Board Member", "board")
MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 13)]


def leaver_rows() -> list[tuple]:
    """PHYSIO leavers each month of 2025: RBS (10 + i % 3)/100, REM 20/200, RW4 5/50 -> system
    (35 + i % 3)/350. DIET only at REM: 30/100. OT has none (falls back to the all-AHP rate)."""
    rows = []
    for i, month in enumerate(MONTHS_2025, start=1):
        rows += [
            ("LEAVER_RATE", "RBS", "PHYSIO", month, None, 10 + i % 3, 100),
            ("LEAVER_RATE", "REM", "PHYSIO", month, None, 20, 200),
            ("LEAVER_RATE", "RW4", "PHYSIO", month, None, 5, 50),
            ("LEAVER_RATE", "REM", "DIET", month, None, 30, 100),
        ]
    return rows


def staff_rows() -> list[tuple]:
    stock = {
        ("RBS", "PHYSIO"): 100,
        ("REM", "PHYSIO"): 200,
        ("RW4", "PHYSIO"): 50,
        ("RBS", "OT"): 20,
        ("REM", "OT"): 40,
        ("RW4", "OT"): 60,
    }
    rows = [
        ("SIP_FTE", trust, code, month, fte, None, None)
        for month in ("2025-11", "2025-12")
        for (trust, code), fte in stock.items()
    ]
    rows += [
        ("SIP_HC", "RBS", "PHYSIO", "2025-12", 110, None, None),
        ("SIP_HC", "REM", "PHYSIO", "2025-12", 230, None, None),
        ("SIP_HC", "RW4", "PHYSIO", "2025-12", 55, None, None),
        ("SIP_FTE", "RX7", "PARA", "2025-12", 400, None, None),
        ("SIP_FTE", "REM", "PHYSIO", "2026-01", 210, None, None),
        ("ESTAB_FTE", "RBS", "PHYSIO", "2025-12", 110, None, None),
        ("ESTAB_FTE", "REM", "PHYSIO", "2025-12", 220, None, None),
        ("ESTAB_FTE", "RW4", "PHYSIO", "2025-12", 60, None, None),
    ]
    return rows


def apprentice_rows() -> list[tuple]:
    """9 starts in Jan 2022 (RBS 3, REM 6), then REM 1 a month through 2025."""
    rows = [
        ("APPRENTICE_STARTS", "RBS", None, "2022-01", 3, None, None),
        ("APPRENTICE_STARTS", "REM", None, "2022-01", 6, None, None),
    ]
    return rows + [("APPRENTICE_STARTS", "REM", None, month, 1, None, None) for month in MONTHS_2025]


@pytest.fixture
def small(engine):
    add_observations(engine, staff_rows() + leaver_rows() + apprentice_rows())
    return engine


def test_a_trust_in_both_collaboratives_counts_once_in_the_system_starting_stock(small):
    inputs = plan_inputs(small, "C&M", ["PHYSIO", "OT"])
    physio, ot = inputs.profession("PHYSIO"), inputs.profession("OT")
    assert (physio.stock_fte, ot.stock_fte) == (350.0, 120.0)  # RBS once, NWAS out
    assert physio.stock_hc == 395.0 and ot.stock_hc is None
    assert physio.establishment_fte == 390.0
    assert ot.establishment_fte == 120.0 and "no ESTAB_FTE" in ot.sources["establishment"]
    assert inputs.level == "system" and inputs.scope == "C&M"
    cmast = plan_inputs(small, "CMAST", ["PHYSIO"]).profession("PHYSIO")
    mhldc = plan_inputs(small, "mhldc", ["PHYSIO"]).profession("PHYSIO")
    assert (cmast.stock_fte, mhldc.stock_fte) == (300.0, 150.0)  # RBS in each


def test_a_provisional_latest_month_is_not_the_start(small):
    system = plan_inputs(small, "C&M", ["PHYSIO"])
    assert system.start_month == pd.Timestamp("2025-12-01")
    assert any("Jan 2026" in note and "Provisional" in note for note in system.notes)
    trust = plan_inputs(small, "REM", ["PHYSIO"])
    assert trust.start_month == pd.Timestamp("2026-01-01")
    assert trust.profession("PHYSIO").stock_fte == 210.0 and trust.level == "trust"


def test_the_leaver_rate_is_the_rolled_up_annual_rate_with_an_assumed_spread_for_one_year(small):
    inputs = plan_inputs(small, "C&M", ["PHYSIO", "OT", "DIET"])
    got = inputs.profession("PHYSIO")
    # one year of data: Dec 2025's 12-month rate only, sum(numerators) / sum(denominators) = 35/350
    assert got.leaver_rate_pct == pytest.approx(10.0, rel=1e-12)
    assert got.leaver_rate_sd_pct == 1.0 and got.leaver_rate_persistence == 1.0
    assert (
        "mean of 1 annual (non-overlapping 12-month) rates (only 1; 3 or more wanted), to Dec 2025"
        in (got.sources["leaver_rate"])
    )
    assert "one year only, so a spread of 1 points (an assumption)" in got.sources["leaver_rate"]
    diet = inputs.profession("DIET")
    assert diet.leaver_rate_pct == 30.0


def test_a_profession_without_leaver_data_falls_back_to_the_scopes_all_profession_rate(small):
    ot = plan_inputs(small, "C&M", ["OT"]).profession("OT")
    assert ot.leaver_rate_pct == pytest.approx(65 / 450 * 100, rel=1e-12)  # PHYSIO and DIET, Dec 2025
    assert "no LEAVER_RATE for Occupational therapists in C&M" in ot.sources["leaver_rate"]
    assert "all-AHP" in ot.sources["leaver_rate"]


def test_the_spread_is_of_annual_rates_not_overlapping_months(engine):
    """Rates of 8, 10 and 12 % in Dec 2023, 2024 and 2025 (non-overlapping years) and wild months in
    between, which overlap them and are left out: mean 10, sd 2, persistent (3 years cannot show a fade)."""
    annual = {"2023-12": 8, "2024-12": 10, "2025-12": 12}
    between = {"2024-06": 30, "2025-06": 1}
    leavers = [("LEAVER_RATE", "REM", "OT", m, None, v, 100) for m, v in {**annual, **between}.items()]
    add_observations(engine, [("SIP_FTE", "REM", "OT", "2025-12", 100, None, None), *leavers])
    ot = plan_inputs(engine, "REM", ["OT"]).profession("OT")
    assert (ot.leaver_rate_pct, ot.leaver_rate_sd_pct, ot.leaver_rate_persistence) == pytest.approx(
        (10, 2, 1)
    )
    assert "to Dec 2023, Dec 2024, Dec 2025" in ot.sources["leaver_rate"]
    assert "persistent over the horizon" in ot.sources["leaver_rate"]
    assert mean_and_spread([8, 10, 12]) == (10.0, 2.0)


def test_persistence_is_measured_only_from_five_years_or_more():
    assert persistence([8, 10, 12, 14]) == 1.0  # too few years to tell: persistent
    assert persistence([10, 12, 10, 12, 10, 12]) == 0.0  # alternating: no carry-over (clipped at 0)
    assert persistence([8, 9, 10, 11, 12]) == pytest.approx(0.4)  # lag-1 autocorrelation of a trend


def test_apprentices_completing_are_the_starts_a_course_earlier_shared_by_staff_in_post(small):
    physio = plan_inputs(small, "C&M", ["PHYSIO"]).profession("PHYSIO")
    share, kept = 350 / 470, 1 - 0.10  # PHYSIO's share of the system's staff in post; 10 % attrition
    apprentices = np.asarray(physio.apprentices)
    assert len(apprentices) == 120
    assert apprentices[0] == pytest.approx(9 * 12 * share * kept)  # Jan 2026 <- Jan 2022's 9 starts
    assert apprentices[1] == 0.0  # Feb 2022: nobody started
    assert apprentices[36] == pytest.approx(1 * 12 * share * kept)  # Jan 2029 <- Jan 2025
    assert apprentices[48] == pytest.approx(1 * 12 * share * kept)  # after the data: the last 12 months' mean
    assert "APPRENTICE_STARTS, C&M, 4 years earlier" in physio.sources["apprentices"]


def test_assumptions_are_scaled_by_the_scopes_share_of_the_systems_staff_in_post(small):
    system = plan_inputs(small, "C&M", ["PHYSIO"]).profession("PHYSIO")
    cmast = plan_inputs(small, "CMAST", ["PHYSIO"]).profession("PHYSIO")
    assert system.graduates[0] == 135.0 and system.international[0] == 15.0
    assert cmast.graduates[0] == pytest.approx(135 * 300 / 350)
    assert cmast.international[0] == pytest.approx(15 * 300 / 350)
    assert cmast.uptake_pct[0] == system.uptake_pct[0] == 55.0  # shares are not scaled
    assert "CMAST's share of the system's staff in post" in cmast.sources["graduates"]
    assert (
        plan_inputs(small, "CMAST", ["PHYSIO"])
        .notes[-1]
        .startswith("The inflow assumptions are for the whole")
    )


def test_synthetic_data_is_flagged(engine):
    add_observations(engine, staff_rows() + leaver_rows())
    assert plan_inputs(engine, "C&M", ["PHYSIO"]).synthetic is False
    add_observations(engine, [("SIP_FTE", "RBS", "PHYSIO", "2025-10", 1, None, None)], synthetic=True)
    assert plan_inputs(engine, "C&M", ["PHYSIO"]).synthetic is False  # not a month the inputs use
    add_observations(engine, [("LEAVER_RATE", "RBS", "PHYSIO", "2024-12", None, 1, 100)], synthetic=True)
    assert plan_inputs(engine, "C&M", ["PHYSIO"]).synthetic is True


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("C&M", ("C&M", "system")),
        ("system", ("C&M", "system")),
        ("cmast", ("CMAST", "collaborative")),
        ("rbs", ("RBS", "trust")),
    ],
)
def test_scopes_are_the_system_a_collaborative_or_a_member_trust(engine, scope, expected):
    assert resolve_scope(engine, scope) == expected


@pytest.mark.parametrize(
    ("scope", "words"),
    [("XYZ", "There is no scope 'XYZ'"), ("RX7", "system partner"), ("RVY", "merged trust")],
)
def test_other_scopes_are_refused(engine, scope, words):
    with pytest.raises(UnknownName, match=words):
        resolve_scope(engine, scope)


def test_unknown_professions_and_a_scope_without_data_are_refused(small, engine):
    with pytest.raises(UnknownName, match="There is no profession 'NURSE'"):
        plan_inputs(small, "C&M", ["PHYSIO", "nurse"])
    with pytest.raises(PlanError, match="no complete month of staff in post"):
        plan_inputs(small, "RY7", ["PHYSIO"])


def test_run_plan_gives_the_projection_gaps_joiners_and_words(small):
    result = run_plan(small, "C&M", ["OT", "PHYSIO"], 3, ["retention +2 pts"], runs=100)
    assert list(result.projection.columns) == PROJECTION_COLUMNS
    assert len(result.projection) == 36 * 2 * 2
    assert [s.name for s in result.scenarios] == [BASELINE, "Retention +2 pts"]
    assert len(result.gaps) == 3 * 2 * 2 and result.by_year == 3
    assert set(result.joiners["by_year"]) == {3}
    assert result.synthetic is False and result.trust_level is False and result.seed == 16
    texts = [line.text for line in result.assumptions]
    assert any(t.startswith("Physiotherapists: 350.0 FTE in post (395 people) in Dec 2025") for t in texts)
    assert any("annual leaver rate 2.0 points lower" in t for t in texts)
    assert all(line.source for line in result.assumptions)
    again = run_plan(small, "C&M", ["OT", "PHYSIO"], 3, ["Retention +2 pts"], runs=100)
    pd.testing.assert_frame_equal(result.projection, again.projection)
    with pytest.raises(UnknownName, match="There is no scenario 'Nope'"):
        run_plan(small, "C&M", ["OT"], 3, ["Nope"])


# --- the shipped assumptions and scenarios -----------------------------------------------------------


def test_the_shipped_assumptions_cover_every_profession_and_parameter_and_say_their_source():
    shipped = store.reference_assumptions()
    assert len(shipped) == 14 * len(store.PARAMETERS)
    assert set(shipped["year"]) == {"all"}
    graduates = shipped["parameter"] == "graduates"
    assert (shipped.loc[~graduates, "source"] == "local estimate (assumption)").all()
    # the graduate placeholders were fitted to the synthetic demo history: their source says so
    assert (
        shipped.loc[graduates, "source"] == "local estimate fitted to the SYNTHETIC demo history (assumption)"
    ).all()
    names = [s.name for s in store.shipped_scenarios()]
    assert names == ["Retention +2 pts", "Training places +10 %", "International recruitment paused"]


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "plan_assumptions.csv"
    path.write_text(
        "profession,parameter,year,value,unit,source,note\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return path


def _complete(code: str = "OT") -> list[str]:
    values = {
        "graduates": 1,
        "uptake_pct": 50,
        "training_attrition_pct": 10,
        "international": 0,
        "returners": 0,
        "nhs_joiner_rate_pct": 4,
        "outside_joiner_rate_pct": 1.5,
        "leavers_to_nhs_pct": 40,
        "cm_move_rate_pct": 2,
        "demand_growth_pct": 2,
        "inflow_spread_pct": 15,
        "apprentice_course_years": 4,
    }
    return [f"{code},{name},all,{value},,local estimate," for name, value in values.items()]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "NURSE,graduates,2027/28,5,,local estimate,",
            "row 14, column profession: unknown profession code 'NURSE'",
        ),
        ("OT,graduate,2027/28,5,,local estimate,", "row 14, column parameter: unknown parameter 'graduate'"),
        (
            "OT,graduates,2027/29,5,,local estimate,",
            "row 14, column year: expected 'all' or a financial year",
        ),
        (
            "OT,demand_growth_pct,2027/28,5,,local estimate,",
            "row 14, column year: demand_growth_pct is one value",
        ),
        ("OT,uptake_pct,2027/28,120,,local estimate,", "row 14, column value: 120 is outside 0 to 100"),
        ("OT,graduates,2027/28,many,,local estimate,", "row 14, column value: expected a number, got 'many'"),
        ("OT,graduates,2027/28,5,,,", "row 14, column source: say where the value comes from"),
        ("OT,graduates,all,5,,local estimate,", "row 14: OT/graduates/all appears twice"),
    ],
)
def test_a_bad_assumption_row_is_named_by_row_and_column(tmp_path, bad, message):
    with pytest.raises(store.AssumptionFileError, match=message.replace("(", r"\(")):
        store.reference_assumptions(_write(tmp_path, [*_complete(), bad]), professions=["OT"])


def test_every_profession_needs_an_all_years_row(tmp_path):
    with pytest.raises(store.AssumptionFileError, match="no 'all' row for SLT graduates"):
        store.reference_assumptions(_write(tmp_path, _complete()), professions=["OT", "SLT"])
    assert len(store.reference_assumptions(_write(tmp_path, _complete()), professions=["OT"])) == 12


def test_a_shipped_scenario_with_an_unknown_parameter_is_refused(tmp_path):
    path = tmp_path / "plan_scenarios.csv"
    path.write_text(
        'name,description,changes,professions\nFaster,,"{""leaver_rate"": -2}",\n', encoding="utf-8"
    )
    with pytest.raises(
        store.AssumptionFileError, match=r"row 2, column changes: .*cannot change 'leaver_rate'"
    ):
        store.shipped_scenarios(path)


# --- the lead's edits and saved scenarios ------------------------------------------------------------


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_lead_sets_an_assumption_and_the_old_value_is_kept(small):
    first = store.set_assumption(small, LEAD, "physio", "graduates", "all", 300, "New places at Chester")
    assert first is not None
    with pytest.raises(NoteError, match="300 is the value in force already"):
        store.set_assumption(small, LEAD, "PHYSIO", "graduates", "all", 300, "again")  # no change: refused
    assert store.in_force(small, "PHYSIO", "graduates", "2027/28") == (
        300.0,
        store.current_assumptions(small)
        .set_index(["profession", "parameter", "year"])
        .loc[("PHYSIO", "graduates", "all"), "source"]
        + " (the value for all years)",
    )
    store.set_assumption(small, LEAD, "PHYSIO", "graduates", "2026/27", 0, "Course paused for a year")
    current = store.current_assumptions(small).set_index(["profession", "parameter", "year"])
    assert current.loc[("PHYSIO", "graduates", "all"), "value"] == 300
    assert current.loc[("PHYSIO", "graduates", "all"), "reference_value"] == 135
    assert "set by lead@cheshireandmerseyside.nhs.uk" in current.loc[("PHYSIO", "graduates", "all"), "source"]
    graduates = plan_inputs(small, "C&M", ["PHYSIO"]).profession("PHYSIO").graduates
    # Jan-Mar 2026 are in 2025/26 ('all': 300), Apr 2026 to Mar 2027 in 2026/27 (0), then 300 again
    assert (graduates[0], graduates[3], graduates[14], graduates[15]) == (300.0, 0.0, 0.0, 300.0)
    store.set_assumption(small, LEAD, "PHYSIO", "graduates", "all", None, "Back to the shipped figure")
    history = store.assumption_history(small, "PHYSIO")
    assert history["new_value"].tolist()[::-1] == pytest.approx([300, 0, np.nan], nan_ok=True)
    assert history["old_value"].tolist()[::-1] == pytest.approx([135, np.nan, 300], nan_ok=True)
    assert history["reason"].iloc[0] == "Back to the shipped figure"
    assert (
        store.current_assumptions(small)
        .set_index(["profession", "parameter", "year"])
        .loc[("PHYSIO", "graduates", "all"), "value"]
        == 135
    )
    with pytest.raises(NoteError, match="shipped value already"):
        store.set_assumption(small, LEAD, "PHYSIO", "graduates", "all", None, "Back again")
    assert len(store.assumption_history(small, "PHYSIO")) == 3  # the refusals wrote nothing


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("NURSE", "graduates", "all", 1), "profession"),
        (("OT", "graduate", "all", 1), "parameter"),
        (("OT", "graduates", "2027", 1), "year"),
        (("OT", "demand_growth_pct", "2027/28", 1), "year"),
        (("OT", "uptake_pct", "all", 101), "value"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_field_and_writes_nothing(engine, args, field):
    with pytest.raises(NoteError) as refused:
        store.set_assumption(engine, LEAD, *args, "a reason")
    assert refused.value.field == field
    with pytest.raises(NoteError, match="reason"):
        store.set_assumption(engine, LEAD, "OT", "graduates", "all", 5, "  ")
    assert _count(engine, PlanAssumptionChange) == 0


def test_a_board_member_cannot_change_an_assumption_or_save_a_scenario(engine):
    with pytest.raises(PermissionDenied):
        store.set_assumption(engine, BOARD, "OT", "graduates", "all", 5, "why not")
    with pytest.raises(PermissionDenied):
        store.save_scenario(engine, BOARD, "Mine", {"leaver_rate_pts": -1})
    assert _count(engine, PlanAssumptionChange) == 0 and _count(engine, PlanScenario) == 0


def test_the_lead_saves_a_scenario_with_who_and_when(engine):
    store.save_scenario(engine, LEAD, "OT retention", {"leaver_rate_pts": -1.5}, "OT only", ["ot"])
    saved = store.scenarios_named(engine, ["ot RETENTION"])[0]
    assert (saved.name, dict(saved.changes), saved.professions) == (
        "OT retention",
        {"leaver_rate_pts": -1.5},
        ("OT",),
    )
    record = store.scenario_records(engine).iloc[0]
    assert record["created_by"] == LEAD.email
    assert record["created_at"].date() == dt.datetime.now(dt.UTC).date()
    names = [s.name for s in store.all_scenarios(engine)]
    shipped = ["Retention +2 pts", "Training places +10 %", "International recruitment paused"]
    assert names == [BASELINE, *shipped, "OT retention"]


@pytest.mark.parametrize(
    ("name", "changes", "professions", "field"),
    [
        ("ot retention", {"leaver_rate_pts": -1}, None, "name"),
        ("Baseline", {"graduates_pct": 5}, None, "name"),
        ("retention +2 PTS", {"graduates_pct": 5}, None, "name"),
        ("New", {"retention": 5}, None, "changes"),
        ("New", {}, None, "changes"),
        ("New", {"graduates_pct": 5}, ["NURSE"], "professions"),
        ("", {"x": 1}, None, "name"),
    ],
)
def test_a_scenario_is_refused_for_a_repeated_name_or_an_unknown_parameter(
    engine, name, changes, professions, field
):
    store.save_scenario(engine, LEAD, "OT retention", {"leaver_rate_pts": -1})
    with pytest.raises(NoteError) as refused:
        store.save_scenario(engine, LEAD, name, changes, professions=professions)
    assert refused.value.field == field
    assert _count(engine, PlanScenario) == 1


def test_mean_and_spread_by_hand():
    assert mean_and_spread([10.0, 12.0, 14.0]) == (12.0, 2.0)
    assert mean_and_spread([7.5]) == (7.5, 0.0)
