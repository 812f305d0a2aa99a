"""Many figures drawn in a few tabs that load plotly.js once.

kaleido draws a figure in one of its tabs and then reloads that tab, so each figure pays for parsing
plotly.js (4.6 MB) again: most of the time a board pack's 27 charts took. Here a few tabs open kaleido's
own page (plotly.js and kaleido's drawing script, the same files kaleido uses, no network) once, and
each figure is drawn in whichever tab is free by the same function kaleido calls
(`kaleido_scopes.plotly`), so the pictures are the ones kaleido would make. The tabs are closed when the
batch ends.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import plotly.io as pio

from kpi.exports.images.browser import ImageExportError, logger

DEFAULT_HEIGHT = 500  # kaleido's, for a figure with no height
PAGE_LOADED = "document.readyState === 'complete' && typeof kaleido_scopes === 'object'"
READY_CHECKS = 600  # times 20 ms: how long a tab may take to load the page
_page_lock = threading.Lock()
_page: Path | None = None


def page_uri() -> str:
    """kaleido's drawing page (plotly.js from the plotly package, MathJax off), written once per process
    to a private temporary folder removed at exit."""
    global _page
    with _page_lock:
        if _page is None or not _page.is_file():
            import kaleido

            folder = Path(tempfile.mkdtemp(prefix="kpi-draw-"))
            atexit.register(shutil.rmtree, folder, True)
            page = folder / "index.html"
            page.write_text(kaleido.PageGenerator(mathjax=False).generate_index(), encoding="utf-8")
            _page = page
        return _page.as_uri()


def spec_json(figure: dict[str, Any], fmt: str, width: int, height: int | None, scale: float) -> str:
    """What kaleido sends for one figure (kaleido._utils.fig_tools.coerce_for_js), as JSON: without a
    height, the figure's, else its template's, else kaleido's default."""
    layout = figure.get("layout", {})
    height = (
        height
        or layout.get("height")
        or layout.get("template", {}).get("layout", {}).get("height")
        or DEFAULT_HEIGHT
    )
    spec = {"format": fmt, "width": width, "height": height, "scale": scale, "data": figure}
    return pio.json.to_json_plotly(spec)


async def evaluate(tab, expression: str, failure: str = "A chart could not be drawn") -> Any:
    """The value of a JavaScript expression in a tab (awaited if a promise); ImageExportError saying
    `failure` and the browser's reason when it throws."""
    response = await tab.send_command(
        "Runtime.evaluate",
        params={"expression": expression, "awaitPromise": True, "returnByValue": True},
    )
    result = response.get("result", {})
    if "error" in response or "exceptionDetails" in result:
        detail = response.get("error") or result["exceptionDetails"].get("exception", {})
        raise ImageExportError(f"{failure}: {detail.get('description', detail)}")
    return result.get("result", {}).get("value")


class Tabs:
    """Tabs on the drawing page: all of them (to close) and a queue of those free to draw."""

    def __init__(self, tabs: list[Any]) -> None:
        self.all = tabs
        self.free: asyncio.Queue = asyncio.Queue()


async def open_tabs(browser, count: int) -> Tabs:
    """`count` tabs on the drawing page, loaded and free."""
    uri = page_uri()
    tabs = Tabs(list(await asyncio.gather(*(browser.create_tab(uri) for _ in range(count)))))
    for tab in tabs.all:
        for _ in range(READY_CHECKS):
            if await evaluate(tab, PAGE_LOADED):
                break
            await asyncio.sleep(0.02)
        else:
            raise ImageExportError("The drawing page did not load in the browser.")
        tabs.free.put_nowait(tab)
    return tabs


async def close_tabs(tabs: Tabs) -> None:
    for tab in tabs.all:
        try:
            await tab.close()
        except Exception:
            logger.debug("closing a drawing tab failed", exc_info=True)


async def draw(tabs: Tabs, spec: str) -> bytes:
    """One figure (`spec_json`) drawn in the next free tab: SVG text or PNG bytes."""
    tab = await tabs.free.get()
    try:
        text = await evaluate(tab, f"kaleido_scopes.plotly({spec}).then(JSON.stringify)")
    finally:
        tabs.free.put_nowait(tab)
    answer = json.loads(text or "null") or {}
    if answer.get("code") != 0:
        raise ImageExportError(f"A chart could not be drawn: {answer.get('message') or 'no answer'}")
    if answer.get("format") == "svg":
        return str(answer["result"]).encode()
    return base64.b64decode(answer["result"])


__all__ = ["Tabs", "close_tabs", "draw", "evaluate", "open_tabs", "page_uri", "spec_json"]
