"""Charts by category: professions as bars or a heat map, the KPI grid as an image, the milestone
timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

import pandas as pd
import plotly.graph_objects as go

from kpi.charts.style import (
    AXIS_TITLE_FONT,
    CHART_TEXT,
    FONT,
    LABEL_WIDTH,
    MILESTONE_STATUS_COLOURS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    TARGET_RED,
    TICK_FONT,
    customdata,
    plotly_text,
    short,
    style_figure,
    unit_suffix,
    wrap,
)
from kpi.reading import Reading
from kpi.reading.scorecard import card_reading
from kpi.reference.catalogue import KPI
from kpi.words.formats import direction_words, format_target, format_value, uk_date


def profession_bars(
    frame: pd.DataFrame,
    kpi: KPI,
    profession_names: Mapping[str, str],
    *,
    title: str,
    target: float | None = None,
) -> go.Figure:
    """Horizontal bars of one month's value per profession, largest first, labelled with values (inside
    the bar where it fits, white on NHS blue, 6.4:1) and with the `target` in force (from the scope's
    reading); long names on two lines."""
    rows = frame.sort_values("value")
    labels = [wrap(profession_names.get(code, code), LABEL_WIDTH) for code in rows["profession_code"]]
    fig = go.Figure(
        go.Bar(
            x=rows["value"],
            y=labels,
            orientation="h",
            marker={"color": NHS_BLUE},
            text=[format_value(v, kpi.unit, kpi.decimals) for v in rows["value"]],
            textposition="auto",
            insidetextanchor="end",
            insidetextfont={"family": FONT, "size": 14, "color": "white"},
            outsidetextfont={"family": FONT, "size": 14, "color": CHART_TEXT},
            cliponaxis=False,
            customdata=customdata(rows, kpi),
            hovertemplate="<b>%{y}</b><br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    if target is not None:
        fig.add_vline(
            x=target,
            line={"color": TARGET_RED, "dash": "dash", "width": 2},
            annotation_position="top left",  # the longest bars' values are right of it
            annotation={
                "text": f"Target {format_target(target, kpi.unit)}",
                "font": {"color": TARGET_RED},
                "bgcolor": "white",  # readable where it crosses a bar
            },
        )
    prefix, suffix = unit_suffix(kpi)
    fig = style_figure(fig, title=title, y_title="", height=max(260, 60 + 34 * len(rows)))
    fig.update_xaxes(
        tickformat=None,
        hoverformat=None,
        tickprefix=prefix,
        ticksuffix=suffix,
        showgrid=True,
        gridcolor=NHS_PALE_GREY,
        title_text=kpi.unit if kpi.unit != "GBP" else "£",
    )
    values = rows["value"].dropna()
    top = max(float(values.max()), target or 0.0) if not values.empty else 0.0
    if top > 0:  # room right of the longest bar for its value, which is drawn outside the bar
        fig.update_xaxes(range=[min(0.0, float(values.min())), top * 1.2])
    fig.update_yaxes(gridcolor="white")
    fig.update_layout(showlegend=False)
    return fig


def profession_heatmap(
    frame: pd.DataFrame, kpi: KPI, profession_names: Mapping[str, str], *, title: str
) -> go.Figure:
    """Professions by month: darker is higher, whichever direction is better (the colour bar says which
    is); cells carry their values when there are few months, and every cell on hover."""
    pivot = frame.pivot_table(index="profession_code", columns="period", values="value", aggfunc="first")
    # pandas turns the key's list into an Index itself (sorting.ensure_key_mapped); the stubs want one.
    pivot = pivot.sort_index(
        key=lambda idx: pd.Index([profession_names.get(c, c) for c in idx]), ascending=False
    )
    labels = [wrap(profession_names.get(code, code), LABEL_WIDTH) for code in pivot.index]
    text = [
        [format_value(v, kpi.unit, kpi.decimals) if pd.notna(v) else "" for v in row] for row in pivot.values
    ]
    better = direction_words(kpi.improvement).lower() if kpi.improvement != "neither" else ""
    unit = kpi.unit if kpi.unit != "GBP" else "£"
    fig = go.Figure(
        go.Heatmap(
            z=pivot.values,
            x=list(pivot.columns),
            y=labels,
            text=text,
            texttemplate="%{text}" if pivot.shape[1] <= 12 else None,
            colorscale=[[0, "#E8EDEE"], [1, NHS_DARK_BLUE]],
            colorbar={
                "title": {"text": f"{unit}<br>({better})" if better else unit, "font": AXIS_TITLE_FONT},
                "tickfont": TICK_FONT,
            },
            hovertemplate="<b>%{y}</b><br>%{x|%b %Y}: %{text}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig = style_figure(fig, title=title, y_title="", height=max(280, 80 + 30 * len(labels)))
    fig.update_yaxes(gridcolor="white")
    return fig


GRID_FILLS = {  # a cell's background by its variation icon (its words say the same)
    "concern": "#FBE1BF",
    "improvement": "#D5E8F7",
    "neither": "#E7DDF0",
}


GRID_CELL_CHARS = 22  # characters per line in a grid image's cell


def grid_figure(
    rows: Sequence[tuple[str, Sequence[Reading | None]]], columns: Sequence[str], *, title: str
) -> go.Figure:
    """The board's grid as a picture (a PNG or SVG download): one row per KPI (its name, then its reading
    in each column, None for no cell), each cell the figure, the icons in words and what marks it
    (provisional, stale); shaded by the variation icon, the words carrying the same."""
    header = ["KPI", *columns]
    text: list[list[str]] = [[plotly_text(wrap(name, 28)) for name, _ in rows]]
    fills: list[list[str]] = [["#FFFFFF"] * len(rows)]
    for position in range(len(columns)):
        col_text, col_fill = [], []
        for _name, readings in rows:
            reading = readings[position]
            if reading is None:
                col_text.append("–")
                col_fill.append("#FFFFFF")
                continue
            words = reading.variation_label if reading.variation is None else card_reading(reading)
            marks = [m for m, on in (("provisional", reading.is_provisional), ("stale", reading.stale)) if on]
            lines = [f"<b>{plotly_text(reading.value_text)}</b>", plotly_text(wrap(words, GRID_CELL_CHARS))]
            if marks:
                lines.append(f"<i>{', '.join(marks)}</i>")
            col_text.append("<br>".join(lines))
            kind = str(reading.variation or "").split("_")[0]
            col_fill.append(GRID_FILLS.get(kind, "#FFFFFF"))
        text.append(col_text)
        fills.append(col_fill)
    fig = go.Figure(
        go.Table(
            columnwidth=[200] + [130] * len(columns),
            header={
                "values": [f"<b>{plotly_text(wrap(h, 16))}</b>" for h in header],
                "fill_color": NHS_PALE_GREY,
                "font": {"family": FONT, "size": 12, "color": CHART_TEXT},
                "align": "left",
                "line_color": "#AEB7BD",
            },
            cells={
                "values": text,
                "fill_color": fills,
                "font": {"family": FONT, "size": 11, "color": CHART_TEXT},
                "align": "left",
                "height": 58,
                "line_color": "#AEB7BD",
            },
        )
    )
    width = max(1100, 200 + 130 * len(columns))
    fig.update_layout(
        title={"text": plotly_text(title), "font": {"family": FONT, "size": 16, "color": CHART_TEXT}},
        width=width,
        height=120 + 62 * (len(rows) + 1),
        margin={"l": 16, "r": 16, "t": 56, "b": 8},
        paper_bgcolor="white",
    )
    return fig


def milestone_timeline(
    milestones: pd.DataFrame, today: dt.date, *, title: str = "Programme milestones"
) -> go.Figure:
    """Baseline (hollow diamond) against forecast (filled circle) per milestone, a line showing any
    slip, completed dates as a filled star; coloured by status and labelled with it in words."""
    fig = go.Figure()
    frame = milestones.sort_values("code", ascending=False).reset_index(drop=True)
    # On two lines: a narrow window (a tablet with the sidebar open) still leaves the dates the width.
    labels = [wrap(f"{row.code}: {short(cast(str, row.title))}", 26) for row in frame.itertuples()]
    for row, label in zip(frame.itertuples(), labels, strict=True):
        colour = MILESTONE_STATUS_COLOURS.get(cast(str, row.status), NHS_MID_GREY)
        # Date columns hold Timestamps, NaT where missing.
        completed_on = cast(pd.Timestamp, row.completed_on)
        end = completed_on if pd.notna(completed_on) else cast(pd.Timestamp, row.forecast_due)
        if pd.notna(end):
            fig.add_trace(
                go.Scatter(
                    x=[row.baseline_due, end],
                    y=[label, label],
                    mode="lines",
                    line={"color": colour, "width": 3},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    shown_in_legend: set[str] = set()

    def points(column: str, name: str, symbol: str, filled: bool) -> None:
        for key, group in frame.groupby("status", sort=False):
            status = cast(str, key)
            rows = group[group[column].notna()]
            if rows.empty:
                continue
            colour = MILESTONE_STATUS_COLOURS.get(status, NHS_MID_GREY)
            idx = rows.index
            fig.add_trace(
                go.Scatter(
                    x=rows[column],
                    y=[labels[i] for i in idx],
                    mode="markers+text" if column != "baseline_due" else "markers",
                    name=name,
                    legendgroup=name,
                    showlegend=name not in shown_in_legend,
                    marker={
                        "symbol": symbol if filled else f"{symbol}-open",
                        "size": 15,
                        "color": colour,
                        "line": {"width": 2, "color": colour},
                    },
                    text=[status.capitalize()] * len(rows) if column != "baseline_due" else None,
                    textposition="middle right",
                    textfont={"color": NHS_DARK_GREY, "size": 13},
                    customdata=[[uk_date(v)] for v in rows[column]],
                    hovertemplate=(
                        f"<b>%{{y}}</b><br>{name}: %{{customdata[0]}}<br>Status: {status}<extra></extra>"
                    ),
                )
            )
            shown_in_legend.add(name)

    points("baseline_due", "Baseline due", "diamond", False)
    forecast_only = frame["completed_on"].isna()
    saved = frame["forecast_due"].copy()
    frame.loc[~forecast_only, "forecast_due"] = pd.NaT
    points("forecast_due", "Forecast", "circle", True)
    frame["forecast_due"] = saved
    points("completed_on", "Completed", "star", True)
    fig.add_vline(
        x=pd.Timestamp(today),
        line={"color": NHS_DARK_GREY, "dash": "dot", "width": 1.5},
        annotation={"text": f"Today {uk_date(today)}", "font": {"color": NHS_DARK_GREY}},
    )
    fig = style_figure(fig, title=title, y_title="", height=120 + 60 * len(frame))
    fig.update_xaxes(showgrid=True, gridcolor=NHS_PALE_GREY, tickformat="%b %Y")
    fig.update_layout(legend={"y": -0.15}, margin={"b": 40})
    return fig
