"""Server-side chart images and PDF printing, through one headless Chromium shared by the process and
closed when idle.

- :mod:`kpi.exports.images.captions`: the caption drawn inside an image (title, scope and filters, period,
  source, data as at, and "SYNTHETIC DEMO DATA" where it applies), so a chart pasted into a paper still
  says what it shows;
- :mod:`kpi.exports.images.browser`: finding Chromium (:func:`images_available` says whether one is there,
with a
  one-line reason when not) and running it on its own event loop thread, closed after IDLE_SECONDS
  unused (:func:`browser_kept` holds it across the renders of a board pack);
- :mod:`kpi.exports.images.render`: :func:`chart_image` (PNG or SVG with its caption) and
  :func:`render_figures` (many figures at once, for the board pack, in tabs that load plotly.js once:
  :mod:`kpi.exports.images.batch`); :func:`rasterize` turns pictures already drawn (SVG) into PNG
  without drawing them again;
- :mod:`kpi.exports.images.pdf`: :func:`print_pdf` prints an HTML document with Chromium's own print engine.

Nothing here fetches anything from the network: MathJax (a CDN script) is switched off and plotly.js is
the copy inside the plotly package.
"""

from __future__ import annotations

from kpi.exports.images.browser import (
    UNAVAILABLE_REASON,
    ImageExportError,
    ImageExportUnavailable,
    browser_kept,
    browser_open,
    browser_path,
    browser_starts,
    figures_drawn,
    images_available,
    shutdown_browser,
    start_browser,
    warm_up,
)
from kpi.exports.images.captions import SYNTHETIC_CAPTION, ImageCaption
from kpi.exports.images.pdf import print_pdf
from kpi.exports.images.render import (
    FORMATS,
    Drawing,
    ImageFormat,
    captioned_height,
    chart_image,
    rasterize,
    render_figure,
    render_figures,
    svg_uri,
)

__all__ = [
    "FORMATS",
    "SYNTHETIC_CAPTION",
    "UNAVAILABLE_REASON",
    "Drawing",
    "ImageCaption",
    "ImageExportError",
    "ImageExportUnavailable",
    "ImageFormat",
    "browser_kept",
    "browser_open",
    "browser_path",
    "browser_starts",
    "captioned_height",
    "chart_image",
    "figures_drawn",
    "images_available",
    "print_pdf",
    "rasterize",
    "render_figure",
    "render_figures",
    "shutdown_browser",
    "start_browser",
    "svg_uri",
    "warm_up",
]
