"""How fast are the dashboard's reads and pages? Builds SQLite databases of a given size, times the main
queries and a full server-side render of each page (Streamlit's AppTest), and prints a table. Never fails
a build.

    python benchmarks/bench_dashboard.py                 # demo and 1M observations
    python benchmarks/bench_dashboard.py --sizes demo,1m,5m
    python benchmarks/bench_dashboard.py --postgres postgresql+psycopg://postgres@127.0.0.1/bench

    python benchmarks/bench_dashboard.py --existing URL [URL ...] --pages overview   # databases already made

Sizes beyond the demo add synthetic benchmark trusts (kpi.seed.demo_scale, as `python -m kpi demo --rows N`)
and fill every KPI, trust, profession and month of ten years, so the queries see the row counts a large
system would have. Databases live in a temporary folder and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.figures import queries, rollups  # noqa: E402
from kpi.figures.queries import KPIFilter  # noqa: E402
from kpi.reference.load import load_reference  # noqa: E402
from kpi.seed.demo import DEMO_SEED, load_demo  # noqa: E402
from kpi.seed.demo_scale import add_benchmark_rows  # noqa: E402
from kpi.store.db import get_engine, migrate  # noqa: E402

END = dt.date(2026, 10, 1)
SIZES = {"demo": 0, "1m": 1_000_000, "5m": 5_000_000}
COLD_REPEATS = 5
PAGES = ["overview", "workstreams", "collaboratives", "trusts", "milestones", "definitions"]


def build(url: str, size: str) -> tuple[Engine, int, float]:
    started = time.perf_counter()
    engine = get_engine(url)
    migrate(engine)
    load_reference(engine)
    load_demo(engine, end=END, seed=DEMO_SEED)
    target = SIZES[size]
    if target:
        add_benchmark_rows(engine, target, END, DEMO_SEED)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM observations")).scalar_one()
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE observations")
    return engine, rows, time.perf_counter() - started


def timed(func, repeat: int = 3) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def query_timings(engine: Engine) -> dict[str, float]:
    status = queries.data_status(engine)
    last = status.last_period
    first = (pd.Timestamp(last) - pd.DateOffset(months=35)).date()
    flt = KPIFilter(period_from=first, period_to=last)
    one_trust = flt.but(trusts=("REM",))

    def recompute() -> None:
        rollups.forget(engine)
        rollups.ensure_fresh(engine)

    return {
        "roll-ups: recompute (once per write)": timed(recompute),
        "roll-ups: freshness check (every series read)": timed(lambda: rollups.ensure_fresh(engine)),
        "system series, computed from observations (baseline)": timed(
            lambda: queries.kpi_series(flt, "system", engine, raw=True)
        ),
        "collaborative series, computed from observations (baseline)": timed(
            lambda: queries.kpi_series(flt, "collaborative", engine, raw=True)
        ),
        "system series (all KPIs, 36 months)": timed(lambda: queries.kpi_series(flt, "system", engine)),
        "collaborative series": timed(lambda: queries.kpi_series(flt, "collaborative", engine)),
        "trust series (all trusts)": timed(lambda: queries.kpi_series(flt, "trust", engine)),
        "trust series (one trust)": timed(lambda: queries.kpi_series(one_trust, "trust", engine)),
        "latest values (system)": timed(lambda: queries.latest_values(flt, "system", engine)),
        "profession breakdown": timed(lambda: queries.profession_breakdown(flt, engine)),
    }


def page_timings(url: str, pages: list[str] = PAGES) -> dict[str, float]:
    """Server-side seconds of a full run of each page (the app records the time of its last run),
    first with empty caches, then warm; then the Overview after a change of the trust filter."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from kpi.ui import LAST_RUN_SECONDS

    os.environ["KPI_DATABASE_URL"] = url
    os.environ.setdefault("KPI_DEPLOYMENT", "local")  # no sign-in: the pages themselves are timed
    os.environ.setdefault("KPI_WARM_CACHES", "0")  # no watcher thread warming behind the timings
    # Caches are keyed by the database URL, and a PostgreSQL URL is reused from size to size.
    st.cache_data.clear()
    st.cache_resource.clear()

    def run(at: AppTest) -> float:
        at.run()
        if at.exception:
            return float("nan")
        return at.session_state[LAST_RUN_SECONDS]

    results: dict[str, float] = {}
    for name in pages:
        cold = []  # one cold run is noise: the median of several, the caches emptied before each
        for _ in range(COLD_REPEATS):
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            at.switch_page(f"app_pages/{name}.py")
            cold.append(run(at))
        results[f"page {name}: first render (cold cache, median of {COLD_REPEATS})"] = statistics.median(cold)
        results[f"page {name}: rerun (warm cache)"] = statistics.median(run(at) for _ in range(5))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    run(at)

    def change(trusts: list[str]) -> float:
        at.multiselect(key="f_trusts").set_value(trusts)
        return run(at)

    results["overview: trust filter change, new value"] = change(["REM"])
    change([])
    results["overview: trust filter change, seen before"] = statistics.median(
        change(t) for t in (["REM"], [], ["REM"])
    )
    at.segmented_control(key="overview_scope").set_value("REM")
    results["overview: scope changed to the trust (new)"] = run(at)
    return results


