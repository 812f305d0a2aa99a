"""Server-side chart images: PNG and SVG through the warm Chromium, with the caption inside the image,
and a one-line reason (never a traceback) when there is no browser."""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
import threading
import time
import xml.etree.ElementTree as ET

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from kpi import charts
from kpi.exports import images
from kpi.exports.images import ImageCaption, ImageExportUnavailable
from kpi.figures import scopes
from kpi.reference.catalogue import KPI
from tests.readings import reading_of

needs_browser = pytest.mark.skipif(not images.images_available()[0], reason="no Chromium on this machine")

CAPTION = ImageCaption(
    title="Vacancy rate (%): C&M system <all AHPs>",
    scope="Cheshire and Merseyside system",
    filters="Professions: Dietitians, Podiatrists",
    period="Nov 2023 to Oct 2026",
    source="NHS England Provider Workforce Return",
    data_as_at="Oct 2026",
    synthetic=True,
)


def figure(height: int = 380) -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(x=["2026-08-01", "2026-09-01", "2026-10-01"], y=[8.1, 7.9, 7.4], name="C&M system"),
            go.Scatter(x=["2026-08-01", "2026-09-01", "2026-10-01"], y=[8.4, 8.0, 7.7], name="CMAST"),
        ]
    )
    fig.update_layout(
        title="Vacancy rate (%)",
        height=height,
        margin={"l": 10, "r": 10, "t": 56, "b": 10},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"},
    )
    return fig


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)  # valid XML or this raises
    assert root.tag.endswith("svg")
    return " ".join(" ".join(root.itertext()).split())


def test_caption_lines_say_what_the_chart_shows():
    lines = CAPTION.lines()
    assert lines[0] == CAPTION.title
    assert "Scope: Cheshire and Merseyside system" in lines[1]
    assert "Filters: Professions: Dietitians, Podiatrists" in lines[1]
    assert lines[2] == (
        "Period: Nov 2023 to Oct 2026 · Source: NHS England Provider Workforce Return · Data as at Oct 2026"
    )
    assert lines[-1].startswith("SYNTHETIC DEMO DATA")
    plain = ImageCaption(title="Sickness absence rate", period="Oct 2026").lines()
    assert plain == ["Sickness absence rate", "Period: Oct 2026"]


@needs_browser
def test_png_has_the_png_signature_and_twice_the_pixels():
    fig = figure()
    data = images.chart_image(fig, "png", caption=CAPTION, width=700, scale=2)
    width, height = png_size(data)
    assert width == 1400
    assert height == 2 * images.captioned_height(fig, CAPTION, width=700)
    assert height > 2 * 380, "the caption adds height under the chart"
    assert fig.layout.height == 380 and len(fig.layout.annotations) == 0, "the caller's figure is unchanged"


@needs_browser
def test_svg_is_valid_xml_with_the_caption_and_the_synthetic_notice():
    data = images.chart_image(figure(), "svg", caption=CAPTION, width=900)
    text = svg_text(data)
    assert "Vacancy rate (%): C&M system <all AHPs>" in text
    assert "Scope: Cheshire and Merseyside system" in text
    assert "Source: NHS England Provider Workforce Return" in text
    assert "Data as at Oct 2026" in text
    assert "SYNTHETIC DEMO DATA" in text


@needs_browser
def test_real_data_has_no_synthetic_notice():
    caption = ImageCaption(title="Sickness absence rate (%): Alder Hey", scope="Alder Hey", period="Oct 2026")
    text = svg_text(images.chart_image(figure(), "svg", caption=caption, width=800))
    assert "Sickness absence rate (%): Alder Hey" in text
    assert "SYNTHETIC" not in text


@needs_browser
def test_one_browser_serves_many_threads():
    images.start_browser()
    starts = images.browser_starts()
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results.append(
                images.chart_image(figure(300 + 20 * i), "png", caption=CAPTION, width=500, scale=1)
            )
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert sorted(png_size(r)[1] for r in results) == sorted(
        images.captioned_height(figure(300 + 20 * i), CAPTION, width=500) for i in range(4)
    )
    assert images.browser_starts() == starts, "the warm browser was reused, not started again"


