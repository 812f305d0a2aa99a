"""One aggregation per page: the app reads each series with a year more before the period and slices
it, so the page's series and its latest values (which compare with the year before) come from one read.
The slice must equal what reading the period alone gives, at every level, provisional flags included."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from kpi.seed.demo import load_demo

END = dt.date(2026, 9, 1)


def test_one_wide_read_gives_the_periods_series_at_every_level_and_the_latest_values(engine):
    load_demo(engine, end=END)  # slow (the demo history): one test checks both uses of the wide read
    flt = KPIFilter(period_from=dt.date(2025, 4, 1), period_to=END)
    for level in ("system", "collaborative", "trust"):
        alone = queries.kpi_series(flt, level, engine)
        wide = queries.kpi_series(queries.widened(flt), level, engine)
        assert wide["period"].min() == pd.Timestamp("2024-04-01")
        sliced = wide[wide["period"] >= pd.Timestamp(flt.period_from)].reset_index(drop=True)
        pd.testing.assert_frame_equal(sliced, alone)
        assert len(alone) > 0 and alone["provisional"].dtype == bool

    wide = queries.kpi_series(queries.widened(flt), "system", engine)
    latest = queries.latest_from_series(wide, flt.period_from)
    pd.testing.assert_frame_equal(latest, queries.latest_values(flt, "system", engine))
    row = latest.set_index("kpi_code").loc["SIP_FTE"]
    values = wide[wide["kpi_code"] == "SIP_FTE"].set_index("period")["value"]
    assert row["period"] == pd.Timestamp(END)
    assert row["previous_value"] == values[pd.Timestamp("2026-08-01")]
    assert row["last_year_value"] == values[pd.Timestamp("2025-09-01")]  # before the period: still there
    assert queries.latest_from_series(wide.iloc[0:0], flt.period_from).empty
