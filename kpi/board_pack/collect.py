"""Collect a board pack: read everything it shows for one scope and month, and draw its figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from kpi import charts, mdc, provisional, queries, scopes
from kpi.board_pack.scope import ReportError, Scope, scope_filter, scope_months
from kpi.formats import KPI, direction_words, format_value, month_label
from kpi.months import add_months

PROGRAMME = "Cheshire and Merseyside AHP workforce programme"
MONTHS = 36
UK_TIME = "Europe/London"


def uk_time(moment: dt.datetime) -> dt.datetime:
    """`moment` in UK time (a naive moment is UTC); UTC when there is no time zone database."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(ZoneInfo(UK_TIME))
    except Exception:  # no time zone database: say UTC
        return moment.astimezone(dt.UTC)


def moment_label(moment: dt.datetime) -> str:
    """'23/11/2026 14:05 GMT'."""
    local = uk_time(moment)
    return f"{local:%d/%m/%Y %H:%M} {local.tzname() or ''}".strip()


@dataclass
class Pack:
    """Everything one board pack shows."""

    scope: Scope
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    kpis: dict[str, KPI]
    series: pd.DataFrame
    summary: pd.DataFrame
    rebase: dict[str, list]
    workstreams: pd.DataFrame
    milestones: pd.DataFrame
    history: pd.DataFrame
    status: Any
    synthetic: bool
    events: tuple[scopes.ScopeEvent, ...] = ()  # confirmed mergers and membership changes in the period
    figures: dict[str, go.Figure] = field(default_factory=dict)  # chart key -> figure
    kpi_blocks: dict[str, dict[str, Any]] = field(default_factory=dict)


def collect(engine: Engine, scope: Scope, period_end: dt.date, generated_at: dt.datetime) -> Pack:
    """Read everything the pack shows and check that there is something to show."""
    status = queries.data_status(engine)
    if not status.last_period:
        raise ReportError("The database holds no KPI data yet; load data before building a board pack.")
    start = add_months(period_end, -(MONTHS - 1))
    series = queries.kpi_series(scope_filter(scope, start, period_end), scope.level, engine)
    series = series[series["scope_code"] == scope.series_code].reset_index(drop=True)
    if series.empty or not (series["period"] == pd.Timestamp(period_end)).any():
        months = scope_months(engine, scope)
        if not months:
            raise ReportError(f"There is no KPI data for {scope.short} ({scope.code}) in the database.")
        raise ReportError(
            f"No data for {scope.short} in {month_label(period_end)}: choose a month from "
            f"{month_label(months[0])} to {month_label(months[-1])} with data."
        )
    catalogue = queries.kpi_catalogue(engine)
    kpis = {row["code"]: KPI.from_row(row) for row in catalogue.to_dict("records")}
    rebase_frame = queries.rebase_points(engine)
    rebase = {code: list(group["period"]) for code, group in rebase_frame.groupby("kpi_code")}
    summary = mdc.icon_summary(series, kpis, scope.series_code, rebase)
    milestones = queries.milestones(engine)
    history = queries.milestone_history(engine)
    synthetic = bool(series["synthetic"].any()) or bool(milestones["is_synthetic"].astype(bool).any())
    trust_frame = queries.trusts(engine)
    events = scopes.scope_events(
        [scope.series_code],
        list(queries.collaboratives(engine)["code"]),
        queries.successions(engine).to_dict("records"),
        queries.memberships(engine).to_dict("records"),
        first_month=series["period"].min(),
        last_month=period_end,
        trust_names=dict(zip(trust_frame["ods_code"], trust_frame["short_name"], strict=True)),
    )
    pack = Pack(
        scope=scope,
        period_start=series["period"].min().date(),
        period_end=period_end,
        generated_at=generated_at,
        kpis=kpis,
        series=series,
        summary=summary,
        rebase=rebase,
        workstreams=queries.workstreams(engine),
        milestones=milestones,
        history=history,
        status=status,
        synthetic=synthetic,
        events=events,
    )
    _build_figures(pack)
    return pack


def _build_figures(pack: Pack) -> None:
    """One SPC figure per KPI with at least two months (as on the dashboard), and the milestone timeline.
    The reading is printed as text beside each chart, so the chart does not repeat it."""
    summary = pack.summary.set_index("kpi_code")
    for code, kpi in pack.kpis.items():
        data = pack.series[pack.series["kpi_code"] == code]
        row = summary.loc[code]
        block: dict[str, Any] = {
            "code": code,
            "name": kpi.name,
            "workstream": kpi.workstream_code,
            "latest": row["latest"],
            "month": row["month"],
            "target": row["target"],
            "direction": direction_words(kpi.improvement),
            "reading": row["reading"],
            "provisional_note": row["provisional_note"],
            "variation_label": row["variation_label"],
            "variation_icon": row["variation_icon"],
            "assurance_label": row["assurance_label"],
            "assurance_icon": row["assurance_icon"],
            "notes": [],
            "message": "",
        }
        pack.kpi_blocks[code] = block
        if data.empty:
            if kpi.grain == "system" and pack.scope.level != "system":
                block["message"] = (
                    f"Collected for the system as a whole only, so there is no figure for {pack.scope.short}."
                )
            else:
                block["message"] = (
                    f"No data for {pack.scope.short} from {month_label(pack.period_start)} to "
                    f"{month_label(pack.period_end)}."
                )
            continue
        if len(data) == 1:
            only = data.iloc[0]
            block["message"] = (
                f"Only one month of data ({month_label(only['period'])}: "
                f"{format_value(only['value'], kpi.unit, kpi.decimals)}); an SPC chart needs at least two."
            )
            continue
        result, dates = mdc.kpi_spc(data, kpi, pack.rebase.get(code))
        events = tuple(e for e in pack.events if data["period"].min() <= e.month <= data["period"].max())
        months = data[provisional.flags(data)]
        figure = charts.spc_figure(
            result, dates, kpi, pack.scope.short, reading="", events=events, provisional_months=months
        )
        figure.layout.annotations = [a for a in figure.layout.annotations if a.text]
        figure.update_layout(margin={"t": 64})
        block["notes"] = list(result.notes)
        if not months.empty:
            block["notes"].append(provisional.SPC_EXCLUDED_NOTE)
        block["alt"] = (
            f"{'SPC' if kpi.is_monthly else 'Trend'} chart of {kpi.name} for {pack.scope.short}, "
            f"{month_label(pack.period_start)} to {month_label(pack.period_end)}. {row['reading']}"
        )
        if events:
            block["alt"] += f" {scopes.events_sentence(events)}"
            block["notes"].append(scopes.events_sentence(events))
        pack.figures[code] = figure
    today = uk_time(pack.generated_at).date()
    pack.figures["milestones"] = charts.milestone_timeline(pack.milestones, today)