@needs_browser
def test_the_browser_is_closed_when_idle_and_kept_while_a_pack_needs_it(monkeypatch):
    """Chromium is not kept in the server process for good (it held 400 MB there after one PNG):
    closed IDLE_SECONDS after its last use, never in the middle of a pack, and started again on demand."""
    from kpi.exports.images import browser

    monkeypatch.setattr(browser, "IDLE_SECONDS", 1.0)
    images.chart_image(figure(), "png", caption=CAPTION, width=500, scale=1)
    assert images.browser_open()
    with images.browser_kept():  # a pack: images, then its PDF
        time.sleep(2.5)
        assert images.browser_open(), "not closed while a pack still needs it"
        images.chart_image(figure(), "png", caption=CAPTION, width=500, scale=1)
    starts = images.browser_starts()
    for _ in range(50):
        if not images.browser_open():
            break
        time.sleep(0.1)
    assert not images.browser_open(), "closed a little after its last use"
    again = images.chart_image(figure(), "png", caption=CAPTION, width=500, scale=1)
    assert png_size(again)[0] == 500 and images.browser_starts() == starts + 1, "started again on demand"


def test_a_missing_browser_gives_one_line_and_no_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_CHROMIUM", str(tmp_path / "no-such-chromium"))
    available, reason = images.images_available()
    assert available is False
    assert reason == images.UNAVAILABLE_REASON
    assert "\n" not in reason and "Chromium" in reason and "camera icon" in reason
    with pytest.raises(ImageExportUnavailable) as caught:
        images.chart_image(figure(), "png", caption=CAPTION)
    assert str(caught.value) == images.UNAVAILABLE_REASON
    with pytest.raises(ImageExportUnavailable):
        images.print_pdf("<html><body>x</body></html>")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="png or svg"):
        images.render_figure(figure(), "gif")  # type: ignore[arg-type]


# --- every axis label inside the image ---------------------------------------------------------------------
#
# Each chart kind is drawn to SVG through the server path the download buttons use, under Plotly's own
# default template (the command line) and under Streamlit's (the app: importing Streamlit makes its template,
# which has no automargin, the default). Every tick label and axis title must lie inside the image, the axis
# titles must not overlap their tick labels, and no axis label may run into the caption or another note.
# Text boxes are estimated from Arial's advance widths (the charts ask for Arial; the server draws Liberation
# Sans, which has the same widths) with 5% to spare, and its line height (0.91 em above the baseline, 0.22
# em below).

_ARIAL_WIDTHS = {  # thousandths of an em
    191: "'", 222: "ijl", 260: "|", 278: " !,./:;I[\\]ft", 333: "()-`r", 355: '"', 389: "*",
    500: "Jcksvxyz", 556: "0123456789#$?L_abdeghnopqu£–", 584: "+<=>~", 611: "FTZ",
    667: "ABEKPSVXY&", 722: "CDHNRUw", 778: "GOQ", 833: "Mm", 889: "%", 944: "W", 1000: "…—", 1015: "@",
}  # fmt: skip
_EM = {char: width / 1000 for width, chars in _ARIAL_WIDTHS.items() for char in chars}

Box = tuple[float, float, float, float]  # left, top, right, bottom in image pixels
Matrix = tuple[float, float, float, float, float, float]  # SVG's a b c d e f
_IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def text_width(text: str, size: float) -> float:
    """Pixels the text takes at this font size, a little more than it really does (an unknown
    character counts as 1 em, wider than any in Arial but @)."""
    return 1.05 * size * sum(_EM.get(char, 1.0) for char in text)


