"""The workforce projection (kpi.plan.model), on hand-worked cases with exact numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi.plan.model import (
    BASELINE,
    FLOW_COLUMNS,
    JOINERS_COLUMNS,
    PROJECTION_COLUMNS,
    SUPPLY_COLUMNS,
    PlanError,
    PlanInputs,
    ProfessionInputs,
    Scenario,
    UnknownName,
    deterministic,
    flows,
    gap_by_year,
    joiners_needed,
    monthly_rate,
    percentiles,
    project,
    small_number_text,
    suppress_small,
    widest_gap_first,
)

START = pd.Timestamp("2026-09-01")
M12 = 0.010596241035318976  # 1 - 0.88 ** (1/12): the monthly rate of a 12 % annual leaver rate


def plan(*professions: ProfessionInputs, level: str = "system") -> PlanInputs:
    return PlanInputs(scope="C&M", level=level, start_month=START, professions=professions)


def noisy(code: str, stock: float = 400.0, **changes) -> ProfessionInputs:
    """A profession with every flow and spread non-zero."""
    values = dict(
        stock_fte=stock, establishment_fte=stock * 1.1, leaver_rate_pct=11.0, leaver_rate_sd_pct=1.5,
        demand_growth_pct=2.0, graduates=60.0, uptake_pct=55.0, training_attrition_pct=10.0,
        international=5.0, returners=3.0, apprentices=4.0, inflow_spread_pct=20.0,
    )  # fmt: skip
    return ProfessionInputs(code, **{**values, **changes})


def supply(frame: pd.DataFrame, code: str, scenario: str = BASELINE, column: str = "supply_fte_p50"):
    rows = frame[(frame["profession"] == code) & (frame["scenario"] == scenario)]
    return rows[column].to_numpy()


def test_the_monthly_rate_compounds_to_the_annual_rate():
    assert monthly_rate(0.12) == pytest.approx(M12, abs=1e-15)
    assert (1 - monthly_rate(0.12)) ** 12 == pytest.approx(0.88, abs=1e-15)
    assert monthly_rate(0.0) == 0.0 and monthly_rate(1.0) == 1.0


def test_no_inflow_and_a_constant_leaver_rate_decays_by_one_minus_m_each_month():
    inputs = plan(
        ProfessionInputs("PHYSIO", stock_fte=1000.0, establishment_fte=1000.0, leaver_rate_pct=12.0)
    )
    frame = project(inputs, years=3, runs=200, seed=1)
    t = np.arange(1, 37)
    for column in SUPPLY_COLUMNS:
        np.testing.assert_allclose(supply(frame, "PHYSIO", column=column), 1000 * (1 - M12) ** t, rtol=1e-12)
    year_ends = gap_by_year(frame)
    assert year_ends["supply_fte_p50"].tolist() == pytest.approx([880.0, 774.4, 681.472], abs=1e-9)
    assert year_ends["gap_fte"].tolist() == pytest.approx([120.0, 225.6, 318.528], abs=1e-9)
    assert year_ends["gap_pct"].tolist() == pytest.approx([12.0, 22.56, 31.8528], abs=1e-9)


def test_inflow_equal_to_the_leavers_holds_the_stock_flat():
    leavers_a_year = 12 * 500 * M12  # each month's joiners replace that month's leavers exactly
    by_recruits = ProfessionInputs("OT", 500.0, 500.0, 12.0, international=leavers_a_year)
    # 40 % of graduates join (20 % lost in training, half of the rest take C&M jobs)
    by_graduates = ProfessionInputs(
        "SLT",
        500.0,
        500.0,
        12.0,
        graduates=leavers_a_year / 0.4,
        training_attrition_pct=20.0,
        uptake_pct=50.0,
    )
    frame = project(plan(by_recruits, by_graduates), years=10, runs=10, seed=3)
    for code in ("OT", "SLT"):
        np.testing.assert_allclose(supply(frame, code), 500.0, rtol=1e-12)
    assert frame["gap_fte"].abs().max() < 1e-9


def test_a_schedule_gives_each_month_its_own_figure():
    graduates = tuple([0.0] * 12 + [120.0] * 12)  # none in year 1, 120 a year in year 2
    inputs = plan(ProfessionInputs("POD", 100.0, 100.0, 0.0, graduates=graduates))
    frame = project(inputs, years=2, runs=1, seed=0)
    assert supply(frame, "POD")[[0, 11, 12, 23]] == pytest.approx([100.0, 100.0, 110.0, 220.0])
    with pytest.raises(PlanError, match="graduates has 24 months, 36 needed"):
        project(inputs, years=3)


def test_demand_growth_grows_the_establishment_by_one_plus_g_to_the_years():
    inputs = plan(ProfessionInputs("DIET", 150.0, 200.0, 10.0, demand_growth_pct=3.0))
    frame = project(inputs, years=7, runs=5, seed=0)
    establishment = frame["establishment_fte"].to_numpy()
    assert establishment[-1] == pytest.approx(245.97477308497403, rel=1e-12)  # 200 x 1.03^7
    assert establishment[11] == pytest.approx(206.0, rel=1e-12)  # one year: 200 x 1.03
    assert establishment[0] == pytest.approx(200 * 1.03 ** (1 / 12), rel=1e-12)


def test_the_band_is_one_line_equal_to_the_deterministic_projection_when_every_spread_is_zero():
    quiet = [noisy(code, leaver_rate_sd_pct=0.0, inflow_spread_pct=0.0) for code in ("OT", "PHYSIO")]
    inputs = plan(*quiet)
    frame = project(inputs, years=10, runs=1000, seed=7)
    line = deterministic(inputs, years=10)
    for code in ("OT", "PHYSIO"):
        expected = line.loc[line["profession"] == code, "supply_fte"].to_numpy()
        for column in SUPPLY_COLUMNS:
            np.testing.assert_array_equal(supply(frame, code, column=column), expected)


def test_the_band_widens_with_uncertainty_and_its_percentiles_are_in_order():
    frame = project(plan(noisy("OT")), years=10, runs=1000, seed=7)
    bands = frame[SUPPLY_COLUMNS].to_numpy()
    assert (np.diff(bands, axis=1) >= 0).all()
    assert (bands[-1, 4] - bands[-1, 0]) > (bands[0, 4] - bands[0, 0]) > 0


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    inputs = plan(noisy("OT"), noisy("PHYSIO", stock=900.0))
    first = project(inputs, 5, [Scenario("Retention", {"leaver_rate_pts": -1})], runs=300, seed=11)
    again = project(inputs, 5, [Scenario("Retention", {"leaver_rate_pts": -1})], runs=300, seed=11)
    other = project(inputs, 5, [Scenario("Retention", {"leaver_rate_pts": -1})], runs=300, seed=12)
    pd.testing.assert_frame_equal(first, again)
    for column in ("supply_fte_p05", "supply_fte_p50", "supply_fte_p95"):
        assert not np.allclose(first[column], other[column])


def test_a_professions_band_is_the_same_alone_or_with_others_and_over_any_horizon():
    together = project(plan(noisy("OT"), noisy("PHYSIO", stock=900.0)), 10, runs=200, seed=5)
    alone = project(plan(noisy("OT")), 3, runs=200, seed=5)
    for column in SUPPLY_COLUMNS:
        np.testing.assert_array_equal(
            supply(together, "OT", column=column)[:36], supply(alone, "OT", column=column)
        )


def test_a_scenario_changes_only_what_it_names():
    inputs = plan(noisy("OT"), noisy("PHYSIO", stock=900.0), noisy("DIET", stock=150.0))
    retention = Scenario("OT retention", {"leaver_rate_pts": -2.0}, professions=("OT",))
    demand = Scenario("More demand", {"demand_growth_pts": 1.0})
    frame = project(inputs, 4, [retention, demand], runs=500, seed=9)
    base = frame[frame["scenario"] == BASELINE].drop(columns="scenario").reset_index(drop=True)
    for name in ("OT retention", "More demand"):
        assert len(frame[frame["scenario"] == name]) == len(base)

    def rows(name: str) -> pd.DataFrame:
        return frame[frame["scenario"] == name].drop(columns="scenario").reset_index(drop=True)

    changed = rows("OT retention")
    others = base["profession"] != "OT"
    pd.testing.assert_frame_equal(changed[others], base[others])  # other professions: every column the same
    ot = base["profession"] == "OT"
    supply_and_gap = [*SUPPLY_COLUMNS, "gap_fte", "gap_pct", "leaver_rate_pct"]
    unchanged = [c for c in PROJECTION_COLUMNS if c not in (*supply_and_gap, "scenario")]
    pd.testing.assert_frame_equal(changed.loc[ot, unchanged], base.loc[ot, unchanged])
    assert (changed.loc[ot, "supply_fte_p50"] > base.loc[ot, "supply_fte_p50"]).all()
    assert changed.loc[ot, "leaver_rate_pct"].unique().tolist() == pytest.approx([9.0])

    grown = rows("More demand")
    pd.testing.assert_frame_equal(grown[SUPPLY_COLUMNS], base[SUPPLY_COLUMNS])  # supply untouched
    assert (grown["establishment_fte"] > base["establishment_fte"]).all()


def test_international_recruitment_paused_removes_only_international_recruits():
    only_recruits = ProfessionInputs("RAD", 300.0, 300.0, 0.0, international=24.0, inflow_spread_pct=0.0)
    frame = project(plan(only_recruits), 1, [Scenario("Paused", {"international_pct": -100})], runs=1)
    assert supply(frame, "RAD")[-1] == pytest.approx(324.0)
    assert supply(frame, "RAD", "Paused")[-1] == pytest.approx(300.0)


def test_unknown_scenario_parameters_and_bad_values_are_refused_with_a_clear_message():
    with pytest.raises(UnknownName, match=r"cannot change 'leaver_rate'; it can change leaver_rate_pts"):
        Scenario("Typo", {"leaver_rate": -2})
    with pytest.raises(PlanError, match="must be a number"):
        Scenario("Words", {"graduates_pct": "ten"})
    with pytest.raises(PlanError, match="needs a name"):
        Scenario("  ", {})


def test_rows_columns_months_and_the_baseline_always_first():
    inputs = plan(noisy("OT"), noisy("PHYSIO"))
    frame = project(inputs, 3, [Scenario("Training", {"graduates_pct": 10})], runs=50, seed=1)
    assert list(frame.columns) == PROJECTION_COLUMNS
    assert len(frame) == 36 * 2 * 2
    assert list(dict.fromkeys(frame["scenario"])) == [BASELINE, "Training"]
    assert frame["month"].dtype == "datetime64[ns]"
    assert frame["month"].min() == pd.Timestamp("2026-10-01")
    assert frame["month"].max() == pd.Timestamp("2029-09-01")
    ends = gap_by_year(frame)
    assert len(ends) == 3 * 2 * 2
    assert sorted(set(ends["month"])) == [pd.Timestamp(m) for m in ("2027-09-01", "2028-09-01", "2029-09-01")]


def test_professions_come_widest_gap_first():
    small_gap = ProfessionInputs("ART", 50.0, 55.0, 0.0)
    wide_gap = ProfessionInputs("RAD", 500.0, 600.0, 0.0)
    no_gap = ProfessionInputs("PO", 20.0, 20.0, 0.0)
    frame = project(plan(small_gap, no_gap, wide_gap), 1, runs=1)
    assert widest_gap_first(frame) == ["RAD", "ART", "PO"]
    assert list(dict.fromkeys(frame["profession"])) == ["RAD", "ART", "PO"]
    assert list(dict.fromkeys(gap_by_year(frame)["profession"])) == ["RAD", "ART", "PO"]


def test_joiners_needed_by_hand():
    """100 FTE, 12 % leavers, nothing joining: 88 after a year, a gap of 12. J a year adds
    (J/12)(1 - 0.88)/m by the year's end, so J = 12 x 12 x m / 0.12 = 1200 m; with 40 % of places
    turning into joiners, places = J / 0.4."""
    inputs = plan(ProfessionInputs("OT", 100.0, 100.0, 12.0, training_attrition_pct=20.0, uptake_pct=50.0))
    frame = project(inputs, 2, runs=1)
    needed = joiners_needed(inputs, frame, by_year=1)
    assert list(needed.columns) == JOINERS_COLUMNS
    row = needed.iloc[0]
    assert row["gap_fte"] == pytest.approx(12.0)
    assert row["extra_joiners_per_year"] == pytest.approx(12.715489242382771, rel=1e-12)
    assert row["extra_training_places_per_year"] == pytest.approx(31.788723105956926, rel=1e-12)


@pytest.mark.parametrize("spread", [0.0, 1.0])
def test_adding_the_joiners_needed_closes_the_gap(spread):
    professions = [
        noisy("OT", leaver_rate_sd_pct=spread, inflow_spread_pct=10 * spread),
        noisy(
            "PHYSIO", stock=900.0, graduates=20.0, leaver_rate_sd_pct=spread, inflow_spread_pct=10 * spread
        ),
        noisy("PO", stock=20.0, establishment_fte=10.0, leaver_rate_sd_pct=spread),  # a surplus: none needed
    ]
    inputs = plan(*professions)
    frame = project(inputs, 10, runs=1000, seed=4)
    needed = joiners_needed(inputs, frame, by_year=6).set_index("profession")
    assert needed.loc["PO", "extra_joiners_per_year"] == 0.0
    assert needed.loc["PHYSIO", "extra_joiners_per_year"] > 50
    for code in ("OT", "PHYSIO"):
        extra = Scenario(
            "Extra", {"extra_joiners": needed.loc[code, "extra_joiners_per_year"]}, professions=(code,)
        )
        closed = gap_by_year(project(inputs, 10, [extra], runs=1000, seed=4))
        at = closed[(closed["scenario"] == "Extra") & (closed["profession"] == code) & (closed["year"] == 6)]
        # exact without uncertainty; with it the median moves a little (a persistent leaver-rate error
        # keeps the extra joiners' cohort on a different path in each run)
        assert abs(float(at["gap_fte"].iloc[0])) < (0.5 if spread == 0 else 2.0)


def test_joiners_needed_are_listed_widest_gap_first():
    inputs = plan(ProfessionInputs("ART", 50.0, 60.0, 0.0), ProfessionInputs("RAD", 500.0, 600.0, 0.0))
    needed = joiners_needed(inputs, project(inputs, 2, runs=1), by_year=2)
    assert needed["profession"].tolist() == ["RAD", "ART"]
    assert needed["extra_joiners_per_year"].tolist() == pytest.approx([50.0, 5.0])  # 100 and 10 over 2 years
    with pytest.raises(PlanError, match="runs 2 years"):
        joiners_needed(inputs, project(inputs, 2, runs=1), by_year=3)


@pytest.mark.parametrize(
    ("value", "trust_level", "decimals", "text"),
    [
        (4, True, 0, "<5"),  # either side of the boundary: 4 is suppressed, 5 is shown
        (4.99, True, 0, "<5"),
        (5, True, 0, "5"),
        (5.0, True, 1, "5"),  # at trust level every figure is a whole multiple of 5
        (7.49, True, 0, "5"),  # rounded to the nearest 5, half up
        (7.5, True, 0, "10"),
        (0, True, 0, "<5"),
        (-3.2, True, 1, "<5"),
        (-8, True, 0, "-10"),
        (1234.56, True, 1, "1,235"),
        (4.9, False, 1, "4.9"),
        (-0.04, False, 1, "0.0"),
        (None, True, 0, "–"),
        (float("nan"), False, 0, "–"),
    ],
)
def test_small_numbers_at_trust_level_are_shown_as_under_five(value, trust_level, decimals, text):
    assert small_number_text(value, trust_level=trust_level, decimals=decimals) == text


def test_suppress_small_turns_the_columns_into_text_and_leaves_the_rest():
    frame = pd.DataFrame({"profession": ["ART", "RAD"], "gap_fte": [3.0, 42.0]})
    shown = suppress_small(frame, ["gap_fte"], trust_level=True)
    assert shown["gap_fte"].tolist() == ["<5", "40"]
    assert frame["gap_fte"].tolist() == [3.0, 42.0]


@pytest.mark.parametrize(("years", "runs"), [(0, 10), (11, 10), (3, 0)])
def test_a_horizon_outside_one_to_ten_years_or_no_runs_is_refused(years, runs):
    with pytest.raises(PlanError):
        project(plan(noisy("OT")), years, runs=runs)


def test_percentiles_match_numpys_linear_method():
    values = np.random.default_rng(0).normal(size=(6, 3, 101))
    np.testing.assert_allclose(
        percentiles(values), np.percentile(values, [5, 25, 50, 75, 95], axis=-1), atol=1e-12
    )


def test_each_profession_draws_its_own_runs():
    twins = project(plan(noisy("OT"), noisy("SLT")), 3, runs=200, seed=5)
    assert not np.allclose(
        supply(twins, "OT", column="supply_fte_p05"), supply(twins, "SLT", column="supply_fte_p05")
    )


# --- balanced flows (issue 28) -------------------------------------------------------------------------


def test_a_trust_with_moves_in_and_out_balances_its_leavers_to_the_nhs_with_joiners_from_it():
    """A trust of 100 FTE losing 12 % a year, half of its leavers to other NHS organisations, and
    joining from other NHS organisations at 12 x m a year (m the monthly leaver rate): each month's
    joiners replace that month's leavers exactly, so it stays at 100; over the year 100 x 12 x m =
    12.7155 FTE join from the NHS and as many leave, 6.3577 to the NHS and 6.3577 out of it. The move
    rate between C&M trusts changes nothing at trust level (a move is a leaver and a joiner there)."""
    joiners = 12 * M12 * 100
    trust = ProfessionInputs(
        "OT", 100.0, 100.0, 12.0, nhs_joiner_rate_pct=joiners, leavers_to_nhs_pct=50.0, cm_move_rate_pct=2.0
    )
    inputs = plan(trust, level="trust")
    np.testing.assert_allclose(deterministic(inputs, 1)["supply_fte"], 100.0, rtol=1e-12)
    row = flows(inputs, 1).iloc[0]
    assert row["nhs_joiners"] == pytest.approx(12 * M12 * 100, rel=1e-12) == pytest.approx(12.71549, abs=1e-5)
    assert row["leavers_to_nhs"] == pytest.approx(6 * M12 * 100, rel=1e-12)
    assert row["leavers_out_of_nhs"] == pytest.approx(6 * M12 * 100, rel=1e-12)
    assert row["start_fte"] == row["end_fte"] == pytest.approx(100.0)


def test_the_system_leaves_out_moves_between_its_trusts_on_both_sides():
    """The same inputs at system level: the 2 % a year moving between C&M trusts come off the leaver
    rate (12 -> 10 %) and off the NHS joiners (5 -> 3 %), so the system is projected exactly as a trust
    with 10 % leavers and 3 % NHS joiners; of its leavers only (6 - 2) / 10 = 40 % go to the NHS."""
    values = {"stock_fte": 500.0, "establishment_fte": 500.0}
    system = plan(
        ProfessionInputs(
            "OT",
            **values,
            leaver_rate_pct=12.0,
            nhs_joiner_rate_pct=5.0,
            leavers_to_nhs_pct=50.0,
            cm_move_rate_pct=2.0,
            outside_joiner_rate_pct=1.0,
            international=10.0,
        )
    )
    same = plan(
        ProfessionInputs(
            "OT",
            **values,
            leaver_rate_pct=10.0,
            nhs_joiner_rate_pct=3.0,
            leavers_to_nhs_pct=40.0,
            outside_joiner_rate_pct=1.0,
            international=10.0,
        ),
        level="trust",
    )
    np.testing.assert_allclose(deterministic(system, 3)["supply_fte"], deterministic(same, 3)["supply_fte"])
    pd.testing.assert_frame_equal(flows(system, 3), flows(same, 3))
    row = flows(system, 3).iloc[0]
    assert row["leavers_to_nhs"] / (row["leavers_to_nhs"] + row["leavers_out_of_nhs"]) == pytest.approx(0.4)


def test_a_system_whose_only_flows_are_moves_between_its_trusts_stands_still():
    """Every leaver moves to another C&M trust and every joiner comes from one (2 % a year each way):
    the moves cancel inside the system, no flow is left, and the stock stays at 300 exactly."""
    internal = ProfessionInputs(
        "SLT", 300.0, 300.0, 2.0, nhs_joiner_rate_pct=2.0, leavers_to_nhs_pct=100.0, cm_move_rate_pct=2.0
    )
    np.testing.assert_allclose(deterministic(plan(internal), 5)["supply_fte"], 300.0, rtol=0, atol=1e-12)
    row = flows(plan(internal), 5).iloc[0]
    moving = [c for c in FLOW_COLUMNS if c not in ("profession", "start_fte", "end_fte")]
    assert row[moving].abs().max() == 0.0
    # at trust level the same move is a leaver and a joiner, both counted
    trust = flows(plan(internal, level="trust"), 5).iloc[0]
    assert trust["nhs_joiners"] > 29 and trust["leavers_to_nhs"] > 29 and trust["leavers_out_of_nhs"] == 0


def test_the_waterfall_adds_up_from_the_start_to_the_end():
    inputs = plan(noisy("OT", nhs_joiner_rate_pct=4.0, outside_joiner_rate_pct=1.5, leavers_to_nhs_pct=40.0,
                        cm_move_rate_pct=2.0), noisy("PHYSIO", stock=900.0))  # fmt: skip
    table = flows(inputs, 5)
    inflows = table[["newly_qualified", "international", "returners", "apprentices", "nhs_joiners",
                     "outside_joiners", "extra_joiners"]].sum(axis=1)  # fmt: skip
    outflows = table[["leavers_to_nhs", "leavers_out_of_nhs"]].sum(axis=1)
    np.testing.assert_allclose(table["start_fte"] + inflows - outflows, table["end_fte"], rtol=1e-12)
    central = deterministic(inputs, 5)
    ends = central.groupby("profession", sort=False)["supply_fte"].last()
    np.testing.assert_allclose(
        table.set_index("profession")["end_fte"], ends[table["profession"]], rtol=1e-12
    )


def test_a_persistent_leaver_error_widens_the_band_with_the_horizon_more_than_a_fresh_one():
    """The same spread of the leaver rate, drawn once for the horizon (persistence 1) or afresh each
    year (0): the persistent one gives the wider 5-year band (errors add up instead of cancelling)."""

    def width(rho: float) -> float:
        inputs = plan(ProfessionInputs("OT", 1000.0, 1000.0, 10.0, leaver_rate_sd_pct=1.0,
                                       leaver_rate_persistence=rho))  # fmt: skip
        end = gap_by_year(project(inputs, 5, runs=2000, seed=3)).iloc[-1]
        return float(end["supply_fte_p95"] - end["supply_fte_p05"])

    assert width(1.0) > 1.8 * width(0.0)
    # a sustained 1-point error over 5 years moves supply by about 1000 x (0.9^5 - 0.89^5) = 32 FTE
    # either way: the persistent 90 % band is about +-1.645 x that
    assert width(1.0) == pytest.approx(2 * 1.645 * 1000 * (0.9**5 - 0.89**5), rel=0.08)


def test_the_band_scale_multiplies_every_spread():
    base = plan(noisy("OT"))
    wide = PlanInputs(**{**base.__dict__, "band_scale": 2.0})
    a = gap_by_year(project(base, 3, runs=500, seed=2)).iloc[-1]
    b = gap_by_year(project(wide, 3, runs=500, seed=2)).iloc[-1]
    assert b["supply_fte_p95"] - b["supply_fte_p50"] == pytest.approx(
        2 * (a["supply_fte_p95"] - a["supply_fte_p50"]), rel=0.1
    )
