"""Marks drawn on a chart: target lines (dated targets as steps), annotation marks with their sentence,
and the merger and membership events of a scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from kpi.charts.style import NHS_BLUE, NHS_DARK_GREY, TARGET_RED, plotly_text
from kpi.figures.scopes import ScopeEvent
from kpi.words.formats import format_target


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


def add_event_markers(
    fig: go.Figure, events: Sequence[ScopeEvent], first: pd.Timestamp, last: pd.Timestamp
) -> None:
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
