"""A board pack's chart pictures, drawn once and shared by the PDF and the PowerPoint deck.

Each chart is drawn by plotly.js once, as SVG, PICTURE_WIDTH CSS pixels wide
(kpi.exports.images.Drawing, all of them in one pass across the warm browser's tabs, started by `start`
as soon as collect has built the figures, so that Chromium draws while the grid is read); the PDF
embeds that SVG and the deck the same picture as a PNG at PNG_SCALE (kpi.exports.images.rasterize: the
SVG on a canvas, as plotly.js itself makes a PNG, with no second drawing). The result is kept on the
Pack, so a caller that makes both formats of one pack (kpi.exports.send, for recipients who want
different formats) draws each chart once.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
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


def start(pack: Pack) -> None:
    """Start drawing the pack's charts (collect's `figures_ready`): Chromium draws them in its own
    process while ours reads the rest; pack_pictures collects them. Without a browser nothing starts
    (pack_pictures says why)."""
    if images.images_available()[0] and pack.drawing is None:
        figures = [pack.figures[key] for key in pack.figures]
        pack.drawing = (list(pack.figures), images.Drawing(figures, "svg", width=PICTURE_WIDTH, scale=1))


def stop(pack: Pack) -> None:
    """Let a drawing started for the pack go, if nobody collected it (the build failed)."""
    if pack.drawing is not None:
        pack.drawing[1].cancel()
        pack.drawing = None


@contextlib.contextmanager
def drawn_early(fmt: str) -> Iterator[Callable[[Pack], None] | None]:
    """Around collecting a pack that will be made as `fmt`: gives collect's `figures_ready` (None for
    HTML, which draws nothing on the server), starts the browser meanwhile, and lets go of a drawing
    nobody collected (the build failed)."""
    if fmt == "html":
        yield None
        return
    images.warm_up()  # Chromium starts in its own process while ours reads the figures
    started: list[Pack] = []

    def draw_now(pack: Pack) -> None:
        started.append(pack)
        start(pack)

    try:
        yield draw_now
    finally:
        for pack in started:
            stop(pack)


def pack_pictures(pack: Pack, progress: Callable[[int, int], None] | None = None) -> dict[str, Picture]:
    """Every chart of the pack (by key) drawn once, in one browser session (or the drawing `start`
    began); the same dict again for the pack's other formats. Raises ImageExportUnavailable without a
    browser, ImageExportError when it fails."""
    if pack.pictures.keys() == pack.figures.keys():
        if progress and pack.figures:
            progress(len(pack.figures), len(pack.figures))
        return pack.pictures
    ok, reason = images.images_available()
    if not ok:
        raise images.ImageExportUnavailable(reason)
    with images.browser_kept():
        images.start_browser()
        if pack.drawing is not None and pack.drawing[0] != list(pack.figures):
            stop(pack)  # figures added since it started: draw them all again
        if pack.drawing is None:
            start(pack)
        keys, drawing = pack.drawing
        pack.drawing = None
        svgs = drawing.wait(progress)
        sizes = [_size(svg) for svg in svgs]
        scaled = [(w * PNG_SCALE, h * PNG_SCALE) for w, h in sizes]
        uris = [images.svg_uri(svg) for svg in svgs]
        pngs = images.rasterize([(uri, *size) for uri, size in zip(uris, scaled, strict=True)])
    pack.pictures = {
        key: Picture(svg, png, w, h) for key, svg, png, (w, h) in zip(keys, svgs, pngs, sizes, strict=True)
    }
    return pack.pictures


__all__ = ["PICTURE_WIDTH", "PNG_SCALE", "Picture", "drawn_early", "pack_pictures", "start", "stop"]
