"""Print an HTML document to PDF with Chromium's own print engine (Page.printToPDF), in the warm browser."""

from __future__ import annotations

import asyncio
import base64
import tempfile
from pathlib import Path
from typing import Any

from kpi.exports.images.browser import _BROWSER, ImageExportError, logger

PRINT_TIMEOUT = 120.0  # seconds for one PDF

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
