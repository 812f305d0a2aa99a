"""A board pack's chart pictures, drawn once and shared by the PDF and the PowerPoint deck.

Each chart is drawn by plotly.js once, as SVG, PICTURE_WIDTH CSS pixels wide
(kpi.exports.images.render_figures, all of them in one pass across the warm browser's tabs); the PDF
embeds that SVG and the deck the same picture as a PNG at PNG_SCALE (kpi.exports.images.rasterize: the
SVG on a canvas, as plotly.js itself makes a PNG, with no second drawing). The result is kept on the
Pack, so a caller that makes both formats of one pack (kpi.exports.send, for recipients who want
different formats) draws each chart once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kpi.exports import images
from kpi.exports.board_pack.collect import Pack

PICTURE_WIDTH = 900  # CSS pixels every chart is drawn at; the PDF page shows it about 0.75x
PNG_SCALE = 2  # the deck's PNG is twice the CSS size (1800 px wide): sharp on a projector


@dataclass(frozen=True)
class Picture:
    """One chart, drawn once: its SVG (the PDF's) and the same picture as PNG (the deck's)."""

    svg: bytes
    png: bytes
    width: int  # CSS pixels
    height: int


def _size(svg: bytes) -> tuple[int, int]:
    """An SVG's width and height in CSS pixels, from its root element (plotly.js writes both)."""
    root = re.search(rb"<svg[^>]*>", svg)
    found = {k: v for k, v in re.findall(rb'\s(width|height)="([0-9.]+)', root.group(0) if root else b"")}
    try:
        return round(float(found[b"width"])), round(float(found[b"height"]))
    except KeyError:
        raise images.ImageExportError("A chart came back without its size.") from None


def pack_pictures(pack: Pack, progress: Callable[[int, int], None] | None = None) -> dict[str, Picture]:
    """Every chart of the pack (by key) drawn once, in one browser session; the same dict again for
    the pack's other formats. Raises ImageExportUnavailable without a browser, ImageExportError when
    it fails."""
    if pack.pictures.keys() == pack.figures.keys():
        if progress and pack.figures:
            progress(len(pack.figures), len(pack.figures))
        return pack.pictures
    ok, reason = images.images_available()
    if not ok:
        raise images.ImageExportUnavailable(reason)
    keys = list(pack.figures)
    with images.browser_kept():
        images.start_browser()
        svgs = images.render_figures(
            [pack.figures[k] for k in keys], "svg", width=PICTURE_WIDTH, scale=1, progress=progress
        )
        sizes = [_size(svg) for svg in svgs]
        scaled = [(w * PNG_SCALE, h * PNG_SCALE) for w, h in sizes]
        uris = [images.svg_uri(svg) for svg in svgs]
        pngs = images.rasterize([(uri, *size) for uri, size in zip(uris, scaled, strict=True)])
    pack.pictures = {
        key: Picture(svg, png, w, h) for key, svg, png, (w, h) in zip(keys, svgs, pngs, sizes, strict=True)
    }
    return pack.pictures


__all__ = ["PICTURE_WIDTH", "PNG_SCALE", "Picture", "pack_pictures"]
