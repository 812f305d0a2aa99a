"""The SPC chart (Making Data Count): points typed by rule, mean and limits per segment, baseline spans,
ghost and left-out months, and the variation and assurance icons."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import cast

import pandas as pd
import plotly.graph_objects as go

from kpi import spc
from kpi.charts.marks import add_annotation_marks, add_event_markers, add_target_line
from kpi.charts.style import (
    AXIS_TEXT,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    short_label,
    style_figure,
    unit_suffix,
    wrap,
)
from kpi.charts.trends import add_provisional_points
from kpi.figures import provisional
from kpi.figures.scopes import ScopeEvent
from kpi.reading import Reading
from kpi.reference.catalogue import KPI
from kpi.words.formats import format_value

POINT_STYLES = {
    "common_cause": ("Common cause", "circle"),
    "improvement": ("Special cause: improvement", "diamond"),
    "concern": ("Special cause: concern", "square"),
    "neither": ("Special cause: neither", "triangle-up"),
    "ghost": ("Ghost point (not in the limits or rules)", "circle"),
}


GHOST_HOVER = "ghost point: drawn, left out of the limits and the rules"


def spc_figure(
    reading: Reading,
    *,
    words: str,
    title: str | None = None,
    height: int = 420,
    text_width: int = 120,
    events: Sequence[ScopeEvent] = (),
    icons: bool = True,
    notes: Sequence[tuple[pd.Timestamp, str]] = (),
) -> go.Figure:
    """A KPI's reading drawn as a Making Data Count XmR chart: points coloured and shaped by type, mean and
    process limits per segment (drawn apart after a recalculation), the target in force, the variation and
    assurance icons with their names, and the reading's words under the title (`words`, '' for none). A
    run chart (mean only, no icons) when there are too few points; a plain trend (the points only: no
    mean, limits, point types or icons) for a 12-month rolling or year-to-date figure. `text_width`
    (characters) wraps the title and words to the chart's width: about 120 for a full-width chart, 60 for
    one of two side by side. `events` (confirmed mergers and membership changes) and `notes` (the lead's
    annotations) are marked as on a trend. The lead's settings show as the engine returns them: the points
    a baseline fixed the limits on shaded, ghost points hollow grey, a recalculation as a break in the
    limits, a target from a month as a step.

    The reading's provisional months: those the SPC read (the viewer asked) are drawn hollow in their
    point type's colour; the others were left out of the mean, limits and rules and are drawn hollow grey,
    joined by a dashed line, outside the calculation.

    The app shows the words and the icons as text beside the chart (`words=""`, `icons=False`), so that on
    a phone the plot has the whole width; an image or the board pack carries them inside."""
    result, dates, kpi = reading.result, reading.dates, reading.kpi
    assert result is not None, "a reading without a month to read has no chart"
    points = result.points.assign(date=dates)
    months = reading.rows[provisional.flags(reading.rows)]
    included = set(pd.DatetimeIndex(months["period"])) & set(dates)
    fig = go.Figure()
    _add_baseline_spans(fig, points)
    _add_joining_line(fig, points)
    _add_means_and_limits(fig, points, result.chart_type)
    _add_typed_points(fig, points, kpi, _provisional_hover(months, included))
    if result.chart_type == "trend":  # no point types: every point alike, named for what it is
        _add_trend_points(
            fig,
            points,
            kpi,
            spc.ACCUMULATION_LABELS[result.accumulation],
            _provisional_hover(months, included),
        )
    _add_left_out_months(fig, points, months, included, kpi)
    shown = pd.DatetimeIndex([*dates, *pd.DatetimeIndex(months["period"])])
    add_target_line(fig, reading.target_path(shown), kpi.unit)
    if len(shown):
        add_event_markers(fig, events, shown.min(), shown.max())
        add_annotation_marks(fig, [(m, t) for m, t in notes if shown.min() <= pd.Timestamp(m) <= shown.max()])
    prefix, suffix = unit_suffix(kpi)
    fig.update_yaxes(tickprefix=prefix, ticksuffix=suffix, separatethousands=True)
    heading = title or f"{kpi.title_with_unit}: {reading.scope_name}"
    drawn_icons = icons and result.chart_type == "xmr"
    fig = _lay_out_spc(
        fig, result.chart_type, kpi, heading, words, height=height, text_width=text_width, icons=drawn_icons
    )
    if drawn_icons:
        _add_icons(fig, reading)
    return fig


def _provisional_hover(months: pd.DataFrame, included: set) -> dict[pd.Timestamp, str]:
    """For each provisional month calculated with: its hover words ('provisional: 2 of 15 expected
    trusts reported')."""
    return {
        pd.Timestamp(cast(pd.Timestamp, row.period)): provisional.hover_words(row.contributors, row.expected)
        for row in months.itertuples()
        if pd.Timestamp(cast(pd.Timestamp, row.period)) in included
    }


def _add_left_out_months(
    fig: go.Figure, points: pd.DataFrame, months: pd.DataFrame, included: set, kpi: KPI
) -> None:
    """Provisional months left out of the calculation: hollow grey points joined to the chart by a
    dashed line, outside the mean and limits, the newest labelled 'provisional'; and a provisional
    month calculated with gets its 'provisional' label too."""
    left_out = months[~pd.DatetimeIndex(months["period"]).isin(list(included))]
    if not left_out.empty:
        calculated = points.loc[points["value"].notna(), ["date", "value"]].rename(columns={"date": "period"})
        rows = pd.concat(
            [calculated.assign(provisional=False), left_out.assign(provisional=True)], ignore_index=True
        ).sort_values("period")
        add_provisional_points(
            fig,
            rows,
            kpi,
            "Provisional, not in the mean or limits",
            {"symbol": "circle"},
            first=True,
            colour=spc.COLOUR_COMMON_CAUSE,
            legend="Provisional month (hollow, not in the limits)",
        )
    elif included:
        newest = max(included)
        value = points.loc[points["date"] == newest, "value"].iloc[0]
        fig.add_trace(
            go.Scatter(
                x=[newest],
                y=[value],
                mode="text",
                text=["provisional"],
                textposition="top left",
                textfont={"size": 12, "color": AXIS_TEXT},
                hoverinfo="skip",
                showlegend=False,
            )
        )


def _add_joining_line(fig: go.Figure, points: pd.DataFrame) -> None:
    """The thin grey line through the points, across any gaps."""
    fig.add_trace(
        go.Scatter(
            x=points["date"],
            y=points["value"],
            mode="lines",
            line={"color": NHS_MID_GREY, "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
            connectgaps=True,
        )
    )


def _add_means_and_limits(fig: go.Figure, points: pd.DataFrame, chart_type: str) -> None:
    """Each segment's mean (not on a plain trend) and, on an XmR chart, its process limits; only the
    first segment's lines appear in the legend."""
    for segment, rows in points.groupby("segment", sort=True):
        first = bool(segment == points["segment"].min())
        if chart_type != "trend":
            fig.add_trace(_flat_line(rows, "mean", "Mean", spc.COLOUR_MEAN, "solid", 2, first))
        if chart_type == "xmr":
            fig.add_trace(_flat_line(rows, "upl", "Process limits", NHS_DARK_GREY, "dash", 1.5, first))
            fig.add_trace(_flat_line(rows, "lpl", "Process limits", NHS_DARK_GREY, "dash", 1.5, False))


def _point_markers(
    rows: pd.DataFrame,
    kpi: KPI,
    label: str,
    *,
    symbol: str,
    size: int,
    colour: str,
    hollow: Mapping[pd.Timestamp, str] | None = None,
) -> go.Scatter:
    """One legend entry of points, each hovering with its month, formatted value and `label`; a point
    whose month is in `hollow` (provisional, calculated with) is drawn open and hovers with its words."""
    hollow = hollow or {}
    open_point = [pd.Timestamp(d) in hollow for d in rows["date"]]
    return go.Scatter(
        x=rows["date"],
        y=rows["value"],
        mode="markers",
        name=label,
        marker={
            "symbol": [f"{symbol}-open" if o else symbol for o in open_point] if any(open_point) else symbol,
            "size": size,
            "color": colour,
            "line": {
                "width": [2 if o else 1 for o in open_point],
                "color": [colour if o else "white" for o in open_point],
            }
            if any(open_point)
            else {"width": 1, "color": "white"},
        },
        customdata=[
            [format_value(v, kpi.unit, max(kpi.decimals, 1)), f"<br>{hollow[pd.Timestamp(d)]}" if o else ""]
            for v, d, o in zip(rows["value"], rows["date"], open_point, strict=True)
        ],
        hovertemplate=f"<b>%{{x|%b %Y}}</b>: %{{customdata[0]}}<br>{label}%{{customdata[1]}}<extra></extra>",
    )


def _add_typed_points(
    fig: go.Figure, points: pd.DataFrame, kpi: KPI, hollow: Mapping[pd.Timestamp, str] | None = None
) -> None:
    """The points of each SPC point type present, coloured and shaped by type (provisional months
    calculated with, `hollow`, drawn open)."""
    for point_type, (label, symbol) in POINT_STYLES.items():
        rows = points[points["point_type"] == point_type]
        if rows.empty:
            continue
        ghosts = {pd.Timestamp(d): GHOST_HOVER for d in rows["date"]} if point_type == "ghost" else {}
        fig.add_trace(
            _point_markers(
                rows,
                kpi,
                label,
                symbol=symbol,
                size=10,
                colour=spc.POINT_TYPE_COLOURS[point_type],
                hollow={**(hollow or {}), **ghosts},
            )
        )


BASELINE_FILL = "rgba(118, 134, 146, 0.12)"  # NHS mid grey, faint


def _add_baseline_spans(fig: go.Figure, points: pd.DataFrame) -> None:
    """A faint band over the points each segment's limits were fixed on (the lead's baseline), labelled
    at its top left."""
    if "baseline" not in points or not points["baseline"].any():
        return
    for _, rows in points[points["baseline"]].groupby("segment"):
        first, last = pd.Timestamp(rows["date"].min()), pd.Timestamp(rows["date"].max())
        fig.add_vrect(
            x0=first - pd.Timedelta(days=14),
            x1=last + pd.Timedelta(days=14),
            fillcolor=BASELINE_FILL,
            line_width=0,
            layer="below",
            annotation_text="Baseline",
            annotation_position="bottom left",
            annotation_font={"size": 12, "color": AXIS_TEXT},
        )


def _add_trend_points(
    fig: go.Figure,
    points: pd.DataFrame,
    kpi: KPI,
    label: str,
    hollow: Mapping[pd.Timestamp, str] | None = None,
) -> None:
    """A plain trend's points, all alike, under `label` (e.g. "12-month rolling figure")."""
    rows = points[points["value"].notna()]
    fig.add_trace(_point_markers(rows, kpi, label, symbol="circle", size=8, colour=NHS_BLUE, hollow=hollow))


def spc_kind(chart_type: str) -> str:
    """What an SPC figure is, as its heading says: 'XmR chart', 'run chart' or 'trend'."""
    return {"xmr": "XmR chart", "trend": "trend"}.get(chart_type, "run chart")


def _lay_out_spc(
    fig: go.Figure,
    chart_type: str,
    kpi: KPI,
    heading: str,
    reading: str,
    *,
    height: int,
    text_width: int,
    icons: bool = True,
) -> go.Figure:
    """The house style with the heading (naming the kind of chart) and the reading's words under it,
    both
    wrapped to `text_width` characters, the top margin grown to fit them, the legend below and room on
    the right for the `icons`."""
    title_lines = textwrap.wrap(f"{heading} ({spc_kind(chart_type)})", int(text_width * 0.75))
    reading_lines = textwrap.wrap(reading, text_width)
    fig = style_figure(
        fig, title="<br>".join(title_lines), y_title=kpi.unit if kpi.unit != "GBP" else "£", height=height
    )
    fig.update_layout(
        margin={"t": 24 + 24 * len(title_lines) + 18 * len(reading_lines), "r": 130 if icons else 10},
        title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}},
        legend={"y": -0.17},
    )
    if not reading_lines:
        return fig
    fig.add_annotation(
        text="<br>".join(reading_lines),
        xref="paper",
        yref="paper",
        x=0,
        y=1.0,
        yshift=10,
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": 13, "color": NHS_DARK_GREY},
    )
    return fig


