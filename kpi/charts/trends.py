"""Trend lines: a KPI over months for one or more scopes, provisional months hollow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import pandas as pd
import plotly.graph_objects as go

from kpi.charts.marks import add_annotation_marks, add_event_markers, add_scope_targets, highest_target
from kpi.charts.style import (
    AXIS_TEXT,
    SCOPE_STYLES,
    customdata,
    hover,
    scope_style,
    style_figure,
    unit_suffix,
)
from kpi.figures import provisional
from kpi.figures.scopes import ScopeEvent
from kpi.reference.catalogue import KPI


def trend_figure(
    series: pd.DataFrame,
    kpi: KPI,
    scope_names: Mapping[str, str],
    *,
    title: str | None = None,
    scope_order: list[str] | None = None,
    height: int = 380,
    y_max: float | None = None,
    events: Sequence[ScopeEvent] = (),
    notes: Sequence[tuple[pd.Timestamp, str]] = (),
    targets: Mapping[str, pd.Series] | None = None,
) -> go.Figure:
    """One line per scope (system, collaboratives, trusts) over time, with the targets in force
    (`targets`: scope name -> target by month, from each scope's reading), the
    confirmed mergers and membership changes (`events`) and the lead's annotations (`notes`, month and
    text) marked. Provisional months (a `provisional`
    column) are hollow points of the line's colour, not joined to it, the newest one labelled.
    `y_max` fixes the top of the value axis (to compare charts side by side)."""
    fig = go.Figure()
    scopes = scope_order or list(dict.fromkeys(series["scope_code"]))
    trust_index = 0
    for scope in scopes:
        rows = series[series["scope_code"] == scope].sort_values("period")
        if rows.empty:
            continue
        style = scope_style(scope, trust_index)
        if scope not in SCOPE_STYLES:
            trust_index += 1
        name = scope_names.get(scope, scope)
        marks = provisional.flags(rows)
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["value"].where(~marks),  # provisional months: a gap, the hollow points apart
                name=name,
                showlegend=True,  # Plotly hides the legend of a lone line; every line says what it is
                mode="lines+markers",
                line={"color": style["color"], "dash": style["dash"], "width": 2.5},
                marker={"symbol": style["symbol"], "size": 7, "color": style["color"]},
                customdata=customdata(rows, kpi),
                hovertemplate=hover(kpi, name),
            )
        )
        if marks.any():
            add_provisional_points(fig, rows, kpi, name, style, first=not _has_provisional_legend(fig))
    add_scope_targets(fig, targets or {}, kpi.unit)
    if not series.empty:
        add_event_markers(fig, events, series["period"].min(), series["period"].max())
        add_annotation_marks(fig, notes)
    prefix, suffix = unit_suffix(kpi)
    fig.update_yaxes(tickprefix=prefix, ticksuffix=suffix, separatethousands=True, rangemode="tozero")
    if y_max is not None:
        top = max(y_max, highest_target(targets or {})) * 1.08
        fig.update_yaxes(range=[0, top])
    return style_figure(
        fig, title=title or kpi.title_with_unit, y_title=kpi.unit if kpi.unit != "GBP" else "£", height=height
    )


def _has_provisional_legend(fig: go.Figure) -> bool:
    return any(trace.legendgroup == provisional.LEGEND and trace.showlegend for trace in fig.data)


def add_provisional_points(
    fig: go.Figure,
    rows: pd.DataFrame,
    kpi: KPI,
    name: str,
    style: Mapping[str, str],
    *,
    first: bool,
    colour: str | None = None,
    legend: str = provisional.LEGEND,
) -> None:
    """A scope's provisional months: hollow points of the line's colour (or `colour`), never joined to
    the line (a partial month's figure is not comparable with a complete one, and a line to it would
    read as a rise or a fall), each hovering with how many of the expected trusts reported, and a small
    'provisional: 2 of 16' label at the newest. `first` puts the hollow point in the legend."""
    marks = provisional.flags(rows)
    colour = colour or style["color"]
    points = rows[marks]
    newest = points["period"].max()
    data = [
        [*exact, provisional.hover_words(row.contributors, row.expected)]
        for exact, row in zip(customdata(points, kpi), points.itertuples(), strict=True)
    ]
    detail = "<br>%{customdata[1]}" if kpi.rollup == "ratio" else ""
    fig.add_trace(
        go.Scatter(
            x=points["period"],
            y=points["value"],
            mode="markers+text",
            name=legend,
            legendgroup=provisional.LEGEND,
            legendrank=2000,  # after the scopes and point types
            showlegend=first,
            marker={
                "symbol": f"{style['symbol']}-open",
                "size": 10,
                "color": colour,
                "line": {"width": 2, "color": colour},
            },
            text=[
                f"provisional: {int(cast(int, row.contributors))} of {int(cast(int, row.expected))}"
                if row.period == newest
                else ""
                for row in points.itertuples()
            ],
            textposition="top left",  # the newest month is usually at the right edge: keep it inside
            textfont={"size": 12, "color": AXIS_TEXT},  # text: 4.5:1, which a line colour may not be
            customdata=data,
            hovertemplate=(
                f"<b>{name}</b><br>%{{x|%b %Y}}: <b>%{{customdata[0]}}</b>{detail}"
                "<br>%{customdata[2]}<extra></extra>"
            ),
        )
    )
