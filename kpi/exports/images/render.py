"""Chart images: a Plotly figure as PNG or SVG, drawn by kaleido in the warm browser."""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from kpi.exports.images import batch
from kpi.exports.images.browser import (
    _BROWSER,
    RENDER_TIMEOUT,
    TABS,
    ImageExportError,
    _one_line,
    logger,
)
from kpi.exports.images.captions import ImageCaption, _with_caption
from kpi.words.text import xml_safe

ImageFormat = Literal["png", "svg"]
FORMATS: tuple[str, ...] = ("png", "svg")


def _opts(fmt: str, width: int, height: int | None, scale: float) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown image format {fmt!r}: use png or svg.")
    opts: dict[str, Any] = {"format": fmt, "width": width, "scale": scale}
    if height:
        opts["height"] = height
    return opts


def _xml_safe(value: Any) -> Any:
    """Every string in a figure's JSON through `xml_safe`: a control character in a title, an annotation
    or a hover text (text stored before control characters were removed at write) stops plotly.js
    drawing the image, and would make an SVG no XML reader opens."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return [_xml_safe(item) for item in value.tolist()]
    return value


def _labels_inside(figure: go.Figure) -> go.Figure:
    """A copy of the figure, its text XML-safe (`_xml_safe`), whose axes grow the margins to fit their
    tick labels and titles (automargin), unless an axis says otherwise. The figures come with margins of a
    few pixels and rely on automargin; left to the default template, that holds only while Plotly's own
    template is the default, and in the app Streamlit makes its template (without automargin) the
    default, so the y tick labels were cut at the left edge and the axis title drawn over them."""
    fig = go.Figure(_xml_safe(figure.to_plotly_json()))

    def fit(axis) -> None:
        if axis.automargin is None:
            axis.automargin = True

    fig.for_each_xaxis(fit)
    fig.for_each_yaxis(fit)
    return fig


def render_figure(
    figure: go.Figure, fmt: ImageFormat, *, width: int = 1100, height: int | None = None, scale: float = 2
) -> bytes:
    """The figure as PNG or SVG bytes, as it is (no caption), with its axis labels inside the image."""
    opts = _opts(fmt, width, height or figure.layout.height, scale)
    fig = _labels_inside(figure)
    _BROWSER.drawn += 1
    return _BROWSER.run(lambda k: k.calc_fig(fig, opts), RENDER_TIMEOUT + 10)


def render_figures(
    figures: Sequence[go.Figure],
    fmt: ImageFormat,
    *,
    width: int = 1100,
    scale: float = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """Many figures at once (they overlap across the browser's tabs), in order. `progress(done, total)`
    is called in the caller's thread as each one finishes."""
    return Drawing(figures, fmt, width=width, scale=scale).wait(progress)


class Drawing:
    """Figures being drawn in the warm browser while the caller does other work: started when made
    (Chromium draws in its own process), the pictures in order from `wait`. The browser is kept until
    `wait` or `cancel`, one of which must follow."""

    def __init__(self, figures: Sequence[go.Figure], fmt: ImageFormat, *, width: int, scale: float):
        specs = []
        for figure in figures:
            fig = _labels_inside(figure)
            opts = _opts(fmt, width, fig.layout.height, scale)
            specs.append(batch.spec_json(fig.to_dict(), fmt, width, opts.get("height"), scale))
        self._in_use: contextlib.AbstractContextManager[None] | None = _BROWSER.in_use()
        self._in_use.__enter__()
        self._tabs: batch.Tabs | None = None
        self._futures: list[concurrent.futures.Future] = []
        try:
            if specs:
                self._tabs = _BROWSER.run(lambda k: batch.open_tabs(k, min(TABS, len(specs))), RENDER_TIMEOUT)
                _BROWSER.drawn += len(specs)
                self._futures = _BROWSER.submit_many([batch.draw(self._tabs, spec) for spec in specs])
        except BaseException:
            self.cancel()
            raise

    def wait(self, progress: Callable[[int, int], None] | None = None) -> list[bytes]:
        futures = self._futures
        index = {future: i for i, future in enumerate(futures)}
        results: list[bytes | None] = [None] * len(futures)
        try:
            for done, future in enumerate(
                concurrent.futures.as_completed(futures, timeout=RENDER_TIMEOUT + 10 * len(futures)), 1
            ):
                results[index[future]] = future.result()
                if progress:
                    progress(done, len(futures))
        except concurrent.futures.TimeoutError:
            raise ImageExportError("Chromium took too long to draw the charts; try again.") from None
        except ImageExportError:
            raise
        except Exception as exc:
            raise ImageExportError(f"A chart could not be drawn: {_one_line(exc)}") from None
        finally:
            self.cancel()
        return [r for r in results if r is not None]

    def cancel(self) -> None:
        """Stop what is not drawn yet, close the tabs and let the browser go (once; after `wait` too)."""
        if self._in_use is None:
            return
        for future in self._futures:
            future.cancel()
        tabs, self._tabs = self._tabs, None
        try:
            if tabs is not None:
                _BROWSER.run(lambda _k: batch.close_tabs(tabs), 30)
        finally:
            in_use, self._in_use = self._in_use, None
            in_use.__exit__(None, None, None)


_RASTER_JS = """
(source, width, height) => new Promise((resolve, reject) => {
  const img = new Image();
  img.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(img, 0, 0, width, height);
    resolve(canvas.toDataURL("image/png").slice("data:image/png;base64,".length));
  };
  img.onerror = () => reject(new Error("the picture could not be drawn"));
  img.src = source;
})
"""


async def _rasterize(browser, sources: Sequence[tuple[str, int, int]]) -> list[bytes]:
    tab = await browser.create_tab("about:blank")
    out = []
    try:
        for source, width, height in sources:
            expression = f"({_RASTER_JS})({json.dumps(source)}, {int(width)}, {int(height)})"
            value = await batch.evaluate(tab, expression, "A picture could not be drawn")
            out.append(base64.b64decode(value))
    finally:
        try:
            await tab.close()
        except Exception:
            logger.debug("closing the raster tab failed", exc_info=True)
    return out


def svg_uri(svg: bytes) -> str:
    """An SVG as a data URI (for an <img> or for `rasterize`)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def rasterize(sources: Sequence[tuple[str, int, int]]) -> list[bytes]:
    """Pictures already drawn (SVG data URIs: a chart's SVG from render_figures, an icon) as PNG bytes,
    each (uri, width, height) at width x height pixels, in one tab of the warm browser. plotly.js
    draws nothing here: this is what plotly.js itself does to make a PNG from its SVG (an image on a
    canvas), so a chart drawn once as SVG gives the PDF its SVG and the deck the same picture as PNG."""
    if not sources:
        return []
    timeout = RENDER_TIMEOUT + 5 * len(sources)
    return _BROWSER.run(lambda k: _rasterize(k, sources), timeout)


def chart_image(
    figure: go.Figure,
    fmt: ImageFormat,
    *,
    caption: ImageCaption,
    width: int = 1100,
    height: int | None = None,
    scale: float = 2,
) -> bytes:
    """The figure as PNG or SVG with its caption drawn inside the image. PNG pixels are width x height
    (the figure's height plus the caption) times `scale`. Raises ImageExportUnavailable when there is no
    browser, ImageExportError when one could not make the image."""
    captioned = _with_caption(figure, caption, width, height)
    return render_figure(captioned, fmt, width=width, height=captioned.layout.height, scale=scale)


def captioned_height(
    figure: go.Figure, caption: ImageCaption, width: int = 1100, height: int | None = None
) -> int:
    """The height in CSS pixels of chart_image's output for these arguments (before `scale`)."""
    return int(_with_caption(figure, caption, width, height).layout.height)
