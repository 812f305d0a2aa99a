"""How long does the workforce projection take? All 14 professions, 10 years (120 months), 1,000 runs,
against two baselines timed in the same run: the deterministic single-run projection (the floor: what the
model costs without uncertainty) and a naive Python loop over runs (50 runs, scaled to 1,000: what the
vectorised code saves). Target: well under a second. Prints figures (median of 5); never fails a build.

    python benchmarks/bench_plan.py                  # the model alone, on inputs the size of the demo data
    python benchmarks/bench_plan.py --with-database  # also run_plan end to end on a temporary demo database
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.plan import model  # noqa: E402

TARGET_SECONDS = 1.0
REPEATS = 5
NAIVE_RUNS = 50
# Staff in post (FTE) by profession, about the size of the demo system.
STOCK = {
    "ART": 56,
    "DIET": 435,
    "DRAMA": 34,
    "MUSIC": 30,
    "OT": 1047,
    "ODP": 543,
    "ORTHOPT": 58,
    "OSTEO": 36,
    "PARA": 33,
    "PHYSIO": 1528,
    "POD": 254,
    "PO": 18,
    "RAD": 1316,
    "SLT": 391,
}
SCENARIOS = [
    model.Scenario("Retention +2 pts", {"leaver_rate_pts": -2}),
    model.Scenario("Training places +10 %", {"graduates_pct": 10}),
    model.Scenario("International recruitment paused", {"international_pct": -100}),
]


def inputs() -> model.PlanInputs:
    professions = tuple(
        model.ProfessionInputs(
            code,
            stock_fte=float(fte),
            establishment_fte=fte * 1.07,
            leaver_rate_pct=11.0,
            leaver_rate_sd_pct=0.8,
            demand_growth_pct=2.0,
            graduates=fte * 0.18,
            uptake_pct=55.0,
            training_attrition_pct=12.0,
            international=fte * 0.01,
            returners=fte * 0.006,
            apprentices=tuple([fte * 0.01] * 120),
            inflow_spread_pct=15.0,
        )
        for code, fte in STOCK.items()
    )
    return model.PlanInputs("C&M", "system", pd.Timestamp("2026-09-01"), professions)


def median_seconds(work: Callable[[], object]) -> float:
    work()  # warm up (imports, first allocations)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def naive_loop(plan: model.PlanInputs, runs: int) -> np.ndarray:
    """The same simulation one run at a time in a Python loop (the baseline the vectorised code beats)."""
    months = 12 * model.MAX_YEARS
    z_leave, z_inflow = model._draws(plan.codes, runs, 1)
    a = model._arrays(plan.professions, model.BASELINE_SCENARIO, months)
    supply = [
        model._simulate(a, z_leave[..., r : r + 1], z_inflow[..., r : r + 1], months) for r in range(runs)
    ]
    return model.percentiles(np.concatenate(supply, axis=-1))


def model_figures() -> list[tuple[str, float]]:
    plan = inputs()
    one = median_seconds(lambda: model.project(plan, 10, [], runs=1000, seed=1))
    four = median_seconds(lambda: model.project(plan, 10, SCENARIOS, runs=1000, seed=1))
    floor = median_seconds(lambda: model.deterministic(plan, 10))
    naive = median_seconds(lambda: naive_loop(plan, NAIVE_RUNS)) * 1000 / NAIVE_RUNS
    return [
        ("project: 14 professions, 10 years, 1,000 runs, Baseline", one),
        ("project: the same with the 3 shipped scenarios (4 in all)", four),
        ("baseline: deterministic single run (no uncertainty)", floor),
        (f"baseline: naive Python loop over runs ({NAIVE_RUNS} runs x {1000 // NAIVE_RUNS})", naive),
    ]


def database_figures() -> list[tuple[str, float]]:
    from kpi.plan import run_plan
    from kpi.seed.bootstrap import prepare_database
    from kpi.seed.demo import load_demo
    from kpi.store.db import get_engine

    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        prepare_database(engine, with_demo=False)
        load_demo(engine, end=dt.date(2026, 10, 1))
        names = [s.name for s in SCENARIOS]
        figures = [
            (
                "run_plan on the demo database: C&M, all professions, Baseline + 3",
                median_seconds(lambda: run_plan(engine, "C&M", None, 10, names)),
            ),
            (
                "run_plan on the demo database: one trust (RBS), all professions, Baseline",
                median_seconds(lambda: run_plan(engine, "RBS", None, 10, [])),
            ),
        ]
        engine.dispose()
    return figures


def report(figures: list[tuple[str, float]]) -> None:
    width = max(len(name) for name, _ in figures)
    for name, seconds in figures:
        print(f"  {name:<{width}}  {seconds * 1000:8.1f} ms")
    vectorised, floor, naive = figures[0][1], figures[2][1], figures[3][1]
    print(
        f"  1,000 runs cost {vectorised / floor:.0f}x one deterministic run; the naive loop costs "
        f"{naive / vectorised:.0f}x the vectorised projection"
    )
    verdict = "within" if vectorised < TARGET_SECONDS else "OVER"
    print(f"  target: under {TARGET_SECONDS:.0f} s for 14 professions x 10 years x 1,000 runs: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-database", action="store_true", help="also time run_plan on a demo database")
    args = parser.parse_args()
    print(f"Workforce plan benchmark (median of {REPEATS}; numpy {np.__version__}, pandas {pd.__version__})")
    try:
        report(model_figures() + (database_figures() if args.with_database else []))
    except Exception:  # a benchmark reports, it never fails the build
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
