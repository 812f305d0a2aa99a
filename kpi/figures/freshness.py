"""Freshness per KPI: its source, publication lag and newest complete month, and whether it is *stale*:
its newest complete system month is older than the newest month that should be complete by today
(`kpi.figures.completeness.due_period`), or there is none. Shown as 'Data as at …' on the Overview, the KPI
definitions page and in the board pack."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pandas as pd
from sqlalchemy import Engine

from kpi.figures.completeness import due_period, kpi_rules, provisional
from kpi.figures.rollups import stored_counts
from kpi.words.formats import month_label

FRESHNESS_COLUMNS = [
    "kpi_code", "name", "source", "lag_months", "latest_period", "latest_complete_period",
    "provisional_periods", "due_period", "stale", "as_at",
]  # fmt: skip


def _trusts(count: int) -> str:
    return f"{count} trust" if count == 1 else f"{count} trusts"


def _provisional_words(months: pd.DataFrame) -> str:
    """'Sep 2026 provisional: 2 of 15 trusts', or for several months the count and the newest."""
    newest = months.iloc[-1]
    reported = f"{newest['reported']} of {_trusts(int(newest['expected']))}"
    if len(months) == 1:
        return f"{month_label(newest['period'])} provisional: {reported}"
    return f"{len(months)} months provisional, the newest {month_label(newest['period'])}: {reported}"


def _split(months: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.DataFrame]:
    """One KPI's system months with data -> (the newest complete month or None, the months after it)."""
    complete = months.loc[~months["provisional"], "period"]
    if complete.empty:
        return None, months
    return complete.max(), months[months["period"] > complete.max()]


def as_at_text(months: pd.DataFrame, due: dt.date) -> tuple[str, bool]:
    """('Data as at Aug 2026 (Sep 2026 provisional: 2 of 15 trusts)', stale) for one KPI's system
    months with data (period, expected, reported, provisional), oldest first; when stale the text ends
    '; stale: Aug 2026 expected by now'."""
    latest_complete, later = _split(months)
    if latest_complete is not None:
        text = f"Data as at {month_label(latest_complete)}"
    else:
        text = "No complete month yet" if not months.empty else "No data yet"
    if not later.empty:
        text += f" ({_provisional_words(later)})"
    stale = latest_complete is None or latest_complete.date() < due
    if stale:
        text += f"; stale: {month_label(due)} expected by now"
    return text, stale


def _date(period: pd.Timestamp | None) -> dt.date | None:
    return None if period is None or pd.isna(period) else period.date()


def _freshness_row(kpi: pd.Series, months: pd.DataFrame, today: dt.date) -> dict:
    due = due_period(today, int(kpi["lag_months"]))
    text, stale = as_at_text(months, due)
    latest_complete, later = _split(months)
    return {
        "kpi_code": kpi["code"],
        "name": kpi["name"],
        "source": kpi["source"],
        "lag_months": int(kpi["lag_months"]),
        "latest_period": _date(months["period"].max()),
        "latest_complete_period": _date(latest_complete),
        "provisional_periods": len(later),
        "due_period": due,
        "stale": stale,
        "as_at": text,
    }


def system_months(engine: Engine, kpis: list[str] | None = None) -> pd.DataFrame:
    """Every month with system-level data per KPI (an expected trust reported, or a system-level row),
    with expected, reported and provisional, oldest first: read from the counts stored at each write
    (kpi.figures.rollups.stored_counts)."""
    counts = stored_counts(engine, "system", kpis)
    counts["provisional"] = provisional(counts, kpi_rules(engine)["complete_share"])
    with_data = counts[(counts["reported"] > 0) | counts["system_figure"]]
    return with_data.sort_values(["kpi_code", "period"], ignore_index=True)


def freshness(engine: Engine, today: dt.date) -> pd.DataFrame:
    """One row per KPI in catalogue order: kpi_code, name, source, lag_months, latest_period (newest
    month with system-level data), latest_complete_period, provisional_periods (provisional months after
    it), due_period (the newest month that should be complete by `today`), stale, and `as_at` in words:
    'Data as at Aug 2026 (Sep 2026 provisional: 2 of 15 trusts)', '…; stale: Aug 2026 expected by now'."""
    rules = kpi_rules(engine)
    months = system_months(engine)
    by_kpi = cast(dict[str, pd.DataFrame], dict(tuple(months.groupby("kpi_code"))))
    empty = months.iloc[0:0]
    # rules is indexed by KPI code (text).
    rows = [_freshness_row(kpi, by_kpi.get(cast(str, code), empty), today) for code, kpi in rules.iterrows()]
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS)
