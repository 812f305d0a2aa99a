"""How long does each page take to load in a real browser, against a bare Streamlit app? For each page of
the dashboard and for benchmarks/bare_app.py, in interleaved rounds: start the server (so its caches are
empty, as for the first visitor after a start or an import), open the page in a new Chromium context
(empty browser cache) and time from navigation to the page drawn: the script run finished (Streamlit's
`data-test-script-state` back to notRunning), no element stale, every Plotly chart drawn, and then the
time of the last change to the page before it stayed still for QUIET_MS. Then the same page in a second new
context on the same server: a new visitor when the caches are warm, who then picks the first trust in the
sidebar's trust filter (both apps have it) by keyboard, timed from the key to the page drawn again,
and then clicks CMAST in the sidebar's collaborative control, timed from the click likewise. The
bare app draws as many trend charts as the page did (`?charts=N`, none for none), which follow a trust
pick only where the page's do (`&follow=0`, `bare_query`), so both draw the same charts. Prints
the median of the rounds and the app/bare ratios. Never fails a build.

    python benchmarks/bench_browser.py               # 5 rounds of every page (a few minutes)
    python benchmarks/bench_browser.py --rounds 3 --pages overview,trusts

The dashboard runs on a demo SQLite database made in a temporary folder, in local mode (no sign-in),
as `make run` serves it. Browser, servers and this script share the machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_load import APP, BARE_APP, demo_database, free_port, wait_healthy  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PAGES = {  # name: URL path
    "overview": "",
    "workstreams": "workstreams",
    "collaboratives": "collaboratives",
    "trusts": "trusts",
    "milestones": "milestones",
    "submissions": "submissions",
    "board_pack": "board_pack",
    "definitions": "definitions",
}
# What the bare app draws beside each page (benchmarks/bare_app.py): its number of charts is counted on
# the page; whether they change when a trust is picked is said here (only the Trusts page's do).
FOLLOWS_TRUST = {"trusts"}
QUIET_MS = 750  # a page still this long after its last change is drawn
# Every change to the page stamps the time since navigation; read once the page is drawn.
STAMP_CHANGES = """
window.__lastChange = 0;
window.__runs = 0;
new MutationObserver((changes) => {
  window.__lastChange = performance.now();
  for (const change of changes) {
    if (change.attributeName === 'data-test-script-state'
        && change.target.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
DRAWN = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector("[data-testid='stMainBlockContainer'] h1")) return false;
  if (document.querySelector("[data-stale='true']")) return false;
  for (const chart of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  return performance.now() - window.__lastChange > QUIET_MS;
}""".replace("QUIET_MS", str(QUIET_MS))
CHARTS = "document.querySelectorAll(\"[data-testid='stPlotlyChart']\").length"
# The sidebar's trust filter, the same multiselect in both apps: its first option is picked by keyboard.
TRUSTS = "[data-testid='stSidebar'] [data-testid='stMultiSelect'] input"
FIRST_TRUST = "[role='listbox'] [role='option'][data-focused='true']"
# The sidebar's collaborative control (Both, CMAST, MHLDC) in both apps: CMAST is clicked with the mouse.
CMAST = "[data-testid='stSidebar'] [data-testid='stButtonGroup'] button:has-text('CMAST')"
HEADS = (  # columns, widths
    ("first visitor s", 16),
    ("new visitor s", 14),
    ("trust change s", 15),
    ("collaborative s", 16),
)


def start(script: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true"]
    command += [f"--server.port={port}", "--server.address=127.0.0.1"]
    command += ["--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not wait_healthy(url):
        process.kill()
        raise RuntimeError(f"{script.name} did not start; see {log}")
    return process, url


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def visit(browser, url: str) -> tuple[float, int, float, float]:
    """In a new context (empty browser cache): seconds from navigation to the page drawn (its last
    change), the number of Plotly charts it drew, the seconds from picking a trust in the sidebar (the
    first option, by keyboard) to the page drawn again after its rerun, and then the same from a click on
    the collaborative CMAST in the sidebar."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_init_script(STAMP_CHANGES)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000, polling=100)
    seconds, charts = page.evaluate(f"[window.__lastChange / 1000, {CHARTS}]")
    if page.locator(TRUSTS).count() == 0:  # a page without the shared filters
        context.close()
        return seconds, charts, math.nan, math.nan
    page.locator(TRUSTS).first.click()
    page.keyboard.press("ArrowDown")  # opens the list on its first trust (after "Select all")
    page.locator(FIRST_TRUST).wait_for(timeout=30_000)  # on a busy machine Enter could come before it
    runs, picked = page.evaluate("[window.__runs, performance.now()]")
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.__runs > {runs} && ({DRAWN})()", timeout=120_000, polling=100)
    changed = (page.evaluate("window.__lastChange") - picked) / 1000
    page.keyboard.press("Escape")  # the list stays open after a pick, over the sidebar's other controls
    page.locator("[role='listbox']").wait_for(state="hidden", timeout=30_000)
    runs, clicked = page.evaluate("[window.__runs, performance.now()]")
    page.locator(CMAST).click()
    try:
        page.wait_for_function(f"window.__runs > {runs} && ({DRAWN})()", timeout=60_000, polling=100)
    except PlaywrightTimeout:  # once in a full run a page did not settle after the click: counted as missing
        print(f"... {url}: the collaborative change did not settle within 60 s", file=sys.stderr)
        context.close()
        return seconds, charts, changed, math.nan
    switched = (page.evaluate("window.__lastChange") - clicked) / 1000
    context.close()
    return seconds, charts, changed, switched


def measure(
    browser, script: Path, path: str, env: dict[str, str], log: Path
) -> tuple[float, float, int, float, float]:
    """(first visitor after a start, a new visitor with warm server caches, charts drawn, the new
    visitor's trust filter change, then their collaborative change) for one page."""
    process, url = start(script, env, log)
    try:
        (first, charts, _, _), (again, _, change, switch) = (
            visit(browser, f"{url}/{path}"),
            visit(browser, f"{url}/{path}"),
        )
        return first, again, charts, change, switch
    finally:
        stop(process)


def bare_query(page: str, charts: int) -> str:
    """The bare app's query string for a page of the same shape: as many charts (none for none), that
    follow a trust pick only where the page's do."""
    return f"?charts={charts}" + ("" if page in FOLLOWS_TRUST else "&follow=0")


def _median(values: list[float]) -> float:
    """The median of the measurements made (NaN for one missing or not made)."""
    made = [value for value in values if not math.isnan(value)]
    return statistics.median(made) if made else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated: {', '.join(PAGES)}")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    names = args.pages.split(",")
    rows = [row for name in names for row in (name, f"bare {name}")]
    cold: dict[str, list[float]] = {row: [] for row in rows}
    warm: dict[str, list[float]] = {row: [] for row in rows}
    change: dict[str, list[float]] = {row: [] for row in rows}
    switch: dict[str, list[float]] = {row: [] for row in rows}
    tables = (cold, warm, change, switch)
    drawn: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        env = {**os.environ, "KPI_DATABASE_URL": demo_database(Path(folder)), "KPI_DEPLOYMENT": "local"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for round_number in range(args.rounds):
            for name in names:  # the bare app after each page: interleaved, so load drifts hit both
                first, again, charts, changed, switched = measure(
                    browser, APP, PAGES[name], env, Path(folder) / "app.log"
                )
                for table, value in zip(tables, (first, again, changed, switched), strict=True):
                    table[name].append(value)
                drawn[name] = charts
                first, again, _, changed, switched = measure(
                    browser, BARE_APP, bare_query(name, charts), env, Path(folder) / "bare.log"
                )
                for table, value in zip(tables, (first, again, changed, switched), strict=True):
                    table[f"bare {name}"].append(value)
            print(f"... round {round_number + 1} of {args.rounds} done", file=sys.stderr)
        browser.close()
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.rounds} rounds, to the page drawn")
    heads = " ".join(f"{head:>{width}} {'x bare':>7}" for head, width in HEADS)
    print(f"{'page':<16} {'charts':>6} {heads}")
    for name in names:
        app = [_median(table[name]) for table in tables]
        bare = [_median(table[f"bare {name}"]) for table in tables]
        widths = [width for _, width in HEADS]
        ours = " ".join(f"{a:>{w}.2f} {a / b:>7.2f}" for a, b, w in zip(app, bare, widths, strict=True))
        theirs = " ".join(f"{b:>{w}.2f} {'':>7}" for b, w in zip(bare, widths, strict=True))
        print(f"{name:<16} {drawn[name]:>6} {ours}")
        print(f"{'  bare':<16} {drawn[name]:>6} {theirs}")


if __name__ == "__main__":
    main()
