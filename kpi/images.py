"""Server-side chart images and PDF printing, through one headless Chromium kept warm for the process.

- :func:`chart_image` renders a Plotly figure as PNG or SVG with kaleido, with a caption drawn inside the
  image (title, scope and filters, period, source, data as at, and "SYNTHETIC DEMO DATA" where it applies),
  so a chart pasted into a paper still says what it shows;
- :func:`render_figures` renders many figures at once (the board pack) and :func:`print_pdf` prints an
  HTML document to PDF with Chromium's own print engine (Page.printToPDF), in the same browser;
- :func:`images_available` says whether a browser is there, with a one-line reason when not.

The browser is Debian's Chromium (``/usr/bin/chromium``), or the ``KPI_CHROMIUM`` environment variable,
or ``BROWSER_PATH`` (kaleido's own setting). It is started on first use and kept for the life of the
process: one event loop on a daemon thread owns it, and callers from any thread (Streamlit runs each
session in its own) submit work to that loop, so access is serialised where it must be and renders still
overlap across kaleido's tabs. If the browser dies it is started again on the next call; it is closed
at exit. Nothing here fetches anything from the network: MathJax (a CDN script) is switched off and
plotly.js is the copy inside the plotly package.

No exception about a missing browser reaches a caller as anything but :class:`ImageExportUnavailable`,
whose message is one line a user can act on.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import concurrent.futures
import logging
import math
import os
import shutil
import tempfile
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go

logger = logging.getLogger("kpi.images")

ImageFormat = Literal["png", "svg"]
FORMATS: tuple[str, ...] = ("png", "svg")
DEFAULT_CHROMIUM = "/usr/bin/chromium"
ENV_CHROMIUM = "KPI_CHROMIUM"
ENV_KALEIDO = "BROWSER_PATH"
UNAVAILABLE_REASON = (
    "Image export needs Chromium on the server (apt-get install chromium); "
    "use the camera icon on the chart instead."
)
SYNTHETIC_CAPTION = "SYNTHETIC DEMO DATA – generated for demonstration, not real trust figures"
RENDER_TIMEOUT = 90.0  # seconds for one image
PRINT_TIMEOUT = 120.0  # seconds for one PDF
START_TIMEOUT = 60.0  # seconds to start the browser
TABS = 2  # kaleido tabs: two renders overlap (one per core on the reference server)

_CAPTION_FONT = "Arial, Helvetica, sans-serif"
_CAPTION_INK = "#212B32"
_CAPTION_MUTED = "#425563"
_SYNTHETIC_INK = "#8A1538"  # NHS dark red, with a border and capitals: never colour alone


class ImageExportUnavailable(RuntimeError):
    """No usable browser on the server; the message is one line saying what to do."""


class ImageExportError(RuntimeError):
    """A browser was there but an image or PDF could not be made (one-line message)."""


# --- the caption --------------------------------------------------------------------------------------


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

    def lines(self) -> list[str]:
        """The caption as plain text lines: title; scope and filters; period, source and data as at;
        and the synthetic-data notice last when it applies."""
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


# --- the browser --------------------------------------------------------------------------------------


def browser_path() -> str | None:
    """The Chromium to use: KPI_CHROMIUM, else BROWSER_PATH, else Debian's /usr/bin/chromium, else the
    first chromium or chrome on the PATH. An explicit setting is used as given, even if missing."""
    for variable in (ENV_CHROMIUM, ENV_KALEIDO):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    if Path(DEFAULT_CHROMIUM).is_file():
        return DEFAULT_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _usable(path: str | None) -> bool:
    return bool(path) and Path(path).is_file() and os.access(path, os.X_OK)


def images_available() -> tuple[bool, str]:
    """(True, "") when a browser is there to make images and PDFs; else (False, one-line reason)."""
    if _usable(browser_path()):
        return True, ""
    return False, UNAVAILABLE_REASON


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__


class _WarmBrowser:
    """One kaleido (a choreographer Chromium) on its own event loop thread, shared by every caller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._path: str | None = None
        self.starts = 0  # how many times a browser was started (the benchmark reports it)

    # the loop ----------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or not self._thread or not self._thread.is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="kpi-chromium", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def _submit(self, coroutine, timeout: float):
        loop = self._ensure_loop()
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    # the browser -------------------------------------------------------------

    def _alive(self) -> bool:
        process = getattr(self._kaleido, "subprocess", None)
        return self._kaleido is not None and process is not None and process.poll() is None

    def kaleido(self):
        """The running kaleido, started (or restarted, after a crash or a change of browser) as needed."""
        path = browser_path()
        if not _usable(path):
            raise ImageExportUnavailable(UNAVAILABLE_REASON)
        with self._lock:
            if self._alive() and self._path == path:
                return self._kaleido
            self._close_locked()
            try:
                self._kaleido = self._submit(self._open(path), START_TIMEOUT)
            except Exception as exc:
                self._kaleido = None
                logger.warning("Chromium at %s could not be started", path, exc_info=True)
                raise ImageExportUnavailable(
                    f"Image export needs a working Chromium on the server; {path} could not be started "
                    f"({_one_line(exc)}). Use the camera icon on the chart instead."
                ) from None
            self._path = path
            self.starts += 1
            return self._kaleido

    @staticmethod
    async def _open(path: str):
        import kaleido

        browser = kaleido.Kaleido(n=TABS, timeout=RENDER_TIMEOUT, mathjax=False, path=path)
        await browser.open()
        return browser

    def _close_locked(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is None or self._loop is None:
            return
        try:
            self._submit(browser.close(), 15)
        except Exception:  # a dead browser may not close cleanly; it is gone either way
            logger.debug("closing Chromium failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def run(self, make_coroutine: Callable[[Any], Any], timeout: float):
        """Run make_coroutine(kaleido) on the browser's loop and return its result. A browser that died
        during the call is restarted on the next one."""
        browser = self.kaleido()
        try:
            return self._submit(make_coroutine(browser), timeout)
        except concurrent.futures.TimeoutError:
            raise ImageExportError(f"Chromium took longer than {timeout:.0f} s; try again.") from None
        except (ImageExportUnavailable, ImageExportError):
            raise
        except Exception as exc:
            if not self._alive():
                raise ImageExportError(
                    f"Chromium stopped while working ({_one_line(exc)}); try again."
                ) from None
            raise ImageExportError(f"The image could not be made: {_one_line(exc)}") from None

    def submit_many(self, coroutines: Sequence[Any]) -> list[concurrent.futures.Future]:
        loop = self._ensure_loop()
        return [asyncio.run_coroutine_threadsafe(c, loop) for c in coroutines]


_BROWSER = _WarmBrowser()
atexit.register(_BROWSER.close)


def start_browser() -> None:
    """Start the shared browser now (e.g. before timing), instead of on first use."""
    _BROWSER.kaleido()


def warm_up() -> None:
    """Start the shared browser in the background, without waiting (a page that will need it calls this
    when it opens, so the first PDF does not wait for Chromium to start). Failures are logged only: the
    real call reports them."""
    if _BROWSER._alive() or not images_available()[0]:
        return

    def start() -> None:
        try:
            _BROWSER.kaleido()
        except Exception:
            logger.info("Chromium could not be started in the background", exc_info=True)

    threading.Thread(target=start, name="kpi-chromium-warm-up", daemon=True).start()


def shutdown_browser() -> None:
    """Close the shared browser; the next image starts it again (the benchmark's cold runs use this)."""
    _BROWSER.close()


def browser_starts() -> int:
    return _BROWSER.starts


# --- rendering ---------------------------------------------------------------------------------------


def _opts(fmt: str, width: int, height: int | None, scale: float) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown image format {fmt!r}: use png or svg.")
    opts: dict[str, Any] = {"format": fmt, "width": width, "scale": scale}
    if height:
        opts["height"] = height
    return opts


def _labels_inside(figure: go.Figure) -> go.Figure:
    """A copy of the figure whose axes grow the margins to fit their tick labels and titles (automargin),
    unless an axis says otherwise. The figures come with margins of a few pixels and rely on automargin;
    left to the default template, that holds only while Plotly's own template is the default, and in the
    app Streamlit makes its template (without automargin) the default, so the y tick labels were cut at
    the left edge and the axis title drawn over them."""
    fig = go.Figure(figure)

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
    browser = _BROWSER.kaleido()
    specs = [(_labels_inside(fig), _opts(fmt, width, fig.layout.height, scale)) for fig in figures]
    futures = _BROWSER.submit_many([browser.calc_fig(fig, opts) for fig, opts in specs])
    index = {future: i for i, future in enumerate(futures)}
    results: list[bytes | None] = [None] * len(futures)
    try:
        for done, future in enumerate(
            concurrent.futures.as_completed(futures, timeout=RENDER_TIMEOUT * max(1, len(futures))), 1
        ):
            results[index[future]] = future.result()
            if progress:
                progress(done, len(futures))
    except concurrent.futures.TimeoutError:
        raise ImageExportError("Chromium took too long to draw the charts; try again.") from None
    except Exception as exc:
        raise ImageExportError(f"A chart could not be drawn: {_one_line(exc)}") from None
    finally:
        for future in futures:
            future.cancel()
    return [r for r in results if r is not None]


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


# --- PDF ------------------------------------------------------------------------------------------------

_READY_JS = """
() => new Promise((resolve) => {
  const done = () => Promise.all([
      document.fonts ? document.fonts.ready : null,
      ...Array.from(document.images).map((img) => img.decode ? img.decode().catch(() => null) : null),
    ]).then(() => resolve(location.href));
  if (document.readyState === "complete") { done(); } else { window.addEventListener("load", done); }
})
"""


async def _print(browser, url: str, options: dict[str, Any]) -> bytes:
    tab = await browser.create_tab("about:blank")
    try:
        _check(await tab.send_command("Page.enable"))
        _check(await tab.send_command("Page.navigate", params={"url": url}))
        for _ in range(600):  # wait for the document (not about:blank) and its images and fonts
            response = await tab.send_command(
                "Runtime.evaluate",
                params={"expression": f"({_READY_JS})()", "awaitPromise": True, "returnByValue": True},
            )
            value = response.get("result", {}).get("result", {}).get("value")
            if value == url:
                break
            await asyncio.sleep(0.05)
        else:
            raise ImageExportError("The document did not finish loading in the browser.")
        response = await tab.send_command("Page.printToPDF", params=options)
        _check(response)
        return base64.b64decode(response["result"]["data"])
    finally:
        try:
            await tab.close()
        except Exception:
            logger.debug("closing the print tab failed", exc_info=True)


def _check(response: dict) -> None:
    if "error" in response:
        raise ImageExportError(f"Chromium refused: {response['error'].get('message', response['error'])}")


def print_pdf(
    html: str,
    *,
    header_template: str = "<div></div>",
    footer_template: str = "<div></div>",
    timeout: float = PRINT_TIMEOUT,
) -> bytes:
    """Print an HTML document to PDF with Chromium (the page size and margins come from the document's
    @page rule). The document is written to a private temporary file for the browser to open; it must
    not need the network. Header and footer templates may use Chromium's pageNumber and totalPages."""
    options = {
        "printBackground": True,
        "preferCSSPageSize": True,
        "displayHeaderFooter": True,
        "headerTemplate": header_template,
        "footerTemplate": footer_template,
        "generateDocumentOutline": True,
        "generateTaggedPDF": True,
    }
    with tempfile.TemporaryDirectory(prefix="kpi-pack-") as folder:
        path = Path(folder) / "pack.html"
        path.write_text(html, encoding="utf-8")
        url = path.as_uri()
        return _BROWSER.run(lambda k: _print(k, url, options), timeout)


__all__ = [
    "FORMATS",
    "SYNTHETIC_CAPTION",
    "UNAVAILABLE_REASON",
    "ImageCaption",
    "ImageExportError",
    "ImageExportUnavailable",
    "browser_path",
    "captioned_height",
    "chart_image",
    "images_available",
    "print_pdf",
    "render_figure",
    "render_figures",
    "shutdown_browser",
    "start_browser",
    "warm_up",
]
