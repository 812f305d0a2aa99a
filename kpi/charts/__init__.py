"""Plotly figure builders: a DataFrame in, a go.Figure out; no Streamlit here.

One style for every chart: NHS identity colours, a title with the unit, UK month labels, hover
with exact values, and line dashes and marker shapes as well as colour so no series depends on
colour alone. Sizes are set for a laptop and readable on a projector.

Contrast (WCAG 2.2 AA, on the white the charts are drawn on): every colour that carries meaning (a
line, a point, a status) is at least 3:1, and all text at least 4.5:1, set on every axis, legend, title
and annotation so that Streamlit's chart theme (grey 11 px ticks, 3.7:1) does not replace it. NHS
colours that fall short are darkened, keeping their hue, only as far as needed; tests/
test_chart_colours.py computes every ratio.

The modules, by kind of chart: style (colours, layout, file names, config), marks (targets, annotations,
events), trends, categories (professions, the grid image, milestones) and spc_chart. This package's
names are the public ones the rest of kpi/ uses (`from kpi import charts; charts.spc_figure(...)`).

May import kpi.reading, kpi.spc, kpi.figures, kpi.reference and kpi.words."""

from __future__ import annotations

from kpi.charts.categories import (
    GRID_CELL_CHARS,
    GRID_FILLS,
    grid_figure,
    milestone_timeline,
    profession_bars,
    profession_heatmap,
)
from kpi.charts.marks import (
    ANNOTATION_INK,
    EVENT_INK,
    EVENT_LABEL_STEP,
    add_annotation_marks,
    add_event_markers,
    add_scope_targets,
    add_target_line,
    annotation_sentence,
    highest_target,
)
from kpi.charts.spc_chart import BASELINE_FILL, GHOST_HOVER, POINT_STYLES, spc_figure, spc_kind
from kpi.charts.style import (
    AXIS_TEXT,
    AXIS_TITLE_FONT,
    CHART_TEXT,
    FONT,
    LABEL_WIDTH,
    LEGEND_BELOW,
    LEGEND_FONT,
    MILESTONE_STATUS_COLOURS,
    NHS_BLUE,
    NHS_BRIGHT_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_DARK_RED,
    NHS_LIGHT_BLUE,
    NHS_LIGHT_BLUE_DARKENED,
    NHS_MID_GREY,
    NHS_ORANGE_DARKENED,
    NHS_PALE_GREY,
    SCOPE_STYLES,
    STEM_GROUP,
    STEM_LIMIT,
    TARGET_RED,
    TICK_FONT,
    TRUST_STYLES,
    app_config,
    file_stem,
    for_screen,
    from_spec,
    plotly_config,
    plotly_text,
    scope_style,
    screen_spec,
    style_figure,
)
from kpi.charts.trends import trend_figure

__all__ = [
    "ANNOTATION_INK",
    "AXIS_TEXT",
    "AXIS_TITLE_FONT",
    "BASELINE_FILL",
    "CHART_TEXT",
    "EVENT_INK",
    "EVENT_LABEL_STEP",
    "FONT",
    "GHOST_HOVER",
    "GRID_CELL_CHARS",
    "GRID_FILLS",
    "LABEL_WIDTH",
    "LEGEND_BELOW",
    "LEGEND_FONT",
    "MILESTONE_STATUS_COLOURS",
    "NHS_BLUE",
    "NHS_BRIGHT_BLUE",
    "NHS_DARK_BLUE",
    "NHS_DARK_GREY",
    "NHS_DARK_RED",
    "NHS_LIGHT_BLUE",
    "NHS_LIGHT_BLUE_DARKENED",
    "NHS_MID_GREY",
    "NHS_ORANGE_DARKENED",
    "NHS_PALE_GREY",
    "POINT_STYLES",
    "SCOPE_STYLES",
    "STEM_GROUP",
    "STEM_LIMIT",
    "TARGET_RED",
    "TICK_FONT",
    "TRUST_STYLES",
    "add_annotation_marks",
    "add_event_markers",
    "add_scope_targets",
    "add_target_line",
    "annotation_sentence",
    "app_config",
    "file_stem",
    "for_screen",
    "from_spec",
    "grid_figure",
    "highest_target",
    "milestone_timeline",
    "plotly_config",
    "plotly_text",
    "profession_bars",
    "profession_heatmap",
    "scope_style",
    "screen_spec",
    "spc_figure",
    "spc_kind",
    "style_figure",
    "trend_figure",
]
