"""The covering rule for one day (kpi.reference.membership.covers_day, used for a chart's membership events
and the scope notes): dates, text or timestamps, an empty start or end open. Both sides of each end."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.reference.membership import covers_day


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "day", "covered"),
    [
        ("2026-03-01", None, dt.date(2026, 3, 1), True),
        ("2026-03-01", None, dt.date(2026, 2, 28), False),
        (dt.date(2026, 3, 1), "", dt.date(2026, 2, 28), False),
        (pd.Timestamp("2026-03-01 15:00"), pd.NaT, dt.date(2026, 3, 1), True),  # a time of day is ignored
        (None, "2026-03-31", dt.date(2026, 3, 31), True),
        (None, "2026-03-31", dt.date(2026, 4, 1), False),
        ("", dt.date(2026, 3, 31), pd.Timestamp("2026-04-01"), False),
        (None, None, dt.date(1990, 1, 1), True),
    ],
)
def test_a_span_covers_a_day_from_its_start_to_its_end_inclusive(valid_from, valid_to, day, covered):
    assert covers_day(valid_from, valid_to, day) is covered
