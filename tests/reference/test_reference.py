"""The reference data: complete, consistent with the domain reference, and idempotent to load."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from kpi.figures import queries
from kpi.reference.load import REFERENCE_DIR, ReferenceDataError, load_reference, read_reference_csv
from kpi.store.db import session_scope
from kpi.store.models import Membership, Milestone

DUAL_MEMBERS = {"RBS", "RJR", "RBT", "RBN"}


def test_all_sixteen_trusts_plus_nwas_and_the_predecessors():
    trusts = {row["ods_code"]: row for row in read_reference_csv("trusts")}
    members = {code for code, row in trusts.items() if row["role"] == "member"}
    assert len(members) == 16
    assert trusts["RX7"]["role"] == "partner"
    # Every C&M predecessor code the publications use since 2009: Royal Liverpool and Broadgreen (RQ6,
    # into REM 2019-10-01), Southport and Ormskirk (RVY), North West Boroughs (RTV), Liverpool Community
    # Health (RY1, into RW4 2018-04-01) and Calderstones (RJX, into RW4 2016-07-01).
    predecessors = {code for code, row in trusts.items() if row["role"] == "predecessor"}
    assert predecessors == {"RVY", "RTV", "RQ6", "RY1", "RJX"}


def test_collaboratives_have_the_four_dual_members():
    rows = read_reference_csv("memberships")
    by_trust: dict[str, set[str]] = {}
    for row in rows:
        if row["valid_to"] is None:
            by_trust.setdefault(row["trust_code"], set()).add(row["collaborative_code"])
    assert {t for t, c in by_trust.items() if c == {"CMAST", "MHLDC"}} == DUAL_MEMBERS
    assert sum("CMAST" in c for c in by_trust.values()) == 12
    assert "RX7" not in by_trust


def test_catalogue_has_the_22_kpis_with_their_codes_and_rules():
    kpis = {row["code"]: row for row in read_reference_csv("kpis")}
    assert len(kpis) == 22
    assert kpis["VACANCY_RATE"]["rollup"] == "ratio" and kpis["VACANCY_RATE"]["improvement"] == "down"
    assert kpis["VACANCY_RATE"]["target"] == 7.5
    assert kpis["SIP_FTE"]["rollup"] == "sum" and kpis["ESTAB_FTE"]["improvement"] == "neither"
    assert {row["workstream"] for row in kpis.values()} == {
        "LEAD",
        "PLAN",
        "EDU",
        "RET",
        "ROLE",
        "EDI",
        "FUND",
    }
    assert all(row["numerator"] and row["denominator"] for row in kpis.values() if row["rollup"] == "ratio")
    assert all(row["max_value"] == 100 for row in kpis.values() if row["unit"] == "%")


def test_fourteen_professions_one_combined_group_and_old_names_as_aliases():
    professions = read_reference_csv("professions")
    assert len([row for row in professions if not row["combines"]]) == 14
    # NHS Workforce Statistics' one role for art, music and drama therapists: the three together.
    groups = {row["code"]: (row["name"], row["combines"]) for row in professions if row["combines"]}
    assert groups == {"ARTS": ("Arts therapists (art, music and drama, not split)", "ART MUSIC DRAMA")}
    aliases = {row["alias"]: row["profession_code"] for row in read_reference_csv("profession_aliases")}
    assert aliases["Chiropodists/Podiatrists"] == "POD"
    assert aliases["Diagnostic radiographers"] == aliases["Therapeutic radiographers"] == "RAD"


def test_loaded_database_matches_the_files(engine):
    # Five predecessors (RVY, RTV, RQ6, RY1, RJX) and six successions: five confirmed mergers and
    # Bridgewater's planned one (RY2 into RWW), kept as a note.
    assert queries.trust_role_counts(engine) == {"member": 16, "partner": 1, "predecessor": 5}
    counts = queries.table_counts(engine)
    assert counts["collaboratives"] == 2
    assert counts["professions"] == 15  # the 14 and the arts therapists as a group
    assert counts["workstreams"] == 7
    assert counts["kpi_definitions"] == 22
    assert counts["milestones"] == 6
    assert counts["trust_successions"] == 6
    assert dict(queries.successions(engine)[["old_code", "status"]].values) == {
        "RQ6": "confirmed",
        "RVY": "confirmed",
        "RTV": "confirmed",
        "RY1": "confirmed",
        "RJX": "confirmed",
        "RY2": "planned",
    }


def _snapshot(engine) -> dict[str, list[tuple]]:
    from kpi.store.models import Base

    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(str, row)) for row in conn.execute(select(table)))
            for name, table in Base.metadata.tables.items()
        }


def test_loading_twice_leaves_the_same_database(engine):
    before = _snapshot(engine)
    load_reference(engine)
    load_reference(engine)
    assert _snapshot(engine) == before


def test_milestone_progress_is_never_overwritten_by_a_reload(engine):
    with session_scope(engine) as s:
        s.get(Milestone, "M2").status = "at risk"
        s.get(Milestone, "M2").notes = "Typed by the lead"
    load_reference(engine)
    with session_scope(engine) as s:
        m2 = s.get(Milestone, "M2")
        assert (m2.status, m2.notes) == ("at risk", "Typed by the lead")


def test_a_membership_removed_from_the_file_is_removed_from_the_database(engine, tmp_path: Path):
    for path in REFERENCE_DIR.glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    lines = (tmp_path / "memberships.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "memberships.csv").write_text(
        "\n".join(line for line in lines if not line.startswith("RBS,MHLDC")) + "\n", encoding="utf-8"
    )
    load_reference(engine, tmp_path)
    with session_scope(engine) as s:
        rbs = {
            m.collaborative_code for m in s.scalars(select(Membership).where(Membership.trust_code == "RBS"))
        }
    assert rbs == {"CMAST"}


def test_a_bad_value_in_a_reference_file_names_file_row_and_column(tmp_path: Path):
    rows = list(csv.reader((REFERENCE_DIR / "kpis.csv").open(encoding="utf-8")))
    rows[3][rows[0].index("rollup")] = "average"
    with (tmp_path / "kpis.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(
        ReferenceDataError, match=r"kpis.csv row 4, column rollup: expected one of sum, ratio"
    ):
        read_reference_csv("kpis", tmp_path)


def test_spc_recalculation_months_come_from_the_reference_files(engine, tmp_path: Path):
    for path in REFERENCE_DIR.glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "kpi_rebase_points.csv").write_text(
        "kpi_code,period,reason\nBOARD_AHP_LEAD,2024-11-01,Every trust has a named AHP lead\n",
        encoding="utf-8",
    )
    load_reference(engine, tmp_path)
    points = queries.rebase_points(engine)
    assert list(points["kpi_code"]) == ["BOARD_AHP_LEAD"]
    assert str(points["period"].iloc[0].date()) == "2024-11-01"
    load_reference(engine)  # the shipped file has none: the recalculation goes again
    assert queries.rebase_points(engine).empty


def test_accumulation_says_which_kpis_are_rolling_or_year_to_date_and_reaches_the_kpi_objects(engine):
    from kpi.reference.catalogue import KPI
    from kpi.spc import ACCUMULATIONS as SPC_ACCUMULATIONS
    from kpi.store.models import ACCUMULATIONS

    assert ACCUMULATIONS == SPC_ACCUMULATIONS
    kpis = {row["code"]: row["accumulation"] for row in read_reference_csv("kpis")}
    assert {code: a for code, a in kpis.items() if a != "monthly"} == {
        "LEAVER_RATE": "rolling_12_months",
        "STABILITY_INDEX": "rolling_12_months",  # a 12-month window, like the leaver rate
        "FUNDING_UTILISED": "year_to_date",
    }
    catalogue = {row["code"]: KPI.from_row(row) for row in queries.kpi_catalogue(engine).to_dict("records")}
    assert catalogue["LEAVER_RATE"].accumulation == "rolling_12_months"
    assert catalogue["FUNDING_UTILISED"].accumulation == "year_to_date"
    assert catalogue["SICKNESS_RATE"].is_monthly and not catalogue["LEAVER_RATE"].is_monthly


def test_an_unknown_accumulation_is_refused(tmp_path: Path):
    rows = list(csv.reader((REFERENCE_DIR / "kpis.csv").open(encoding="utf-8")))
    rows[1][rows[0].index("accumulation")] = "quarterly"
    with (tmp_path / "kpis.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(ReferenceDataError, match=r"kpis.csv row 2, column accumulation: expected one of"):
        read_reference_csv("kpis", tmp_path)
