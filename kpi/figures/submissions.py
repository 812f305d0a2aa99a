"""Data submissions: for one KPI, each trust's figures per month as *received*, or *late* when every
batch holding them is a real (not synthetic) import made after the due date
(`kpi.figures.completeness.due_date`,
judged in UK time); an expected trust that has not reported is *missing* once the due date has passed and
*not yet due* before. A demo load's date is not a submission date, so synthetic figures are always
received. Expected trusts are those of `kpi.figures.completeness`."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pandas as pd
from sqlalchemy import Engine, select

from kpi.figures.completeness import KEYS, WINDOW, due_date, expected_trusts, kpi_rules, read_frame
from kpi.figures.rollups import reporters
from kpi.reference import membership
from kpi.store.models import ImportBatch, Observation, Trust
from kpi.words.formats import UK_TIME, month_label
from kpi.words.months import add_months

SUBMISSION_COLUMNS = [
    "trust_code", "trust_name", "period", "status", "expected", "batch_id", "imported_at", "synthetic",
]  # fmt: skip
STATUS_WORDS = {"received": "Received", "late": "Late", "missing": "Missing", "not yet due": "Not yet due"}
NOT_EXPECTED = "–"

_o = Observation.__table__
_b = ImportBatch.__table__
_t = Trust.__table__


def _arrivals(engine: Engine, kpi_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The batches that hold each trust's figures of one KPI per month: trust_code (after mergers),
    period, batch_id, imported_at (UTC), is_synthetic."""
    query = (
        select(
            membership.trust_after_mergers(_o.c.trust_code).label("trust_code"),
            _o.c.period,
            _o.c.batch_id,
            _b.c.imported_at,
            _b.c.is_synthetic,
        )
        .distinct()
        .join(_b, _b.c.id == _o.c.batch_id)
        .outerjoin(membership.SUCCESSIONS, membership.merger_of(_o.c.trust_code, _o.c.period))
        .where(_o.c.kpi_code == kpi_code, _o.c.trust_code.is_not(None), _o.c.period.between(start, end))
    )
    frame = read_frame(engine, query)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["imported_at"] = pd.to_datetime(frame["imported_at"], utc=True)
    frame["is_synthetic"] = frame["is_synthetic"].astype(bool)
    return frame


def _received(arrivals: pd.DataFrame, lag_months: int) -> pd.DataFrame:
    """Per trust and month: the newest batch, its import time, and whether the figures arrived on time
    (any batch holding them is synthetic or was imported, UK time, on or before the due date)."""
    if arrivals.empty:
        return pd.DataFrame(
            columns=["trust_code", "period", "batch_id", "imported_at", "synthetic", "on_time"]
        )
    due = arrivals["period"].map(lambda p: due_date(p.date(), lag_months))
    on_day = arrivals["imported_at"].dt.tz_convert(UK_TIME).dt.date
    arrivals = arrivals.assign(on_time=arrivals["is_synthetic"] | (on_day <= due))
    newest = arrivals.sort_values("batch_id").groupby(["trust_code", "period"]).tail(1)
    on_time = arrivals.groupby(["trust_code", "period"], as_index=False)["on_time"].any()
    newest = newest.rename(columns={"is_synthetic": "synthetic"}).drop(columns="on_time")
    return newest.merge(on_time, on=["trust_code", "period"])


def _status(row, lag_months: int, today: dt.date) -> str:
    if not pd.isna(row.batch_id):
        return "received" if row.on_time else "late"
    return "missing" if today > due_date(row.period.date(), lag_months) else "not yet due"


