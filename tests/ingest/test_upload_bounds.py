"""Bounded work for any file under the size limit: the header is checked against MAX_COLUMNS before any
cell is made (a CSV whose line breaks were lost is one row of millions of cells), and notices are capped
as problems are. Time and memory are measured in benchmarks/bench_upload.py (wide-50k, wide-200k,
one-line-16m); these tests hold the rules, on both sides of each limit."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from kpi.ingest import MAX_COLUMNS, MAX_PROBLEMS, Notice, capped_notices, read_table
from kpi.ingest.dispatch import prepare_file
from kpi.ingest.preview import ImportPreview
from kpi.ingest.validation import empty_records

TEMPLATE_HEADER = "period,trust_code,profession,kpi_code,value,numerator,denominator"
ROW = "2026-01,REM,PHYSIO,SIP_FTE,10,,"


def header_of(columns: int) -> str:
    """The template's seven columns and then extra ones up to `columns`."""
    return ",".join([TEMPLATE_HEADER, *(f"extra {n}" for n in range(columns - 7))])


@pytest.mark.parametrize("columns", [MAX_COLUMNS, MAX_COLUMNS + 1])
def test_a_csv_header_is_read_up_to_the_column_limit_and_refused_beyond(columns):
    data = f"{header_of(columns)}\n{ROW}\n".encode()
    read = read_table("wide.csv", data)
    if columns <= MAX_COLUMNS:
        assert read.table is not None and len(read.table.columns) == columns + 1  # and row_no
        return
    (problem,) = read.problems
    assert read.table is None and problem.row == 1
    assert f"has {columns:,} columns; the importer reads at most {MAX_COLUMNS}" in problem.message
    assert 'It starts: "period", "trust_code", "profession", "kpi_code"' in problem.message
    assert "Keep only the template's columns" in problem.fix


def test_trailing_empty_cells_do_not_count_as_columns():
    data = f"{TEMPLATE_HEADER}{',' * 500}\n{ROW}\n".encode()
    read = read_table("excel.csv", data)
    assert read.table is not None and not read.problems


def test_a_file_whose_line_breaks_were_lost_is_refused_saying_so():
    one_line = (TEMPLATE_HEADER + "," + (ROW + ",") * 100_000).encode()
    read = read_table("joined.csv", one_line)
    (problem,) = read.problems
    assert read.table is None and "700,005 columns" in problem.message
    assert "line breaks have probably been lost" in problem.fix
    two_lines = (TEMPLATE_HEADER + "," * 10 + ",x" * 300 + "\n" + ROW + "\n").encode()
    assert "line breaks" not in read_table("wide.csv", two_lines).problems[0].fix, "not one line: not said"


def test_quotes_that_may_hide_commas_make_the_count_approximate():
    header = ",".join(f'"heading {n}, with a comma"' for n in range(150))
    read = read_table("quoted.csv", f"{header}\n".encode())
    assert "has about 300 columns" in read.problems[0].message, "the commas counted, said as 'about'"


@pytest.mark.parametrize("columns", [MAX_COLUMNS, MAX_COLUMNS + 1])
def test_an_xlsx_header_is_held_to_the_same_limit(columns):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header_of(columns).split(","))
    sheet.append(ROW.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_table("wide.xlsx", buffer.getvalue())
    assert (read.table is None) == (columns > MAX_COLUMNS)
    if columns > MAX_COLUMNS:
        assert f"{columns:,} columns" in read.problems[0].message


def test_the_import_page_and_cli_path_shows_the_one_problem(engine):
    data = f"{header_of(50_000)}\n{ROW}\n".encode()
    preview = prepare_file(engine, "wide.csv", data, today=dt.date(2026, 3, 1))
    assert not preview.ok and preview.problem_count == 1, "one problem, not one per column"
    assert "50,000 columns" in preview.problems[0].message


def test_notices_are_capped_as_problems_are():
    notices = [Notice(n, f"notice {n}") for n in range(MAX_PROBLEMS + 500)]
    kept = capped_notices(notices)
    assert len(kept) == MAX_PROBLEMS + 1 and kept[-1].message.startswith("… and 500 more notices")
    assert capped_notices(notices[:MAX_PROBLEMS]) == notices[:MAX_PROBLEMS], "at the cap: all, no summary"
    many_rows = Notice(2, "1,000,000 row(s) left out", tuple(range(2, 1_000_002)))
    assert len(many_rows.rows) == MAX_PROBLEMS and many_rows.rows[0] == 2


def test_a_preview_holds_at_most_the_cap_of_notices_and_completeness_lines():
    lines = [f"SIP_FTE {n}: provisional" for n in range(MAX_PROBLEMS + 3)]
    preview = ImportPreview(
        "f.csv", "0" * 64, "upload", "csv", 1, [], [Notice(None, line) for line in lines], empty_records(),
        None, completeness=lines,
    )  # fmt: skip
    assert len(preview.notices) == MAX_PROBLEMS + 1 and len(preview.completeness) == MAX_PROBLEMS + 1
    assert preview.completeness[-1] == "… and 3 more months like these."