def _times(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _transform(attribute: str | None) -> Matrix:
    """An SVG transform attribute (translate, rotate, scale, matrix) as one matrix."""
    matrix = _IDENTITY
    for name, arguments in re.findall(r"(\w+)\s*\(([^)]*)\)", attribute or ""):
        v = [float(number) for number in re.split(r"[\s,]+", arguments.strip()) if number]
        if name == "translate":
            step: Matrix = (1, 0, 0, 1, v[0], v[1] if len(v) > 1 else 0)
        elif name == "scale":
            step = (v[0], 0, 0, v[1] if len(v) > 1 else v[0], 0, 0)
        elif name == "rotate":
            angle = math.radians(v[0])
            cx, cy = (v[1], v[2]) if len(v) > 2 else (0.0, 0.0)
            turn = (math.cos(angle), math.sin(angle), -math.sin(angle), math.cos(angle), 0.0, 0.0)
            step = _times(_times((1, 0, 0, 1, cx, cy), turn), (1, 0, 0, 1, -cx, -cy))
        elif name == "matrix":
            step = (v[0], v[1], v[2], v[3], v[4], v[5])
        else:
            raise AssertionError(f"unexpected SVG transform {name}")
        matrix = _times(matrix, step)
    return matrix


def _box(matrix: Matrix, left: float, top: float, right: float, bottom: float) -> Box:
    a, b, c, d, e, f = matrix
    points = [(a * x + c * y + e, b * x + d * y + f) for x in (left, right) for y in (top, bottom)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def svg_labels(data: bytes) -> tuple[float, float, list[tuple[str, str, Box]]]:
    """The image's width and height, and (kind, text, box) for every axis label: kind is xtick, ytick,
    colorbar tick, xtitle or ytitle; and for every annotation (kind note, box as Plotly drew it)."""
    root = ET.fromstring(data)
    found: list[tuple[str, str, Box]] = []

    def walk(element: ET.Element, matrix: Matrix, kind: str | None) -> None:
        matrix = _times(matrix, _transform(element.get("transform")))
        tag = element.tag.rsplit("}", 1)[-1]
        classes = (element.get("class") or "").split()
        if tag == "g" and "annotation" in classes:
            kind = "note"
        elif tag == "g" and {"xtick", "ytick"} & set(classes):
            kind = "xtick" if "xtick" in classes else "ytick"
        elif tag == "g" and any(re.fullmatch(r"ycb\w*tick", c) for c in classes):
            kind = "colorbar tick"
        if tag == "rect" and kind == "note" and "bg" in classes:
            x, y = float(element.get("x", 0)), float(element.get("y", 0))
            width, height = float(element.get("width", 0)), float(element.get("height", 0))
            found.append(("note", "", _box(matrix, x, y, x + width, y + height)))
            return
        if tag == "text":
            title = next((c[0] + "title" for c in classes if re.fullmatch(r"[xy]\d*title", c)), None)
            text = "".join(element.itertext())
            if (title or kind in ("xtick", "ytick", "colorbar tick")) and text.strip():
                size = float(re.search(r"font-size:\s*([\d.]+)px", element.get("style", "")).group(1))
                x, y = float(element.get("x", 0)), float(element.get("y", 0))
                # A label on several lines ('Speech and language<br>therapists') is one tspan a line,
                # each 1.3em below the last (Plotly has already moved the first up to centre them).
                lines = ["".join(t.itertext()) for t in element if "line" in (t.get("class") or "").split()]
                width = max(text_width(line, size) for line in lines or [text])
                anchor = element.get("text-anchor", "start")
                left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
                below = 0.22 * size + 1.3 * size * max(len(lines) - 1, 0)
                box = _box(matrix, left, y - 0.91 * size, left + width, y + below)
                found.append((title or kind, text, box))
            return
        for child in element:
            walk(child, matrix, kind)

    walk(root, _IDENTITY, None)
    return float(root.get("width")), float(root.get("height")), found


def _overlap(one: Box, other: Box) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def _shown(box: Box) -> str:
    return "x {:.0f} to {:.0f}, y {:.0f} to {:.0f}".format(*(box[0], box[2], box[1], box[3]))


def label_problems(data: bytes) -> list[str]:
    """What is wrong with the axis labels of an SVG chart: each label outside the image, an axis title
    over its own tick labels, an axis label over a note (the caption, a target or today marker)."""
    width, height, found = svg_labels(data)
    problems = []
    labels = [(kind, text, box) for kind, text, box in found if kind != "note"]
    notes = [box for kind, _, box in found if kind == "note"]
    for kind, text, box in labels:
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
            problems.append(
                f"{kind} {text!r} at {_shown(box)} is not inside the {width:.0f} x {height:.0f} image"
            )
        for note in notes:
            if _overlap(box, note):
                problems.append(f"{kind} {text!r} at {_shown(box)} runs into a note at {_shown(note)}")
    for axis in "xy":
        ticks = [(text, box) for kind, text, box in labels if kind == f"{axis}tick"]
        for kind, title, box in labels:
            if kind != f"{axis}title":
                continue
            for text, tick in ticks:
                if _overlap(box, tick):
                    problems.append(
                        f"{axis} axis title {title!r} at {_shown(box)} overlaps tick label {text!r} "
                        f"at {_shown(tick)}"
                    )
    return problems


WTE = KPI("AHP_FTE", "AHP staff in post", "PLAN", "FTE", "up", None, "sum", 1)
SPEND = KPI("AGENCY_SPEND", "Agency spend", "FIN", "GBP", "down", 1_100_000, "sum", 0)
PROFESSIONS = {
    "DIET": "Dietitians",
    "PHYS": "Physiotherapists and sports therapists",
    "POD": "Podiatrists",
    "SLT": "Speech and language therapists",
}
TRUSTS = {  # long names on a category axis, as a ranking of trusts would show them
    "REM": "Liverpool University Hospitals NHS Foundation Trust",
    "RBS": "Alder Hey Children's NHS Foundation Trust",
    "RBN": "Mersey and West Lancashire Teaching Hospitals NHS Trust",
}


def _series(values: list[float], scope: str = "C&M", start: str = "2025-01-01") -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"scope_code": scope, "period": pd.date_range(start, periods=n, freq="MS"),
                         "value": values, "numerator": values, "denominator": [1.0] * n})  # fmt: skip


