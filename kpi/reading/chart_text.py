"""What a chart says, in words: the plain-English sentences shown beside every chart (its text
alternative, also its accessible name) and the figures it draws as a data table, for anyone who cannot
see or read the chart. Pure pandas, no Streamlit.

A trend's sentence is read from each scope's latest complete month, as the headline cards are, against
the KPI's improvement direction: "AHP staff in post (FTE) for C&M system was 5,779.2 FTE in Oct 2026, up
21.0 FTE on Sep 2026 and 3.2% on Oct 2025: better." A provisional month is never compared (two trusts'
figures against sixteen would read as a fall); the sentence says it is there and how it is drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from kpi import spc
from kpi.figures import provisional
from kpi.reference.catalogue import KPI
from kpi.words.formats import change_reading, format_target, format_value, month_label, uk_date

MONTH = "Month"
PROVISIONAL_DRAWN = "drawn hollow, apart from the line"
LEFT_OUT = "Left out of the mean and limits"


@dataclass(frozen=True)
class ChartIcon:
    """A Making Data Count icon shown beside an SPC chart, with its name in words."""

    kind: str  # "Variation" or "Assurance"
    uri: str  # the icon as a data URI
    label: str


@dataclass(frozen=True)
class ChartWords:
    """What a chart says in words: its `heading` (written above it, so it wraps on a phone), its
    `sentences` (beside it: the text alternative and the accessible name), the Making Data Count
    `icons` of an SPC chart with their names, and the figures it draws (`table`, under "Data table"; or a
    function that makes them, called only when the table is opened)."""

    heading: str
    sentences: tuple[str, ...]  # one per line drawn, or the figure and the SPC reading
    notes: tuple[str, ...] = ()  # after them: the target and direction, the events marked
    table: pd.DataFrame | Callable[[], pd.DataFrame] = field(default_factory=pd.DataFrame)
    icons: tuple[ChartIcon, ...] = ()
    kind: str = "Chart"  # "Line chart", "SPC chart"...: how the accessible name starts
    listed: bool = False  # the sentences are one per line drawn: a list when there are several

    @property
    def has_table(self) -> bool:
        """Whether there is a data table to offer (a function's is made only when opened)."""
        return callable(self.table) or not self.table.empty

    def figures(self) -> pd.DataFrame:
        """The data table."""
        return self.table() if callable(self.table) else self.table

    @property
    def accessible_name(self) -> str:
        """'Line chart: AHP staff in post (FTE). AHP staff in post (FTE) for C&M system was …'"""
        icons = " ".join(f"{icon.kind}: {icon.label}." for icon in self.icons)
        return " ".join(filter(None, (f"{self.kind}: {self.heading}.", *self.sentences, icons, *self.notes)))


def _amount(delta: float, base: float, kpi: KPI, *, relative: bool) -> str:
    """The size of a change: '21.0 FTE', '0.3 pts', '£1,200', or relative to `base`, '3.2%'."""
    if relative and base:
        share = abs(delta) / abs(base) * 100
        return "less than 0.1%" if round(share, 1) == 0 else f"{share:,.1f}%"
    size = abs(delta)
    if kpi.unit == "%":
        return f"{size:,.{kpi.decimals}f} pts"
    return format_value(size, kpi.unit, kpi.decimals)


def value_sentence(rows: pd.DataFrame, kpi: KPI, scope_name: str, *, say_provisional: bool = True) -> str:
    """One scope's figure in words, from its rows (period, value, and `provisional`, `contributors`,
    `expected` where some months are provisional): the latest complete month, the change on the month
    before and on the same month a year earlier (percentage points for a percentage, else per cent),
    and whether that is better or worse for the KPI. `say_provisional` adds the provisional months newer
    than it and how the chart draws them."""
    ordered = rows.sort_values("period")
    marks = provisional.flags(ordered)
    complete = ordered[~marks & ordered["value"].notna()]
    note = ""
    if say_provisional and marks.any():
        pending = provisional.pending(ordered)
        note = f" {provisional.line(pending)} ({PROVISIONAL_DRAWN})." if len(pending) else ""
    if complete.empty:
        return f"{kpi.name} for {scope_name}: no complete month yet.{note}"
    by_month = dict(zip(pd.DatetimeIndex(complete["period"]).to_period("M"), complete["value"], strict=True))
    when, latest = next(reversed(by_month.items()))
    text = f"{kpi.name} for {scope_name} was {format_value(latest, kpi.unit, kpi.decimals)} in "
    text += month_label(when.to_timestamp())
    changes = []
    for months, relative in ((1, False), (12, kpi.unit != "%")):
        earlier = by_month.get(when - months)
        if earlier is None:
            continue
        delta = float(latest) - float(earlier)
        changes.append(
            (
                delta,
                change_reading(delta, kpi.improvement, kpi.decimals),
                _amount(delta, float(earlier), kpi, relative=relative),
                month_label((when - months).to_timestamp()),
            )
        )
    return f"{text}{_changes_words(changes, kpi)}.{note}"


def _changes_words(changes: list[tuple[float, str, str, str]], kpi: KPI) -> str:
    """', up 21.0 FTE on Sep 2026 and 3.2% on Oct 2025: better' from (delta, reading, amount, month)."""
    if not changes:
        return ""
    verdicts = {reading for _d, reading, _a, _m in changes if reading in ("better", "worse")}
    one_verdict = len(verdicts) == 1 and all(reading != "no change" for _d, reading, _a, _m in changes)
    words = []
    previous_way = ""
    for delta, reading, amount, month in changes:
        if reading == "no change":
            words.append(f"unchanged on {month}")
            previous_way = ""
            continue
        way = "up" if delta > 0 else "down"
        clause = f"{amount} on {month}" if way == previous_way else f"{way} {amount} on {month}"
        if reading in ("better", "worse") and not one_verdict:
            clause += f" ({reading})"
        words.append(clause)
        previous_way = way
    text = ", " + " and ".join(words)
    if one_verdict and kpi.improvement != "neither":
        text += f": {verdicts.pop()}"
    return text


def trend_sentences(
    data: pd.DataFrame, kpi: KPI, names: Mapping[str, str], order: Sequence[str]
) -> list[str]:
    """A trend chart's sentences: one per line drawn, in `order`."""
    lines = _by_scope(data)
    return [value_sentence(lines[code], kpi, names.get(code, code)) for code in order if code in lines]


def _by_scope(data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each scope's rows of `data`, split once."""
    return {str(code): rows for code, rows in data.groupby("scope_code", sort=False)}


def _cell(value: float, kpi: KPI, row: object) -> str:
    """A value as the data table shows it, provisional months saying so."""
    text = format_value(value, kpi.unit, kpi.decimals)
    if bool(getattr(row, "provisional", False) or False) and not pd.isna(value):
        got = getattr(row, "contributors", None)
        expected = getattr(row, "expected", None)
        text += f" (provisional: {provisional.reported_words(got, expected)})"
    return text


def trend_table(data: pd.DataFrame, kpi: KPI, names: Mapping[str, str], order: Sequence[str]) -> pd.DataFrame:
    """The figures a trend chart draws: a row per month (newest first) and a column per line, each
    value formatted as on the chart and a provisional month saying so."""
    lines = _by_scope(data)
    months = sorted(set(pd.DatetimeIndex(data["period"])), reverse=True)
    table = pd.DataFrame(index=pd.Index([month_label(m) for m in months], name=MONTH))
    for code in (code for code in order if code in lines):
        rows = lines[code]
        by_month = {
            pd.Timestamp(cast(pd.Timestamp, row.period)): _cell(cast(float, row.value), kpi, row)
            for row in rows.itertuples()
        }
        table[names.get(code, code)] = [by_month.get(month, "–") for month in months]
    return table


def spc_table(
    result: spc.SPCResult,
    dates: pd.DatetimeIndex,
    data: pd.DataFrame,
    kpi: KPI,
) -> pd.DataFrame:
    """The figures an SPC chart draws, newest month first: the value (a provisional month saying so),
    the point's type in words, the mean and process limits it was read against, and the target in force.
    A provisional month left out of the calculation says so instead of a point type."""
    points = result.points.assign(period=dates).set_index("period")
    rows = data.sort_values("period", ascending=False)
    finer = kpi.decimals + 1
    records = []
    for row in rows.itertuples():
        month = pd.Timestamp(cast(pd.Timestamp, row.period))
        record = {MONTH: month_label(month), "Value": _cell(cast(float, row.value), kpi, row)}
        if month in points.index:
            point = cast(pd.Series, points.loc[month])  # one point per month: the index is unique
            if result.chart_type == "trend":
                record["Point"] = spc.ACCUMULATION_LABELS[result.accumulation]
            else:
                record["Point"] = spc.POINT_TYPE_LABELS.get(point["point_type"], LEFT_OUT)
            if result.chart_type != "trend":
                record["Mean"] = format_value(point["mean"], kpi.unit, finer)
            if result.chart_type == "xmr":
                record["Lower process limit"] = format_value(point["lpl"], kpi.unit, finer)
                record["Upper process limit"] = format_value(point["upl"], kpi.unit, finer)
            if pd.notna(point["target"]):
                record["Target"] = format_target(point["target"], kpi.unit)
        else:
            record["Point"] = f"Provisional: {LEFT_OUT.lower()}"
        records.append(record)
    return pd.DataFrame(records).set_index(MONTH).fillna("–")


def profession_sentence(
    frame: pd.DataFrame, kpi: KPI, names: Mapping[str, str], scope: str, target: float | None = None
) -> str:
    """One month's figures by profession in words: highest and lowest, and how many meet the `target`
    in force for the scope (from its reading)."""
    rows = frame.dropna(subset=["value"]).sort_values("value")
    if rows.empty:
        return ""
    month = month_label(rows["period"].max())

    def named(row: pd.Series) -> str:
        return f"{names.get(row['profession_code'], row['profession_code'])} " + format_value(
            row["value"], kpi.unit, kpi.decimals
        )

    text = f"{kpi.name} by profession for {scope} in {month}: highest {named(rows.iloc[-1])}"
    if len(rows) > 1:
        text += f", lowest {named(rows.iloc[0])}"
    text += "."
    if target is not None and kpi.improvement in ("up", "down"):
        meets = rows["value"] >= target if kpi.improvement == "up" else rows["value"] <= target
        text += (
            f" {int(meets.sum())} of {len(rows)} professions meet the target of "
            f"{format_target(target, kpi.unit)}."
        )
    return text


def heatmap_sentence(
    frame: pd.DataFrame, kpi: KPI, names: Mapping[str, str], scope: str, target: float | None = None
) -> str:
    """A heatmap in words: what it shows over which months, and its newest month's highest and lowest."""
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        return ""
    first, last = month_label(rows["period"].min()), month_label(rows["period"].max())
    newest = rows[rows["period"] == rows["period"].max()]
    latest = profession_sentence(newest, kpi, names, scope, target)
    darker = f"{kpi.name} by profession and month for {scope}, {first} to {last}; darker cells are higher."
    return f"{darker} {latest}" if latest else darker


def heatmap_lines(frame: pd.DataFrame, kpi: KPI, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The heatmap in words, a line per profession (by name), for the list that replaces it on a phone,
    where 36 months of cells would be a few pixels wide: its newest month, the change since the first
    month and whether that is better or worse, and its lowest and highest months. As (name, what), the
    name with its colon as milestone_line's ends with its full stop: ('Dietitians:', '7.5% in Oct 2026,
    up 6.5 pts on Sep 2026: worse; lowest 1.0% in Sep 2026, highest 7.5% in Oct 2026.')"""
    rows = frame.dropna(subset=["value"])
    lines = []
    for code, own in rows.groupby("profession_code"):
        own = own.sort_values("period")
        last, first = own.iloc[-1], own.iloc[0]
        text = f"{_cell(last['value'], kpi, last)} in {month_label(last['period'])}"
        if len(own) > 1:
            delta = float(last["value"]) - float(first["value"])
            reading = change_reading(delta, kpi.improvement, kpi.decimals)
            amount = _amount(delta, float(first["value"]), kpi, relative=kpi.unit != "%")
            text += _changes_words([(delta, reading, amount, month_label(first["period"]))], kpi)
            # pandas-stubs wrong: .loc takes the label idxmin/idxmax return (typed only Hashable).
            # unused-ignore: the project config reads pandas as Any, where this line is fine.
            low = own.loc[own["value"].idxmin()]  # type: ignore[call-overload, unused-ignore]
            high = own.loc[own["value"].idxmax()]  # type: ignore[call-overload, unused-ignore]

            def at(row: pd.Series) -> str:
                return f"{format_value(row['value'], kpi.unit, kpi.decimals)} in {month_label(row['period'])}"

            text += f"; lowest {at(low)}, highest {at(high)}"
        lines.append((f"{names.get(str(code), str(code))}:", f"{text}."))
    return sorted(lines)


def profession_table(frame: pd.DataFrame, kpi: KPI, names: Mapping[str, str]) -> pd.DataFrame:
    """The figures a profession chart draws: month, profession and value, newest month first."""
    rows = frame.sort_values(["period", "profession_code"], ascending=[False, True])
    return pd.DataFrame(
        {
            MONTH: [month_label(p) for p in rows["period"]],
            "Profession": [names.get(code, code) for code in rows["profession_code"]],
            "Value": [_cell(cast(float, row.value), kpi, row) for row in rows.itertuples()],
        }
    ).set_index(MONTH)


def milestone_line(row: object) -> tuple[str, str]:
    """One milestone in words, for the list that replaces the timeline on a phone, as (name, what):
    ('M2: Publish the plan.', 'At risk: baseline due 31/03/2024, forecast 31/12/2026 (after the
    baseline).')"""
    status = str(getattr(row, "status", ""))
    parts = [f"baseline due {uk_date(getattr(row, 'baseline_due', None))}"]
    completed = getattr(row, "completed_on", None)
    forecast = getattr(row, "forecast_due", None)
    if completed is not None and not pd.isna(completed):
        parts.append(f"completed {uk_date(completed)}")
    elif forecast is not None and not pd.isna(forecast):
        baseline = getattr(row, "baseline_due", None)
        late = baseline is not None and not pd.isna(baseline) and forecast > baseline
        parts.append(f"forecast {uk_date(forecast)}{' (after the baseline)' if late else ''}")
    name = f"{getattr(row, 'code', '')}: {getattr(row, 'title', '')}."
    return name, f"{status.capitalize()}: {', '.join(parts)}."


def milestone_sentence(milestones: pd.DataFrame, today: dt.date) -> str:
    """The timeline in words: how many milestones in each status, and how many are forecast late."""
    if milestones.empty:
        return "No milestones."
    counts = milestones["status"].value_counts()
    order = ["complete", "on track", "at risk", "off track", "not started"]
    shown = [f"{int(counts[s])} {s}" for s in order if counts.get(s, 0)]
    open_rows = milestones[milestones["status"] != "complete"]
    late = open_rows[open_rows["forecast_due"] > open_rows["baseline_due"]]  # NaT compares False
    text = f"{len(milestones)} milestones: {', '.join(shown)}."
    if not late.empty:
        text += f" {len(late)} forecast after their baseline due date."
    overdue = open_rows[open_rows["forecast_due"].fillna(open_rows["baseline_due"]) < pd.Timestamp(today)]
    if not overdue.empty:
        text += f" {len(overdue)} overdue on {uk_date(today)}."
    return text


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The figures the timeline draws: each milestone's status and dates."""
    rows = milestones.sort_values("code")
    return pd.DataFrame(
        {
            "Milestone": [f"{row.code}: {row.title}" for row in rows.itertuples()],
            "Status": [str(s).capitalize() for s in rows["status"]],
            "Baseline due": [uk_date(d) for d in rows["baseline_due"]],
            "Forecast": [uk_date(d) if pd.notna(d) else "–" for d in rows["forecast_due"]],
            "Completed": [uk_date(d) if pd.notna(d) else "–" for d in rows["completed_on"]],
        }
    ).set_index("Milestone")
