"""How long does each page take to load in a real browser, against a bare Streamlit app? For each page of
the dashboard and for benchmarks/bare_app.py, in interleaved rounds: start the server (so its caches are
empty, as for the first visitor after a start or an import), open the page in a new Chromium context
(empty browser cache) and time from navigation to the page drawn: the script run finished (Streamlit's
`data-test-script-state` back to notRunning), no element stale, every Plotly chart drawn, and then the
time of the last change to the page before it stayed still for QUIET_MS. Then the same page in a second new
context on the same server: a new visitor when the caches are warm. The bare app draws as many trend
charts as the page did (`?charts=N`), so both draw the same charts; for a page without a Plotly chart it
draws its Overview-like page as benchmarks/bench_load.py uses it. Prints the median of the rounds and
the app/bare ratios. Never fails a build.

    python benchmarks/bench_browser.py               # 5 rounds of every page (a few minutes)
    python benchmarks/bench_browser.py --rounds 3 --pages overview,trusts

The dashboard runs on a demo SQLite database made in a temporary folder, in local mode (no sign-in),
as `make run` serves it. Browser, servers and this script share the machine: the load average is printed.
"""

from __future__ import annotations

import argparse
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
QUIET_MS = 750  # a page still this long after its last change is drawn
# Every change to the page stamps the time since navigation; read once the page is drawn.
STAMP_CHANGES = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
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


def load_time(browser, url: str) -> tuple[float, int]:
    """Seconds from navigation to the page drawn (its last change), in a new context (empty browser
    cache), and the number of Plotly charts it drew."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_init_script(STAMP_CHANGES)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000, polling=100)
    seconds, charts = page.evaluate(f"[window.__lastChange / 1000, {CHARTS}]")
    context.close()
    return seconds, charts


def measure(browser, script: Path, path: str, env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """(first visitor after a start, a new visitor with warm server caches, charts drawn) for one page."""
    process, url = start(script, env, log)
    try:
        (first, charts), (again, _) = load_time(browser, f"{url}/{path}"), load_time(browser, f"{url}/{path}")
        return first, again, charts
    finally:
        stop(process)


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
    drawn: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        env = {**os.environ, "KPI_DATABASE_URL": demo_database(Path(folder)), "KPI_DEPLOYMENT": "local"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for round_number in range(args.rounds):
            for name in names:  # the bare app after each page: interleaved, so load drifts hit both
                first, again, charts = measure(browser, APP, PAGES[name], env, Path(folder) / "app.log")
                cold[name].append(first)
                warm[name].append(again)
                drawn[name] = charts
                first, again, _ = measure(
                    browser, BARE_APP, f"?charts={charts}" if charts else "", env, Path(folder) / "bare.log"
                )
                cold[f"bare {name}"].append(first)
                warm[f"bare {name}"].append(again)
            print(f"... round {round_number + 1} of {args.rounds} done", file=sys.stderr)
        browser.close()
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.rounds} rounds, to the page drawn")
    heads = f"{'first visitor s':>16} {'x bare':>7} {'new visitor s':>14} {'x bare':>7}"
    print(f"{'page':<16} {'charts':>6} {heads}")
    for name in names:
        first, again = statistics.median(cold[name]), statistics.median(warm[name])
        bare_first, bare_again = (
            statistics.median(cold[f"bare {name}"]),
            statistics.median(warm[f"bare {name}"]),
        )
        ratios = f"{first / bare_first:>7.2f} {again:>14.2f} {again / bare_again:>7.2f}"
        print(f"{name:<16} {drawn[name]:>6} {first:>16.2f} {ratios}")
        print(f"{'  bare':<16} {drawn[name]:>6} {bare_first:>16.2f} {'':>7} {bare_again:>14.2f}")


if __name__ == "__main__":
    main()