def _by_category(values: dict[str, float], month: str = "2026-10-01") -> pd.DataFrame:
    return pd.DataFrame({"profession_code": list(values), "value": list(values.values()),
                         "numerator": list(values.values()), "denominator": 1.0,
                         "period": pd.Timestamp(month)})  # fmt: skip


def chart(kind: str) -> go.Figure:
    """One chart of each kind the app and the board pack draw, from small exact frames with long labels:
    y ticks like '1,528.45' and '£1.25M', profession and trust names, milestone titles cut at 48
    characters."""
    if kind == "trend":
        frame = pd.concat(
            [_series([1528.4, 1490.2, 1511.0, 1502.7]), _series([702.5, 688.0, 695.1, 690.0], "CMAST")]
        )
        return charts.trend_figure(frame, WTE, {"C&M": "C&M system", "CMAST": "CMAST"})
    if kind == "trend with mergers":  # one merger near each end: labels run inwards, inside the plot
        frame = _series([1528.4, 1490.2, 1511.0, 1502.7, 1499.0, 1520.3])
        events = [
            scopes.ScopeEvent(pd.Timestamp("2025-01-01"), "RVY merged into RBN", "Southport into RBN"),
            scopes.ScopeEvent(pd.Timestamp("2025-06-01"), "RTV merged into RW4", "RTV into RW4"),
        ]
        return charts.trend_figure(frame, WTE, {"C&M": "C&M system"}, events=events)
    if kind == "SPC with a merger":
        frame = _series([1528.2, 1528.6] * 8 + [1529.4, 1529.6, 1529.8, 1530.1], start="2024-01-01")
        event = scopes.ScopeEvent(pd.Timestamp("2024-01-01"), "RVY merged into RBN", "Southport into RBN")
        return charts.spc_figure(
            reading_of(frame, WTE), words="Special cause improvement: a test.", events=[event]
        )
    if kind == "trend £":
        return charts.trend_figure(
            _series([1_250_000.0, 1_180_000.0, 1_210_000.0]), SPEND, {"C&M": "C&M system"}
        )
    if kind == "SPC":
        frame = _series([1528.2, 1528.6] * 8 + [1529.4, 1529.6, 1529.8, 1530.1], start="2024-01-01")
        return charts.spc_figure(reading_of(frame, WTE), words="Special cause improvement: a test.")
    if kind == "SPC £":
        frame = _series([1_250_100.0, 1_249_800.0] * 8 + [1_251_500.0, 1_252_000.0], start="2024-01-01")
        return charts.spc_figure(reading_of(frame, SPEND), words="")
    if kind == "by profession":
        frame = _by_category({"DIET": 1_250_000.0, "PHYS": 15_000.0, "POD": 980_000.0, "SLT": 402_500.0})
        return charts.profession_bars(frame, SPEND, PROFESSIONS, title="Agency spend (£) by profession")
    if kind == "trusts":
        frame = _by_category({"REM": 1528.4, "RBS": 702.5, "RBN": 1_250.0})
        return charts.profession_bars(frame, WTE, TRUSTS, title="AHP staff in post (FTE) by trust")
    if kind == "heatmap":
        months = [f"2026-{m:02d}-01" for m in range(5, 11)]
        frame = pd.concat(
            [
                _by_category(
                    {"DIET": 1_250_000.0 + i, "PHYS": 15_000.0, "POD": 980_000.0, "SLT": 402_500.0}, m
                )
                for i, m in enumerate(months)
            ]
        )
        return charts.profession_heatmap(frame, SPEND, PROFESSIONS, title="Agency spend (£) by profession")
    if kind == "milestones":
        titles = [
            "Recruitment to the C&M AHP Workforce Lead post, or contract extension for existing personnel",
            "Delivery infrastructure for key workstreams in place, with associated KPIs",
            "Integration and connectivity with wider system workstreams",
            "Implementation of key activities and actions across the programme",
            "Business plan for the role beyond March 2024",
            "End of programme report",
        ]
        milestones = pd.DataFrame(
            {"code": [f"M{i}" for i in range(1, 7)], "title": titles,
             "status": ["complete", "complete", "off track", "at risk", "complete", "on track"],
             "baseline_due": pd.to_datetime(["2022-09-30", "2023-03-31", "2023-06-30", "2024-03-31",
                                             "2023-12-31", "2027-03-31"]),
             "forecast_due": pd.to_datetime(["2022-09-30", "2023-05-31", "2027-01-31", "2026-12-31",
                                             "2024-02-29", "2027-03-31"]),
             "completed_on": pd.to_datetime(["2022-08-15", "2023-05-10", None, None, "2024-02-20", None])}
        )  # fmt: skip
        return charts.milestone_timeline(milestones, dt.date(2026, 11, 25))
    raise AssertionError(kind)


