"""Plotly figure builders: a DataFrame in, a go.Figure out; no Streamlit here.

One style for every chart: NHS identity colours, a title with the unit, UK month labels, hover
with exact values, and line dashes and marker shapes as well as colour so no series depends on
colour alone. Sizes are set for a laptop and readable on a projector.

Contrast (WCAG 2.2 AA, on the white the charts are drawn on): every colour that carries meaning (a
line, a point, a status) is at least 3:1, and all text at least 4.5:1, set on every axis, legend, title
and annotation so that Streamlit's chart theme (grey 11 px ticks, 3.7:1) does not replace it. NHS
colours that fall short are darkened, keeping their hue, only as far as needed; tests/
test_chart_colours.py computes every ratio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from kpi import provisional, spc
from kpi.formats import KPI, direction_words, format_target, format_value, uk_date
from kpi.reading import Reading
from kpi.scopes import ScopeEvent
from kpi.scorecard import card_reading

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_BRIGHT_BLUE = "#0072CE"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_DARK_RED = "#8A1538"
TARGET_RED = "#DE1B1B"
NHS_ORANGE_DARKENED = "#D97F00"  # NHS orange #ED8B00 (2.53:1 on white) darkened to 3.01:1
NHS_LIGHT_BLUE_DARKENED = "#399FC9"  # NHS light blue #41B6E6 (2.32:1) darkened to 3.01:1
CHART_TEXT = "#212B32"  # NHS text colour: titles, legends, value labels (14.42:1)
AXIS_TEXT = NHS_DARK_GREY  # tick labels, axis titles and notes on the chart (7.75:1)
FONT = "Arial, Helvetica, sans-serif"
TICK_FONT = {"family": FONT, "size": 13, "color": AXIS_TEXT}
AXIS_TITLE_FONT = {"family": FONT, "size": 14, "color": AXIS_TEXT}
LEGEND_FONT = {"family": FONT, "size": 13, "color": CHART_TEXT}
# A horizontal legend under the plot (clear of the x tick labels), where it never covers the title.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0}

# Fixed styles for the system and the collaboratives; trusts cycle through the rest.
SCOPE_STYLES: dict[str, dict[str, str]] = {
    "C&M": {"color": NHS_DARK_BLUE, "dash": "solid", "symbol": "circle"},
    "CMAST": {"color": NHS_BRIGHT_BLUE, "dash": "dash", "symbol": "square"},
    "MHLDC": {"color": NHS_DARK_RED, "dash": "dot", "symbol": "diamond"},
}
TRUST_STYLES: list[dict[str, str]] = [
    {"color": NHS_ORANGE_DARKENED, "dash": "solid", "symbol": "triangle-up"},
    {"color": "#009639", "dash": "solid", "symbol": "x"},
    {"color": "#330072", "dash": "solid", "symbol": "star"},
    {"color": "#00A499", "dash": "solid", "symbol": "hexagon"},
    {"color": "#AE2573", "dash": "solid", "symbol": "pentagon"},
    {"color": NHS_DARK_GREY, "dash": "solid", "symbol": "cross"},
    {"color": "#7C2855", "dash": "solid", "symbol": "triangle-down"},
    {"color": NHS_LIGHT_BLUE_DARKENED, "dash": "solid", "symbol": "bowtie"},
]
MILESTONE_STATUS_COLOURS = {
    "complete": "#009639",
    "on track": NHS_BLUE,
    "at risk": NHS_ORANGE_DARKENED,
    "off track": NHS_DARK_RED,
    "not started": NHS_MID_GREY,
}


def scope_style(scope_code: str, order: int = 0) -> dict[str, str]:
    return SCOPE_STYLES.get(scope_code) or TRUST_STYLES[order % len(TRUST_STYLES)]


def _unit_suffix(kpi: KPI) -> tuple[str, str]:
    """Plotly tick prefix and suffix for the KPI's unit."""
    if kpi.unit == "%":
        return "", "%"
    if kpi.unit == "GBP":
        return "£", ""
    return "", ""


