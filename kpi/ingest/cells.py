"""Cells as text: numbers (digits with an optional decimal point, thousands separators and spaces
allowed, nothing else: no £, %, words, "1,23") and the advice for a cell that is not one. Months are read
by `kpi.words.months.parse_month`, here also under `parse_period`, its name in the importer."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kpi.words.months import PERIOD_FORMATS_TEXT, current_month, parse_month

parse_period = parse_month


_SPACES = r"[\s\u00a0\u202f]+"
_NUMBER = r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"


def parse_numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, bad): the cells as floats (NaN where empty or bad) and a mask of the cells that are
    not empty but not a number. Thousands separators and spaces are allowed; nothing else is."""
    compact = cells.astype(str).str.replace(_SPACES, "", regex=True)
    empty = compact == ""
    looks_numeric = compact.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    numbers = pd.to_numeric(
        compact.where(looks_numeric, "").str.replace(",", "", regex=False), errors="coerce"
    ).astype(float)
    finite = np.isfinite(numbers.to_numpy())
    bad = (~empty & ~(looks_numeric & finite)).astype(bool)
    numbers = numbers.where(~bad)
    return numbers, bad


def number_value(text_value: str) -> float:
    return float(re.sub(_SPACES, "", text_value).replace(",", ""))


def number_fix(text_value: str) -> str:
    if "%" in text_value:
        return "Give the count as a number without %; for a rate, give numerator and denominator."
    if re.search(r"[£$€]", text_value):
        return "Write the amount without a currency sign, e.g. 1200 or 1,200."
    if re.fullmatch(r"[\d\s]+,\d{1,2}", text_value.strip()):
        return "Use a full stop for decimals (12.5, not 12,5); commas only separate thousands (1,234.5)."
    return (
        "Write a plain number such as 12, 12.5 or 1,234.5 (no text); leave the cell empty if there is none."
    )


__all__ = [
    "PERIOD_FORMATS_TEXT",
    "current_month",
    "number_fix",
    "number_value",
    "parse_numbers",
    "parse_period",
]
