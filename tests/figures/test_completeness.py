"""Completeness: which trusts were expected to report a KPI in a month and how many did, so that a month
only a few trusts have sent is provisional and never the headline. Each rule is tested on both sides of
its boundary, on databases small enough to count by hand (and once on the demo history)."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update

from kpi.access.auth import User
from kpi.figures import completeness, queries, rollups
from kpi.figures.queries import KPIFilter
from kpi.ingest import apply_import, prepare_import
from kpi.ingest.preview import import_outlook
from kpi.reference import membership
from kpi.reference.load import REFERENCE_DIR, ReferenceDataError, read_reference_csv
from kpi.seed.demo import generate_observations, load_demo
from kpi.store.models import KPIDefinition
from tests.conftest import add_observations

LEAD = User("lead@nhs.net", "Workforce Lead", "lead")
DEMO_END = dt.date(2026, 10, 1)
HEADER = b"period,trust_code,profession,kpi_code,value,numerator,denominator\n"


def system(engine, kpi: str = "SIP_FTE", **filters) -> dict[str, tuple[int, int, bool]]:
    """{'YYYY-MM': (contributors, expected, provisional)} of one KPI at system level."""
    frame = queries.kpi_series(KPIFilter(kpis=(kpi,), **filters), "system", engine)
    return {
        f"{row.period:%Y-%m}": (row.contributors, row.expected, row.provisional) for row in frame.itertuples()
    }


def collaborative(engine, kpi: str = "SIP_FTE") -> dict[tuple[str, str], tuple[int, int, bool]]:
    frame = queries.kpi_series(KPIFilter(kpis=(kpi,)), "collaborative", engine)
    return {
        (row.scope_code, f"{row.period:%Y-%m}"): (row.contributors, row.expected, row.provisional)
        for row in frame.itertuples()
    }


def fte(trust: str | None, month: str, value: float = 10.0) -> tuple:
    return ("SIP_FTE", trust, None, month, value, None, None)


# --- the share boundary (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected", "reported", "complete"),
    [
        (0.8, 10, 8, True),
        (0.8, 10, 7, False),
        (1.0, 15, 15, True),
        (1.0, 15, 14, False),
        (0.7, 10, 7, True),  # 0.7 x 10 is 7.000000000000001 in binary: still 7 needed, not 8
        (1.0, 0, 0, True),  # nobody expected (a system-only KPI): complete
    ],
)
def test_a_month_is_complete_from_the_share_of_expected_trusts_up(share, expected, reported, complete):
    assert bool(completeness.is_complete(reported, expected, share)) is complete


def test_provisional_reads_each_kpis_share_and_a_system_figure_is_complete():
    counts = pd.DataFrame(
        {
            "kpi_code": ["A", "A", "B", "B"],
            "period": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-01-01", "2026-02-01"]),
            "expected": [10, 10, 3, 3],
            "reported": [8, 7, 0, 2],
            "system_figure": [False, False, True, False],
        }
    )
    shares = pd.Series({"A": 0.8, "B": 1.0})
    assert completeness.provisional(counts, shares).tolist() == [False, True, False, True]


# --- who is expected -------------------------------------------------------------------------------


def test_a_trust_that_reported_12_months_before_is_expected_and_13_months_before_is_not(engine):
    # REM reported Jan 2024 only; RBS reports Jan and Feb 2025. In Jan 2025 REM's report is 12 months
    # old, so REM is expected and missing (1 of 2: provisional); in Feb 2025 it is 13 months old, so
    # only RBS is expected (1 of 1: complete).
    add_observations(engine, [fte("REM", "2024-01"), fte("RBS", "2025-01"), fte("RBS", "2025-02")])
    months = system(engine, period_from=dt.date(2025, 1, 1))
    assert months == {"2025-01": (1, 2, True), "2025-02": (1, 1, False)}


def test_a_collaborative_expects_only_its_own_members(engine):
    # REM is in CMAST, RW4 in MHLDC, RBS in both. In February RW4 does not report: MHLDC (RBS, RW4) is
    # provisional, CMAST (REM, RBS) is complete, and the system (3 expected, 2 reported) provisional.
    rows = [fte(t, "2026-01") for t in ("REM", "RW4", "RBS")] + [fte(t, "2026-02") for t in ("REM", "RBS")]
    add_observations(engine, rows)
    collabs = collaborative(engine)
    assert collabs[("CMAST", "2026-02")] == (2, 2, False)
    assert collabs[("MHLDC", "2026-02")] == (1, 2, True)
    assert collabs[("MHLDC", "2026-01")] == (2, 2, False)
    assert system(engine)["2026-02"] == (2, 3, True)


def test_data_under_a_merged_trusts_old_code_counts_for_its_successor(engine):
    # RBN and RVY both report June 2023; from July 2023 RVY is part of RBN and its membership has ended.
    # July's figures arrive under the old code RVY only: they are RBN's report, so RBN (the only trust
    # expected) has reported and the month is complete. Were RVY not mapped, RBN would be missing.
    add_observations(engine, [fte("RBN", "2023-06"), fte("RVY", "2023-06"), fte("RVY", "2023-07")])
    months = system(engine)
    assert months["2023-06"] == (2, 2, False)
    assert months["2023-07"] == (1, 1, False)


def test_a_system_partner_is_never_expected_at_system_or_collaborative_level(engine):
    # NWAS (RX7) reports every month, REM only in January: February and March have only NWAS, who is
    # outside the totals, so no system figure at all, and nothing is provisional for lack of NWAS.
    rows = [fte("RX7", m) for m in ("2026-01", "2026-02")] + [fte("REM", "2026-01"), fte("REM", "2026-02")]
    add_observations(engine, [*rows, fte("RX7", "2026-03")])
    assert system(engine) == {"2026-01": (1, 1, False), "2026-02": (1, 1, False)}
    collabs = collaborative(engine)
    assert collabs[("CMAST", "2026-02")] == (1, 1, False)
    nwas = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",), trusts=("RX7",)), "trust", engine)
    assert nwas["expected"].tolist() == [1, 1, 1] and not nwas["provisional"].any()


def test_a_trusts_own_rows_are_never_provisional(engine):
    add_observations(engine, [fte("REM", "2026-01"), fte("RBS", "2026-01"), fte("REM", "2026-02")])
    trusts = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",)), "trust", engine)
    assert trusts["expected"].tolist() == [1, 1, 1]
    assert not trusts["provisional"].any()
    assert system(engine)["2026-02"] == (1, 2, True)


def test_a_system_only_kpi_and_a_system_level_figure_are_complete(engine):
    # Funding exists only at system level: nobody is expected, every month complete. SIP_FTE: REM in
    # January, then a system-level figure alone in February (it stands for the whole system).
    add_observations(
        engine,
        [
            ("FUNDING_SECURED", None, None, "2026-01", 500.0, None, None),
            ("FUNDING_SECURED", None, None, "2026-02", 700.0, None, None),
            fte("REM", "2026-01"),
            fte(None, "2026-02", 300.0),
        ],
    )
    assert system(engine, "FUNDING_SECURED") == {"2026-01": (0, 0, False), "2026-02": (0, 0, False)}
    assert system(engine)["2026-02"] == (0, 1, False)


def test_the_kpis_complete_share_is_read_from_the_catalogue(engine):
    # Three trusts in January, two in February: provisional at share 1.0, complete at 0.6 (ceil 1.8 = 2)
    # and provisional again at 0.7 (ceil 2.1 = 3).
    add_observations(engine, [fte(t, "2026-01") for t in ("REM", "RBS", "RW4")])
    add_observations(engine, [fte(t, "2026-02") for t in ("REM", "RBS")])
    assert system(engine)["2026-02"] == (2, 3, True)
    for share, provisional in ((0.6, False), (0.7, True)):
        with engine.begin() as conn:
            conn.execute(
                update(KPIDefinition).where(KPIDefinition.code == "SIP_FTE").values(complete_share=share)
            )
        assert system(engine)["2026-02"] == (2, 3, provisional)


def test_a_profession_filter_does_not_change_who_reported(engine):
    # RBS sends occupational therapists only: with a physiotherapy filter it adds nothing to the figure,
    # but it has reported, so February is complete.
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", "PHYSIO", "2026-01", 10, None, None),
            ("SIP_FTE", "RBS", "OT", "2026-01", 5, None, None),
            ("SIP_FTE", "REM", "PHYSIO", "2026-02", 10, None, None),
            ("SIP_FTE", "RBS", "OT", "2026-02", 5, None, None),
        ],
    )
    assert system(engine, professions=("PHYSIO",))["2026-02"] == (1, 2, False)


# --- the latest values -----------------------------------------------------------------------------


def test_latest_values_skip_a_provisional_month_unless_asked(engine):
    rows = [fte(t, m, v) for m, v in (("2026-01", 10.0), ("2026-02", 12.0)) for t in ("REM", "RBS")]
    add_observations(engine, [*rows, fte("REM", "2026-03", 50.0)])
    flt = KPIFilter(kpis=("SIP_FTE",))
    latest = queries.latest_values(flt, "system", engine).iloc[0]
    assert (f"{latest.period:%Y-%m}", latest.value, latest.previous_value) == ("2026-02", 24.0, 20.0)
    assert (latest.provisional, latest.contributors, latest.expected) == (False, 2, 2)
    newest = queries.latest_values(flt, "system", engine, include_provisional=True).iloc[0]
    assert (f"{newest.period:%Y-%m}", newest.value, newest.previous_value) == ("2026-03", 50.0, 24.0)
    assert (newest.provisional, newest.contributors, newest.expected) == (True, 1, 2)
    # A trust's own latest month is its newest.
    rem = queries.latest_values(flt.but(trusts=("REM",)), "trust", engine).iloc[0]
    assert f"{rem.period:%Y-%m}" == "2026-03" and not rem.provisional


def test_a_scope_with_only_provisional_months_has_no_latest_value(engine):
    add_observations(engine, [fte("REM", "2026-01"), fte("RBS", "2026-01"), fte("REM", "2026-02")])
    flt = KPIFilter(kpis=("SIP_FTE",), period_from=dt.date(2026, 2, 1))
    assert queries.latest_values(flt, "system", engine).empty
    assert len(queries.latest_values(flt, "system", engine, include_provisional=True)) == 1


# --- a partial month on the demo history, through the real importer --------------------------------


def test_two_trusts_of_a_new_month_leave_the_demo_headline_on_the_last_complete_month(engine):
    load_demo(engine, end=DEMO_END)
    demo = generate_observations(DEMO_END)
    last = demo[
        (demo["kpi_code"] == "SIP_FTE") & (demo["period"] == DEMO_END) & (demo["trust_code"] != "RX7")
    ]
    csv = HEADER + b"2026-11,REM,,SIP_FTE,1000,,\n2026-11,RBS,,SIP_FTE,400,,\n"
    preview = prepare_import(engine, "november.csv", csv, today=dt.date(2026, 12, 15))
    line = (
        "Nov 2026: 2 of 16 expected trusts for AHP staff in post (FTE); the month stays provisional "
        "(headline figures keep showing Oct 2026) until the rest report."
    )
    assert preview.ok and preview.completeness == [line]
    assert line in [notice.message for notice in preview.notices]
    assert apply_import(engine, LEAD, preview, replace=False).applied

    flt = KPIFilter(kpis=("SIP_FTE",))
    latest = queries.latest_values(flt, "system", engine).iloc[0]
    assert latest.period == pd.Timestamp(DEMO_END)
    assert latest.value == pytest.approx(last["value"].sum())
    assert (latest.provisional, latest.contributors, latest.expected) == (False, 16, 16)
    newest = queries.latest_values(flt, "system", engine, include_provisional=True).iloc[0]
    assert newest.period == pd.Timestamp("2026-11-01") and newest.value == 1400.0
    assert (newest.provisional, newest.contributors, newest.expected) == (True, 2, 16)
    # Other KPIs of November: none, so their headline is October as before.
    vacancy = queries.latest_values(KPIFilter(kpis=("VACANCY_RATE",)), "system", engine).iloc[0]
    assert vacancy.period == pd.Timestamp(DEMO_END)


def test_the_preview_says_when_every_month_of_the_file_is_complete(engine):
    add_observations(engine, [fte("REM", "2026-01"), fte("RBS", "2026-01")])
    csv = HEADER + b"2026-02,REM,,SIP_FTE,10,,\n2026-02,RBS,,SIP_FTE,11,,\n2026-02,,,FUNDING_SECURED,500,,\n"
    preview = prepare_import(engine, "february.csv", csv, today=dt.date(2026, 3, 15))
    assert preview.completeness == [
        "Every month in the file will be complete once imported, so headline figures can show it."
    ]


def test_the_preview_counts_the_files_trusts_with_those_already_in(engine):
    # REM and RBS reported January, REM February. The file brings RBS for February (with REM already in,
    # 2 of 2: complete, no line) and REM alone for March (1 of 2: provisional, February is the headline).
    add_observations(engine, [fte("REM", "2026-01"), fte("RBS", "2026-01"), fte("REM", "2026-02")])
    csv = HEADER + b"2026-02,RBS,,SIP_FTE,11,,\n2026-03,REM,,SIP_FTE,12,,\n"
    preview = prepare_import(engine, "march.csv", csv, today=dt.date(2026, 4, 15))
    assert preview.completeness == [
        "Mar 2026: 1 of 2 expected trusts for AHP staff in post (FTE); the month stays provisional "
        "(headline figures keep showing Feb 2026) until the rest report."
    ]


def test_expected_trusts_on_an_empty_history_is_an_empty_frame():
    empty = pd.DataFrame({"kpi_code": [], "trust_code": [], "period": pd.to_datetime([])})
    members = pd.DataFrame(
        {"trust_code": [], "collaborative_code": [], "valid_from": pd.to_datetime([]), "valid_to": []}
    )
    assert completeness.expected_trusts(empty, members).empty
    counts = completeness.month_counts(empty, members, "system")
    assert counts.empty and {"expected", "reported", "system_figure"} <= set(counts.columns)


# --- the catalogue's lags, shares and ST&T proxies -------------------------------------------------


def test_the_catalogue_gives_each_kpi_its_publication_lag_and_share():
    kpis = {row["code"]: row for row in read_reference_csv("kpis")}
    lags = {code: row["lag_months"] for code, row in kpis.items()}
    # NHS Workforce Statistics about 3 months, NHS Sickness Absence Rates 4, trust returns and
    # programme records 1.
    assert {code for code, lag in lags.items() if lag == 3} == {
        "SIP_FTE", "SIP_HC", "SUPPORT_FTE", "LEAVER_RATE", "BME_SHARE", "STT_SIP_FTE", "STT_SIP_HC",
    }  # fmt: skip
    assert {code for code, lag in lags.items() if lag == 4} == {"SICKNESS_RATE", "STT_SICKNESS_RATE"}
    assert {lag for code, lag in lags.items()} == {1, 3, 4}
    assert all("Workforce Statistics" in kpis[c]["source"] for c, lag in lags.items() if lag == 3)
    assert {row["complete_share"] for row in kpis.values()} == {1.0}


def test_the_st_and_t_proxies_say_they_are_not_ahp_figures_and_follow_the_ahp_kpis():
    kpis = {row["code"]: row for row in read_reference_csv("kpis")}
    fte, hc, sick = kpis["STT_SIP_FTE"], kpis["STT_SIP_HC"], kpis["STT_SICKNESS_RATE"]
    assert fte["name"] == "Staff in post (FTE), ST&T staff group (proxy)"
    assert (fte["workstream"], fte["unit"], fte["rollup"], fte["grain"], fte["decimals"]) == (
        "PLAN", "FTE", "sum", "trust", 1,
    )  # fmt: skip
    assert (hc["unit"], hc["decimals"]) == ("people", 0) and "counts twice" in hc["definition"]
    assert (sick["workstream"], sick["unit"], sick["improvement"], sick["rollup"]) == (
        "RET",
        "%",
        "down",
        "ratio",
    )
    assert (sick["max_value"], sick["decimals"], sick["lag_months"]) == (100, 2, 4)
    assert sick["source"] == "NHS England NHS Sickness Absence Rates (benchmarking file)"
    for row in (fte, hc, sick):
        assert "proxy" in row["definition"] and "never an AHP figure" in row["definition"]
        assert "Scientific, therapeutic & technical staff" in row["definition"]
        others = [k for k in kpis.values() if k["workstream"] == row["workstream"] and k is not row]
        assert row["sort_order"] > max(k["sort_order"] for k in others if not k["code"].startswith("STT_"))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("lag_months", "-1", "0 or more"),
        ("complete_share", "0", "above 0"),
        ("complete_share", "1.5", "at most 1"),
    ],
)
def test_a_bad_lag_or_share_in_the_catalogue_is_refused(tmp_path, column, value, message):
    source = REFERENCE_DIR / "kpis.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0][column] = value
    with (tmp_path / "kpis.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ReferenceDataError, match=f"kpis.csv row 2, column {column}: .*{message}"):
        read_reference_csv("kpis", tmp_path)


def test_the_demo_history_has_the_proxies_larger_than_the_ahp_figures():
    demo = generate_observations(DEMO_END)
    last = demo[demo["period"] == DEMO_END].groupby("kpi_code")["value"].sum()
    assert last["STT_SIP_FTE"] > last["SIP_FTE"] and last["STT_SIP_HC"] > last["STT_SIP_FTE"]
    sickness = demo[demo["kpi_code"] == "STT_SICKNESS_RATE"]
    assert sickness["value"].between(0, 100).all() and sickness["profession_code"].isna().all()


# --- the preview reads only the months a file can change (issue 25) ---------------------------------


def _records(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Validated records as the importer hands them over: kpi_code, trust_code ('' for the system)."""
    return pd.DataFrame(
        [(kpi, trust, dt.date.fromisoformat(f"{month}-01")) for kpi, trust, month in rows],
        columns=["kpi_code", "trust_code", "period"],
    )


