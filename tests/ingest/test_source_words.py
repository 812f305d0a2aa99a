"""Honest words about the source data (issue 24, item 11), each on both sides of its rule: arts therapists
kept as the group NHS Workforce Statistics reports, an all-AHP row beside profession rows said and not
counted, the ICB's own row named as the ICB, and the catalogue's words on headcount across trusts, moves
between C&M trusts in the leaver rate, and the stability index read as a trend."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpi import spc
from kpi.access.auth import User
from kpi.figures import published, queries
from kpi.figures.queries import KPIFilter
from kpi.ingest import apply_import, prepare_import
from kpi.ingest.dispatch import prepare_file
from kpi.reading import definitions
from kpi.reference.catalogue import KPI
from kpi.reference.load import read_reference_csv
from tests.ingest.test_ingest import batch, observation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
STAFF_ROLE = FIXTURES / "nhs_workforce_staff_role_2025_02.csv"
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
TEMPLATE = "period,trust_code,profession,kpi_code,value,numerator,denominator\n"
BESIDE = "have both an all-AHP figure and figures by profession"


def staff_role_file(drop: str | None = None) -> bytes:
    """The staff-role fixture, without the rows containing `drop` when given."""
    lines = STAFF_ROLE.read_text(encoding="utf-8").splitlines()
    return ("\n".join(line for line in lines if drop is None or drop not in line) + "\n").encode()


def imported(engine, name: str, data: bytes):
    preview = prepare_file(engine, name, data)
    assert preview.ok, preview.problems
    result = apply_import(engine, LEAD, preview, replace=True)
    assert result.applied
    return preview, result


def messages(preview) -> list[str]:
    return [notice.message for notice in preview.notices]


def system_headcount(engine, month: str = "2025-02") -> float:
    series = queries.kpi_series(KPIFilter(kpis=("SIP_HC",)), "system", engine)
    return float(series.set_index("period").loc[f"{month}-01", "value"])


# --- arts therapists ----------------------------------------------------------------------------------


def test_art_music_drama_therapist_rows_are_the_arts_therapists_group_not_art_therapists(engine):
    preview, _ = imported(engine, "staff.csv", staff_role_file())
    arts = observation(engine, "SIP_HC", "RW4", "ARTS", "2025-02")
    assert arts.value == 12  # two care settings added together
    assert observation(engine, "SIP_HC", "RW4", "ART", "2025-02") is None
    kept = published.in_force(engine, "SIP_FTE").set_index(["trust_code", "profession_code"])["value"]
    assert kept[("RW4", "ARTS")] == 10.5  # the published FTE: the group too
    names = queries.professions(engine).set_index("code")["name"]
    assert names["ARTS"] == "Arts therapists (art, music and drama, not split)"
    assert (
        "1 figure(s) are for Arts therapists (art, music and drama, not split) (ARTS): the file does not "
        "split them into art therapists, music therapists and dramatherapists, so they are kept as the "
        "group. They count in every all-AHP total and under the group, never under one of its professions. "
        "Rows 2."
    ) in messages(preview)  # the headcount (the FTE is the published figure)
    by_profession = queries.profession_breakdown(KPIFilter(kpis=("SIP_HC",)), engine)
    assert by_profession.set_index("profession_code").loc["ARTS", "value"] == 12


def test_an_art_therapist_row_stays_an_art_therapist_with_no_group_notice(engine):
    preview = prepare_import(engine, "t.csv", (TEMPLATE + "2025-02,RW4,Art therapist,SIP_FTE,3,,\n").encode())
    assert preview.ok, preview.problems
    apply_import(engine, LEAD, preview, replace=False)
    assert observation(engine, "SIP_FTE", "RW4", "ART", "2025-02").value == 3.0
    assert not [m for m in messages(preview) if "kept as the group" in m]


# --- an all-AHP row beside profession rows ------------------------------------------------------------


def test_an_all_ahp_row_beside_profession_rows_is_said_in_the_preview_and_the_notes_and_not_counted(engine):
    preview, result = imported(engine, "staff.csv", staff_role_file())
    said = (
        "1 KPI, trust and month(s) have both an all-AHP figure and figures by profession in this file, e.g. "
        "AHP staff in post (headcount) for REM in Feb 2025. Totals use the profession figures (the roll-up "
        "rule, so that nobody counts twice); the all-AHP figure is kept but not counted while they exist. "
        "Rows 5, 6."
    )  # headcount (the FTE is the published figure, kept beside the submissions)
    assert said in messages(preview)
    assert said in batch(engine, result.batch_id).notes
    assert observation(engine, "SIP_HC", "REM", None, "2025-02").value == 1510  # kept
    trust = queries.kpi_series(KPIFilter(kpis=("SIP_HC",), trusts=("REM", "RBS")), "trust", engine)
    assert trust.set_index("scope_code")["value"].to_dict() == {"REM": 130, "RBS": 160}
    # RW4's arts therapists and OTs, REM's physios, Alder Hey's all-AHP row (it has no profession rows).
    assert system_headcount(engine) == 12 + 85 + 130 + 160


def test_a_file_without_the_all_ahp_row_has_no_such_notice(engine):
    preview, result = imported(engine, "staff.csv", staff_role_file(drop="1,400.0"))
    assert not [m for m in messages(preview) if BESIDE in m]
    assert BESIDE not in batch(engine, result.batch_id).notes
    assert system_headcount(engine) == 12 + 85 + 130 + 160  # the same figure: the row was never counted


def test_an_all_ahp_row_beside_profession_rows_already_imported_is_said_too(engine):
    imported(engine, "staff.csv", staff_role_file(drop="1,400.0"))
    preview = prepare_import(engine, "rem.csv", (TEMPLATE + "2025-02,REM,,SIP_HC,1510,,\n").encode())
    assert preview.ok, preview.problems
    assert (
        "1 KPI, trust and month(s) have both an all-AHP figure and figures by profession (in this file, or "
        "one here and the other already imported), e.g. AHP staff in post (headcount) for REM in Feb 2025."
    ) in " ".join(messages(preview))
    # Another trust's all-AHP figure, with no profession figures anywhere, is simply used.
    alone = prepare_import(engine, "rbt.csv", (TEMPLATE + "2025-02,RBT,,SIP_FTE,90,,\n").encode())
    assert not [m for m in messages(alone) if BESIDE in m]


# --- the ICB's own row --------------------------------------------------------------------------------


def test_the_icbs_own_row_is_named_as_the_icb_and_another_organisation_as_outside(engine):
    preview, _ = imported(engine, "staff.csv", staff_role_file())
    icb = (
        "the ICB's own staff (NHS Cheshire and Merseyside ICB, QYG: not a trust, so in no trust or system "
        "total)"
    )
    assert preview.excluded == {icb: 1, "an organisation outside Cheshire and Merseyside": 1}  # QYG; RRK
    assert f"1 row(s) left out: {icb}; rows 8." in messages(preview)
    assert "1 row(s) left out: an organisation outside Cheshire and Merseyside ('RRK'); rows 9." in messages(
        preview
    )


def test_a_template_row_for_the_icb_says_it_is_the_icb_not_an_unknown_trust(engine):
    preview = prepare_import(engine, "t.csv", (TEMPLATE + "2025-02,QYG,,SIP_FTE,2,,\n").encode())
    assert [p.message for p in preview.problems] == [
        '"QYG" is NHS Cheshire and Merseyside ICB, not a trust: the ICB\'s own staff are in no trust or '
        "system total."
    ]
    other = prepare_import(engine, "t.csv", (TEMPLATE + "2025-02,QYX,,SIP_FTE,2,,\n").encode())
    assert other.problems[0].message.startswith('Unknown trust code "QYX".')


# --- the catalogue's words ---------------------------------------------------------------------------


def catalogue() -> dict[str, dict]:
    return {row["code"]: row for row in read_reference_csv("kpis")}


def test_headcount_kpis_say_a_person_in_two_trusts_counts_twice_and_fte_kpis_do_not():
    kpis = catalogue()
    for code in ("SIP_HC", "STT_SIP_HC", "ADVANCED_PRACTICE"):
        assert "a person with posts in two trusts counts twice" in kpis[code]["definition"], code
    assert "counts twice" not in kpis["SIP_FTE"]["definition"]


def test_the_definitions_page_says_headcount_is_summed_across_trusts_for_people_kpis_only(engine):
    frame = queries.kpi_catalogue(engine)
    objects = {row["code"]: KPI.from_row(row) for row in frame.to_dict("records")}
    entries = {entry.code: dict(entry.facts) for entry in definitions.dictionary(frame, objects)}
    said = (
        "Summed across trusts for a collaborative or the system: a person with posts in two trusts counts "
        "in each, so twice (NHS England's own ICB totals count them once)"
    )
    assert entries["SIP_HC"]["Across trusts"] == said
    assert "Across trusts" not in entries["SIP_FTE"]


def test_the_leaver_rate_says_moves_between_cm_trusts_count_as_leavers_at_every_level():
    leaver = catalogue()["LEAVER_RATE"]
    assert "A trust's figure counts a move to another C&M trust as a leaver" in leaver["definition"]
    assert (
        "a collaborative or system figure, summed from the trusts', counts those moves too"
        in (leaver["definition"])
    )


@pytest.mark.parametrize(
    ("code", "chart"),
    [("STABILITY_INDEX", "trend"), ("LEAVER_RATE", "trend"), ("SICKNESS_RATE", "xmr")],
)
def test_the_stability_index_is_read_as_a_trend_like_the_rolling_leaver_rate(engine, code, chart):
    kpis = catalogue()
    assert kpis[code]["accumulation"] == ("monthly" if chart == "xmr" else "rolling_12_months")
    kpi = KPI.from_row(queries.kpi_catalogue(engine).set_index("code", drop=False).loc[code])
    assert kpi.is_monthly is (chart == "xmr")
    dates = pd.date_range("2024-01-01", periods=20, freq="MS")
    result = spc.xmr([80.0 + (m % 3) for m in range(20)], dates, accumulation=kpi.accumulation)
    assert result.chart_type == chart  # a trend: no limits, signals or icons
