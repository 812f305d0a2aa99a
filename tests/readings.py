"""Readings of small exact frames for the tests (kpi.reading): the whole frame is the window, the scope is
the system unless said otherwise."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kpi.reading import Reading, Window, read_kpi, read_scope
from kpi.reading.tables import summary_frame
from kpi.reference.catalogue import KPI


def reading_of(
    data: pd.DataFrame, kpi: KPI, scope: str = "C&M", name: str = "C&M system", **options
) -> Reading:
    """The reading of `kpi` over every month of `data` (period, value, ...)."""
    return read_kpi(data, kpi, scope, name, window=Window(None, None), **options)


def summary_of(series: pd.DataFrame, kpis: Mapping[str, KPI], scope: str = "C&M", **options) -> pd.DataFrame:
    """The Making Data Count summary of `kpis` for one scope of `series`, as the Overview shows it."""
    readings = read_scope(series, kpis, scope, scope, window=Window(None, None), **options)
    return summary_frame(readings.values())


def catalogue_targets(data: pd.DataFrame, kpi: KPI, names: Mapping[str, str]) -> dict[str, pd.Series]:
    """Each scope's target path over the months of `data` with no lead's settings (the trend figure's
    `targets`)."""
    months = pd.DatetimeIndex(sorted(data["period"].unique()))
    return {
        names.get(code, code): reading_of(rows, kpi, code, names.get(code, code)).target_path(months)
        for code, rows in data.groupby("scope_code", sort=False)
    }