def _outlook_from_all_history(engine, records: pd.DataFrame) -> list[str]:
    incoming = records.assign(
        trust_code=records["trust_code"].replace("", None), period=pd.to_datetime(records["period"])
    )
    kpis = sorted(incoming["kpi_code"].unique())
    existing = rollups.reporters(engine, kpis)
    spans = membership.spans(engine)
    return completeness.outlook(existing, incoming, spans, completeness.kpi_rules(engine))


@pytest.mark.parametrize(
    "rows",
    [
        [("SIP_FTE", "REM", "2026-11"), ("SIP_FTE", "RBS", "2026-11")],  # a new month, two trusts
        [("SIP_FTE", "REM", "2024-06"), ("VACANCY_RATE", "RBS", "2025-02")],  # months already complete
        [("SIP_FTE", "REM", "2021-03"), ("SIP_FTE", "RBS", "2021-04")],  # before the history starts
        [("SIP_FTE", "REM", "2023-01"), ("SIP_FTE", "REM", "2027-06"), ("FUNDING_SECURED", "", "2026-11")],
    ],
)
def test_the_preview_of_any_months_says_what_reading_all_history_says(engine, rows):
    load_demo(engine, end=DEMO_END)
    records = _records(rows)
    assert import_outlook(engine, records) == _outlook_from_all_history(engine, records)
