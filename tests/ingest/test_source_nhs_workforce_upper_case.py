"""NHS Workforce Statistics, the upper-case layout of older releases (read through the staff-role
source definition): AHP rows of C&M organisations become SIP_HC and the published FTE (kept beside
the trusts' submissions, kpi.figures.published); every row
left out is counted by reason; the preview and apply are the template import's."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import select

from kpi.access.auth import PermissionDenied, User
from kpi.ingest import apply_import, undo_batch
from kpi.ingest.adapters.mapped import BAD_NUMBER, OUTSIDE, UNKNOWN_PROFESSION
from kpi.ingest.dispatch import prepare_file
from kpi.store.models import ImportBatch
from tests.ingest.test_ingest import observation, observations_checksum, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nhs_workforce"
BY_PROFESSION = FIXTURES / "staff_group_by_profession.csv"
ALL_AHPS = FIXTURES / "staff_group_all_ahps.csv"
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
BOARD = User("board@cheshireandmerseyside.nhs.uk", "Board Member", "board")
HEADER = "DATA_MONTH,DATA_LEVEL,ORG_CODE,ORG_NAME,STAFF_GROUP_1,STAFF_GROUP_2,FTE,HEADCOUNT"
AHP = '"Scientific, therapeutic & technical staff",Allied health professionals'


SOURCE = "nhs_workforce_staff_role"
NOT_ORGANISATION = "not an organisation-level row (a national, regional or ICB total)"
OTHER_ROWS = "a staff group 2, staff group 1 or band this source does not load"


def prepare_nhs_workforce(engine, name: str, data: bytes):
    return prepare_file(engine, name, data)


def prepare(engine, path: Path):
    return prepare_nhs_workforce(engine, path.name, path.read_bytes())


def test_by_profession_keeps_cm_ahp_rows_and_counts_every_row_left_out(engine):
    preview = prepare(engine, BY_PROFESSION)
    assert preview.ok, preview.problems
    assert preview.rows_in_file == 17
    assert preview.excluded == {
        NOT_ORGANISATION: 2,  # the North West region and England rows
        OTHER_ROWS: 2,  # nurses, healthcare scientists
        OUTSIDE: 1,  # RRK, Birmingham
        UNKNOWN_PROFESSION: 1,  # "Other AHP roles"
    }  # Walton's physiotherapists ("*", "*"): a suppressed published FTE, kept as suppressed
    assert BAD_NUMBER not in preview.excluded
    used = 17 - sum(preview.excluded.values())
    assert used == 11
    left_out = {n.row: n for n in preview.notices if "left out" in n.message and n.row}
    assert left_out[13].rows == (13,) and "RRK" in left_out[13].message
    assert left_out[7].rows == (7,) and "Other AHP roles" in left_out[7].message
    assert left_out[14].rows == (14, 15)

    table = preview.table
    figures = {
        (r.kpi_code, r.trust_code, r.profession_code, r.period.isoformat()): r.value
        for r in table.itertuples()
    }
    assert len(figures) == 9 and preview.rows_added == 9
    assert {k for k, _, _, _ in figures} == {"SIP_HC"}  # the FTE is the published figure
    assert figures[("SIP_HC", "REM", "PHYSIO", "2025-01-01")] == 131
    # Diagnostic and therapeutic radiographers are both Radiographers: added together.
    assert figures[("SIP_HC", "REM", "RAD", "2025-01-01")] == 107
    assert figures[("SIP_HC", "REM", "POD", "2025-01-01")] == 12  # "Chiropodists/Podiatrists"
    assert figures[("SIP_HC", "RBS", "SLT", "2025-01-01")] == 33  # "Speech & language therapists"
    assert figures[("SIP_HC", "RX7", "PARA", "2025-01-01")] == 1620  # NWAS, "1,620"
    published = {
        (r.trust_code, r.profession_code, r.period.isoformat()): r.value
        for r in preview.published.itertuples()
    }
    assert math.isnan(published.pop(("RET", "PHYSIO", "2025-01-01")))  # "*": suppressed, kept with no value
    assert published == {
        ("REM", "PHYSIO", "2025-01-01"): 120.5,
        ("REM", "OT", "2025-01-01"): 60.2,
        ("REM", "RAD", "2025-01-01"): 100.0,
        ("REM", "POD", "2025-01-01"): 10.4,
        ("RBS", "SLT", "2025-01-01"): 30.0,
        ("RX7", "PARA", "2025-01-01"): 1500.5,  # NWAS, "1,500.5"
        # Southport and Ormskirk: under RBN from July 2023, under its own code before.
        ("RBN", "PHYSIO", "2023-07-01"): 40.0,
        ("RBN", "OT", "2023-07-01"): 35.0,
        ("RVY", "PHYSIO", "2023-06-01"): 41.0,
    }
    assert any("merged into RBN" in n.message and n.rows == (16,) for n in preview.notices)


def test_apply_writes_an_nhs_workforce_batch_and_reimport_changes_nothing(engine):
    preview = prepare(engine, BY_PROFESSION)
    result = apply_import(engine, LEAD, preview, replace=False)
    assert result.applied and result.rows_added == 9
    with engine.connect() as conn:
        batch = conn.execute(select(ImportBatch.__table__).where(ImportBatch.id == result.batch_id)).one()
    assert batch.source == SOURCE and batch.rows_in_file == 17 and not batch.is_synthetic
    assert "left out" in batch.notes and "11 of 17 rows used" in batch.notes
    assert observation(engine, "SIP_HC", "RX7", "PARA", "2025-01").value == 1620

    before = snapshot(engine)
    again = prepare(engine, BY_PROFESSION)
    assert (again.rows_added, again.rows_changed, again.rows_skipped) == (0, 0, 9)
    assert not apply_import(engine, LEAD, again, replace=True).applied
    assert snapshot(engine) == before


def test_all_ahp_file_without_a_profession_column(engine):
    preview = prepare(engine, ALL_AHPS)
    assert preview.ok
    assert preview.excluded == {
        NOT_ORGANISATION: 1,  # the ICB row
        OTHER_ROWS: 1,
        OUTSIDE: 1,
    }
    figures = {(r.kpi_code, r.trust_code, r.profession_code): r.value for r in preview.table.itertuples()}
    assert figures == {
        ("SIP_HC", "REM", None): 1205,
        # North West Boroughs (RTV) merged into Mersey Care (RW4) in 2021: its rows join RW4's.
        ("SIP_HC", "RW4", None): 715,
    }
    assert preview.published.empty  # the reconciliation is by profession
    assert any("3 all-AHP row(s) of the published FTE are not kept" in n.message for n in preview.notices)
    assert any("RTV" in n.message and "RW4" in n.message for n in preview.notices)


def test_undo_of_an_nhs_workforce_import(engine):
    before = observations_checksum(engine)
    result = apply_import(engine, LEAD, prepare(engine, ALL_AHPS), replace=False)
    undo_batch(engine, LEAD, result.batch_id)
    assert observations_checksum(engine) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"DATA_MONTH,ORG_CODE,FTE\n2025-01-31,REM,1\n",
            "by staff role) most: it has DATA_MONTH, ORG_CODE, FTE but not Staff group 2",
        ),
        (
            f"{HEADER}\n2025-01-31,Organisation,RRK,Birmingham,{AHP},1,1\n".encode(),
            "No row of the file is a figure this source loads",
        ),
        (f"{HEADER}\nJanuary,Organisation,REM,LUHFT,{AHP},1,1\n".encode(), "'January' is not a date"),
        (f"{HEADER}\n2099-01-31,Organisation,REM,LUHFT,{AHP},1,1\n".encode(), "in the future"),
        (b"%PDF-1.4 not a csv", "not a CSV or XLSX file"),
    ],
)
def test_files_it_cannot_use_are_refused_with_a_reason_and_nothing_written(engine, data, words):
    before = snapshot(engine)
    preview = prepare_nhs_workforce(engine, "nhs.csv", data)
    assert not preview.ok
    assert any(words in p.message for p in preview.problems), preview.problems
    assert not apply_import(engine, LEAD, preview, replace=True).applied
    assert snapshot(engine) == before


def test_nhs_month_spellings(engine):
    rows = [
        f"JAN2025,Organisation,REM,LUHFT,{AHP},1,1",
        f"28-Feb-2025,Organisation,REM,LUHFT,{AHP},2,2",
        f"31/03/2025,Organisation,REM,LUHFT,{AHP},3,3",
    ]
    preview = prepare_nhs_workforce(engine, "nhs.csv", "\n".join([HEADER, *rows]).encode())
    assert preview.ok, preview.problems
    months = sorted(p.isoformat() for p in set(preview.table["period"]))
    assert months == ["2025-01-01", "2025-02-01", "2025-03-01"]


def test_board_user_cannot_apply_an_nhs_workforce_import(engine):
    preview = prepare(engine, ALL_AHPS)
    before = snapshot(engine)
    with pytest.raises(PermissionDenied):
        apply_import(engine, BOARD, preview, replace=True)
    assert snapshot(engine) == before


def test_history_under_liverpool_community_health_and_calderstones_joins_mersey_care(engine):
    # Predecessor codes in an old release: their own code before the acquisition, RW4's from it.
    rows = [
        f"31/03/2018,Organisation,RY1,Liverpool Community Health,{AHP},210.0,230",
        f"30/04/2018,Organisation,RY1,Liverpool Community Health,{AHP},205.0,224",
        f"30/06/2016,Organisation,RJX,Calderstones Partnership,{AHP},18.0,19",
        f"31/07/2016,Organisation,RJX,Calderstones Partnership,{AHP},17.5,18",
    ]
    preview = prepare_nhs_workforce(engine, "old.csv", "\n".join([HEADER, *rows]).encode())
    assert preview.ok, preview.problems
    figures = {
        (r.trust_code, r.period.isoformat()): r.value
        for r in preview.table.itertuples()
        if r.kpi_code == "SIP_HC"
    }
    assert figures == {
        ("RY1", "2018-03-01"): 230,
        ("RW4", "2018-04-01"): 224,
        ("RJX", "2016-06-01"): 19,
        ("RW4", "2016-07-01"): 18,
    }
