"""How long does the board pack take, and how much memory? Builds the system pack as PDF, PowerPoint and
HTML on the demo database and prints a table of timings, with the browser cold (started for the build)
and warm (kept from the build before), and the peak resident memory of this process and every process
it started (Chromium's), sampled every 50 ms, with the load average. Targets (issue 25): any pack
under 5 s on a quiet 2-core machine, process-tree peak under 800 MB. Prints figures; never fails a
build.

    python benchmarks/bench_report.py           # KPI_DATABASE_URL if it has data, else a temporary demo
    python benchmarks/bench_report.py --runs 3 --scope CMAST

The PDF is printed by Debian's Chromium (/usr/bin/chromium, or KPI_CHROMIUM); without it only the HTML is
timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.exports import board_pack as report  # noqa: E402
from kpi.exports import images  # noqa: E402
from kpi.figures import queries  # noqa: E402
from kpi.seed.bootstrap import prepare_database  # noqa: E402
from kpi.seed.demo import load_demo  # noqa: E402
from kpi.store.db import get_engine  # noqa: E402

TARGET_PDF_SECONDS = 5.0  # issue 25, on a quiet 2-core machine
END = dt.date(2026, 10, 1)


def _engine(folder: Path):
    """The configured database when it holds data, else a temporary one with the demo history."""
    url = os.environ.get("KPI_DATABASE_URL")
    if url:
        try:
            engine = get_engine(url)
            status = queries.data_status(engine)
            if status.last_period:
                counted = queries.observation_counts(engine).total
                return engine, f"{url} ({counted:,} observations)", status.last_period
        except Exception as exc:  # fall back to a demo database
            print(f"note: cannot use KPI_DATABASE_URL ({str(exc).splitlines()[0]}); using a temporary demo")
    engine = get_engine(f"sqlite:///{folder / 'bench.db'}")
    prepare_database(engine, with_demo=False)
    result = load_demo(engine, end=END)
    return engine, f"temporary SQLite demo ({result.observations:,} observations)", END


def _tree_rss_mb(root: int) -> float:
    """Resident memory of process `root` and all its descendants, MB (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


class PeakMemory:
    """The peak of `_tree_rss_mb(this process)` while in the `with` block, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _time(engine, scope: str, period_end: dt.date, fmt: str, stages: dict[str, float]) -> tuple[float, int]:
    started = time.perf_counter()
    last = {"at": started, "stage": "check inputs"}
    names = {
        "Reading": "read data, build figures",
        "Starting": "start browser",
        "Drawing": "draw charts",
        "Laying": "lay out HTML",
        "Printing": "print PDF",
        "The": "done",
    }

    def progress(fraction: float, message: str) -> None:
        now = time.perf_counter()
        stage = last["stage"]
        stages[stage] = stages.get(stage, 0.0) + now - last["at"]
        last["at"] = now
        last["stage"] = names.get(message.split(" ", 1)[0], "done")

    data = report.build_report(engine, scope=scope, period_end=period_end, fmt=fmt, progress=progress)
    return time.perf_counter() - started, len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="warm runs per format (default 2)")
    parser.add_argument("--scope", default="system", help="scope of the pack (default system)")
    args = parser.parse_args()

    rows: list[tuple[str, str, float, int, str]] = []
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}  ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        started = time.perf_counter()
        engine, label, last = _engine(Path(folder))
        print(f"Database: {label}; ready in {time.perf_counter() - started:.1f} s")
        print(f"Pack: {args.scope}, 36 months to {last:%b %Y}")
        available, reason = images.images_available()
        print(f"Browser: {images.browser_path() if available else reason}")
        print()

        def run(fmt: str, condition: str) -> None:
            stages: dict[str, float] = {}
            load = _load()
            try:
                with PeakMemory() as memory:
                    seconds, size = _time(engine, args.scope, last, fmt, stages)
            except Exception as exc:
                print(f"{fmt} ({condition}) failed: {str(exc).splitlines()[0] if str(exc) else exc!r}")
                traceback.print_exc(limit=2)
                return
            detail = ", ".join(
                f"{k} {v:.1f} s" for k, v in stages.items() if k not in ("done", "check inputs")
            )
            detail += f"; peak {memory.peak:.0f} MB (process tree), load {load}"
            rows.append((fmt.upper(), condition, seconds, size, detail))

        if available:
            for fmt in ("pdf", "pptx"):
                images.shutdown_browser()
                run(fmt, "cold browser")
                for _ in range(args.runs):
                    run(fmt, "warm browser")
        run("html", "first")
        for _ in range(args.runs):
            run("html", "again")

    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")
    print(f"{'format':<7}{'browser / run':<16}{'seconds':>9}{'size MB':>9}   stages")
    for fmt, condition, seconds, size, detail in rows:
        print(f"{fmt:<7}{condition:<16}{seconds:>9.1f}{size / 1e6:>9.2f}   {detail}")
    pdf = [seconds for fmt, _, seconds, _, _ in rows if fmt == "PDF"]
    if pdf:
        worst = max(pdf)
        warm = [
            seconds for fmt, condition, seconds, _, _ in rows if fmt == "PDF" and condition.startswith("warm")
        ]
        verdict = "within" if worst < TARGET_PDF_SECONDS else "OVER"
        warm_text = f"; warm median {statistics.median(warm):.1f} s" if warm else ""
        target = f"{verdict} the {TARGET_PDF_SECONDS:.0f} s target"
        print(f"\n{args.scope} PDF: slowest {worst:.1f} s{warm_text}; {target}.")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a benchmark reports; it never fails a build
        traceback.print_exc()
    sys.exit(0)
