"""Contrast of the charts against the white they are drawn on (WCAG 2.2 AA): every colour that carries
meaning (a line, a point type, a status, an icon's ring) at least 3:1 (1.4.11 non-text contrast), and
every piece of text at least 4.5:1 (1.4.3), computed with WCAG's own formula, on the colour palettes and
on every colour the figures actually use, and on the theme's colours for Streamlit's own charts."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kpi import charts, spc
from kpi.figures import scopes
from kpi.reference.catalogue import KPI
from kpi.spc import icons
from tests.readings import reading_of

WHITE = "#FFFFFF"
MARK = 3.0  # WCAG 1.4.11: graphical objects
TEXT = 4.5  # WCAG 1.4.3: text under 18 pt (all chart text is)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of '#RRGGBB' (or 'rgb(r, g, b)', 'white', 'black')."""
    colour = {"white": WHITE, "black": "#000000"}.get(colour.lower(), colour)
    if colour.startswith("rgb"):
        r, g, b = (int(v) for v in re.findall(r"\d+", colour)[:3])
    else:
        r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(one: str, other: str = WHITE) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_gives_wcags_known_ratios():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast(WHITE) == pytest.approx(1.0)
    assert round(contrast("#767676"), 2) == 4.54  # the well-known lightest grey that passes 4.5:1
    assert round(contrast("#808495"), 2) == 3.72  # Streamlit's chart tick grey, which failed


# Each colour that was darkened: (before, after, ratio after). NHS England's own Making Data Count blue
# and grey are darkened only as far as 3:1 needs, keeping their hue; so are NHS orange and light blue.
DARKENED = [
    ("#ED8B00", charts.NHS_ORANGE_DARKENED, 3.01),  # a trust's line, milestone "at risk"
    ("#41B6E6", charts.NHS_LIGHT_BLUE_DARKENED, 3.01),  # a trust's line
    ("#00B0F0", spc.COLOUR_IMPROVEMENT, 3.02),  # MDC special cause improvement
    ("#A6A6A6", spc.COLOUR_COMMON_CAUSE, 3.03),  # MDC common cause
]


@pytest.mark.parametrize(("before", "after", "ratio"), DARKENED)
def test_colours_below_3_to_1_are_darkened_just_enough(before, after, ratio):
    assert contrast(before) < MARK
    assert round(contrast(after), 2) == ratio
    assert contrast(after) >= MARK


def _hsv_hue(colour: str) -> float:
    import colorsys

    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(r, g, b)[0]


@pytest.mark.parametrize(("before", "after", "ratio"), DARKENED)
def test_a_darkened_colour_keeps_its_hue(before, after, ratio):
    assert _hsv_hue(after) == pytest.approx(_hsv_hue(before), abs=0.01)


MEANINGFUL = {
    **{f"scope {code}": style["color"] for code, style in charts.SCOPE_STYLES.items()},
    **{f"trust line {i}": style["color"] for i, style in enumerate(charts.TRUST_STYLES)},
    **{f"milestone {status}": colour for status, colour in charts.MILESTONE_STATUS_COLOURS.items()},
    **{f"SPC point {kind}": colour for kind, colour in spc.POINT_TYPE_COLOURS.items()},
    **{f"variation icon {code}": colour for code, colour in spc.VARIATION_COLOURS.items()},
    **{f"assurance icon {code}": colour for code, colour in spc.ASSURANCE_COLOURS.items()},
    "SPC mean": spc.COLOUR_MEAN,
    "SPC process limits": charts.NHS_DARK_GREY,
    "target line": charts.TARGET_RED,
    "SPC target": spc.COLOUR_TARGET,
    "merger marker": charts.EVENT_INK,
    "bars": charts.NHS_BLUE,
    "axis line": charts.NHS_MID_GREY,
    "no-icon placeholder": icons._PLACEHOLDER,
}
TEXT_COLOURS = {
    "titles, legends, value labels": charts.CHART_TEXT,
    "tick labels, axis titles, notes": charts.AXIS_TEXT,
    "target label": charts.TARGET_RED,
    "merger label": charts.EVENT_INK,
    "concern icon letter": spc.COLOUR_CONCERN_TEXT,
    "neither icon letter": spc.COLOUR_NEITHER,
    "grey icon letter": icons._GREY_INK,
}


@pytest.mark.parametrize("name", list(MEANINGFUL))
def test_every_palette_colour_is_at_least_3_to_1_on_white(name):
    assert contrast(MEANINGFUL[name]) >= MARK, f"{name} {MEANINGFUL[name]}: {contrast(MEANINGFUL[name]):.2f}"


def theme_chart_colours() -> list[str]:
    """The colours Streamlit gives its own charts' series (the theme's chartCategoricalColors)."""
    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    return tomllib.loads(config.read_text(encoding="utf-8"))["theme"]["chartCategoricalColors"]


