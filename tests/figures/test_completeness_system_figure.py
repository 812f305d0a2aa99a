"""A system-level figure (a row with no trust: the ICB's own return) stands for the system only in a month
no expected trust reported. Such a month is not provisional (nothing more is coming); a month where some
trusts reported is judged by how many did, whatever system-level row it also has."""

from __future__ import annotations

import pandas as pd

from kpi.figures import completeness

SPANS = pd.DataFrame(
    [("T1", "C&M", pd.NaT, pd.NaT), ("T2", "C&M", pd.NaT, pd.NaT)],
    columns=["trust_code", "scope_code", "valid_from", "valid_to"],
)


def reported(*rows: tuple[str | None, str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [("K", trust, pd.Timestamp(f"{month}-01")) for trust, month in rows],
        columns=["kpi_code", "trust_code", "period"],
    )
    return frame


def by_month(counts: pd.DataFrame, column: str) -> dict[str, object]:
    early = counts[counts["period"] <= pd.Timestamp("2026-03-01")]
    return {f"{row.period:%Y-%m}": getattr(row, column) for row in early.itertuples()}


# January: both trusts. February: T1 only, plus a system-level row. March: only a system-level row.
ROWS = reported(("T1", "2026-01"), ("T2", "2026-01"), ("T1", "2026-02"), (None, "2026-02"), (None, "2026-03"))


def test_a_system_level_row_is_the_figure_only_in_a_month_no_trust_reported():
    counts = completeness.month_counts(ROWS, SPANS, "system")
    assert by_month(counts, "reported") == {"2026-01": 2, "2026-02": 1, "2026-03": 0}
    assert by_month(counts, "expected") == {"2026-01": 2, "2026-02": 2, "2026-03": 2}
    assert by_month(counts, "system_figure") == {"2026-01": False, "2026-02": False, "2026-03": True}


def test_a_month_with_one_trust_of_two_is_provisional_even_with_a_system_row_and_a_system_figure_is_not():
    counts = completeness.month_counts(ROWS, SPANS, "system")
    flags = completeness.provisional(counts, pd.Series({"K": 1.0}))
    assert by_month(counts.assign(provisional=flags), "provisional") == {
        "2026-01": False,
        "2026-02": True,
        "2026-03": False,
    }


def test_a_collaborative_never_takes_a_system_level_row_as_its_figure():
    spans = SPANS.assign(scope_code="CX")
    counts = completeness.month_counts(ROWS, spans, "collaborative")
    assert not counts["system_figure"].any()
    flags = completeness.provisional(counts, pd.Series({"K": 1.0}))
    assert by_month(counts.assign(provisional=flags), "provisional") == {
        "2026-01": False,
        "2026-02": True,
        "2026-03": True,
    }