def style_figure(fig: go.Figure, *, title: str, y_title: str, height: int = 380) -> go.Figure:
    """The house style, applied last: every font's colour and size set here, so that a theme's own
    (Streamlit's grey 11 px ticks) never takes over."""
    style = {
        "title": {
            "text": title,
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "font": {"family": FONT, "size": 17, "color": CHART_TEXT},
        },
        "font": {"family": FONT, "size": 14, "color": CHART_TEXT},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 56, "b": 10},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hovermode": "closest",
        "hoverlabel": {"font": {"family": FONT, "size": 14}},
        "legend": {**LEGEND_BELOW, "font": LEGEND_FONT, "title": {"font": LEGEND_FONT}},
        "separators": ".,",
        # The margins above are minimums: automargin grows them to fit the tick labels and axis titles.
        # It is set here, not left to the template, because importing Streamlit makes its own template
        # (which has no automargin) the default, and images drawn on the server would then cut the y
        # tick labels at the left edge ("0 0 0") with the axis title on top of them.
        "xaxis": {
            "automargin": True,
            "showgrid": False,
            "linecolor": NHS_MID_GREY,
            "ticks": "outside",
            "tickformat": "%b %Y",
            "hoverformat": "%b %Y",
            "tickfont": TICK_FONT,
            "title": {"font": AXIS_TITLE_FONT},
        },
        "yaxis": {
            "automargin": True,
            "title": {"text": y_title, "standoff": 12, "font": AXIS_TITLE_FONT},  # clear of the longest label
            "gridcolor": NHS_PALE_GREY,
            "zeroline": False,
            "linecolor": NHS_MID_GREY,
            "tickfont": TICK_FONT,
        },
    }
    # One assignment of the merged layout, as update_layout would merge it: Plotly's update path
    # checks every key path one by one, three times slower for the same figure.
    # Without its template: Plotly puts the default one back unchecked, where it would check it again
    # (7 of a trend figure's 26 ms). No figure here has another template.
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    fig.layout = _merged(layout, style)
    return fig


def _merged(base: Mapping, changes: Mapping) -> dict:
    """`base` with `changes` merged in, nested dictionaries key by key (as Plotly's update_layout)."""
    merged = dict(base)
    for key, value in changes.items():
        inner = merged.get(key)
        merged[key] = (
            _merged(inner, value) if isinstance(value, Mapping) and isinstance(inner, Mapping) else value
        )
    return merged


def screen_spec(figure: go.Figure) -> dict:
    """The figure as the app shows it, as a plain dictionary (cheap to cache and to read back): no title
    inside (the page writes it above the chart as text, which wraps on a phone where a Plotly title is
    cut off), the top margin to match, and no dragging to zoom (on a phone a drag then scrolls the page,
    not the chart), and no title on the value axis: the heading says the unit, and on a phone the plot
    needs the width. Images keep both titles."""
    spec = figure.to_dict()
    screen = {"title": {"text": ""}, "margin": {"t": 16, "l": 0, "r": 0}, "dragmode": False}
    layout = _merged(spec.get("layout", {}), screen)
    for axis in [key for key in layout if key.startswith("yaxis")] or ["yaxis"]:
        # an empty title still keeps its standoff
        layout[axis] = _merged(layout.get(axis, {}), {"title": {"text": "", "standoff": 0}})
    return {**spec, "layout": layout}


def from_spec(spec: Mapping) -> go.Figure:
    """A figure from a dictionary that Plotly made from a figure (`screen_spec`, `figure.to_dict()`): not
    checked again, which would cost more than drawing it (Plotly's own templates are read so)."""
    return go.Figure(spec, _validate=False)


def for_screen(figure: go.Figure) -> go.Figure:
    """The figure as the app shows it (`screen_spec`)."""
    return from_spec(screen_spec(figure))


