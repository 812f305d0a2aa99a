"""Typed views of DataFrame rows.

pandas-stubs types a frame's column labels as `Hashable`, so `to_dict("records")` comes back as
`list[dict[Hashable, Any]]`. Every frame this project builds or reads from the database has string
column names, so the rows are `dict[str, Any]`; these helpers say so once, instead of at each call.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """`frame.to_dict("records")`: one dict per row, keyed by (string) column name."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def row_dict(row: pd.Series) -> dict[str, Any]:
    """`row.to_dict()` for a row of a frame with string column names."""
    return cast(dict[str, Any], row.to_dict())