def _loadavg() -> str:
    with open("/proc/loadavg") as file:
        return " ".join(file.read().split()[:3])


def existing(urls: list[str], pages: list[str]) -> None:
    """Render `pages` on each database as it is: cold (median of COLD_REPEATS) and warm, with the load
    averages at the start and end of each database's run and this process's CPU seconds for it."""
    head = f"{'database':<14} {'backend':<10} {'observations':>12} {'measure':<52}"
    print(f"{head} {'seconds':>8}  load start / end")
    for url in urls:
        load_start, cpu = _loadavg(), time.process_time()
        engine = get_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM observations")).scalar_one()
        rollups.ensure_fresh(engine)  # a write's own cost, not the first page's
        timings = page_timings(url, pages)
        cpu = time.process_time() - cpu
        name, backend = url.rsplit("/", 1)[-1], engine.dialect.name
        where = f"{name:<14} {backend:<10} {rows:>12,}"
        for measure, seconds in timings.items():
            print(f"{where} {measure:<52} {seconds:>8.3f}  {load_start} / {_loadavg()}")
        print(f"{where} {'CPU seconds of the whole run (this process)':<52} {cpu:>8.3f}")
        engine.dispose()
        get_engine.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,1m", help="comma-separated: demo, 1m, 5m")
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--no-pages", action="store_true", help="time the queries only")
    parser.add_argument(
        "--existing",
        nargs="+",
        metavar="URL",
        help="time these databases as they are (neither built nor emptied)",
    )
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to render")
    args = parser.parse_args()
    table: list[tuple[str, str, str, float]] = []
    if args.existing:
        existing(args.existing, args.pages.split(","))
        return
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            targets = [("sqlite", f"sqlite:///{folder}/bench-{size}.db")]
            if args.postgres:
                targets.append(("postgresql", args.postgres))
            for backend, url in targets:
                if backend == "postgresql":
                    engine = get_engine(url)
                    with engine.begin() as conn:
                        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                engine, rows, seconds = build(url, size)
                label = f"{size} ({rows:,} rows)"
                table.append((label, backend, "build the database", seconds))
                table.extend((label, backend, name, value) for name, value in query_timings(engine).items())
                if not args.no_pages:
                    table.extend((label, backend, name, value) for name, value in page_timings(url).items())
                engine.dispose()
                get_engine.cache_clear()
                print(f"... {label} on {backend} done", file=sys.stderr)
    width = max(len(row[2]) for row in table)
    print(f"{'database':<24} {'backend':<10} {'measure':<{width}} {'seconds':>9}")
    for size, backend, name, seconds in table:
        print(f"{size:<24} {backend:<10} {name:<{width}} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
