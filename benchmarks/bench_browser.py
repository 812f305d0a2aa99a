"""How long does each page take to load in a real browser, against a bare Streamlit app? For each page of
the dashboard and for benchmarks/bare_app.py, in interleaved rounds: start the server (so its caches are
empty, as for the first visitor after a start or an import), open the page in a new Chromium context
(empty browser cache) and time from navigation to the page's script run finished with its content drawn
(Streamlit's `data-test-script-state` back to notRunning and no element still stale). Then the same page
in a second new context on the same server: a new visitor when the caches are warm. Prints the median of
the rounds and the app/bare ratios. Never fails a build.

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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_load import BARE_APP, demo_database, free_port, wait_healthy  # noqa: E402

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
DONE = "[data-testid='stApp'][data-test-script-state='notRunning'] [data-testid='stMainBlockContainer'] h1"
STALE = "[data-stale='true']"


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


def load_time(browser, url: str) -> float:
    """Seconds from navigation to the page drawn, in a new context (empty browser cache)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(DONE, timeout=120_000)
    page.wait_for_function(f'document.querySelectorAll("{STALE}").length === 0', timeout=120_000)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def measure(browser, script: Path, path: str, env: dict[str, str], log: Path) -> tuple[float, float]:
    """(first visitor after a start, a new visitor with warm server caches) for one page."""
    process, url = start(script, env, log)
    try:
        return load_time(browser, f"{url}/{path}"), load_time(browser, f"{url}/{path}")
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated: {', '.join(PAGES)}")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    names = args.pages.split(",")
    cold: dict[str, list[float]] = {name: [] for name in ["bare", *names]}
    warm: dict[str, list[float]] = {name: [] for name in ["bare", *names]}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        env = {**os.environ, "KPI_DATABASE_URL": demo_database(Path(folder)), "KPI_DEPLOYMENT": "local"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for round_number in range(args.rounds):
            for name in names:  # the bare app before each page: interleaved, so load drifts hit both
                for key, script, path in (("bare", BARE_APP, ""), (name, ROOT / "app.py", PAGES[name])):
                    first, again = measure(browser, script, path, env, Path(folder) / f"{key}.log")
                    cold[key].append(first)
                    warm[key].append(again)
            print(f"... round {round_number + 1} of {args.rounds} done", file=sys.stderr)
        browser.close()
    bare_cold, bare_warm = statistics.median(cold["bare"]), statistics.median(warm["bare"])
    print(
        f"load average {os.getloadavg()[0]:.2f}; medians of {args.rounds} rounds (bare: {len(cold['bare'])})"
    )
    print(f"{'page':<16} {'first visitor s':>16} {'x bare':>7} {'new visitor s':>14} {'x bare':>7}")
    for name in ["bare", *names]:
        first, again = statistics.median(cold[name]), statistics.median(warm[name])
        print(f"{name:<16} {first:>16.2f} {first / bare_cold:>7.2f} {again:>14.2f} {again / bare_warm:>7.2f}")


if __name__ == "__main__":
    main()
