"""Every CSV the app offers, read back as any tool would: `pandas.read_csv(io.BytesIO(data))` with no
skiprows. The pages run in AppTest on a small exact database; the download buttons are spied on, so
each test reads the very bytes and file name a click would give.

Hand-computed figures (all synthetic, Aug-Oct 2026):
    SIP_FTE physiotherapists, system: Oct REM 1500.1 + RBS 28.3 = 1528.3999999999999 in floating point,
        1528.4 at the KPI's one decimal; Sep 1490 + 26.1 = 1516.1 -> +12.3 FTE on Sep, better
    VACANCY_RATE system: Oct (15 + 3 + 9) / 210 = 12.857 % -> 12.9; physiotherapists: 15 / 120 = 12.5 %,
        Sep 12 / 120 = 10.0 % -> +2.5 pts, worse; trusts RBS 5.0, REM 12.5, RW4 30.0
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import update

from kpi.store.models import Milestone
from tests.conftest import add_observations
from tests.ui.test_app import assert_page_ok, chart_headings, run_app

ROWS = [
    ("SIP_FTE", "REM", "PHYSIO", "2026-08", 1480.0, None, None),
    ("SIP_FTE", "REM", "PHYSIO", "2026-09", 1490.0, None, None),
    ("SIP_FTE", "REM", "PHYSIO", "2026-10", 1500.1, None, None),
    ("SIP_FTE", "RBS", "PHYSIO", "2026-08", 25.0, None, None),
    ("SIP_FTE", "RBS", "PHYSIO", "2026-09", 26.1, None, None),
    ("SIP_FTE", "RBS", "PHYSIO", "2026-10", 28.3, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-08", 30.0, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-09", 31.0, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-10", 33.0, None, None),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-08", None, 12, 120),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-09", None, 12, 120),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-10", None, 15, 120),
    ("VACANCY_RATE", "RBS", "OT", "2026-08", None, 3, 60),
    ("VACANCY_RATE", "RBS", "OT", "2026-09", None, 3, 60),
    ("VACANCY_RATE", "RBS", "OT", "2026-10", None, 3, 60),
    ("VACANCY_RATE", "RW4", "OT", "2026-08", None, 6, 30),
    ("VACANCY_RATE", "RW4", "OT", "2026-09", None, 6, 30),
    ("VACANCY_RATE", "RW4", "OT", "2026-10", None, 9, 30),
]
PERIOD = "2026-08_to_2026-10"


@dataclass
class Download:
    label: str
    file_name: str
    data: bytes


@pytest.fixture
def dl_db(engine):
    add_observations(engine, ROWS, synthetic=True, file_name="downloads-fixture.csv")
    return engine


@pytest.fixture
def spy(monkeypatch):
    """The CSV downloads the pages offer, by file name, as the bytes a click would give."""
    offered: dict[str, Download] = {}
    original = st.download_button

    def download_button(label, data=None, file_name=None, mime=None, **kwargs):
        if mime == "text/csv" or (file_name or "").endswith(".csv"):
            content = data() if callable(data) else data
            offered[file_name] = Download(
                label, file_name, content if isinstance(content, bytes) else content.encode()
            )
        return original(label, data, file_name=file_name, mime=mime, **kwargs)

    monkeypatch.setattr(st, "download_button", download_button)
    return offered


def read(download: Download) -> pd.DataFrame:
    """The file as a plain pandas.read_csv sees it, after checking it is tidy: BOM, header first."""
    data = download.data
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    first = data.decode("utf-8-sig").splitlines()[0]
    assert not first.startswith('"'), f"the header is the first line, not a banner: {first!r}"
    return pd.read_csv(io.BytesIO(data))


def one(offered: dict[str, Download], prefix: str) -> Download:
    matches = [d for name, d in offered.items() if name.startswith(prefix)]
    assert len(matches) == 1, f"one CSV named {prefix}*; offered {sorted(offered)}"
    return matches[0]


def open_page(spy, page: str | None = None, **params):
    spy.clear()
    at = run_app(page, **params)
    assert_page_ok(at)
    return at, dict(spy)


def test_chart_csv_with_a_profession_filter_is_tidy_and_says_so(dl_db, spy):
    at, offered = open_page(spy, "app_pages/workstreams.py", workstream="PLAN", profession="PHYSIO")
    download = one(offered, "SIP_FTE_")
    assert download.file_name == f"SIP_FTE_C-M-CMAST-MHLDC_PHYSIO_{PERIOD}.csv"
    text = download.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(
        "KPI code,KPI,Scope code,Scope,Month,Value,Unit,Numerator,Denominator"
    )
    assert "1528.4," in text and "1528.39" not in text
    frame = read(download)
    assert pd.api.types.is_float_dtype(frame["Value"])
    system = frame[frame["Scope code"] == "C&M"].set_index("Month")
    assert system.loc["2026-10", "Value"] == 1528.4  # exact: rounded to the KPI's one decimal
    assert system.loc["2026-09", "Value"] == 1516.1
    assert set(frame["Professions"]) == {"Physiotherapists"}
    assert set(frame["Trusts"]) == {"All trusts"}
    assert set(frame["Synthetic data"]) == {"yes"}
    assert set(frame["Period from"]) == {"2026-08"} and set(frame["Period to"]) == {"2026-10"}
    assert set(frame["Data as at"]) == {"2026-10"}
    assert set(frame["Source"]) == {"NHS Digital monthly NHS Workforce Statistics (ESR)"}
    # what is on screen says it too: the chart titles and the "Showing …" line
    assert chart_headings(at)[0] == "AHP staff in post (FTE) · Physiotherapists"
    assert any(
        c.value.startswith("Showing Physiotherapists · C&M system, CMAST, MHLDC · Aug 2026 to Oct 2026")
        for c in at.caption
    )


def test_two_filters_never_share_a_file_name(dl_db, spy):
    names = set()
    for params in ({}, {"profession": "PHYSIO"}, {"profession": "OT"}, {"profession": ["OT", "PHYSIO"]}):
        _, offered = open_page(spy, "app_pages/workstreams.py", workstream="PLAN", **params)
        names.add(one(offered, "SIP_FTE_").file_name)
    assert names == {
        f"SIP_FTE_C-M-CMAST-MHLDC_{PERIOD}.csv",
        f"SIP_FTE_C-M-CMAST-MHLDC_PHYSIO_{PERIOD}.csv",
        f"SIP_FTE_C-M-CMAST-MHLDC_OT_{PERIOD}.csv",
        f"SIP_FTE_C-M-CMAST-MHLDC_OT-PHYSIO_{PERIOD}.csv",
    }


def test_many_trusts_and_professions_give_short_unique_names(dl_db, spy):
    five = ["REM", "RBS", "RW4", "RBQ", "RBT"]
    professions = ["PHYSIO", "OT", "SLT", "DIET", "POD"]
    _, first = open_page(spy, "app_pages/trusts.py", workstream="PLAN", trust=five, profession=professions)
    _, second = open_page(
        spy, "app_pages/trusts.py", workstream="PLAN", trust=five, profession=professions[:4]
    )
    a, b = one(first, "SIP_FTE_").file_name, one(second, "SIP_FTE_").file_name
    assert a != b
    for name in (a, b):
        assert len(name) <= 84, name
        assert name.startswith("SIP_FTE_REM-RBS-6-more_DIET-OT-"), name  # readable, then a hash of it all
    frame = read(one(first, "SIP_FTE_"))
    assert set(frame["Professions"]) == {
        "Physiotherapists, Occupational therapists, Speech and language therapists, Dietitians, Podiatrists"
    }
    assert set(frame["Trusts"]) == {
        "Liverpool University Hospitals, Alder Hey, Mersey Care, Liverpool Heart and Chest, Mid Cheshire"
    }


def test_overview_kpi_summary_csv_has_figures_not_sentences(dl_db, spy):
    at, offered = open_page(spy, profession="PHYSIO")
    download = one(offered, "kpi-summary_")
    assert download.file_name == f"kpi-summary_C-M_PHYSIO_{PERIOD}.csv"
    frame = read(download)
    assert list(frame.columns[:14]) == [
        "Workstream", "KPI code", "KPI", "Month", "Value", "Unit", "Target", "Target from", "Previous month",
        "Change on previous month", "Reading on previous month", "Same month last year",
        "Change on same month last year", "Reading on same month last year",
    ]  # fmt: skip
    for column in ("Value", "Target", "Change on previous month", "Change on same month last year"):
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    rows = frame.set_index("KPI code")
    sip = rows.loc["SIP_FTE"]
    assert (sip["Month"], sip["Value"], sip["Unit"]) == ("2026-10", 1528.4, "FTE")
    assert (sip["Previous month"], sip["Change on previous month"], sip["Reading on previous month"]) == (
        "2026-09",
        12.3,
        "better",
    )
    assert pd.isna(sip["Change on same month last year"]) and pd.isna(sip["Reading on same month last year"])
    vacancy = rows.loc["VACANCY_RATE"]
    assert (vacancy["Value"], vacancy["Target"], vacancy["Change on previous month"]) == (12.5, 7.5, 2.5)
    assert vacancy["Reading on previous month"] == "worse"
    assert pd.isna(rows.loc["BOARD_AHP_LEAD", "Value"])  # no data: listed, with no figure
    assert rows.loc["BOARD_AHP_LEAD", "Target"] == 100
    assert set(frame["Scope"]) == {"C&M system"}
    assert set(frame["Professions"]) == {"Physiotherapists"}
    assert set(frame["Synthetic data"]) == {"yes"}, "every row, those without figures too"
    assert not frame.astype(str).apply(lambda c: c.str.contains(r"\(better\)|\(worse\)")).any().any()
    # the tables' headings on screen carry the filter too
    headings = [h.value for h in at.subheader]
    assert "All KPIs: C&M system · Physiotherapists" in headings
    assert "Making Data Count summary: C&M system · Physiotherapists" in headings


def test_overview_making_data_count_summary_csv(dl_db, spy):
    _, offered = open_page(spy)
    download = one(offered, "mdc-summary_")
    assert download.file_name == f"mdc-summary_C-M_{PERIOD}.csv"
    frame = read(download).set_index("KPI code")
    assert frame.loc["VACANCY_RATE", "Value"] == 12.9  # 27/210 = 12.857 at one decimal
    assert frame.loc["SIP_FTE", "Value"] == 1561.4  # 1500.1 + 28.3 + 33
    assert frame.loc["VACANCY_RATE", "Target"] == 7.5
    assert frame.loc["VACANCY_RATE", "Points"] == 3
    assert pd.api.types.is_float_dtype(frame["Value"]) and pd.api.types.is_integer_dtype(frame["Points"])
    assert set(frame["Professions"]) == {"All AHPs"} and set(frame["Synthetic data"]) == {"yes"}
    assert "variation_icon" not in frame.columns and "priority" not in frame.columns


def test_ranking_csv_has_numeric_differences_from_the_system(dl_db, spy):
    _, offered = open_page(spy, "app_pages/trusts.py", section="ranking", rank_kpi="VACANCY_RATE")
    download = one(offered, "VACANCY_RATE_ranking")
    assert download.file_name == "VACANCY_RATE_ranking_2026-10.csv"
    frame = read(download)
    assert list(frame["ODS code"]) == ["RBS", "REM", "RW4"]
    assert list(frame["Rank"]) == [1, 2, 3]
    assert list(frame["Value"]) == [5.0, 12.5, 30.0]
    assert list(frame["Numerator"]) == [3.0, 15.0, 9.0]
    assert set(frame["System value"]) == {12.9}
    assert list(frame["Difference from system"]) == [-7.9, -0.4, 17.1]
    assert list(frame["Reading against system"]) == ["better", "better", "worse"]
    assert set(frame["Month"]) == {"2026-10"} and set(frame["Period from"]) == {"2026-10"}

    _, offered = open_page(
        spy, "app_pages/trusts.py", section="ranking", rank_kpi="VACANCY_RATE", collab="CMAST"
    )
    download = one(offered, "VACANCY_RATE_ranking")
    assert download.file_name == "VACANCY_RATE_ranking_CMAST_2026-10.csv"
    frame = read(download)
    assert list(frame["ODS code"]) == ["RBS", "REM"]
    assert set(frame["Collaborative"]) == {"CMAST"} and set(frame["Scope"]) == {"Trusts in CMAST"}


def test_profession_breakdown_csv(dl_db, spy):
    _, offered = open_page(spy, "app_pages/trusts.py", section="professions", prof_kpi="VACANCY_RATE")
    download = one(offered, "VACANCY_RATE_by-profession")
    assert download.file_name == f"VACANCY_RATE_by-profession_system_{PERIOD}.csv"
    frame = read(download).set_index("Profession")
    assert frame.loc["Physiotherapists", "Value"] == 12.5
    assert frame.loc["Occupational therapists", "Value"] == 13.3  # 12/90
    assert frame.loc["Occupational therapists", "Denominator"] == 90.0
    assert set(frame["Month"]) == {"2026-10"}

    _, offered = open_page(
        spy,
        "app_pages/trusts.py",
        section="professions",
        prof_kpi="VACANCY_RATE",
        prof_view="heatmap",
        trust="REM",
    )
    download = one(offered, "VACANCY_RATE_by-profession")
    assert download.file_name == f"VACANCY_RATE_by-profession-and-month_REM_{PERIOD}.csv"
    frame = read(download)
    assert len(frame) == 3 and set(frame["Trusts"]) == {"Liverpool University Hospitals"}


def test_spc_chart_csv_and_title_carry_the_profession(dl_db, spy):
    at, offered = open_page(
        spy, "app_pages/workstreams.py", workstream="PLAN", view="spc", spc_scope="C&M", profession="PHYSIO"
    )
    download = one(offered, "VACANCY_RATE_SPC")
    assert download.file_name == f"VACANCY_RATE_SPC_C-M_PHYSIO_{PERIOD}.csv"
    frame = read(download)
    assert list(frame["Value"]) == [10.0, 10.0, 12.5]
    assert set(frame["Professions"]) == {"Physiotherapists"}
    assert "Vacancy rate (%): C&M system · Physiotherapists (run chart)" in chart_headings(at)


def test_collaboratives_page_csvs(dl_db, spy):
    _, offered = open_page(spy, "app_pages/collaboratives.py", workstream="PLAN", profession="PHYSIO")
    members = read(offered["collaborative-memberships.csv"])
    assert "Both collaboratives" in set(members["Membership"])
    assert set(members["Synthetic data"]) == {"no"}
    cmast = read(one(offered, "SIP_FTE_CMAST_"))
    assert one(offered, "SIP_FTE_CMAST_").file_name == f"SIP_FTE_CMAST_PHYSIO_{PERIOD}.csv"
    assert cmast.set_index("Month").loc["2026-10", "Value"] == 1528.4  # REM and RBS are both in CMAST
    assert set(cmast["Collaborative"]) == {"Both"}, "the page shows both whatever the filter"


def test_milestone_csvs_are_tidy_and_formula_safe(dl_db, spy):
    with dl_db.begin() as conn:
        conn.execute(update(Milestone).where(Milestone.code == "M1").values(notes='=HYPERLINK("http://x")'))
    _, offered = open_page(spy, "app_pages/milestones.py")
    tables = [d for name, d in offered.items() if name.startswith("milestones_")]
    assert tables, sorted(offered)
    for download in tables:
        frame = read(download).set_index("code")
        assert frame.loc["M1", "notes"] == '\'=HYPERLINK("http://x")'
        assert set(frame["Source"]) == {"Programme records"}
        assert set(frame["Synthetic data"]) <= {"yes", "no"}


@pytest.mark.parametrize(
    ("page", "params"),
    [
        (None, {}),
        ("app_pages/workstreams.py", {"workstream": "PLAN", "trust": "REM"}),
        ("app_pages/trusts.py", {"workstream": "PLAN", "trust": "REM", "collab": "CMAST"}),
        ("app_pages/collaboratives.py", {"workstream": "PLAN"}),
        ("app_pages/milestones.py", {}),
        ("app_pages/definitions.py", {}),
    ],
    ids=["overview", "workstreams", "trusts", "collaboratives", "milestones", "definitions"],
)
def test_every_csv_reads_back_with_a_plain_read_csv(dl_db, spy, page, params):
    _, offered = open_page(spy, page, **params)
    assert offered, "the page offers CSV downloads"
    for name, download in offered.items():
        frame = read(download)
        assert len(frame) > 0, name
        if "Value" in frame:
            assert pd.api.types.is_numeric_dtype(frame["Value"]), name
        if name != "kpi-definitions.csv":  # the data dictionary holds no figures
            assert "Synthetic data" in frame.columns, name
