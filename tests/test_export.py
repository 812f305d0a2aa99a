"""CSV files that open cleanly in Excel, cannot run formulas, and say when data is synthetic."""

from __future__ import annotations

import csv
import io

import pandas as pd

from kpi.export import SYNTHETIC_BANNER, chart_table, csv_bytes, neutralise_cell


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_formula_cells_are_neutralised_and_numbers_are_not():
    assert neutralise_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    for dangerous in ("+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert neutralise_cell(dangerous).startswith("'")
    assert neutralise_cell("-3.5") == "-3.5"
    assert neutralise_cell("Vacancy rate") == "Vacancy rate"
    assert neutralise_cell(-3.5) == -3.5


def test_csv_is_utf8_with_bom_and_keeps_pound_signs_and_commas():
    frame = pd.DataFrame(
        {"Trust": ["Alder Hey, Liverpool", "=cmd|' /C calc'!A0"], "Funding": ["£1,200", "£5"]}
    )
    rows = read_back(csv_bytes(frame))
    assert rows[0] == ["Trust", "Funding"]
    assert rows[1] == ["Alder Hey, Liverpool", "£1,200"]
    assert rows[2][0] == "'=cmd|' /C calc'!A0"


def test_synthetic_exports_say_so_in_the_file():
    rows = read_back(csv_bytes(pd.DataFrame({"a": [1]}), synthetic=True, title="Vacancy rate, C&M"))
    assert rows[0] == [SYNTHETIC_BANNER]
    assert rows[1] == ["Vacancy rate, C&M"]
    assert rows[2] == ["a"]
    assert SYNTHETIC_BANNER not in csv_bytes(pd.DataFrame({"a": [1]})).decode("utf-8-sig")


def test_chart_table_has_readable_scope_names_and_months():
    series = pd.DataFrame(
        {
            "kpi_code": ["VACANCY_RATE"] * 2,
            "scope_code": ["C&M", "CMAST"],
            "period": pd.to_datetime(["2026-10-01", "2026-10-01"]),
            "value": [12.857142857, 10.0],
            "numerator": [27.0, 18.0],
            "denominator": [210.0, 180.0],
        }
    )
    table = chart_table(series, "Vacancy rate", "%", {"C&M": "C&M system", "CMAST": "CMAST"})
    assert list(table["Scope"]) == ["C&M system", "CMAST"]
    assert list(table["Month"]) == ["2026-10", "2026-10"]
    assert table["Value"].iloc[0] == 12.8571
