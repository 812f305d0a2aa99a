"""How long does the board pack take, and how much memory? Builds the system pack as PDF, PowerPoint and
HTML on the demo database and prints a table of timings, with the browser cold (started for the build)
and warm (kept from the build before), and the peak resident memory of this process and every process
it started (Chromium's), sampled every 50 ms, their CPU seconds (which load disturbs less than wall
time), the most processes at once, how many charts plotly.js drew, and the load average at the start
and end of each run. A last browser run makes the PDF and the deck of one collected pack, as `kpi send`
does: its charts are drawn once for both. Targets (issue 25): any pack under 5 s on a quiet 2-core
machine, process-tree peak under 800 MB. Prints figures; never fails a build.

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
import subprocess
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
from kpi.exports.board_pack.collect import collect  # noqa: E402
from kpi.exports.board_pack.pictures import drawn_early  # noqa: E402
from kpi.exports.board_pack.render import render_pack  # noqa: E402
from kpi.exports.board_pack.scope import pack_month, resolve_scope  # noqa: E402
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
    # Made in a process of its own, so that this one holds only what building a pack needs.
    database = folder / "bench.db"
    subprocess.run([sys.executable, __file__, "--make-demo", str(database)], check=True)
    engine = get_engine(f"sqlite:///{database}")
    counted = queries.observation_counts(engine).total
    return engine, f"temporary SQLite demo ({counted:,} observations)", END


def _make_demo(path: str) -> None:
    engine = get_engine(f"sqlite:///{path}")
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)


def _tree(root: int) -> dict[int, tuple[int, float]]:
    """Process `root` and all its descendants: pid -> (resident bytes, CPU seconds so far), from /proc."""
    parents: dict[int, int] = {}
    stats: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        stats[int(entry.name)] = (int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), cpu)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: stats[pid] for pid in tree if pid in stats}


def _pss_mb(pids: list[int]) -> float:
    """Proportional set size of these processes summed, MB: each page shared by n processes counted 1/n
    times, so Chromium's code shared by its processes is counted once (summed RSS counts it in each)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total / 1024


def _tree_rss_mb(root: int) -> float:
    """Resident memory of process `root` and all its descendants, MB (from /proc)."""
    return sum(rss for rss, _ in _tree(root).values()) / 2**20


class PeakMemory:
    """While in the `with` block, sampled every 50 ms: the peak of the summed resident memory of this
    process and every process it started (Chromium's), the most processes at once, and the CPU seconds
    they all used (each process's CPU time at the last sample less at the first, or since it started;
    a Chromium process that lives less than 50 ms is missed)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.own_peak = 0.0  # this process alone, MB
        self.pss_peak = 0.0  # the tree's proportional set size, MB
        self.processes = 0
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample_once(self) -> None:
        tree = _tree(os.getpid())
        self.peak = max(self.peak, sum(rss for rss, _ in tree.values()) / 2**20)
        self.own_peak = max(self.own_peak, tree.get(os.getpid(), (0, 0.0))[0] / 2**20)
        self.pss_peak = max(self.pss_peak, _pss_mb(list(tree)))
        self.processes = max(self.processes, len(tree))
        for pid, (_, cpu) in tree.items():
            self._first.setdefault(pid, cpu if self._started else 0.0)
            self._last[pid] = cpu

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sample_once()
            self._stop.wait(0.05)

    @property
    def cpu(self) -> float:
        return sum(self._last[pid] - self._first[pid] for pid in self._last)

    def __enter__(self) -> PeakMemory:
        self._started = True
        self._sample_once()  # what is already running counts from now
        self._started = False  # what starts later counts from its start
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample_once()


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _both(engine, scope: str, period_end: dt.date, stages: dict[str, float]) -> tuple[float, int]:
    """PDF then PowerPoint of one collected pack (as kpi send makes them): the charts drawn once."""
    started = time.perf_counter()
    scoped, month = resolve_scope(engine, scope), pack_month(period_end)
    with drawn_early("pdf") as figures_ready:  # as kpi send does
        pack = collect(engine, scoped, month, dt.datetime.now(dt.UTC), figures_ready)
        stages["read data, build figures"] = time.perf_counter() - started
        size = 0
        for fmt in ("pdf", "pptx"):
            at = time.perf_counter()
            size += len(render_pack(pack, fmt))  # type: ignore[arg-type]
            stages[fmt] = time.perf_counter() - at
    return time.perf_counter() - started, size


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
    parser.add_argument("--make-demo", help=argparse.SUPPRESS)  # the child that makes the database
    args = parser.parse_args()
    if args.make_demo:
        _make_demo(args.make_demo)
        return 0

    rows: list[tuple[str, str, float, float, float, str, str, int, str]] = []
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
            drawn = images.figures_drawn()
            try:
                with PeakMemory() as memory:
                    if fmt == "pdf+pptx":
                        seconds, size = _both(engine, args.scope, last, stages)
                    else:
                        seconds, size = _time(engine, args.scope, last, fmt, stages)
            except Exception as exc:
                print(f"{fmt} ({condition}) failed: {str(exc).splitlines()[0] if str(exc) else exc!r}")
                traceback.print_exc(limit=2)
                return
            detail = ", ".join(
                f"{k} {v:.1f} s" for k, v in stages.items() if k not in ("done", "check inputs")
            )
            detail += (
                f"; {images.figures_drawn() - drawn} charts drawn, {memory.processes} processes, "
                f"this one's peak {memory.own_peak:.0f} MB, the tree's PSS peak {memory.pss_peak:.0f} MB"
            )
            rows.append(
                (fmt.upper(), condition, seconds, memory.cpu, memory.peak, load, _load(), size, detail)
            )

        if available:
            for fmt in ("pdf", "pptx"):
                images.shutdown_browser()
                run(fmt, "cold browser")
                for _ in range(args.runs):
                    run(fmt, "warm browser")
            run("pdf+pptx", "one pack")
        run("html", "first")
        for _ in range(args.runs):
            run("html", "again")

    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")
    print(
        f"{'format':<9}{'browser / run':<15}{'seconds':>8}{'CPU s':>7}{'peak MB':>8}{'load':>12}"
        f"{'size MB':>8}   stages"
    )
    for fmt, condition, seconds, cpu, peak, load, load_end, size, detail in rows:
        loads = f"{load}->{load_end}"
        print(
            f"{fmt:<9}{condition:<15}{seconds:>8.1f}{cpu:>7.1f}{peak:>8.0f}{loads:>12}{size / 1e6:>8.2f}"
            f"   {detail}"
        )
    print("(CPU s: this process and every Chromium process it started; peak MB: their summed RSS;")
    print(" load: the 1-minute load average at the start and end of the run)")
    pdf = [row[2] for row in rows if row[0] == "PDF"]
    if pdf:
        worst = max(pdf)
        warm = [row[2] for row in rows if row[0] == "PDF" and row[1].startswith("warm")]
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
