"""One headless Chromium (kaleido's), shared by every caller in the process and closed when idle.

The browser is Debian's Chromium (``/usr/bin/chromium``), or the ``KPI_CHROMIUM`` environment variable,
or ``BROWSER_PATH`` (kaleido's own setting). It is started on first use: one event loop on a daemon
thread owns it, and callers from any thread (Streamlit runs each session in its own) submit work to that
loop, so access is serialised where it must be and renders still overlap across tabs. Chromium runs
with as few processes as it allows (LEAN_FLAGS). It is
closed once nobody has used it for IDLE_SECONDS (Chromium's processes took a server process from 212 to
614 MB for good after one PNG download, issue 25) and started again by the next call, which then waits
a second or two for it; a board pack keeps it for all its images and its PDF. If the browser dies it is
started again on the next call; it is closed at exit. No exception about a missing browser reaches a
caller as anything but :class:`ImageExportUnavailable`, whose message is one line a user can act on.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger("kpi.exports.images")

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ENV_CHROMIUM = "KPI_CHROMIUM"
ENV_KALEIDO = "BROWSER_PATH"
UNAVAILABLE_REASON = (
    "Image export needs Chromium on the server (apt-get install chromium); "
    "use the camera icon on the chart instead."
)
RENDER_TIMEOUT = 90.0  # seconds for one image
START_TIMEOUT = 60.0  # seconds to start the browser
TABS = 2  # a batch's drawing tabs (kpi.exports.images.batch): two overlap, one per core
KALEIDO_TABS = 1  # kaleido's own, for one image at a time (a download); each holds plotly.js
IDLE_SECONDS = 120.0  # the browser is closed after this long unused
# Fewer processes: no zygote, the GPU service inside the browser process, and at most two renderers (a
# batch draws in two tabs). A pack ran 12 to 14 Chromium processes summing 1.4 to 2.1 GB resident; with
# these, 5 (browser, network and storage services, two renderers), drawing its 27 charts faster. One
# process (--single-process) was smaller still (450 MB) but under heavy load its PDF printing stopped
# answering now and then, so it is not used.
LEAN_FLAGS = (
    "--no-zygote",
    "--in-process-gpu",
    "--renderer-process-limit=2",
)


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


def _lean_chromium() -> type:
    """choreographer's Chromium started with LEAN_FLAGS after its own."""
    from choreographer.browsers.chromium import Chromium

    class LeanChromium(Chromium):
        def get_cli(self) -> list[str]:
            return [*super().get_cli(), *LEAN_FLAGS]

    return LeanChromium


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
        self.drawn = 0  # how many figures plotly.js has drawn (a board pack draws each chart once)
        self._users = 0  # calls under way (`in_use`); the browser is never closed under one
        self._last_used = 0.0  # time.monotonic() when the last call ended
        self._idle_timer: threading.Timer | None = None

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

        browser = kaleido.Kaleido(
            n=KALEIDO_TABS, timeout=RENDER_TIMEOUT, mathjax=False, path=path, browser_cls=_lean_chromium()
        )
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

    def _abandon(self) -> None:
        """A browser that stopped answering (a call timed out; seen under heavy load): its process is
        ended (choreographer's wrapper ends Chromium's) and its event loop left behind, so that the next
        call starts a new browser on a new loop rather than waiting on this one again."""
        with self._lock:
            browser, self._kaleido = self._kaleido, None
            process = getattr(browser, "subprocess", None)
            if process is not None and process.poll() is None:
                process.terminate()
            loop, self._loop = self._loop, None
            if loop is not None:
                loop.call_soon_threadsafe(loop.stop)
        logger.warning("Chromium stopped answering; it was ended and the next image starts a new one")

    # a bounded lifetime ----------------------------------------------------------

    @contextlib.contextmanager
    def in_use(self) -> Iterator[None]:
        """Around a call that uses the browser: it is not closed for idleness during it, and the idle
        clock starts again when it ends."""
        with self._lock:
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                self._last_used = time.monotonic()
                self._arm_idle_timer_locked(IDLE_SECONDS)

    def _arm_idle_timer_locked(self, delay: float) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(delay, self.close_if_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def close_if_idle(self) -> bool:
        """Close the browser if no call is under way and none ended in the last IDLE_SECONDS; True if
        it was closed. Called by the idle timer."""
        with self._lock:
            if self._kaleido is None:
                return False
            waited = time.monotonic() - self._last_used
            if self._users or waited < IDLE_SECONDS:
                if not self._users:
                    self._arm_idle_timer_locked(IDLE_SECONDS - waited)
                return False
            self._close_locked()
            logger.info("Chromium closed after %.0f s unused", waited)
            return True

    def is_open(self) -> bool:
        return self._alive()

    def run(self, make_coroutine: Callable[[Any], Any], timeout: float):
        """Run make_coroutine(kaleido) on the browser's loop and return its result. A browser that died
        during the call, or stopped answering, is started afresh on the next one."""
        try:
            with self.in_use():
                return self._submit(make_coroutine(self.kaleido()), timeout)
        except concurrent.futures.TimeoutError:
            self._abandon()
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
    with _BROWSER.in_use():
        _BROWSER.kaleido()


def browser_kept() -> contextlib.AbstractContextManager[None]:
    """Around several renders that belong together (a board pack's images and its PDF): the browser is
    started once and not closed for idleness until they are done."""
    return _BROWSER.in_use()


def warm_up() -> None:
    """Start the shared browser in the background, without waiting (a page that will need it calls this
    when it opens, so the first PDF does not wait for Chromium to start). Failures are logged only: the
    real call reports them."""
    if _BROWSER._alive() or not images_available()[0]:
        return

    def start() -> None:
        try:
            start_browser()
        except Exception:
            logger.info("Chromium could not be started in the background", exc_info=True)

    threading.Thread(target=start, name="kpi-chromium-warm-up", daemon=True).start()


def shutdown_browser() -> None:
    """Close the shared browser; the next image starts it again (the benchmark's cold runs use this)."""
    _BROWSER.close()


def browser_open() -> bool:
    """Whether the shared browser is running now."""
    return _BROWSER.is_open()


def browser_starts() -> int:
    return _BROWSER.starts


def figures_drawn() -> int:
    """How many figures plotly.js has drawn in this process (render_figure and render_figures count
    each one; rasterize draws no figure)."""
    return _BROWSER.drawn