def submissions(
    engine: Engine, kpi_code: str, period_from: dt.date, period_to: dt.date, today: dt.date
) -> pd.DataFrame:
    """One row per expected or reporting trust and month of one KPI: trust_code, trust_name, period,
    status ('received', 'late', 'missing', 'not yet due'), expected (at system level), batch_id,
    imported_at and synthetic of the newest batch holding the figures. Synthetic (demo) figures are always
    'received': a demo load's date is not a submission date."""
    lag = int(cast(int, kpi_rules(engine).loc[kpi_code, "lag_months"]))  # one KPI's lag, a whole number
    found = reporters(engine, [kpi_code], add_months(period_from, -WINDOW), period_to)
    expected = expected_trusts(found, membership.system_spans(membership.spans(engine))).drop_duplicates(KEYS)
    start = pd.Timestamp(period_from)
    expected = expected.loc[expected["period"] >= start, ["trust_code", "period"]].assign(expected=True)
    received = _received(_arrivals(engine, kpi_code, period_from, period_to), lag)
    rows = expected.merge(received, on=["trust_code", "period"], how="outer")
    rows = rows[rows["period"] <= pd.Timestamp(period_to)]
    rows["expected"] = rows["expected"].astype("boolean").fillna(False).astype(bool)
    rows["status"] = [_status(row, lag, today) for row in rows.itertuples()]
    names = read_frame(engine, select(_t.c.ods_code.label("trust_code"), _t.c.name.label("trust_name")))
    rows = rows.merge(names, on="trust_code", how="left")
    rows["batch_id"] = rows["batch_id"].astype("Int64")
    rows["synthetic"] = rows["synthetic"].astype("boolean").fillna(False).astype(bool)
    return rows[SUBMISSION_COLUMNS].sort_values(["trust_name", "period"], ignore_index=True)


def _month_summaries(rows: pd.DataFrame) -> list[tuple[str, bool]]:
    """(words, every expected trust received on time) per month, oldest first."""
    summaries = []
    for period, month in rows[rows["expected"]].groupby("period"):
        counts = month["status"].value_counts()
        got = int(counts.get("received", 0) + counts.get("late", 0))
        text = f"{month_label(cast(pd.Timestamp, period))}: {got} of {len(month)} received"
        if counts.get("late"):
            text += f" ({counts['late']} late)"
        for status in ("missing", "not yet due"):
            if counts.get(status):
                text += f", {counts[status]} {status}"
        summaries.append((text, counts.get("received", 0) == len(month)))
    return summaries


def submission_summary(rows: pd.DataFrame) -> list[str]:
    """Per month, oldest first: 'Oct 2026: 15 of 15 received', 'Nov 2026: 2 of 15 received, 13 not
    yet due' (expected trusts only; late figures count as received and are also said)."""
    return [text for text, _ in _month_summaries(rows)]


def submission_headline(rows: pd.DataFrame, recent: int = 2) -> str:
    """The summary in one line: the `recent` newest months, and any earlier month not wholly received
    on time, oldest first: 'Oct 2026: 15 of 15 received; Nov 2026: 2 of 15 received, 13 not yet due'."""
    summaries = _month_summaries(rows)
    cut = len(summaries) - recent
    return "; ".join(text for i, (text, whole) in enumerate(summaries) if i >= cut or not whole)


def legend(lag_months: int) -> str:
    """What the words of the submissions table mean, for a KPI with this publication lag."""
    due = (
        "the last day of the month itself"
        if lag_months == 0
        else f"the last day of the {_ordinal(lag_months)} month after it"
    )
    return (
        f"Received: in by the due date, {due} (a demo load always counts as received). "
        "Late: in, but imported after the due date. Missing: expected, not in, and the due date has "
        "passed. Not yet due: expected, not in yet, and the due date is still ahead. "
        f"{NOT_EXPECTED}: not expected (sent nothing in the year before; system partners such as NWAS are "
        "never expected). The number is the import batch that brought the figures."
    )


def _ordinal(number: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}.get(
        number, f"{number}th"
    )


def submission_grid(rows: pd.DataFrame, trust_labels: dict[str, str]) -> pd.DataFrame:
    """The submissions as people read them: one row per trust (`trust`, its label), one column per month
    ('YYYY-MM', oldest first) saying 'Received · batch 12', 'Late · batch 14', 'Missing', 'Not yet due',
    or '–' where the trust was not expected and sent nothing."""
    if rows.empty:
        return pd.DataFrame(columns=["trust"])
    cells = rows.assign(
        trust=rows["trust_code"].map(lambda code: trust_labels.get(code, code)),
        month=rows["period"].dt.strftime("%Y-%m"),
        cell=[
            STATUS_WORDS[status] + ("" if pd.isna(batch) else f" · batch {batch}")
            for status, batch in zip(rows["status"], rows["batch_id"], strict=True)
        ],
    )
    grid = cells.pivot(index="trust", columns="month", values="cell").fillna(NOT_EXPECTED)
    order = cells.drop_duplicates("trust")["trust"]
    return grid.reindex(index=order, columns=sorted(grid.columns)).reset_index().rename_axis(columns=None)
