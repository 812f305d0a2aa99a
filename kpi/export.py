"""Files that leave the dashboard: CSV that opens cleanly in Excel and cannot smuggle formulas.

- UTF-8 with a byte-order mark, so Excel shows £, é and ’ correctly;
- a cell starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe, so a
  spreadsheet shows it as text instead of running it as a formula (OWASP "CSV injection");
  plain negative numbers are numbers, not text, and are left alone;
- when any of the data is synthetic, the first line says so, in the file itself.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

SYNTHETIC_BANNER = "SYNTHETIC DEMO DATA - generated for demonstration, not real trust figures"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def neutralise_cell(value: object) -> object:
    """Make a text cell safe for spreadsheets; numbers and plain text pass unchanged."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def csv_bytes(frame: pd.DataFrame, *, synthetic: bool = False, title: str | None = None) -> bytes:
    """The frame as Excel-friendly, injection-safe CSV bytes (UTF-8 with BOM)."""
    safe = frame.copy()
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    buffer = io.StringIO()
    preamble = csv.writer(buffer, lineterminator="\r\n")
    if synthetic:
        preamble.writerow([SYNTHETIC_BANNER])
    if title:
        preamble.writerow([neutralise_cell(title)])
    safe.to_csv(buffer, index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return buffer.getvalue().encode("utf-8-sig")


def chart_table(series: pd.DataFrame, kpi_name: str, unit: str, scope_names: dict[str, str]) -> pd.DataFrame:
    """The rows behind a KPI chart, as people read them: one row per scope and month."""
    return pd.DataFrame(
        {
            "KPI code": series["kpi_code"],
            "KPI": kpi_name,
            "Scope code": series["scope_code"],
            "Scope": series["scope_code"].map(lambda c: scope_names.get(c, c)),
            "Month": series["period"].dt.strftime("%Y-%m"),
            "Value": series["value"].round(4),
            "Unit": unit,
            "Numerator": series["numerator"],
            "Denominator": series["denominator"],
        }
    ).reset_index(drop=True)
