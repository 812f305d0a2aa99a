"""The month a trust joins or leaves a scope, on both sides of the boundary, in every place the rule is
applied: the series (SQL) for a collaborative and for the system, and the completeness counts (frames).

The rule (kpi.reference.membership): a span covers month m (its first day) when it starts on or before m and
ends on or after m. So a span ending on the 1st of a month still covers that month; one ending the day before
does not. Small exact fixtures: one trust's span moved, one figure a month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import update

from kpi.figures import completeness, queries
from kpi.figures.queries import KPIFilter
from kpi.store.db import session_scope
from kpi.store.models import Membership, Trust
from tests.conftest import add_observations

# Bridgewater (RY2, MHLDC only) and Mersey Care (RW4, MHLDC only): one figure each, three months.
FIGURES = [
    ("SIP_FTE", trust, None, month, value, None, None)
    for trust, base in (("RY2", 20), ("RW4", 100))
    for month, value in (("2026-02", base), ("2026-03", base + 1), ("2026-04", base + 2))
]


def series(engine, level: str) -> dict[str, float]:
    frame = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",)), level, engine)
    return {f"{row.period:%Y-%m}": float(row.value) for row in frame.itertuples()}


def set_membership(engine, **values) -> None:
    with session_scope(engine) as s:
        s.execute(update(Membership).where(Membership.trust_code == "RY2").values(**values))


def set_system_span(engine, **values) -> None:
    with session_scope(engine) as s:
        s.execute(update(Trust).where(Trust.ods_code == "RY2").values(**values))


def test_a_membership_ending_on_the_first_of_a_month_counts_in_that_month_and_not_after(engine):
    set_membership(engine, valid_to=dt.date(2026, 3, 1))
    add_observations(engine, FIGURES)
    assert series(engine, "collaborative") == {"2026-02": 120, "2026-03": 122, "2026-04": 102}


def test_a_membership_ending_the_day_before_a_month_does_not_count_in_it(engine):
    set_membership(engine, valid_to=dt.date(2026, 2, 28))
    add_observations(engine, FIGURES)
    assert series(engine, "collaborative") == {"2026-02": 120, "2026-03": 101, "2026-04": 102}


def test_a_membership_starting_on_the_first_counts_from_that_month_and_a_later_start_from_the_next(engine):
    set_membership(engine, valid_from=dt.date(2026, 3, 1))
    add_observations(engine, FIGURES)
    assert series(engine, "collaborative") == {"2026-02": 100, "2026-03": 122, "2026-04": 124}
    set_membership(engine, valid_from=dt.date(2026, 3, 2))
    assert series(engine, "collaborative") == {"2026-02": 100, "2026-03": 101, "2026-04": 124}


def test_a_system_span_ending_on_the_first_of_a_month_counts_in_that_month_and_not_after(engine):
    set_system_span(engine, system_to=dt.date(2026, 3, 1))
    add_observations(engine, FIGURES)
    assert series(engine, "system") == {"2026-02": 120, "2026-03": 122, "2026-04": 102}
    set_system_span(engine, system_to=dt.date(2026, 2, 28))
    assert series(engine, "system") == {"2026-02": 120, "2026-03": 101, "2026-04": 102}


def test_a_system_span_starting_on_the_first_counts_from_that_month(engine):
    set_system_span(engine, system_from=dt.date(2026, 3, 1))
    add_observations(engine, FIGURES)
    assert series(engine, "system") == {"2026-02": 100, "2026-03": 122, "2026-04": 124}
    set_system_span(engine, system_from=dt.date(2026, 3, 2))
    assert series(engine, "system") == {"2026-02": 100, "2026-03": 101, "2026-04": 124}


# --- the same rule in the completeness counts (frames, no database) ------------------------------------


def spans(valid_from: str | None, valid_to: str | None) -> pd.DataFrame:
    """T1's span in collaborative CX as given, T2's open; the system spans both open."""
    rows = [
        ("T1", "CX", valid_from, valid_to),
        ("T2", "CX", None, None),
        ("T1", "C&M", valid_from, valid_to),
        ("T2", "C&M", None, None),
    ]
    frame = pd.DataFrame(rows, columns=["trust_code", "scope_code", "valid_from", "valid_to"])
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# Both trusts report January; T2 alone reports February to April. T1 stays expected in the months after
# its report (the window) while its span covers them.
REPORTED = pd.DataFrame(
    [("K", "T1", "2026-01-01"), ("K", "T2", "2026-01-01")]
    + [("K", "T2", month) for month in ("2026-02-01", "2026-03-01", "2026-04-01")],
    columns=["kpi_code", "trust_code", "period"],
).assign(period=lambda f: pd.to_datetime(f["period"]))


def expected_by_month(frame: pd.DataFrame) -> dict[str, int]:
    """{month: trusts expected}, January to April (a report keeps a trust expected for a year after)."""
    shown = frame[frame["period"] <= pd.Timestamp("2026-04-01")]
    return {f"{row.period:%Y-%m}": int(row.expected) for row in shown.itertuples()}


def test_completeness_expects_a_trust_in_the_month_its_span_ends_on_the_first_and_not_after():
    for scope in ("collaborative", "system"):
        counts = completeness.month_counts(REPORTED, spans(None, "2026-03-01"), scope)
        assert expected_by_month(counts) == {"2026-01": 2, "2026-02": 2, "2026-03": 2, "2026-04": 1}, scope
        counts = completeness.month_counts(REPORTED, spans(None, "2026-02-28"), scope)
        assert expected_by_month(counts) == {"2026-01": 2, "2026-02": 2, "2026-03": 1, "2026-04": 1}, scope


def test_completeness_expects_a_trust_from_the_month_its_span_starts_on_the_first():
    march = pd.DataFrame({"kpi_code": ["K"], "trust_code": ["T1"], "period": [pd.Timestamp("2026-03-01")]})
    reported = pd.concat([REPORTED, march], ignore_index=True)
    counts = completeness.month_counts(reported, spans("2026-03-01", None), "collaborative")
    assert expected_by_month(counts) == {"2026-01": 1, "2026-02": 1, "2026-03": 2, "2026-04": 2}
    counts = completeness.month_counts(reported, spans("2026-03-02", None), "collaborative")
    assert expected_by_month(counts) == {"2026-01": 1, "2026-02": 1, "2026-03": 1, "2026-04": 2}