def _hover(kpi: KPI, name: str) -> str:
    detail = "<br>%{customdata[1]}" if kpi.rollup == "ratio" else ""
    return f"<b>{name}</b><br>%{{x|%b %Y}}: <b>%{{customdata[0]}}</b>{detail}<extra></extra>"


def _customdata(frame: pd.DataFrame, kpi: KPI) -> list[list[str]]:
    rows = []
    for value, numerator, denominator in frame[["value", "numerator", "denominator"]].itertuples(index=False):
        exact = format_value(value, kpi.unit, max(kpi.decimals, 1))
        ratio = f"{numerator:,.1f} / {denominator:,.1f}" if kpi.rollup == "ratio" and denominator else ""
        rows.append([exact, ratio])
    return rows


def add_target_line(fig: go.Figure, targets: pd.Series, unit: str, name: str = "Target") -> None:
    """The target in force (`targets`, by month, NaN where there is none; a reading's target_path) as a
    dashed red line: flat and labelled when it never changes, a step that changes at the month a lead's
    target took effect otherwise; nothing without a target."""
    known = targets.dropna()
    if known.empty:
        return
    if known.nunique() == 1 and len(known) == len(targets):
        fig.add_hline(
            y=float(known.iloc[0]),
            line={"color": TARGET_RED, "dash": "dash", "width": 2},
            annotation_text=f"{name} {format_target(float(known.iloc[0]), unit)}",
            annotation_position="top left",
            annotation_font={"color": TARGET_RED, "size": 13},
        )
        return
    fig.add_trace(
        go.Scatter(
            x=targets.index,
            y=targets.to_numpy(),
            mode="lines",
            name=name,
            line={"color": TARGET_RED, "dash": "dash", "width": 2, "shape": "hv"},
            customdata=[format_target(v, unit) if v == v else "none" for v in targets.to_numpy()],
            hovertemplate=f"{plotly_text(name)} in %{{x|%b %Y}}: %{{customdata}}<extra></extra>",
        )
    )


def add_scope_targets(fig: go.Figure, targets: Mapping[str, pd.Series], unit: str) -> None:
    """The targets of the scopes a trend draws (scope name -> target by month): one line when they
    agree, else one named line per scope with a target."""
    paths = [path for path in targets.values() if not path.dropna().empty]
    if not paths:
        return
    first = paths[0]
    if all(path.equals(first) for path in paths) and len(paths) == len(targets):
        add_target_line(fig, first, unit)
        return
    for name, path in targets.items():
        if not path.dropna().empty:
            add_target_line(fig, path.sort_index(), unit, name=f"Target, {name}")


def highest_target(targets: Mapping[str, pd.Series]) -> float:
    """The highest target any scope drawn has (0 without one): the value axis must reach it."""
    values = [float(path.max()) for path in targets.values() if not path.dropna().empty]
    return max(values, default=0.0)


ANNOTATION_INK = NHS_BLUE


def _month_line(fig: go.Figure, month: pd.Timestamp, line: dict) -> None:
    """A vertical line at `month`, the plot's full height, under the data."""
    fig.add_shape(
        type="line", xref="x", yref="paper", x0=month, x1=month, y0=0, y1=1, line=line, layer="below"
    )


def add_annotation_marks(fig: go.Figure, notes: Sequence[tuple[pd.Timestamp, str]]) -> None:
    """The lead's annotations: a thin line at each month with a numbered flag on the x-axis; hovering the
    flag shows the month and the text (the chart's sentence lists them in the same order)."""
    for number, (month, text) in enumerate(notes, start=1):
        when = pd.Timestamp(month)
        _month_line(fig, when, {"color": ANNOTATION_INK, "width": 1})
        fig.add_annotation(
            x=when,
            xref="x",
            yref="paper",
            y=0,
            yanchor="bottom",
            text=f"<b>{number}</b>",
            hovertext=f"{when:%b %Y}: {plotly_text(text)}",
            showarrow=False,
            font={"size": 12, "color": "white"},
            bgcolor=ANNOTATION_INK,
            borderpad=2,
        )