def _flat_line(
    rows: pd.DataFrame, column: str, name: str, colour: str, dash: str, width: float, legend: bool
):
    return go.Scatter(
        x=rows["date"],
        y=rows[column],
        mode="lines",
        name=name,
        legendgroup=name,
        showlegend=legend,
        line={"color": colour, "dash": dash, "width": width, "shape": "hv"},
        hovertemplate=f"{name}: %{{y:,.2f}}<extra></extra>",
    )


def _add_icons(fig: go.Figure, reading: Reading) -> None:
    """The variation and assurance icons at the top right, each with its name beneath (never colour
    alone), as the reading names them. Nothing for a run chart."""
    if reading.chart_type != "xmr":
        return
    entries = [(reading.variation_icon(), reading.variation_label)]
    if reading.assurance is not None:
        entries.append((reading.assurance_icon(), reading.assurance_label))
    for index, (uri, label) in enumerate(entries):
        top = 1.0 - index * 0.42
        fig.add_layout_image(
            source=uri,
            xref="paper",
            yref="paper",
            x=1.01,
            y=top,
            sizex=0.12,
            sizey=0.2,
            xanchor="left",
            yanchor="top",
            layer="above",
        )
        fig.add_annotation(
            text=wrap(short_label(label), 16),
            xref="paper",
            yref="paper",
            x=1.01,
            y=top - 0.21,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font={"size": 11, "color": NHS_DARK_GREY},
        )
