"""CSV files that any tool reads as they are (header first, figures as numbers), open cleanly in
Excel, cannot run formulas, and carry their provenance (filters, source, synthetic) in every row; the
filter words and file names they share with titles and captions."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd

from kpi.charts import file_stem
from kpi.exports.tables import (
    Provenance,
    chart_table,
    csv_bytes,
    neutralise_cell,
    ranking_table,
    rounded,
    scorecard_table,
)
from kpi.reading import Window, read_scope
from kpi.reference.catalogue import KPI
from kpi.selection.filters import Selection
from kpi.selection.labels import describe

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1, grain="trust_profession")
SIP = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1, source="ESR")
HEADCOUNT = KPI("SIP_HC", "AHP staff in post (headcount)", "PLAN", "people", "up", None, "sum", 0)
PHYSIO = Selection(dt.date(2024, 11, 1), dt.date(2026, 10, 1), None, (), ("PHYSIO",))
NAMES = {"PHYSIO": "Physiotherapists", "OT": "Occupational therapists"}


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


def test_provenance_is_columns_in_every_row_and_the_header_is_first():
    provenance = Provenance(
        scope="C&M system",
        filters=describe(PHYSIO, profession_names=NAMES),
        source="ESR",
        data_as_at="2026-10",
        synthetic=True,
    )
    data = csv_bytes(pd.DataFrame({"a": [1, 2]}), provenance=provenance)
    rows = read_back(data)
    assert rows[0] == [
        "a", "Scope", "Professions", "Trusts", "Collaborative", "Period from", "Period to", "Source",
        "Data as at", "Synthetic data",
    ]  # fmt: skip
    assert rows[1] == [
        "1", "C&M system", "Physiotherapists", "All trusts", "Both", "2024-11", "2026-10", "ESR",
        "2026-10", "yes",
    ]  # fmt: skip
    frame = pd.read_csv(io.BytesIO(data))
    assert list(frame["a"]) == [1, 2] and set(frame["Synthetic data"]) == {"yes"}
    assert read_back(csv_bytes(pd.DataFrame({"a": [1]}), provenance=Provenance()))[1] == ["1", "no"]


def test_a_per_row_column_wins_and_its_blanks_take_the_tables_value():
    frame = pd.DataFrame({"Scope": ["Alder Hey", "CMAST"], "Synthetic data": ["no", None]})
    read = pd.read_csv(io.BytesIO(csv_bytes(frame, provenance=Provenance(scope="ignored", synthetic=True))))
    assert list(read["Scope"]) == ["Alder Hey", "CMAST"]
    assert list(read["Synthetic data"]) == ["no", "yes"]


def test_figures_are_rounded_to_the_kpis_precision_without_float_noise():
    assert 1500.1 + 28.3 == 1528.3999999999999
    assert rounded(1500.1 + 28.3, 1) == 1528.4
    assert rounded(312.0, 0) == 312 and isinstance(rounded(312.0, 0), int)
    assert str(rounded(-0.04, 1)) == "0.0", "no negative zero"
    assert rounded(float("nan"), 1) is None


def test_chart_table_has_readable_scope_names_months_and_rounded_figures():
    series = pd.DataFrame(
        {
            "kpi_code": ["VACANCY_RATE"] * 2,
            "scope_code": ["C&M", "CMAST"],
            "period": pd.to_datetime(["2026-10-01", "2026-10-01"]),
            "value": [12.857142857, 10.0],
            "numerator": [27.0, 18.123456],
            "denominator": [210.0, 180.0],
            "synthetic": [True, False],
        }
    )
    table = chart_table(series, VACANCY, {"C&M": "C&M system", "CMAST": "CMAST"})
    assert list(table["Scope"]) == ["C&M system", "CMAST"]
    assert list(table["Month"]) == ["2026-10", "2026-10"]
    assert list(table["Value"]) == [12.9, 10.0]
    assert list(table["Numerator"]) == [27.0, 18.12]
    assert list(table["Synthetic data"]) == ["yes", "no"]
    data = csv_bytes(table)
    assert b"12.9," in data and b"12.857" not in data


def test_scorecard_table_splits_changes_into_numbers_and_readings():
    series = pd.DataFrame(
        {
            "kpi_code": ["SIP_FTE", "SIP_FTE", "SIP_HC", "SIP_HC", "SIP_HC"],
            "scope_code": "C&M",
            "period": pd.to_datetime(["2026-09-01", "2026-10-01", "2025-10-01", "2026-09-01", "2026-10-01"]),
            "value": [1516.1, 1500.1 + 28.3, 1750.0, 1790.0, 1790.0],
            "synthetic": True,
        }
    )
    kpis = {"SIP_FTE": SIP, "SIP_HC": HEADCOUNT, "VACANCY_RATE": VACANCY}
    readings = read_scope(series, kpis, "C&M", "C&M system", window=Window(None, None))
    data = csv_bytes(scorecard_table(readings.values(), {"PLAN": "Planning"}), provenance=Provenance())
    text = data.decode("utf-8-sig")
    assert "(better)" not in text and "FTE on" not in text
    assert "\r\nPlanning,SIP_HC,AHP staff in post (headcount),2026-10,1790,people," in text, (
        "whole numbers as such"
    )
    frame = pd.read_csv(io.BytesIO(data)).set_index("KPI code")
    assert frame.loc["SIP_FTE", "Value"] == 1528.4
    assert frame.loc["SIP_FTE", "Change on previous month"] == 12.3
    assert frame.loc["SIP_FTE", "Reading on previous month"] == "better"
    assert pd.isna(frame.loc["SIP_FTE", "Change on same month last year"])
    assert frame.loc["SIP_HC", "Reading on previous month"] == "no change"
    assert frame.loc["SIP_HC", "Change on same month last year"] == 40
    assert pd.isna(frame.loc["VACANCY_RATE", "Value"]) and frame.loc["VACANCY_RATE", "Target"] == 7.5
    assert list(frame["Synthetic data"]) == ["yes", "yes", "no"]


def test_ranking_table_reads_each_trust_against_the_system():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2],
            "trust": ["Alder Hey", "Mersey Care"],
            "ods_code": ["RBS", "RW4"],
            "collaboratives": ["CMAST, MHLDC", "–"],
            "value": [5.0, 30.0],
            "numerator": [3.0, 9.0],
            "denominator": [60.0, 30.0],
        }
    )
    table = ranking_table(ranking, VACANCY, 100 * 27 / 210, "2026-10")
    assert list(table["Difference from system"]) == [-7.9, 17.1]
    assert list(table["Reading against system"]) == ["better", "worse"]
    assert list(table["System value"]) == [12.9, 12.9]
    assert list(table["Collaboratives"]) == ["CMAST, MHLDC", ""]


def test_filter_words_for_titles_captions_and_the_showing_line():
    words = describe(
        Selection(dt.date(2024, 11, 1), dt.date(2026, 10, 1), "CMAST", ("RBS",), ("PHYSIO", "OT")),
        trust_names={"RBS": "Alder Hey"},
        profession_names=NAMES,
    )
    assert (
        words.titled("Vacancy rate (%)") == "Vacancy rate (%) · Physiotherapists and Occupational therapists"
    )
    assert words.filters_text() == (
        "professions Physiotherapists, Occupational therapists; collaborative CMAST; trusts Alder Hey"
    )
    assert words.showing() == (
        "Showing Physiotherapists, Occupational therapists · Alder Hey (collaborative CMAST) · "
        "Nov 2024 to Oct 2026"
    )
    assert words.stem_parts() == ["CMAST", ("RBS",), ("OT", "PHYSIO"), "2024-11", "to", "2026-10"]
    default = describe(Selection(dt.date(2024, 11, 1), dt.date(2026, 10, 1)))
    assert default.titled("Vacancy rate (%)") == "Vacancy rate (%)"
    assert default.filters_text() == "none"
    assert default.showing("C&M system") == "Showing all AHPs · C&M system · Nov 2024 to Oct 2026"
    own = describe(Selection(dt.date(2024, 11, 1), dt.date(2026, 10, 1), default_period=True))
    assert own.showing("C&M system") == (
        "Showing all AHPs · C&M system · Nov 2024 to Oct 2026 (each KPI: its latest 36 complete months)"
    )
    many = describe(Selection(None, None, professions=("A", "B", "C")))
    assert many.title_suffix() == "3 professions"


def test_file_names_stay_short_but_unique():
    physio = file_stem("SIP_FTE", ("C&M", "CMAST", "MHLDC"), *describe(PHYSIO).stem_parts())
    assert physio == "SIP_FTE_C-M-CMAST-MHLDC_PHYSIO_2024-11_to_2026-10"
    trusts = tuple(f"R{i:02d}" for i in range(12))
    one = file_stem("SIP_FTE", trusts, ("PHYSIO", "OT", "SLT", "DIET", "POD"), "2024-11", "to", "2026-10")
    other = file_stem(
        "SIP_FTE", trusts[:11], ("PHYSIO", "OT", "SLT", "DIET", "POD"), "2024-11", "to", "2026-10"
    )
    assert one != other
    assert one.startswith("SIP_FTE_R00-R01-10-more_PHYSIO-OT-3-more_2024-11_to_2026-10_")
    assert len(one) <= 80 and len(other) <= 80
    assert len(file_stem("X", *[f"part{i}" for i in range(30)])) <= 80
