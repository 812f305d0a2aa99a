"""One headless Chromium (kaleido's), kept warm for the life of the process and shared by every caller.

The browser is Debian's Chromium (``/usr/bin/chromium``), or the ``KPI_CHROMIUM`` environment variable,
or ``BROWSER_PATH`` (kaleido's own setting). It is started on first use and kept for the life of the
process: one event loop on a daemon thread owns it, and callers from any thread (Streamlit runs each
session in its own) submit work to that loop, so access is serialised where it must be and renders still
overlap across kaleido's tabs. If the browser dies it is started again on the next call; it is closed
at exit. No exception about a missing browser reaches a caller as anything but
:class:`ImageExportUnavailable`, whose message is one line a user can act on.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger("kpi.images")

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ENV_CHROMIUM = "KPI_CHROMIUM"
ENV_KALEIDO = "BROWSER_PATH"
UNAVAILABLE_REASON = (
    "Image export needs Chromium on the server (apt-get install chromium); "
    "use the camera icon on the chart instead."
)
RENDER_TIMEOUT = 90.0  # seconds for one image
START_TIMEOUT = 60.0  # seconds to start the browser
TABS = 2  # kaleido tabs: two renders overlap (one per core on the reference server)


class ImageExportUnavailable(RuntimeError):
    """No usable browser on the server; the message is one line saying what to do."""


class ImageExportError(RuntimeError):
    """A browser was there but an image or PDF could not be made (one-line message)."""


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
    return path is not None and Path(path).is_file() and os.access(path, os.X_OK)


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
        if path is None or not _usable(path):
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