def test_the_themes_chart_colours_are_each_at_least_3_to_1_on_white():
    colours = theme_chart_colours()
    assert len(colours) >= 8
    low = {colour: round(contrast(colour), 2) for colour in colours if contrast(colour) < MARK}
    assert low == {}, f"chartCategoricalColors in .streamlit/config.toml below 3:1 on white: {low}"


def test_the_themes_orange_is_the_chart_palettes_darkened_orange():
    colours = [colour.upper() for colour in theme_chart_colours()]
    assert "#ED8B00" not in colours
    assert charts.NHS_ORANGE_DARKENED.upper() in colours


@pytest.mark.parametrize("name", list(TEXT_COLOURS))
def test_every_text_colour_is_at_least_4_5_to_1_on_white(name):
    assert contrast(TEXT_COLOURS[name]) >= TEXT, f"{name}: {contrast(TEXT_COLOURS[name]):.2f}"


def test_the_text_colours_ratios():
    assert round(contrast(charts.CHART_TEXT), 2) == 14.42
    assert round(contrast(charts.AXIS_TEXT), 2) == 7.75
    assert round(contrast(spc.COLOUR_CONCERN_TEXT), 2) == 4.51
    assert round(contrast(charts.TARGET_RED), 2) == 4.91


def test_the_letter_on_the_solid_improvement_disc_is_4_5_to_1_against_the_disc():
    assert round(contrast(icons._INK, spc.COLOUR_IMPROVEMENT), 2) == 4.78


# --- every colour in the figures themselves ---------------------------------------------------------

SIP = KPI("SIP_FTE", "AHP staff in post (FTE)", "PLAN", "FTE", "up", None, "sum", 1)
VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)


def _series(values, scope, start="2024-01-01", provisional_last=False):
    n = len(values)
    frame = pd.DataFrame(
        {"kpi_code": "VACANCY_RATE", "scope_code": scope,
         "period": pd.date_range(start, periods=n, freq="MS"), "value": values,
         "numerator": [v * 10 for v in values], "denominator": [1000.0] * n,
         "provisional": [False] * (n - 1) + [provisional_last], "contributors": 16, "expected": 16}
    )  # fmt: skip
    if provisional_last:
        frame.loc[frame.index[-1], "contributors"] = 2
    return frame


def _figures() -> dict[str, go.Figure]:
    """One figure of each kind, with every kind of mark: nine lines (the system, both collaboratives and
    more trusts than there are trust colours), provisional points, a merger, the target; an SPC chart
    with all three point types and left-out provisional months; bars, a heatmap and the milestones."""
    scope_codes = ["C&M", "CMAST", "MHLDC", *[f"T{i}" for i in range(9)]]
    trend = pd.concat(
        [
            _series([8.0 + i, 8.5 + i, 9.0 + i], code, provisional_last=True)
            for i, code in enumerate(scope_codes)
        ]
    )
    event = scopes.ScopeEvent(pd.Timestamp("2024-02-01"), "RVY merged into RBN", "detail")
    spc_values = [10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0]
    spc_data = _series([*spc_values, 9.0], "C&M", provisional_last=True)
    reading = reading_of(spc_data, VACANCY)
    by_profession = pd.DataFrame(
        {"profession_code": ["DIET", "POD"], "value": [7.0, 9.0], "numerator": [7.0, 9.0],
         "denominator": [100.0, 100.0], "period": pd.Timestamp("2024-01-01")}
    )  # fmt: skip
    milestones = pd.DataFrame(
        {"code": ["M1", "M2", "M3", "M4", "M5"], "title": ["A", "B", "C", "D", "E"],
         "status": ["complete", "on track", "at risk", "off track", "not started"],
         "baseline_due": pd.to_datetime(["2024-03-31"] * 5),
         "forecast_due": pd.to_datetime(["2024-03-31", "2024-06-30", "2026-12-31", "2027-01-31", None]),
         "completed_on": pd.to_datetime(["2024-03-01", None, None, None, None])}
    )  # fmt: skip
    names = {"DIET": "Dietitians", "POD": "Podiatrists"}
    return {
        "trend": charts.trend_figure(trend, VACANCY, {}, events=[event]),
        "SPC": charts.spc_figure(reading, words="A reading.", events=[event]),
        "bars": charts.profession_bars(by_profession, VACANCY, names, title="By profession", target=7.5),
        "heatmap": charts.profession_heatmap(by_profession, VACANCY, names, title="By profession"),
        "milestones": charts.milestone_timeline(milestones, dt.date(2026, 11, 25)),
    }


def _colours(value) -> list[str]:
    """Colours in a Plotly colour property: one, or a list of them."""
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [
        v for v in values if isinstance(v, str) and (v.startswith(("#", "rgb")) or v in ("white", "black"))
    ]