def plotly_text(text: str) -> str:
    """User text for a Plotly label, which reads a few HTML tags: shown as typed, never as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def annotation_sentence(notes: Sequence[tuple[pd.Timestamp, str]]) -> str:
    """'Annotated: 1 Apr 2025, Recruitment drive launched; 2 …'; '' when there are none."""
    if not notes:
        return ""
    listed = "; ".join(
        f"{number} {pd.Timestamp(month):%b %Y}, {text}" for number, (month, text) in enumerate(notes, 1)
    )
    return f"Annotated: {listed}."


EVENT_INK = NHS_DARK_GREY
EVENT_LABEL_STEP = 0.075  # paper height between labels of events drawn near each other


def add_event_markers(fig: go.Figure, events: Sequence[ScopeEvent], first: object, last: object) -> None:
    """A thin dotted vertical line at each month a confirmed merger or membership change takes effect
    (`scopes.scope_events`), its short label at the top of the plot and the full sentence on hovering
    the label. A label runs right of its line in the first half of the chart (`first` to `last`) and
    left of it in the second, so it stays inside the plot; labels of nearby events step down."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    middle = start + (end - start) / 2
    for index, event in enumerate(events):
        month = pd.Timestamp(event.month)
        _month_line(fig, month, {"color": EVENT_INK, "dash": "dot", "width": 1.5})
        fig.add_annotation(
            x=month,
            xref="x",
            yref="paper",
            y=1 - index % 3 * EVENT_LABEL_STEP,
            yanchor="top",
            xanchor="left" if month <= middle else "right",
            xshift=3 if month <= middle else -3,
            text=event.label,
            hovertext=event.detail,
            showarrow=False,
            font={"size": 12, "color": EVENT_INK},
            bgcolor="rgba(255,255,255,0.85)",
        )


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
                customdata=_customdata(rows, kpi),
                hovertemplate=_hover(kpi, name),
            )
        )
        if marks.any():
            _add_provisional_points(fig, rows, kpi, name, style, first=not _has_provisional_legend(fig))
    add_scope_targets(fig, targets or {}, kpi.unit)
    if not series.empty:
        add_event_markers(fig, events, series["period"].min(), series["period"].max())
        add_annotation_marks(fig, notes)
    prefix, suffix = _unit_suffix(kpi)
    fig.update_yaxes(tickprefix=prefix, ticksuffix=suffix, separatethousands=True, rangemode="tozero")
    if y_max is not None:
        top = max(y_max, highest_target(targets or {})) * 1.08
        fig.update_yaxes(range=[0, top])
    return style_figure(
        fig, title=title or kpi.title_with_unit, y_title=kpi.unit if kpi.unit != "GBP" else "£", height=height
    )


def _has_provisional_legend(fig: go.Figure) -> bool:
    return any(trace.legendgroup == provisional.LEGEND and trace.showlegend for trace in fig.data)


