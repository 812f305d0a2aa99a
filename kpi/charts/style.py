"""The one chart style: NHS colours darkened to WCAG contrast, fonts, the layout every figure gets, the
screen spec (a figure kept as a dict for the page), file names and the Plotly config for downloads."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from kpi.reference.catalogue import KPI
from kpi.words.formats import format_value

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


def unit_suffix(kpi: KPI) -> tuple[str, str]:
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


def hover(kpi: KPI, name: str) -> str:
    detail = "<br>%{customdata[1]}" if kpi.rollup == "ratio" else ""
    return f"<b>{name}</b><br>%{{x|%b %Y}}: <b>%{{customdata[0]}}</b>{detail}<extra></extra>"


def customdata(frame: pd.DataFrame, kpi: KPI) -> list[list[str]]:
    rows = []
    for value, numerator, denominator in frame[["value", "numerator", "denominator"]].itertuples(index=False):
        exact = format_value(value, kpi.unit, max(kpi.decimals, 1))
        ratio = f"{numerator:,.1f} / {denominator:,.1f}" if kpi.rollup == "ratio" and denominator else ""
        rows.append([exact, ratio])
    return rows


def plotly_text(text: str) -> str:
    """User text for a Plotly label, which reads a few HTML tags: shown as typed, never as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def short(text: str, limit: int = 48) -> str:
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


LABEL_WIDTH = 22  # characters of a category label per line: 'Operating department<br>practitioners'


def short_label(label: str) -> str:
    return label.replace("Special cause variation, neither improvement nor concern", "Special cause: neither")


def wrap(text: str, width: int) -> str:
    """Plotly has no text wrapping: break long text into <br>-separated lines."""
    return "<br>".join(textwrap.wrap(text, width))