def figure_colours(fig: go.Figure) -> tuple[dict[str, str], dict[str, str]]:
    """(marks, text): every mark colour (line, marker, marker outline, shape) and every text colour
    (fonts of the layout, axes, legend, annotations, trace text) a figure sets, by where it is set."""
    marks: dict[str, str] = {}
    text: dict[str, str] = {}
    for i, trace in enumerate(fig.data):
        where = f"trace {i} {trace.name or trace.type}"
        if trace.type == "heatmap":  # a colour scale, read with its colour bar and cell values
            continue
        for colour in _colours(trace.line.color if "line" in trace else None):
            marks[f"{where} line"] = colour
        marker = trace.marker
        for colour in _colours(marker.color):
            marks[f"{where} marker"] = colour
        outline = marker.line.color if marker.line else None
        for colour in _colours(outline):
            if colour.lower() not in ("white", WHITE.lower()):  # a white edge around a filled point
                marks[f"{where} marker outline"] = colour
        for attribute in ("textfont", "outsidetextfont"):
            font = getattr(trace, attribute, None)
            for colour in _colours(font.color if font else None):
                text[f"{where} {attribute}"] = colour
    for i, shape in enumerate(fig.layout.shapes):
        for colour in _colours(shape.line.color):
            marks[f"shape {i}"] = colour
    layout = fig.layout
    text["layout font"] = layout.font.color
    text["title"] = layout.title.font.color
    text["legend"] = layout.legend.font.color
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        text[f"{axis.plotly_name} ticks"] = axis.tickfont.color
        text[f"{axis.plotly_name} title"] = axis.title.font.color
    for i, note in enumerate(layout.annotations):
        text[f"annotation {i} {note.text!r}"] = note.font.color
    return marks, text


@pytest.mark.parametrize("kind", ["trend", "SPC", "bars", "heatmap", "milestones"])
def test_every_mark_in_a_figure_is_3_to_1_and_every_text_4_5_to_1(kind):
    marks, text = figure_colours(_figures()[kind])
    assert marks or kind == "heatmap"
    low_marks = {where: f"{c} {contrast(c):.2f}" for where, c in marks.items() if contrast(c) < MARK}
    assert low_marks == {}
    unset = [where for where, colour in text.items() if colour is None]
    assert unset == [], "every font colour set, so that Streamlit's chart theme cannot replace it"
    low_text = {where: f"{c} {contrast(c):.2f}" for where, c in text.items() if contrast(c) < TEXT}
    assert low_text == {}


@pytest.mark.parametrize("kind", ["trend", "SPC", "bars", "heatmap", "milestones"])
def test_every_axis_sets_its_tick_size_not_streamlits_11_px(kind):
    fig = _figures()[kind]
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        assert axis.tickfont.size == 13 and axis.tickfont.color == charts.AXIS_TEXT


def test_a_lighter_trust_colour_would_be_caught():
    """The figure check fails on the colour the audit found (NHS orange, 2.53:1)."""
    fig = _figures()["trend"]
    fig.data[3].line.color = "#ED8B00"
    marks, _ = figure_colours(fig)
    assert any(contrast(colour) < MARK for colour in marks.values())


# --- the Making Data Count icons --------------------------------------------------------------------


def _svg_colours(svg: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(shapes, letters): (colour, background) of every ring, disc, dot and line, and of every letter,
    in an icon. A shape or letter on the solid disc is read against the disc, anything else against
    white."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    disc = root.find(f"{ns}circle[@r='45']")
    fill = disc.get("fill") if disc is not None else WHITE
    shapes, letters = [], []
    previous: ET.Element | None = None
    for element in root.iter():
        tag = element.tag.replace(ns, "")
        if tag == "text":
            letters.append((element.get("fill"), fill))
        elif tag in ("circle", "polyline", "line"):
            # A line drawn over a wider white line of the same ends stands on white (its edge).
            edged = (
                previous is not None
                and previous.tag == element.tag
                and previous.get("stroke") == WHITE
                and all(previous.get(k) == element.get(k) for k in ("x1", "y1", "x2", "y2"))
                and float(previous.get("stroke-width", 0)) > float(element.get("stroke-width", 0))
            )
            for attribute in ("fill", "stroke"):
                colour = element.get(attribute)
                if not colour or colour == "none":
                    continue
                on_disc = element is not disc and fill != WHITE and not edged
                background = fill if on_disc else WHITE
                if colour.upper() == background.upper():
                    continue  # a disc filled and ringed in one colour, or white on white
                shapes.append((colour, background))
        previous = element
    return shapes, letters


ICONS = {
    **{f"variation {code}": icons.variation_icon_svg(code) for code in [*spc.VARIATION_CODES, None]},
    **{f"assurance {code}": icons.assurance_icon_svg(code) for code in [*spc.ASSURANCE_CODES, None]},
}


@pytest.mark.parametrize("name", list(ICONS))
def test_every_icon_shape_is_3_to_1_and_its_letter_4_5_to_1_against_what_is_behind_it(name):
    shapes, letters = _svg_colours(ICONS[name])
    assert shapes and letters
    assert [(c, b, round(contrast(c, b), 2)) for c, b in shapes if contrast(c, b) < MARK] == []
    assert [(c, b, round(contrast(c, b), 2)) for c, b in letters if contrast(c, b) < TEXT] == []
