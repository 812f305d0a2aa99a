"""The roll-up rules, proven on small exact fixtures with hand-computed expected values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from tests.conftest import add_observations

# January 2024, vacancy rate (ratio) and staff in post (sum).
#   REM (CMAST only):        PHYSIO 10/100, OT 5/20      -> 15/120 = 12.5 %;  FTE 60 + 40 = 100
#   RBS (CMAST and MHLDC):   all AHPs 3/60               ->  3/60  =  5.0 %;  FTE 50
#   RW4 (MHLDC only):        PHYSIO 9/30                 ->  9/30  = 30.0 %;  FTE 30
#   RX7 (NWAS, partner):     PARA 50/500                 -> outside every total; FTE 400
# CMAST  = REM + RBS       = 18/180 = 10.0 %       FTE 150
# MHLDC  = RBS + RW4       = 12/90  = 13.333.. %   FTE 80
# System = REM + RBS + RW4 = 27/210 = 12.857.. %   FTE 180 (RBS once, NWAS out)
# A mean of the three trust rates would be 15.83 %: the wrong answer the ratio rule prevents.
JAN = [
    ("VACANCY_RATE", "REM", "PHYSIO", "2024-01", None, 10, 100),
    ("VACANCY_RATE", "REM", "OT", "2024-01", None, 5, 20),
    ("VACANCY_RATE", "RBS", None, "2024-01", None, 3, 60),
    ("VACANCY_RATE", "RW4", "PHYSIO", "2024-01", None, 9, 30),
    ("VACANCY_RATE", "RX7", "PARA", "2024-01", None, 50, 500),
    ("SIP_FTE", "REM", "PHYSIO", "2024-01", 60, None, None),
    ("SIP_FTE", "REM", "OT", "2024-01", 40, None, None),
    ("SIP_FTE", "RBS", None, "2024-01", 50, None, None),
    ("SIP_FTE", "RW4", "PHYSIO", "2024-01", 30, None, None),
    ("SIP_FTE", "RX7", "PARA", "2024-01", 400, None, None),
]


def series(engine, level: str, **filters) -> pd.DataFrame:
    return queries.kpi_series(KPIFilter(**filters), level, engine)


def value_of(frame: pd.DataFrame, kpi: str, scope: str, month: str) -> float:
    rows = frame[
        (frame["kpi_code"] == kpi) & (frame["scope_code"] == scope) & (frame["period"] == pd.Timestamp(month))
    ]
    assert len(rows) == 1, f"expected one row for {kpi} {scope} {month}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def test_ratio_rolls_up_as_sum_of_numerators_over_sum_of_denominators(engine):
    add_observations(engine, JAN)
    trust = series(engine, "trust", kpis=("VACANCY_RATE",))
    assert value_of(trust, "VACANCY_RATE", "REM", "2024-01") == pytest.approx(12.5)
    collab = series(engine, "collaborative", kpis=("VACANCY_RATE",))
    assert value_of(collab, "VACANCY_RATE", "CMAST", "2024-01") == pytest.approx(10.0)
    assert value_of(collab, "VACANCY_RATE", "MHLDC", "2024-01") == pytest.approx(1200 / 90)
    system = series(engine, "system", kpis=("VACANCY_RATE",))
    assert value_of(system, "VACANCY_RATE", "C&M", "2024-01") == pytest.approx(2700 / 210)
    row = system.iloc[0]
    assert (row["numerator"], row["denominator"]) == (27, 210)


def test_trust_in_both_collaboratives_counts_in_each_and_once_in_the_system(engine):
    add_observations(engine, JAN)
    collab = series(engine, "collaborative", kpis=("SIP_FTE",))
    assert value_of(collab, "SIP_FTE", "CMAST", "2024-01") == 150
    assert value_of(collab, "SIP_FTE", "MHLDC", "2024-01") == 80
    system = series(engine, "system", kpis=("SIP_FTE",))
    assert value_of(system, "SIP_FTE", "C&M", "2024-01") == 180
    assert system["contributors"].iloc[0] == 3


def test_system_partner_is_outside_totals_but_shown_when_asked_for(engine):
    add_observations(engine, JAN)
    default_trusts = set(series(engine, "trust", kpis=("SIP_FTE",))["scope_code"])
    assert default_trusts == {"REM", "RBS", "RW4"}
    nwas = series(engine, "trust", kpis=("SIP_FTE",), trusts=("RX7",))
    assert value_of(nwas, "SIP_FTE", "RX7", "2024-01") == 400


def test_merged_trust_old_code_rolls_up_to_successor_from_merger_date(engine):
    # RVY merged into RBN on 2023-07-01. June under RVY stays RVY (and counts in CMAST, of which
    # RVY was a member until 2023-06-30); July under RVY belongs to RBN.
    add_observations(
        engine,
        [
            ("SIP_FTE", "RVY", None, "2023-06", 40, None, None),
            ("SIP_FTE", "RBN", None, "2023-06", 100, None, None),
            ("SIP_FTE", "RVY", None, "2023-07", 42, None, None),
            ("SIP_FTE", "RBN", None, "2023-07", 100, None, None),
        ],
    )
    trust = series(engine, "trust", kpis=("SIP_FTE",))
    assert value_of(trust, "SIP_FTE", "RVY", "2023-06") == 40
    assert value_of(trust, "SIP_FTE", "RBN", "2023-06") == 100
    assert value_of(trust, "SIP_FTE", "RBN", "2023-07") == 142
    assert trust[(trust["scope_code"] == "RVY") & (trust["period"] == "2023-07-01")].empty
    collab = series(engine, "collaborative", kpis=("SIP_FTE",))
    assert value_of(collab, "SIP_FTE", "CMAST", "2023-06") == 140
    assert value_of(collab, "SIP_FTE", "CMAST", "2023-07") == 142
    # RBN is in both collaboratives: RVY's July figure reaches MHLDC through RBN, June's does not.
    assert value_of(collab, "SIP_FTE", "MHLDC", "2023-06") == 100
    assert value_of(collab, "SIP_FTE", "MHLDC", "2023-07") == 142


def test_profession_rows_win_over_an_all_ahp_row_for_the_same_trust_and_month(engine):
    add_observations(
        engine,
        [
            ("SIP_FTE", "RBS", "PHYSIO", "2024-02", 20, None, None),
            ("SIP_FTE", "RBS", "OT", "2024-02", 10, None, None),
            ("SIP_FTE", "RBS", None, "2024-02", 35, None, None),
        ],
    )
    trust = series(engine, "trust", kpis=("SIP_FTE",))
    assert value_of(trust, "SIP_FTE", "RBS", "2024-02") == 30


def test_profession_filter_counts_only_the_chosen_professions(engine):
    add_observations(engine, JAN)
    system = series(engine, "system", kpis=("VACANCY_RATE",), professions=("PHYSIO",))
    # REM PHYSIO 10/100 + RW4 PHYSIO 9/30 = 19/130; RBS sent only an all-AHP row.
    assert value_of(system, "VACANCY_RATE", "C&M", "2024-01") == pytest.approx(1900 / 130)


def test_system_level_rows_are_used_where_no_trust_has_figures(engine):
    add_observations(
        engine,
        [
            ("FUNDING_SECURED", None, None, "2024-01", 1000.0, None, None),
            ("FUNDING_UTILISED", None, None, "2024-01", None, 30, 40),
        ],
    )
    system = series(engine, "system", workstreams=("FUND",))
    assert value_of(system, "FUNDING_SECURED", "C&M", "2024-01") == 1000
    assert value_of(system, "FUNDING_UTILISED", "C&M", "2024-01") == pytest.approx(75.0)
    assert series(engine, "collaborative", workstreams=("FUND",)).empty


def test_filters_restrict_trusts_collaboratives_kpis_and_periods(engine):
    add_observations(engine, [*JAN, ("SIP_FTE", "REM", "PHYSIO", "2024-02", 61, None, None)])
    mhldc_trusts = series(engine, "trust", kpis=("SIP_FTE",), collaboratives=("MHLDC",))
    assert set(mhldc_trusts["scope_code"]) == {"RBS", "RW4"}
    only_cmast = series(engine, "collaborative", collaboratives=("CMAST",))
    assert set(only_cmast["scope_code"]) == {"CMAST"}
    feb = series(engine, "trust", period_from=dt.date(2024, 2, 1))
    assert list(feb["value"]) == [61]
    assert set(series(engine, "trust", workstreams=("PLAN",))["kpi_code"]) == {"VACANCY_RATE", "SIP_FTE"}
    assert series(engine, "trust", workstreams=("RET",)).empty


@pytest.mark.parametrize(
    "empty_filter",
    [
        KPIFilter(trusts=()),
        KPIFilter(collaboratives=()),
        KPIFilter(professions=()),
        KPIFilter(kpis=()),
        KPIFilter(workstreams=()),
        KPIFilter(period_from=dt.date(2024, 3, 1), period_to=dt.date(2024, 1, 1)),
    ],
)
def test_an_empty_selection_returns_an_empty_frame_with_the_right_columns(engine, empty_filter):
    add_observations(engine, JAN)
    for level in queries.LEVELS:
        frame = queries.kpi_series(empty_filter, level, engine)
        assert frame.empty and list(frame.columns) == queries.SERIES_COLUMNS
    assert list(queries.profession_breakdown(empty_filter, engine).columns) == queries.PROFESSION_COLUMNS
    latest = queries.latest_values(empty_filter, "system", engine)
    assert latest.empty and list(latest.columns) == queries.LATEST_COLUMNS


def test_trusts_outside_the_chosen_collaborative_give_an_empty_trust_frame(engine):
    add_observations(engine, JAN)
    frame = series(engine, "trust", trusts=("RW4",), collaboratives=("CMAST",))
    assert frame.empty and list(frame.columns) == queries.SERIES_COLUMNS
    assert not series(engine, "collaborative", trusts=("RW4",), collaboratives=("CMAST",)).empty


def test_latest_value_with_previous_month_and_same_month_last_year(engine):
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, "2023-03", 90, None, None),
            ("SIP_FTE", "REM", None, "2024-02", 99, None, None),
            ("SIP_FTE", "REM", None, "2024-03", 101, None, None),
            ("SIP_FTE", "RW4", None, "2024-01", 30, None, None),
        ],
    )
    latest = queries.latest_values(KPIFilter(period_from=dt.date(2024, 1, 1)), "trust", engine)
    rem = latest[latest["scope_code"] == "REM"].iloc[0]
    assert rem["period"] == pd.Timestamp("2024-03-01")
    assert (rem["value"], rem["previous_value"], rem["last_year_value"]) == (101, 99, 90)
    rw4 = latest[latest["scope_code"] == "RW4"].iloc[0]
    assert rw4["value"] == 30 and pd.isna(rw4["previous_value"]) and pd.isna(rw4["last_year_value"])


def test_profession_breakdown_rolls_ratios_up_per_profession(engine):
    add_observations(engine, JAN)
    frame = queries.profession_breakdown(KPIFilter(kpis=("VACANCY_RATE",)), engine)
    by_profession = frame.set_index("profession_code")["value"]
    assert by_profession["PHYSIO"] == pytest.approx(1900 / 130)
    assert by_profession["OT"] == pytest.approx(25.0)
    assert "PARA" not in by_profession  # NWAS is outside the system
    one_trust = queries.profession_breakdown(KPIFilter(kpis=("VACANCY_RATE",), trusts=("REM",)), engine)
    assert one_trust.set_index("profession_code")["value"].to_dict() == pytest.approx(
        {"OT": 25.0, "PHYSIO": 10.0}
    )


def test_synthetic_flag_follows_the_import_batch(engine):
    add_observations(engine, JAN[:1], synthetic=False)
    add_observations(engine, [("VACANCY_RATE", "RW4", "PHYSIO", "2024-01", None, 9, 30)], synthetic=True)
    system = series(engine, "system", kpis=("VACANCY_RATE",))
    assert bool(system["synthetic"].iloc[0]) is True
    trust = series(engine, "trust", kpis=("VACANCY_RATE",)).set_index("scope_code")["synthetic"]
    assert trust.to_dict() == {"REM": False, "RW4": True}
    status = queries.data_status(engine)
    assert (status.any_synthetic, status.all_synthetic) == (True, False)
    assert queries.observation_counts(engine) == queries.ObservationCounts(total=2, synthetic=1)
    assert status.last_period == dt.date(2024, 1, 1)


def test_reference_lists_for_the_filters(engine):
    trusts = queries.trusts(engine).set_index("ods_code")
    assert trusts.loc["RBS", "collaboratives"] == ["CMAST", "MHLDC"]
    assert trusts.loc["RX7", "collaboratives"] == []
    professions = queries.professions(engine)
    assert len(professions[professions["combines"] == ""]) == 14  # and the arts therapists as a group
    assert list(queries.workstreams(engine)["code"]) == ["LEAD", "PLAN", "EDU", "RET", "ROLE", "EDI", "FUND"]
    catalogue = queries.kpi_catalogue(engine)
    assert len(catalogue) == 22
    assert catalogue.set_index("code").loc["VACANCY_RATE", "target"] == 7.5
    milestones = queries.milestones(engine)
    assert list(milestones["code"]) == ["M1", "M2", "M3", "M4", "M5", "M6"]


def test_relevant_filter_drops_what_cannot_change_a_level(engine):
    add_observations(engine, JAN)
    chosen = KPIFilter(kpis=("SIP_FTE",), trusts=("RW4",), collaboratives=("MHLDC",))
    for level in queries.LEVELS:
        narrowed = queries.relevant_filter(chosen, level)
        pd.testing.assert_frame_equal(
            queries.kpi_series(narrowed, level, engine), queries.kpi_series(chosen, level, engine)
        )
    assert queries.relevant_filter(chosen, "system") == KPIFilter(kpis=("SIP_FTE",))
    assert queries.relevant_filter(chosen, "collaborative").trusts is None
