"""Server-side chart images: PNG and SVG through the warm Chromium, with the caption inside the image,
and a one-line reason (never a traceback) when there is no browser."""

from __future__ import annotations

import struct
import threading
import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pytest

from kpi import images
from kpi.images import ImageCaption, ImageExportUnavailable

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