def _add_provisional_points(
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
        for exact, row in zip(_customdata(points, kpi), points.itertuples(), strict=True)
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
                f"provisional: {int(row.contributors)} of {int(row.expected)}" if row.period == newest else ""
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
    labels = [_wrap(profession_names.get(code, code), LABEL_WIDTH) for code in rows["profession_code"]]
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
            customdata=_customdata(rows, kpi),
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
    prefix, suffix = _unit_suffix(kpi)
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
    pivot = pivot.sort_index(key=lambda idx: [profession_names.get(c, c) for c in idx], ascending=False)
    labels = [_wrap(profession_names.get(code, code), LABEL_WIDTH) for code in pivot.index]
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
    text: list[list[str]] = [[plotly_text(_wrap(name, 28)) for name, _ in rows]]
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
            lines = [f"<b>{plotly_text(reading.value_text)}</b>", plotly_text(_wrap(words, GRID_CELL_CHARS))]
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
                "values": [f"<b>{plotly_text(_wrap(h, 16))}</b>" for h in header],
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
    labels = [_wrap(f"{row.code}: {_short(row.title)}", 26) for row in frame.itertuples()]
    for row, label in zip(frame.itertuples(), labels, strict=True):
        colour = MILESTONE_STATUS_COLOURS.get(row.status, NHS_MID_GREY)
        end = row.completed_on if pd.notna(row.completed_on) else row.forecast_due
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
        for status, group in frame.groupby("status", sort=False):
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


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


STEM_LIMIT = 80  # characters in a file name stem, before the extension
STEM_GROUP = 4  # codes a group shows in full; a longer group shows two and how many more


def file_stem(*parts: str | dt.date | pd.Timestamp | tuple[str, ...] | None) -> str:
    """A file name stem from meaningful parts: 'VACANCY_RATE_C-M_PHYSIO_2022-04_to_2026-10'.

    A part may be a group of codes (a tuple: trusts, professions, scopes), joined with '-'. Names stay
    short but unique: a group of more than four codes shows two and how many more ('RBS-REM-3-more'),
    and whenever anything is shortened, a hash of the full name is added, so two different filters
    never share a file name."""
    full: list[str] = []
    short: list[str] = []
    for part in parts:
        if part is None or part == "" or part == ():
            continue
        if isinstance(part, (tuple, list)):
            codes = [code for code in (_stem_word(p) for p in part) if code]
            full.append("-".join(codes))
            shown = codes if len(codes) <= STEM_GROUP else [*codes[:2], f"{len(codes) - 2}-more"]
            short.append("-".join(shown))
            continue
        if isinstance(part, (dt.date, pd.Timestamp)):
            part = f"{pd.Timestamp(part):%Y-%m}"
        word = _stem_word(part)
        full.append(word)
        short.append(word)
    full_stem = "_".join(w for w in full if w) or "chart"
    short_stem = "_".join(w for w in short if w) or "chart"
    if short_stem == full_stem and len(full_stem) <= STEM_LIMIT:
        return full_stem
    digest = hashlib.sha1(full_stem.encode("utf-8")).hexdigest()[:8]
    return f"{short_stem[: STEM_LIMIT - len(digest) - 1].rstrip('_-')}_{digest}"


def _stem_word(part: object) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(part)).strip("-")


def plotly_config(filename: str) -> dict:
    """Modebar settings for a chart with no download buttons beside it (the HTML board pack): PNG
    download at 2x with a meaningful file name; no Plotly logo."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    }


def app_config() -> dict:
    """Plotly settings in the app: no modebar. Each of its 8 buttons was a Tab stop (56 on a page of
    seven charts), and what they did is there already: 'Download data (CSV)' and the PNG and SVG image
    buttons under every chart, Streamlit's own full-screen button, and no zooming to reset (see
    for_screen). Hovering still gives each point's exact value."""
    return {"displayModeBar": False, "displaylogo": False, "scrollZoom": False, "responsive": True}


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
    prefix, suffix = _unit_suffix(kpi)
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
        pd.Timestamp(row.period): provisional.hover_words(row.contributors, row.expected)
        for row in months.itertuples()
        if pd.Timestamp(row.period) in included
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
        _add_provisional_points(
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
            text=_wrap(_short_label(label), 16),
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


LABEL_WIDTH = 22  # characters of a category label per line: 'Operating department<br>practitioners'


def _short_label(label: str) -> str:
    return label.replace("Special cause variation, neither improvement nor concern", "Special cause: neither")


def _wrap(text: str, width: int) -> str:
    """Plotly has no text wrapping: break long text into <br>-separated lines."""
    return "<br>".join(textwrap.wrap(text, width))
