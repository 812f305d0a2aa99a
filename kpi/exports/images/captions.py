"""The caption drawn inside a chart image: title, scope and filters, period, source, data as at, and
"SYNTHETIC DEMO DATA" where it applies, so a chart pasted into a paper still says what it shows."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

SYNTHETIC_CAPTION = "SYNTHETIC DEMO DATA – generated for demonstration, not real trust figures"
_CAPTION_FONT = "Arial, Helvetica, sans-serif"
_CAPTION_INK = "#212B32"
_CAPTION_MUTED = "#425563"
_SYNTHETIC_INK = "#8A1538"  # NHS dark red, with a border and capitals: never colour alone


@dataclass(frozen=True)
class ImageCaption:
    """What a chart image says about itself, under the chart."""

    title: str
    scope: str = ""
    filters: str = ""
    period: str = ""
    source: str = ""
    data_as_at: str = ""
    synthetic: bool = False
    notes: str = ""  # what the chart marks, in words: mergers, provisional months

    def lines(self) -> list[str]:
        """The caption as plain text lines: title; scope and filters; period, source and data as at;
        notes on what the chart marks; and the synthetic-data notice last when it applies."""
        lines = [self.title]
        where = " · ".join(
            part for part in (f"Scope: {self.scope}" if self.scope else "", self._filters()) if part
        )
        if where:
            lines.append(where)
        when = " · ".join(
            part
            for part in (
                f"Period: {self.period}" if self.period else "",
                f"Source: {self.source}" if self.source else "",
                f"Data as at {self.data_as_at}" if self.data_as_at else "",
            )
            if part
        )
        if when:
            lines.append(when)
        if self.notes:
            lines.append(self.notes)
        if self.synthetic:
            lines.append(SYNTHETIC_CAPTION)
        return lines

    def _filters(self) -> str:
        return f"Filters: {self.filters}" if self.filters else ""


def _escape(text: str) -> str:
    """Plotly annotation text is HTML-like: escape what it would read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


_LINE_PX = 19  # caption line height at 13 px text
_TITLE_PX = 22
_SYNTHETIC_PX = 34  # the boxed notice
_TICKS_PX = 34  # x tick labels under the plot
_AXIS_TITLE_PX = 30  # an x axis title under them
_LEGEND_ROW_PX = 24


def _legend_rows(fig: go.Figure, plot_width: float) -> int:
    """Rows a horizontal legend needs (an estimate on the generous side)."""
    groups = list(
        dict.fromkeys(
            str(trace.legendgroup or trace.name)
            for trace in fig.data
            if trace.showlegend is not False and trace.name
        )
    )
    if not groups:
        return 0
    needed = sum(46 + 8 * len(name) for name in groups)
    return max(1, math.ceil(needed / max(plot_width, 200)))


def _with_caption(figure: go.Figure, caption: ImageCaption, width: int, height: int | None) -> go.Figure:
    """A copy of the figure made taller, with the caption under the plot in the new bottom margin.
    The plot area keeps its size; the bottom margin is set large enough for the axis labels and any
    legend below the plot, so Plotly does not grow it (which would move the caption)."""
    fig = go.Figure(figure)
    layout = fig.layout
    total = height or layout.height or 450
    margin = layout.margin
    top = margin.t if margin.t is not None else 100
    bottom = margin.b if margin.b is not None else 80
    left = margin.l if margin.l is not None else 80
    right = margin.r if margin.r is not None else 80
    plot_width = width - left - right
    plot_height = max(total - top - bottom, 120)

    below = _TICKS_PX
    if any(axis.title.text for axis in fig.select_xaxes()):
        below += _AXIS_TITLE_PX
    legend = layout.legend
    legend_below = (
        layout.showlegend is not False
        and legend.y is not None
        and legend.y < 0
        and (legend.orientation or "v") == "h"
    )
    if legend_below:
        below += int(abs(legend.y) * plot_height) + _legend_rows(fig, plot_width) * _LEGEND_ROW_PX + 8

    chars = max(40, int((width - 20) / 7.2))
    title_lines = _wrap(caption.title, int(chars * 0.85))
    detail = [
        piece for line in caption.lines()[1:] if line != SYNTHETIC_CAPTION for piece in _wrap(line, chars)
    ]
    caption_px = len(title_lines) * _TITLE_PX + len(detail) * _LINE_PX + 14
    if caption.synthetic:
        caption_px += _SYNTHETIC_PX + 8
    new_bottom = max(bottom, below) + caption_px
    new_total = top + plot_height + new_bottom

    text = "<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines)
    if detail:
        text += "<br>" + "<br>".join(
            f"<span style='color:{_CAPTION_MUTED}'>{_escape(line)}</span>" for line in detail
        )
    caption_top = -(max(bottom, below) + 6) / plot_height
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=caption_top,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font={"family": _CAPTION_FONT, "size": 13, "color": _CAPTION_INK},
    )
    if caption.synthetic:
        notice_top = caption_top - (len(title_lines) * _TITLE_PX + len(detail) * _LINE_PX + 10) / plot_height
        fig.add_annotation(
            text=f"<b>{_escape(SYNTHETIC_CAPTION)}</b>",
            xref="paper",
            yref="paper",
            x=0,
            y=notice_top,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font={"family": _CAPTION_FONT, "size": 14, "color": _SYNTHETIC_INK},
            bordercolor=_SYNTHETIC_INK,
            borderwidth=2,
            borderpad=5,
            bgcolor="#FFFFFF",
        )
    fig.update_layout(height=new_total, width=width, margin={"b": new_bottom, "autoexpand": True})
    return fig
