"""Collect a board pack: read everything it shows for one scope and month, and draw its figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from kpi import charts
from kpi.exports.board_pack.plan_section import plan_section
from kpi.exports.board_pack.scope import ReportError, Scope, scope_filter, scope_months
from kpi.figures import provisional, queries, scopes
from kpi.figures.freshness import freshness
from kpi.notes.annotations import annotations_for, in_months, marks, on_chart, with_events
from kpi.notes.chart_settings import decided_by_kpi, settings_by_kpi
from kpi.notes.commentary import SECTIONS, CommentaryView, commentary_for
from kpi.reading import Reading, chosen_window, read_scope
from kpi.reading.draft import DRAFT_LABEL, NO_DRAFT, Draft, drafts
from kpi.reading.grid import Cell
from kpi.reading.load import grid_for
from kpi.reading.tables import summary_frame
from kpi.reference.catalogue import KPI
from kpi.words.formats import direction_words, format_value, month_label, uk_date, uk_time
from kpi.words.frames import records
from kpi.words.months import add_months

PROGRAMME = "Cheshire and Merseyside AHP workforce programme"
MONTHS = 36


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
    readings: dict[str, Reading]  # one per KPI: everything the pack says about it
    summary: pd.DataFrame  # the readings as the summary table (kpi.reading.tables.summary_frame)
    workstreams: pd.DataFrame
    milestones: pd.DataFrame
    history: pd.DataFrame
    status: Any
    synthetic: bool
    events: tuple[scopes.ScopeEvent, ...] = ()  # confirmed mergers and membership changes in the period
    annotations: pd.DataFrame = field(default_factory=pd.DataFrame)  # the lead's, within the period
    commentary: dict[str, CommentaryView] = field(default_factory=dict)  # for the pack's month
    figures: dict[str, go.Figure] = field(default_factory=dict)  # chart key -> figure
    drafts: dict[str, Draft] = field(default_factory=dict)  # KPIs without the month's own commentary
    grid_columns: list[str] = field(default_factory=list)  # the board's grid (kpi.reading.grid)
    grid_cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    kpi_blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)  # the workforce plan section (plan_section)
    pictures: dict[str, Any] = field(default_factory=dict)  # the charts drawn, once (board_pack.pictures)
    drawing: Any = None  # the charts being drawn while the rest is read (board_pack.pictures.start)


def collect(
    engine: Engine,
    scope: Scope,
    period_end: dt.date,
    generated_at: dt.datetime,
    figures_ready: Callable[[Pack], object] | None = None,
) -> Pack:
    """Read everything the pack shows and check that there is something to show. `figures_ready(pack)`
    is called once every figure is built and before the board's grid is read, so that the charts can be
    drawn (in the browser's process) while the grid's readings are worked out."""
    status = queries.data_status(engine)
    if not status.last_period:
        raise ReportError("The database holds no KPI data yet; load data before building a board pack.")
    start = add_months(period_end, -(MONTHS - 1))
    history = queries.kpi_series(scope_filter(scope, None, period_end), scope.level, engine)
    history = history[history["scope_code"] == scope.series_code].reset_index(drop=True)
    window = chosen_window(start, period_end)
    series = window.rows(history).reset_index(drop=True)
    if series.empty or not (series["period"] == pd.Timestamp(period_end)).any():
        months = scope_months(engine, scope)
        if not months:
            raise ReportError(f"There is no KPI data for {scope.short} ({scope.code}) in the database.")
        raise ReportError(
            f"No data for {scope.short} in {month_label(period_end)}: choose a month from "
            f"{month_label(months[0])} to {month_label(months[-1])} with data."
        )
    catalogue = queries.kpi_catalogue(engine)
    kpis = {row["code"]: KPI.from_row(row) for row in records(catalogue)}
    rebase_frame = queries.rebase_points(engine)
    # kpi_code is text and period holds Timestamps.
    rebase = {cast(str, code): list(group["period"]) for code, group in rebase_frame.groupby("kpi_code")}
    fresh = freshness(engine, uk_time(generated_at).date())
    readings = read_scope(
        history,
        kpis,
        scope.series_code,
        scope.short,
        window=window,
        settings=settings_by_kpi(engine, scope.series_code),
        rebase=rebase,
        decided=decided_by_kpi(engine, scope.series_code),
        freshness={str(row["kpi_code"]): row for row in records(fresh)},
    )
    milestones = queries.milestones(engine)
    history = queries.milestone_history(engine)
    synthetic = bool(series["synthetic"].any()) or bool(milestones["is_synthetic"].astype(bool).any())
    trust_frame = queries.trusts(engine)
    events = scopes.scope_events(
        [scope.series_code],
        list(queries.collaboratives(engine)["code"]),
        records(queries.successions(engine)),
        records(queries.memberships(engine)),
        system_spans=records(queries.scope_spans(engine)),
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
        readings=readings,
        summary=summary_frame(readings.values()),
        workstreams=queries.workstreams(engine),
        milestones=milestones,
        history=history,
        status=status,
        synthetic=synthetic,
        events=events,
        annotations=_annotations_in(
            engine, list(kpis), scope.series_code, series["period"].min(), period_end
        ),
        commentary={code: commentary_for(engine, code, scope.series_code, period_end) for code in kpis},
    )
    pack.drafts = _drafts(pack)
    _build_figures(pack)
    pack.plan, plan_figures = plan_section(engine, scope.series_code, scope.short, period_end)
    pack.figures.update(plan_figures)
    if figures_ready is not None:
        figures_ready(pack)
    pack.grid_columns, pack.grid_cells = grid_for(
        engine, scope.series_code, window=window, today=uk_time(generated_at).date()
    )
    return pack


def _annotations_in(
    engine: Engine, kpi_codes: list[str], scope_code: str, first: pd.Timestamp, last: dt.date
) -> pd.DataFrame:
    """The lead's annotations for the scope (its own and every-scope ones) within the pack's months."""
    frame = annotations_for(engine, kpi_codes, scope_code)
    months = pd.DatetimeIndex(frame["period"])
    return frame[(months >= pd.Timestamp(first)) & (months <= pd.Timestamp(last))].reset_index(drop=True)


def _drafts(pack: Pack) -> dict[str, Draft]:
    """What the chart tells us, drafted from the data, for each KPI without commentary of the month's
    own: from its reading, the annotations and mergers in its chart's months and its workstream's late
    milestones."""
    notes = {}
    for code, reading in pack.readings.items():
        rows = reading.rows
        if rows.empty:
            continue
        first, last = rows["period"].min(), rows["period"].max()
        mine = on_chart(pack.annotations, code, [pack.scope.series_code])
        events = tuple(e for e in pack.events if first <= e.month <= last)
        notes[code] = with_events(in_months(mine, first, last), code, events)
    return drafts(
        pack.readings,
        [code for code, view in pack.commentary.items() if view.own],
        notes=notes,
        milestones=pack.milestones,
        today=uk_time(pack.generated_at).date(),
    )


def commentary_block(view: CommentaryView, month: dt.date, drafted: Draft = NO_DRAFT) -> dict[str, Any]:
    """A KPI's commentary as the pack shows it: the board's four headings (empty ones left out), the
    owner, its review, and a status that never passes a carried-over draft, or one made from the data,
    off as the month's own."""
    if view.carried_over_from is not None:
        status = (
            f"Draft carried over from {month_label(view.carried_over_from)}: not yet written for "
            f"{month_label(month)}"
        )
    else:
        status = "Final" if view.status == "final" else "Draft"
    return {
        "sections": [
            (heading, getattr(view, name)) for name, heading in SECTIONS.items() if getattr(view, name)
        ],
        "owner": view.owner,
        "status": status,
        "carried_over": view.carried_over_from is not None,
        "empty": view.is_empty,
        "review": view.review_words,
        "draft": drafted.text,
        "draft_label": DRAFT_LABEL,
    }


def kpi_exceptions(pack: Pack) -> list[dict[str, Any]]:
    """The KPIs the board should look at first, in the summary's order: a concern, a target failed or at
    risk (hit and miss), a stale or provisional month, commentary written and not reviewed (the grid's
    reasons, kpi.reading.grid.Cell), each with its reasons and commentary, as its reading says."""
    rows = []
    for code in pack.summary["kpi_code"]:
        view = pack.commentary.get(code, CommentaryView())
        cell = Cell(pack.readings[code], view.reviewed if view.own else None)
        if reasons := cell.reasons_in_full():
            rows.append({**pack.kpi_blocks[code], "reasons": "; ".join(reasons)})
    return rows


def milestones_at_risk(pack: Pack) -> list[dict[str, str]]:
    """Milestones not complete whose RAG is red or amber or whose forecast is after the baseline."""
    rows = []
    for m in pack.milestones.itertuples():
        if str(m.status) == "complete":
            continue
        # Date columns hold Timestamps (NaT where missing); text columns str, or None where blank.
        forecast_due = cast(pd.Timestamp, m.forecast_due)
        baseline_due = cast(pd.Timestamp, m.baseline_due)
        reasons: list[str] = []
        rag = str(m.rag or "").lower()
        if rag in ("red", "amber"):
            reasons.append(f"RAG {rag.capitalize()}")
        if pd.notna(forecast_due) and pd.notna(baseline_due) and forecast_due > baseline_due:
            reasons.append(f"forecast {uk_date(forecast_due)}, after the baseline {uk_date(baseline_due)}")
        if reasons:
            rows.append(
                {
                    "code": cast(str, m.code),
                    "title": cast(str, m.title),
                    "owner": cast(str | None, m.owner_role) or "–",
                    "status": str(m.status).capitalize(),
                    "reasons": "; ".join(reasons),
                    "notes": cast(str | None, m.notes) or "",
                }
            )
    return rows


def _target_label(reading: Reading) -> str:
    """The target in force as the pack's facts say it: '6% from Apr 2026 (the catalogue's is 7.5%)',
    '7.5%', '' without one."""
    if reading.target.value is None:
        return ""
    return reading.target.words(reading.kpi.unit).removeprefix("Target ")


def _kpi_block(pack: Pack, reading: Reading) -> dict[str, Any]:
    """What the pack says about one KPI besides its chart: its reading."""
    kpi = reading.kpi
    return {
        "code": kpi.code,
        "name": kpi.name,
        "workstream": kpi.workstream_code,
        "latest": reading.value_text,
        "month": reading.month_text,
        "target": _target_label(reading),
        "direction": direction_words(kpi.improvement),
        "reading": reading.sentence,
        "provisional_note": reading.provisional_note,
        "variation_label": reading.variation_label,
        "variation_icon": reading.variation_icon(),
        "assurance_label": reading.assurance_label,
        "assurance_icon": reading.assurance_icon(),
        "notes": [],
        "annotations": [],
        "commentary": commentary_block(
            pack.commentary.get(kpi.code, CommentaryView()),
            pack.period_end,
            pack.drafts.get(kpi.code, NO_DRAFT),
        ),
        "message": "",
    }


def _no_chart_message(pack: Pack, kpi: KPI, data: pd.DataFrame) -> str:
    """Why a KPI has no chart ('' when it has one)."""
    if data.empty:
        if kpi.grain == "system" and pack.scope.level != "system":
            return f"Collected for the system as a whole only, so there is no figure for {pack.scope.short}."
        return (
            f"No data for {pack.scope.short} from {month_label(pack.period_start)} to "
            f"{month_label(pack.period_end)}."
        )
    if len(data) == 1:
        only = data.iloc[0]
        return (
            f"Only one month of data ({month_label(only['period'])}: "
            f"{format_value(only['value'], kpi.unit, kpi.decimals)}); an SPC chart needs at least two."
        )
    return ""


def _build_figures(pack: Pack) -> None:
    """One SPC figure per KPI with at least two months (as on the dashboard), drawn from its reading, and
    the milestone timeline. The reading is printed as text beside each chart, so the chart does not
    repeat it; the lead's annotations are numbered flags on the chart, listed under it and written into
    its alt text."""
    for code, kpi in pack.kpis.items():
        reading = pack.readings[code]
        data = reading.rows
        block = pack.kpi_blocks[code] = _kpi_block(pack, reading)
        block["message"] = _no_chart_message(pack, kpi, data)
        if block["message"] or reading.result is None:
            block["message"] = block["message"] or _no_chart_message(pack, kpi, data.iloc[0:0])
            continue
        first, last = data["period"].min(), data["period"].max()
        events = tuple(e for e in pack.events if first <= e.month <= last)
        notes = on_chart(pack.annotations, code, [pack.scope.series_code])
        notes = notes[(notes["period"] >= first) & (notes["period"] <= last)]
        flags = marks(notes)
        figure = charts.spc_figure(reading, words="", events=events, notes=flags)
        figure.layout.annotations = [a for a in figure.layout.annotations if a.text]
        figure.update_layout(margin={"t": 64})
        block["notes"] = [*reading.result.notes, *reading.refused]
        if provisional.flags(data).any():
            block["notes"].append(provisional.SPC_EXCLUDED_NOTE)
        block["annotations"] = [
            {"number": number, "month": month_label(month), "text": text}
            for number, (month, text) in enumerate(flags, 1)
        ]
        block["alt"] = (
            f"{'SPC' if kpi.is_monthly else 'Trend'} chart of {kpi.name} for {pack.scope.short}, "
            f"{month_label(pack.period_start)} to {month_label(pack.period_end)}. {reading.sentence}"
        )
        if events:
            block["alt"] += f" {scopes.events_sentence(events)}"
            block["notes"].append(scopes.events_sentence(events))
        if flags:
            block["alt"] += f" {charts.annotation_sentence(flags)}"
        pack.figures[code] = figure
    today = uk_time(pack.generated_at).date()
    pack.figures["milestones"] = charts.milestone_timeline(pack.milestones, today)
