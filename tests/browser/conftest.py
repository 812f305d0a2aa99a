"""Real-browser fixtures: `streamlit run serve.py` on a free local port with a temporary database, and
Playwright driving Debian's Chromium (/usr/bin/chromium).

Where no Chromium is installed the browser tests skip, saying how to enable them; with
KPI_REQUIRE_BROWSER=1 (as in CI) a missing browser fails instead. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the tests skip, saying why (no browser tooling)
    expect = None

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: How long an `expect` waits for the page to show what a user would see. Playwright's 5 s is less than
#: a rerun after a save takes on a loaded two-core machine (CI runs beside other work); a page that never
#: shows it still fails, after this.
EXPECT_TIMEOUT_MS = 30_000
if expect is not None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _browser_available():
        return
    if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
        return  # the `browser` fixture fails loudly instead of skipping
    skip = pytest.mark.skip(
        reason="no Chromium at /usr/bin/chromium: install it (apt-get install chromium) "
        "or set KPI_CHROMIUM to a Chromium binary to run the browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(env: dict[str, str], log_path: Path, *args: str) -> Iterator[str]:
    """`streamlit run serve.py` (the app as `make run` serves it) on a free local port with `env`, its
    output in `log_path`; yields the URL once the server answers, and stops the server afterwards."""
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless=true",
             f"--server.port={port}", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
             *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            process.kill()
            pytest.fail(f"streamlit did not start; see {log_path}")
        try:
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def demo_app(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[str]:
    """The app served by `streamlit run serve.py` on a SQLite database of its own, `name`.db in a new
    temporary folder, filled with the demo history before the server starts (so the first page load is
    quick); yields the URL. Afterwards the server's log must hold no traceback."""
    from kpi.seed.bootstrap import prepare_database
    from kpi.store.db import get_engine

    folder = tmp_path_factory.mktemp(f"{name}-db")
    database = f"sqlite:///{folder / f'{name}.db'}"
    engine = get_engine(database)
    prepare_database(engine)
    engine.dispose()
    get_engine.cache_clear()

    env = {**os.environ, "KPI_DATABASE_URL": database}
    with serve_app(env, folder / "streamlit.log", "--server.address=127.0.0.1") as url:
        yield url
    server_log = (folder / "streamlit.log").read_text()
    assert "Traceback" not in server_log, f"the server logged an error:\n{server_log[-3000:]}"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a temporary database with the demo data, shared by the tests that only read. A test
    that writes (imports, saves) has a module fixture of its own: `with demo_app(tmp_path_factory, ...)`."""
    with demo_app(tmp_path_factory, "browser") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not _browser_available():
        pytest.fail("KPI_REQUIRE_BROWSER=1 but there is no Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact (not committed) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size
    # Streamlit scrolls inside its main block, so grow the window to the content to capture it all.
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\")?.scrollHeight || 0")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], min(height, 8000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path
