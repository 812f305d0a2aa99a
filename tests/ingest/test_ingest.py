"""The monthly data import: every bad file is refused with every problem named and nothing written; good
files add, change or skip exactly as previewed; imports undo exactly; only the lead may write."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

from kpi.access.auth import PermissionDenied, User
from kpi.figures import queries, rollups
from kpi.figures.queries import KPIFilter
from kpi.ingest import (
    TEMPLATE_COLUMNS,
    UndoRefused,
    apply_import,
    parse_numbers,
    parse_period,
    prepare_import,
    problems_csv,
    read_table,
    template_csv,
    template_guide,
    template_xlsx,
    undo_batch,
)
from kpi.store.models import ImportBatch, Observation, ReplacedObservation
from tests.conftest import add_observations

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
BOARD = User("board@cheshireandmerseyside.nhs.uk", "Board Member", "board")
HEADER = ",".join(TEMPLATE_COLUMNS)

# What every database test starts from: a few real figures, so "unchanged" means something.
SEED = [
    ("SIP_FTE", "REM", "PHYSIO", "2025-03", 100.0, None, None),
    ("VACANCY_RATE", "REM", "PHYSIO", "2025-03", None, 10.0, 100.0),
    ("FUNDING_SECURED", None, None, "2025-03", 5000.0, None, None),
]


# --- helpers ---------------------------------------------------------------------------------------------


def observations_checksum(engine: Engine, *, with_ids: bool = True) -> str:
    """A hash of every observation row, sorted, so that equal checksums mean identical tables."""
    o = Observation.__table__
    columns = [o.c.kpi_code, o.c.period, o.c.trust_code, o.c.profession_code]
    columns += [o.c.value, o.c.numerator, o.c.denominator, o.c.batch_id]
    if with_ids:
        columns.append(o.c.id)
    with engine.connect() as conn:
        rows = conn.execute(select(*columns)).all()
    canonical = sorted(tuple("" if v is None else repr(v) for v in row) for row in rows)
    return hashlib.sha256(repr(canonical).encode()).hexdigest()


def snapshot(engine: Engine) -> tuple[dict[str, int], str]:
    """Row counts of every table and the observations checksum, the roll-ups first brought up to date
    with the observations (kpi.figures.rollups: derived figures a read may compute, as an import preview
    does)."""
    rollups.ensure_fresh(engine)
    return queries.table_counts(engine), observations_checksum(engine)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def observation(engine: Engine, kpi: str, trust: str | None, profession: str | None, month: str):
    o = Observation.__table__
    query = select(o).where(
        o.c.kpi_code == kpi,
        o.c.period == dt.date.fromisoformat(f"{month}-01"),
        o.c.trust_code.is_(None) if trust is None else o.c.trust_code == trust,
        o.c.profession_code.is_(None) if profession is None else o.c.profession_code == profession,
    )
    with engine.connect() as conn:
        return conn.execute(query).one_or_none()


def batch(engine: Engine, batch_id: int):
    with engine.connect() as conn:
        return conn.execute(select(ImportBatch.__table__).where(ImportBatch.id == batch_id)).one()


def imported(engine: Engine, data: bytes, *, name: str = "upload.csv", replace: bool = False):
    preview = prepare_import(engine, name, data)
    assert preview.ok, preview.problems
    result = apply_import(engine, LEAD, preview, replace=replace, source="upload")
    assert result.applied, result.message
    return preview, result


# --- the bad-file corpus ---------------------------------------------------------------------------------

NOT_A_TABLE = [(None, None, ("not a CSV or XLSX file",))]

# file, options, expected problems as (row, column, words the message must contain), in report order.
BAD_FILES = [
    ("unknown_column.csv", {}, [(1, "comments", ("Unknown column", '"comments"'))]),
    ("missing_period_column.csv", {}, [(None, "period", ('no "period" column',))]),
    ("missing_kpi_code_column.csv", {}, [(None, "kpi_code", ('no "kpi_code" column',))]),
    ("missing_value_columns.csv", {}, [(None, "value", ("no value column", "numerator and denominator"))]),
    (
        "unknown_kpi_code.csv",
        {},
        [(2, "kpi_code", ("Unknown KPI code", '"SIP_FTEE"', "Did you mean SIP_FTE"))],
    ),
    ("unknown_trust_code.csv", {}, [(2, "trust_code", ("Unknown trust code", '"XYZ"'))]),
    ("unknown_profession.csv", {}, [(2, "profession", ("Unknown profession", '"Astronauts"'))]),
    (
        "profession_not_collected.csv",
        {},
        [(2, "profession", ("TEMP_STAFF_RATE", "not collected by profession", '"Physiotherapists"'))],
    ),
    (
        "unparseable_period.csv",
        {},
        [
            (2, "period", ('"2025-13"', "not a month")),
            (3, "period", ('"Q1 2025"', "not a month")),
            (4, "period", ('"31/02/2025"', "not a month")),
            (5, "period", ('"Mar-25"', "not a month")),
            (6, "period", ('"March"', "not a month")),
        ],
    ),
    ("future_period.csv", {}, [(2, "period", ('"2099-01"', "in the future"))]),
    (
        "non_numeric_value_cp1252.csv",
        {},
        [
            (2, "value", ('"twelve"', "not a number")),
            (3, "value", ('"12%"', "not a number")),
            (4, "value", ('"£1,200"', "not a number")),
            (5, "value", ('"1,23"', "not a number")),
            (6, "value", ('"12,5"', "not a number")),
        ],
    ),
    (
        "negative_value.csv",
        {},
        [(2, "value", ('"-5"', "negative")), (3, "numerator", ('"-1"', "negative"))],
    ),
    (
        "ratio_given_value.csv",
        {},
        [(2, "value", ("VACANCY_RATE is a rate", "numerator and a denominator", '"12.5"'))],
    ),
    (
        "ratio_missing_part.csv",
        {},
        [(2, "denominator", ("denominator is missing",)), (3, "numerator", ("numerator is missing",))],
    ),
    (
        "sum_given_numerator_denominator.csv",
        {},
        [(2, "numerator", ("SIP_FTE is a count, not a rate", '"5"', '"10"'))],
    ),
    ("denominator_zero.csv", {}, [(2, "denominator", ("denominator is zero",))]),
    (
        "numerator_above_denominator.csv",
        {},
        [(2, "numerator", ('"60"', "larger than the denominator", '"50"', "above 100"))],
    ),
    (
        "value_above_max.csv",
        {"max_value": ("APPRENTICE_STARTS", 500)},
        [(2, "value", ('"600"', "above the maximum for APPRENTICE_STARTS", "500"))],
    ),
    (
        "duplicate_keys.csv",
        {},
        [
            (3, None, ("Duplicate", "SIP_FTE", "POD", "row 2")),
            (5, None, ("Duplicate", "RBN", "PHYSIO", "row 4")),
            (8, None, ("Duplicate", "FUNDING_SECURED", "row 7")),
        ],
    ),
    (
        "system_kpi_given_trust.csv",
        {},
        [(2, "trust_code", ("FUNDING_SECURED", "whole system only", '"REM"'))],
    ),
    ("ratio_value_mismatch.csv", {}, [(2, "value", ('"50"', "does not match", "10.00 %"))]),
    ("too_many_cells.csv", {}, [(2, None, ("8 cells", "header has 7", '"234.5"'))]),
    (
        "empty_cells.csv",
        {},
        [
            (2, "period", ("period is empty",)),
            (3, "kpi_code", ("KPI code is empty",)),
            (4, "value", ("value for SIP_FTE is empty",)),
            (5, "numerator", ("VACANCY_RATE is a rate", "no numerator and no denominator")),
        ],
    ),
    (
        "semicolon_separated.csv",
        {},
        [
            (None, "period", ('no "period" column',)),
            (None, "kpi_code", ('no "kpi_code" column',)),
            (None, "value", ("no value column",)),
            (
                1,
                "period;trust_code;profession;kpi_code;value;numerator;denominator",
                ("semicolon-separated",),
            ),
        ],
    ),
    ("empty.csv", {}, [(None, None, ("The file is empty",))]),
    ("header_only.csv", {}, [(None, None, ("header row but no data rows",))]),
    ("not_really.xlsx", {}, [(None, None, ("not a CSV or XLSX file", "not an Excel workbook"))]),
    ("report.pdf", {}, [(None, None, ("not a CSV or XLSX file", "PDF"))]),
    ("binary.csv", {}, [(None, None, ("not a CSV or XLSX file", "binary"))]),
    ("document.docx", {}, [(None, None, ("not a CSV or XLSX file", "Word document"))]),
    ("unknown_column.csv", {"max_bytes": 50}, [(None, None, ("over the", "limit"))]),
    (
        "mixed_problems.csv",
        {},
        [
            (1, "notes", ("Unknown column", '"notes"')),
            (3, "trust_code", ("Unknown trust code", '"ZZZ"')),
            (3, "value", ('"abc"', "not a number")),
            (4, "denominator", ("denominator is zero",)),
            (5, "period", ('"2099-12"', "in the future")),
            (5, "numerator", ('"5"', "larger than the denominator", '"4"')),
            (6, None, ("Duplicate", "SIP_FTE", "REM", "PHYSIO", "row 2")),
            (7, "numerator", ('"-2"', "negative")),
        ],
    ),
    (
        "mixed_problems.xlsx",
        {},
        [
            (3, "value", ('"fifty"', "not a number")),
            (5, "numerator", ('"3"', "larger than the denominator", '"2"')),
            (6, "profession", ("PLACEMENT_WEEKS is not collected by profession", '"Paramedics"')),
            (7, "period", ('"13/2025"', "not a month")),
        ],
    ),
]


@pytest.mark.parametrize(
    ("file_name", "options", "expected"),
    BAD_FILES,
    ids=[f"{name}{'-' + '-'.join(options) if options else ''}" for name, options, _ in BAD_FILES],
)
def test_bad_file_reports_every_problem_and_writes_nothing(engine, file_name, options, expected):
    add_observations(engine, SEED)
    if "max_value" in options:
        kpi, maximum = options["max_value"]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE kpi_definitions SET max_value = :m WHERE code = :k"), {"m": maximum, "k": kpi}
            )
    before = snapshot(engine)
    data = (CORPUS / file_name).read_bytes()

    preview = prepare_import(engine, file_name, data, max_bytes=options.get("max_bytes", 20 * 1024 * 1024))

    assert not preview.ok
    found = [(p.row, p.column) for p in preview.problems]
    assert found == [(row, column) for row, column, _ in expected], preview.problems
    for problem, (_, _, words) in zip(preview.problems, expected, strict=True):
        for word in words:
            assert word in problem.message, (word, problem.message)
        assert problem.fix, problem
    assert preview.rows_added == preview.rows_changed == preview.rows_skipped == 0

    result = apply_import(engine, LEAD, preview, replace=True)
    assert not result.applied and "Nothing was imported" in result.message
    assert snapshot(engine) == before


def test_corpus_has_a_file_for_every_bad_file_case():
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    assert on_disk == {name for name, _, _ in BAD_FILES}
    assert any(name.endswith(".xlsx") for name in on_disk)


def test_problems_csv_has_the_user_columns_and_neutralises_formulas(engine):
    data = csv_file("2025-03,REM,PHYSIO,SIP_FTE,1,,,x", header=HEADER + ",=HYPERLINK(1)")
    preview = prepare_import(engine, "bad.csv", data)
    payload = problems_csv(preview.problems)
    assert payload.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["row", "column", "problem", "how to fix"]
    assert frame.iloc[0]["row"] == "1" and frame.iloc[0]["column"] == "'=HYPERLINK(1)"


def test_cp1252_file_is_read_with_a_notice(engine):
    preview = prepare_import(engine, "x.csv", (CORPUS / "non_numeric_value_cp1252.csv").read_bytes())
    assert any("Windows-1252" in n.message for n in preview.notices)


def test_blank_rows_keep_excel_row_numbers(engine):
    data = csv_file("2025-03,REM,PHYSIO,SIP_FTE,1,,", "", ",,,,,,", "2025-03,REM,OT,SIP_FTE,lots,,")
    preview = prepare_import(engine, "gaps.csv", data)
    assert [(p.row, p.column) for p in preview.problems] == [(5, "value")]


# --- reading, periods and numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_value", "month"),
    [
        ("2025-03", dt.date(2025, 3, 1)),
        ("2025-3", dt.date(2025, 3, 1)),
        ("2025-03-01", dt.date(2025, 3, 1)),
        ("2025-03-31", dt.date(2025, 3, 1)),
        ("2025-03-31 00:00:00", dt.date(2025, 3, 1)),
        ("01/03/2025", dt.date(2025, 3, 1)),  # day first: 1 March, not 3 January
        ("1/3/2025", dt.date(2025, 3, 1)),
        ("31/03/2025", dt.date(2025, 3, 1)),
        ("Mar 2025", dt.date(2025, 3, 1)),
        ("mar 2025", dt.date(2025, 3, 1)),
        ("March 2025", dt.date(2025, 3, 1)),
        ("Sept 2025", dt.date(2025, 9, 1)),
        (" MARCH 2025 ", dt.date(2025, 3, 1)),
    ],
)
def test_accepted_period_formats(text_value, month):
    assert parse_period(text_value) == month


@pytest.mark.parametrize(
    "text_value",
    ["", "2025", "2025-13", "2025-00", "31/02/2025", "03/2025", "Mar-25", "Q1 2025", "Marc 2025"],
)
def test_rejected_periods(text_value):
    assert parse_period(text_value) is None


def test_numbers_allow_thousands_separators_and_spaces_only():
    cells = pd.Series(
        ["1,234.5", " 1 234 ", "12", ".5", "0", "1e3", "", "1,23", "12%", "£5", "nan", "inf", "1.2.3"]
    )
    numbers, bad = parse_numbers(cells)
    assert numbers.iloc[:6].tolist() == [1234.5, 1234.0, 12.0, 0.5, 0.0, 1000.0]
    assert pd.isna(numbers.iloc[6]) and not bad.iloc[6]
    assert bad.iloc[7:].all() and numbers.iloc[7:].isna().all()


def test_excel_sep_line_sets_the_delimiter_and_keeps_row_numbers(engine):
    data = b"sep=;\r\n" + csv_file("2025-03;REM;PHYSIO;SIP_FTE;x;;", header=HEADER.replace(",", ";"))
    preview = prepare_import(engine, "excel.csv", data)
    assert [(p.row, p.column) for p in preview.problems] == [(2, "value")]


def test_read_table_utf8_bom_and_xlsx_cells_as_text():
    read = read_table("x.csv", "\ufeffperiod,value\n2025-03,1\n".encode())
    assert read.file_type == "csv" and list(read.table.columns) == ["period", "value", "row_no"]
    workbook = openpyxl.Workbook()
    workbook.active.append(["period", "value", "trust_code"])
    workbook.active.append([dt.datetime(2025, 3, 1), 12.0, "REM"])
    workbook.active.append([dt.date(2025, 4, 1), 12.5, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_table("x.xlsx", buffer.getvalue())
    assert read.file_type == "xlsx" and not read.problems
    assert read.table[["period", "value", "trust_code"]].values.tolist() == [
        ["2025-03-01", "12", "REM"],
        ["2025-04-01", "12.5", ""],
    ]
    assert read.table["row_no"].tolist() == [2, 3]


# --- good files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_imports_cleanly(engine, kind):
    data = template_csv() if kind == "csv" else template_xlsx()
    preview = prepare_import(engine, f"template.{kind}", data)
    assert preview.ok and (preview.rows_added, preview.rows_changed, preview.rows_skipped) == (3, 0, 0)
    table = preview.table
    assert set(table["kpi_code"]) == {"SIP_FTE", "VACANCY_RATE", "FUNDING_SECURED"}
    assert table["trust_code"].isna().sum() == 1  # the system-level example


def test_template_xlsx_has_a_guide_sheet_and_the_markdown_guide_lists_the_codes():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["Data", "Guide"]
    assert [c.value for c in workbook["Data"][1]] == list(TEMPLATE_COLUMNS)
    assert workbook["Data"].max_row == 4
    guide_text = " ".join(str(c.value) for row in workbook["Guide"].iter_rows() for c in row if c.value)
    for expected in (
        "01/03/2025",
        "March 2025",
        "VACANCY_RATE",
        "RVY",
        "Chiropodists/Podiatrists",
        *TEMPLATE_COLUMNS,
    ):
        assert expected in guide_text
    guide = template_guide()
    assert "`SIP_FTE`" in guide and "`BOARD_AHP_LEAD`" in guide and "01/03/2025" in guide
    assert template_csv().decode("utf-8-sig").splitlines()[0] == HEADER


def test_added_changed_skipped_then_replace_or_not(engine):
    seed_batch = add_observations(engine, SEED)
    before = snapshot(engine)
    data = csv_file(
        "2025-03,REM,PHYSIO,SIP_FTE,100,,",  # same as stored: skipped
        "Mar 2025,REM,Physiotherapists,VACANCY_RATE,,12,100",  # stored 10/100: changed
        '2025-03,RBS,OT,SIP_FTE,"1,234.5",,',  # new
    )
    preview = prepare_import(engine, "march.csv", data)
    assert preview.ok
    assert (preview.rows_added, preview.rows_changed, preview.rows_skipped) == (1, 1, 1)
    change = preview.table[preview.table["action"] == "change"].iloc[0]
    assert (change["old_numerator"], change["numerator"], change["old_value"], change["value"]) == (
        10,
        12,
        10,
        12,
    )

    refused = apply_import(engine, LEAD, preview, replace=False)
    assert not refused.applied and "1 figure(s) already in the database would change" in refused.message
    assert snapshot(engine) == before

    result = apply_import(engine, LEAD, preview, replace=True, source="cli")
    assert result.applied and (result.rows_added, result.rows_changed, result.rows_skipped) == (1, 1, 1)
    row = batch(engine, result.batch_id)
    assert row.file_name == "march.csv" and row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.source == "cli" and row.is_synthetic is False and row.status == "applied"
    assert (row.rows_in_file, row.rows_added, row.rows_changed, row.rows_skipped) == (3, 1, 1, 1)
    assert row.imported_by == LEAD.label and row.imported_at is not None
    vacancy = observation(engine, "VACANCY_RATE", "REM", "PHYSIO", "2025-03")
    assert (vacancy.numerator, vacancy.denominator, vacancy.value, vacancy.batch_id) == (
        12,
        100,
        pytest.approx(12.0),
        result.batch_id,
    )
    assert observation(engine, "SIP_FTE", "RBS", "OT", "2025-03").value == 1234.5
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-03").batch_id == seed_batch
    with engine.connect() as conn:
        saved = conn.execute(select(ReplacedObservation.__table__)).one()
    assert (saved.kpi_code, saved.numerator, saved.denominator, saved.previous_batch_id) == (
        "VACANCY_RATE",
        10,
        100,
        seed_batch,
    )
    assert saved.batch_id == result.batch_id


def test_importing_the_same_file_twice_changes_nothing(engine):
    data = csv_file("2025-03,REM,PHYSIO,SIP_FTE,100,,", "2025-03,REM,PHYSIO,VACANCY_RATE,,10,80")
    imported(engine, data)
    before = snapshot(engine)
    again = prepare_import(engine, "upload.csv", data)
    assert (again.rows_added, again.rows_changed, again.rows_skipped) == (0, 0, 2)
    assert any("imported before" in n.message for n in again.notices)
    result = apply_import(engine, LEAD, again, replace=True)
    assert not result.applied and "Nothing to import" in result.message
    assert snapshot(engine) == before


def test_ratio_value_is_derived_and_a_matching_value_is_accepted(engine):
    imported(
        engine, csv_file("2025-03,REM,PHYSIO,VACANCY_RATE,12.5,10,80", "2025-03,REM,OT,VACANCY_RATE,,1,3")
    )
    assert observation(engine, "VACANCY_RATE", "REM", "PHYSIO", "2025-03").value == 12.5
    assert observation(engine, "VACANCY_RATE", "REM", "OT", "2025-03").value == pytest.approx(100 / 3)


def test_aliases_resolve_to_profession_codes(engine):
    data = csv_file(
        "2025-03,rem,Chiropodists/Podiatrists,sip_fte,1,,",
        "2025-03,REM,physiotherapists,SIP_FTE,2,,",
        "2025-03,REM,  Speech & Language Therapists ,SIP_FTE,3,,",
        "2025-03,REM,ot,SIP_FTE,4,,",
    )
    imported(engine, data)
    assert observation(engine, "SIP_FTE", "REM", "POD", "2025-03").value == 1
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-03").value == 2
    assert observation(engine, "SIP_FTE", "REM", "SLT", "2025-03").value == 3
    assert observation(engine, "SIP_FTE", "REM", "OT", "2025-03").value == 4


def test_every_period_format_in_one_file(engine):
    data = csv_file(
        "2025-03,REM,ART,SIP_FTE,1,,",
        "2025-03-15,REM,DIET,SIP_FTE,2,,",
        "01/03/2025,REM,DRAMA,SIP_FTE,3,,",
        "Mar 2025,REM,MUSIC,SIP_FTE,4,,",
        "March 2025,REM,OT,SIP_FTE,5,,",
    )
    preview, _ = imported(engine, data)
    assert set(preview.table["period"]) == {dt.date(2025, 3, 1)}
    assert observation(engine, "SIP_FTE", "REM", "DRAMA", "2025-03").value == 3


def test_merged_trust_code_moves_to_the_successor_from_the_merger_date(engine):
    data = csv_file("2023-07,RVY,PHYSIO,SIP_FTE,40,,", "2023-06,RVY,PHYSIO,SIP_FTE,41,,")
    preview, _ = imported(engine, data)
    notices = [n for n in preview.notices if "RVY" in n.message]
    assert len(notices) == 1 and notices[0].row == 2 and notices[0].rows == (2,)
    assert "merged into RBN" in notices[0].message
    assert observation(engine, "SIP_FTE", "RBN", "PHYSIO", "2023-07").value == 40
    assert observation(engine, "SIP_FTE", "RVY", "PHYSIO", "2023-06").value == 41
    assert observation(engine, "SIP_FTE", "RVY", "PHYSIO", "2023-07") is None


def test_future_is_relative_to_the_current_month(engine):
    data = csv_file("2025-03,REM,PHYSIO,SIP_FTE,1,,")
    assert prepare_import(engine, "x.csv", data, today=dt.date(2025, 3, 1)).ok
    late = prepare_import(engine, "x.csv", data, today=dt.date(2025, 2, 28))
    assert [(p.row, p.column) for p in late.problems] == [(2, "period")]


# --- undo ------------------------------------------------------------------------------------------------


def test_undo_restores_exactly(engine):
    add_observations(engine, SEED)
    before_counts, before_sum = snapshot(engine)
    data = csv_file(
        "2025-03,REM,PHYSIO,SIP_FTE,101,,",
        "2025-03,REM,PHYSIO,VACANCY_RATE,,11,100",
        "2025-03,,,FUNDING_SECURED,5000,,",
        "2025-03,RBS,OT,SIP_FTE,9,,",
    )
    _, result = imported(engine, data, replace=True)
    assert (result.rows_added, result.rows_changed, result.rows_skipped) == (1, 2, 1)
    assert observations_checksum(engine) != before_sum

    undone = undo_batch(engine, LEAD, result.batch_id)

    assert (undone.rows_restored, undone.rows_deleted) == (2, 1)
    assert observations_checksum(engine) == before_sum
    counts = queries.table_counts(engine)
    assert counts["observations"] == before_counts["observations"]
    row = batch(engine, result.batch_id)
    assert row.status == "undone" and row.undone_by == LEAD.label and row.undone_at is not None


def test_undo_refused_while_a_later_import_changed_the_same_rows(engine):
    before = observations_checksum(engine)
    _, first = imported(engine, csv_file("2025-03,REM,PHYSIO,SIP_FTE,100,,", "2025-03,REM,OT,SIP_FTE,50,,"))
    _, second = imported(engine, csv_file("2025-03,REM,PHYSIO,SIP_FTE,120,,"), name="fix.csv", replace=True)
    after_both = snapshot(engine)

    with pytest.raises(UndoRefused, match=rf"Undo import {second.batch_id} first"):
        undo_batch(engine, LEAD, first.batch_id)
    assert snapshot(engine) == after_both

    undo_batch(engine, LEAD, second.batch_id)
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-03").value == 100
    undo_batch(engine, LEAD, first.batch_id)
    assert observations_checksum(engine) == before


def test_undo_refused_twice_for_unknown_and_for_demo_batches(engine):
    demo = add_observations(engine, SEED, synthetic=True)
    _, result = imported(engine, csv_file("2025-04,REM,PHYSIO,SIP_FTE,100,,"))
    undo_batch(engine, LEAD, result.batch_id)
    with pytest.raises(UndoRefused, match="already undone"):
        undo_batch(engine, LEAD, result.batch_id)
    with pytest.raises(UndoRefused, match="synthetic demo data"):
        undo_batch(engine, LEAD, demo)
    with pytest.raises(UndoRefused, match="no import 9999"):
        undo_batch(engine, LEAD, 9999)
    assert batch(engine, demo).status == "applied"


# --- who may write ---------------------------------------------------------------------------------------


def test_board_user_cannot_import_or_undo(engine):
    add_observations(engine, SEED)
    preview = prepare_import(engine, "x.csv", csv_file("2025-04,REM,PHYSIO,SIP_FTE,100,,"))
    before = snapshot(engine)
    for user in (BOARD, None):
        with pytest.raises(PermissionDenied):
            apply_import(engine, user, preview, replace=True)
    assert snapshot(engine) == before

    _, result = imported(engine, csv_file("2025-04,REM,PHYSIO,SIP_FTE,100,,"))
    after_import = snapshot(engine)
    with pytest.raises(PermissionDenied, match="undo an import"):
        undo_batch(engine, BOARD, result.batch_id)
    assert snapshot(engine) == after_import
    assert batch(engine, result.batch_id).status == "applied"


# --- synthetic demo data and real imports ----------------------------------------------------------------


def test_real_figures_replace_demo_figures_row_by_row(engine):
    demo = add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, "2025-02", 90.0, None, None),
            ("SIP_FTE", "REM", None, "2025-03", 95.0, None, None),
        ],
        synthetic=True,
    )
    preview = prepare_import(engine, "real.csv", csv_file("2025-03,REM,,SIP_FTE,100,,"))
    assert preview.plan.synthetic_replaced == 1 and preview.plan.synthetic_in_database == 2
    assert any("SYNTHETIC" in n.message for n in preview.notices)
    result = apply_import(engine, LEAD, preview, replace=True)
    assert result.applied

    series = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",), trusts=("REM",)), "trust", engine)
    synthetic = dict(zip(series["period"].dt.strftime("%Y-%m"), series["synthetic"], strict=True))
    assert synthetic == {"2025-02": True, "2025-03": False}
    assert queries.observation_counts(engine).synthetic == 1

    undo_batch(engine, LEAD, result.batch_id)
    back = observation(engine, "SIP_FTE", "REM", None, "2025-03")
    assert (back.value, back.batch_id) == (95.0, demo)
    assert queries.data_status(engine).all_synthetic


def test_remove_demo_leaves_real_data_only_and_undo_brings_the_demo_back(engine):
    add_observations(engine, SEED, synthetic=True)
    before = observations_checksum(engine, with_ids=False)
    preview = prepare_import(engine, "real.csv", csv_file("2025-04,REM,PHYSIO,SIP_FTE,100,,"))
    result = apply_import(engine, LEAD, preview, replace=False, remove_demo=True)
    assert result.applied and result.demo_rows_removed == 3
    assert queries.observation_counts(engine).total == 1
    assert not queries.data_status(engine).any_synthetic

    undo_batch(engine, LEAD, result.batch_id)
    assert observations_checksum(engine, with_ids=False) == before


# --- the apply step re-checks the database ---------------------------------------------------------------


def test_apply_replans_when_the_database_changed_since_the_preview(engine):
    preview = prepare_import(engine, "mine.csv", csv_file("2025-03,REM,PHYSIO,SIP_FTE,100,,"))
    assert preview.rows_added == 1
    imported(engine, csv_file("2025-03,REM,PHYSIO,SIP_FTE,90,,"), name="someone-else.csv")
    before = snapshot(engine)

    refused = apply_import(engine, LEAD, preview, replace=False)
    assert not refused.applied and refused.replanned and refused.rows_changed == 1
    assert snapshot(engine) == before

    result = apply_import(engine, LEAD, preview, replace=True)
    assert result.applied and result.replanned and (result.rows_added, result.rows_changed) == (0, 1)
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-03").value == 100


def test_progress_is_reported_for_validation_planning_and_writing(engine):
    calls: list[tuple[float, str]] = []
    data = csv_file(*[f"2025-03,REM,{p},SIP_FTE,{i},," for i, p in enumerate(["OT", "PHYSIO", "RAD"])])
    preview = prepare_import(engine, "x.csv", data, progress=lambda f, m: calls.append((f, m)))
    apply_import(engine, LEAD, preview, replace=False, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert all(0.0 <= f <= 1.0 for f in fractions) and fractions.count(1.0) >= 2
    messages = " ".join(m for _, m in calls)
    assert "Checking" in messages and "Comparing" in messages and "Adding" in messages


# --- bounded work per upload: the first MAX_PROBLEMS problems, the rest counted --------------------------


def unknown_trust_rows(count: int) -> bytes:
    """`count` rows with one problem each (an unknown trust code), rows 2 to count + 1."""
    return csv_file(*[f"2025-03,XYZ,,SIP_FTE,{i},," for i in range(count)])


def test_exactly_max_problems_are_all_listed_with_no_more_line(engine):
    from kpi.ingest import MAX_PROBLEMS

    before = snapshot(engine)
    preview = prepare_import(engine, "x.csv", unknown_trust_rows(MAX_PROBLEMS))
    assert MAX_PROBLEMS == 1_000
    assert len(preview.problems) == preview.problem_count == 1_000
    assert preview.problems_not_listed == 0 and preview.more_problems() == ""
    assert [p.row for p in preview.problems] == list(range(2, 1_002))
    lines = problems_csv(preview.problems, not_listed=0).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 1_000 and "more problem" not in lines[-1]
    assert preview.summary().startswith("1,000 problems found")
    assert snapshot(engine) == before


def test_one_past_max_problems_lists_the_first_1000_and_counts_one_more(engine):
    before = snapshot(engine)
    preview = prepare_import(engine, "x.csv", unknown_trust_rows(1_001))
    assert len(preview.problems) == 1_000 and preview.problem_count == 1_001
    assert [p.row for p in preview.problems] == list(range(2, 1_002)), "the first 1,000 in file order"
    assert preview.problems_not_listed == 1
    assert preview.more_problems() == "… and 1 more problem of the same kinds: fix these and upload again."
    assert preview.summary().startswith("1,001 problems found")
    [kind] = preview.kinds()
    assert (kind.column, kind.kind, kind.count, kind.listed) == (
        "trust_code",
        "Unknown trust code.",
        1_001,
        1_000,
    )
    lines = problems_csv(preview.problems, not_listed=1).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 1_000 + 1
    assert lines[-2].startswith("1001,trust_code,")
    assert lines[-1] == ",,… and 1 more problem not listed here.,Fix these and upload again."
    assert preview.records.empty and preview.plan is None, "a refused preview keeps no table"
    assert snapshot(engine) == before


def test_problems_past_the_cap_are_counted_by_kind_in_file_order(engine):
    # 1,500 rows each with a bad period and an unknown trust (3,000 problems), then one row with a kind of
    # problem that only appears past the cap: the list is rows 2 to 501, both problems of each.
    rows = [f"2025-13,XYZ,,SIP_FTE,{i},," for i in range(1_500)] + ["2025-03,REM,PHYSIO,NOPE,1,,"]
    before = snapshot(engine)
    preview = prepare_import(engine, "x.csv", csv_file(*rows))
    assert preview.problem_count == 3_001 and len(preview.problems) == 1_000
    assert {p.row for p in preview.problems} == set(range(2, 502))
    assert [p.column for p in preview.problems[:2]] == ["period", "trust_code"]
    kinds = {(k.column, k.kind): (k.count, k.listed) for k in preview.kinds()}
    assert kinds == {
        ("period", "The period is not a month the importer can read."): (1_500, 500),
        ("trust_code", "Unknown trust code."): (1_500, 500),
        ("kpi_code", "Unknown KPI code."): (1, 0),
    }
    more = preview.more_problems()
    assert more.startswith("… and 2,001 more problems") and "fix these and upload again" in more
    assert "same kinds" not in more, "a kind only past the cap: the line points to the counts"
    csv_text = problems_csv(preview.problems, not_listed=preview.problems_not_listed).decode("utf-8-sig")
    assert csv_text.splitlines()[-1].startswith(',,"… and 2,001 more problems not listed here."')
    assert snapshot(engine) == before


def test_reader_counts_rows_with_too_many_cells_past_the_cap():
    rows = [f"2025-03,REM,PHYSIO,SIP_FTE,{i},,,extra" for i in range(1_200)]
    read = read_table("x.csv", csv_file(*rows))
    assert len(read.problems) == 1_000 and read.log.total == 1_200
    assert read.problems[-1].row == 1_001
    assert len(read.table.attrs["misaligned_rows"]) == 1_200, "none of them is checked again"