CHART_KINDS = [
    "trend",
    "trend with mergers",
    "trend £",
    "SPC",
    "SPC with a merger",
    "SPC £",
    "by profession",
    "trusts",
    "heatmap",
    "milestones",
]


@pytest.fixture(params=["plotly", "streamlit"])
def default_template(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default Plotly template when the figures are built: Plotly's own (the command line), or
    Streamlit's (the app), which has no automargin."""
    before = pio.templates.default
    import streamlit  # noqa: F401  registers its "streamlit" template and makes it the default

    pio.templates.default = before
    monkeypatch.setattr(pio.templates, "default", request.param)
    return request.param


def test_the_label_check_sees_a_clipped_label():
    clipped = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        b'<g class="ytick"><text text-anchor="end" x="6" y="5" transform="translate(0,50)" '
        b'style="font-size: 14px">1,600</text></g>'
        b'<text class="ytitle" transform="rotate(-90,10,50)" x="10" y="50" text-anchor="middle" '
        b'style="font-size: 14px">WTE</text></svg>'
    )
    problems = label_problems(clipped)
    assert any("'1,600'" in p and "not inside" in p for p in problems)
    assert any("overlaps tick label '1,600'" in p for p in problems)
    assert text_width("1,528.4", 14) == pytest.approx(1.05 * 14 * (5 * 0.556 + 2 * 0.278))


@needs_browser
@pytest.mark.parametrize("kind", CHART_KINDS)
def test_downloaded_images_keep_every_axis_label_inside(kind, default_template):
    data = images.chart_image(chart(kind), "svg", caption=CAPTION, scale=1)
    _, _, found = svg_labels(data)
    kinds = {label_kind for label_kind, _, _ in found}
    assert {"xtick", "ytick"} <= kinds, "the check found the tick labels"
    if kind.startswith(("trend", "SPC")):
        assert "ytitle" in kinds
    assert label_problems(data) == []


@needs_browser
def test_board_pack_images_keep_every_axis_label_inside(default_template):
    """The PDF board pack draws its charts through render_figures, without a caption, 900 px wide."""
    figures = [chart(kind) for kind in ("SPC", "SPC with a merger", "SPC £", "milestones")]
    for data in images.render_figures(figures, "svg", width=900):
        assert label_problems(data) == []


@needs_browser
def test_a_merger_marker_and_its_caption_line_are_inside_the_exported_image():
    caption = ImageCaption(
        title="AHP staff in post (FTE): C&M system",
        period="Jan 2025 to Jun 2025",
        notes="Marked on the chart: RVY merged into RBN (Jan 2025); RTV merged into RW4 (Jun 2025).",
    )
    assert caption.lines()[-1] == caption.notes
    data = images.chart_image(chart("trend with mergers"), "svg", caption=caption, scale=1)
    text = svg_text(data)
    assert "RVY merged into RBN" in text and "RTV merged into RW4" in text
    assert "Marked on the chart: RVY merged into RBN (Jan 2025); RTV merged into RW4 (Jun 2025)." in text
    width, height, found = svg_labels(data)
    notes = [box for kind, _, box in found if kind == "note"]
    assert len(notes) == 3, "each merger label and the caption are drawn as notes with a box"
    for left, top, right, bottom in notes:
        assert left >= 0 and right <= width and top >= 0 and bottom <= height


def _canonical_svg(data: bytes) -> str:
    """An SVG as XML that ignores what differs between two drawings of one figure: attribute order
    (C14N) and the random ids plotly.js gives each drawing's definitions and traces."""
    text = re.sub(rb"(defs-|topdefs-|trace|clip|legend)[0-9a-f]{6}", rb"\1X", data).decode()
    return ET.canonicalize(text)


@needs_browser
def test_a_batch_draws_the_pictures_kaleido_draws_in_order_and_closes_its_tabs():
    """A pack's charts are drawn in tabs that load plotly.js once (kaleido reloads its tab after every
    figure): the same pictures as kaleido's one at a time, in the order given, PNG and SVG alike, and
    the batch's tabs are gone when it ends."""
    from kpi.exports.images.browser import _BROWSER

    figures = [figure(300), figure(420), chart("SPC"), chart("milestones")]
    images.start_browser()
    tabs_before = len(_BROWSER.kaleido().tabs)
    drawn = images.figures_drawn()
    done: list[tuple[int, int]] = []
    batch = images.render_figures(figures, "svg", width=700, progress=lambda *step: done.append(step))
    one_by_one = [images.render_figure(fig, "svg", width=700, scale=1) for fig in figures]
    assert [_canonical_svg(svg) for svg in batch] == [_canonical_svg(svg) for svg in one_by_one]
    assert done == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert images.figures_drawn() - drawn == 8
    [png] = images.render_figures([figure(300)], "png", width=500, scale=2)
    assert png_size(png) == (1000, 600)
    assert len(_BROWSER.kaleido().tabs) == tabs_before, "the batch's tabs were closed"


@needs_browser
def test_a_figure_the_drawing_page_refuses_names_the_problem_and_the_batch_goes_on():
    """kaleido's page answers a spec it cannot draw with a code and a message: the batch raises it as
    ImageExportError (one line, no traceback) and the next figure in the same tabs is drawn."""
    from kpi.exports.images import batch
    from kpi.exports.images.browser import _BROWSER

    async def draw_two(browser):
        tabs = await batch.open_tabs(browser, 1)
        try:
            with pytest.raises(images.ImageExportError, match=r"could not be drawn: .*format"):
                await batch.draw(tabs, batch.spec_json(figure().to_dict(), "bmp", 500, None, 1))
            return await batch.draw(tabs, batch.spec_json(figure().to_dict(), "svg", 500, None, 1))
        finally:
            await batch.close_tabs(tabs)

    svg = _BROWSER.run(draw_two, 60)
    assert svg.startswith(b"<svg") and b'height="380"' in svg[:400], "the figure's own height, 380 px"


@needs_browser
def test_the_browser_runs_few_chromium_processes():
    """No zygote, the GPU service in the browser process, at most two renderers: five processes (a pack
    ran 12 to 14, 1.4 to 2.1 GB)."""
    import os
    from pathlib import Path

    images.render_figures([figure(), figure(300)], "svg", width=500)

    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = [], [os.getpid()]
    while frontier:
        kids = [pid for pid, parent in parents.items() if parent == frontier[-1]]
        frontier.pop()
        tree += kids
        frontier += kids
    names = []
    for pid in tree:
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            continue
    assert 1 <= sum(name.startswith("chrom") for name in names) <= 5, names


@needs_browser
def test_a_browser_that_stops_answering_is_ended_and_the_next_image_starts_a_new_one():
    """Under heavy load a call once waited past its timeout and every later one failed the same way: a
    timed-out call now ends that browser, so 'try again' works."""
    import asyncio

    from kpi.exports.images.browser import _BROWSER

    images.start_browser()
    starts = images.browser_starts()
    with pytest.raises(images.ImageExportError, match="took longer than 1 s; try again"):
        _BROWSER.run(lambda _k: asyncio.sleep(30), 1.0)
    assert not images.browser_open(), "the browser that did not answer was ended"
    assert png_size(images.chart_image(figure(), "png", caption=CAPTION, width=500, scale=1))[0] == 500
    assert images.browser_starts() == starts + 1
