"""`python -m kpi plan`: the workforce projection as CSV, its backtest, or its sensitivity.

- `plan --scope SCOPE --years N --out FILE.csv [--profession CODES] [--scenario NAME]... [--runs N]
  [--seed N]`: one row per projected month, profession and scenario (kpi.plan.inputs.DOWNLOAD_COLUMNS),
  the band calibrated by the scope's backtest;
- `plan --scope SCOPE --backtest --out FILE.csv`: every past start month with 3 years after it, each
  horizon (1, 2, 3 years) and profession: start_month, horizon, profession, actual, p05, p25, p50, p75,
  p95, inside_50, inside (the 90 % band), after calibration; the line printed gives the coverage and
  error before and after, and the band scale;
- `plan --scope SCOPE --years N --sensitivity --out FILE.csv`: the change in supply at the horizon from
  moving each input either way (kpi.plan.sensitivity), per profession and for all, largest first.
At trust level every figure follows the plan's small-number rule (kpi.plan.model.SUPPRESSION_RULE)."""

from __future__ import annotations

import argparse
import re

import pandas as pd

from kpi.cli.common import PROG, CommandError, migrated_engine, say, writable_out, write_out

PLAN_MAX_RUNS = 10_000  # 10,000 runs of 14 professions over 120 months hold about 130 MB
HELP = (
    "project the AHP workforce by profession against the establishment, with scenarios and an uncertainty "
    "band checked against the past, and write it as CSV (or, with --backtest or --sensitivity, the "
    "backtest or the levers)"
)


def _years(text: str) -> int:
    if not re.fullmatch(r"\d{1,2}", text.strip()) or not 1 <= int(text) <= 10:
        raise argparse.ArgumentTypeError(f"expected a whole number of years from 1 to 10, got {text!r}")
    return int(text)


def _runs(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()) or not 1 <= int(text) <= PLAN_MAX_RUNS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of runs from 1 to {PLAN_MAX_RUNS:,}, got {text!r}"
        )
    return int(text)


def _seed(text: str) -> int:
    if not re.fullmatch(r"\d{1,18}", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of `python -m kpi plan`, added to an existing (sub)parser."""
    parser.add_argument(
        "--scope", required=True, help="C&M (or system), CMAST, MHLDC or a member trust's ODS code"
    )
    parser.add_argument(
        "--profession",
        action="append",
        metavar="CODE[,CODE]",
        help="profession codes such as PHYSIO,OT (default: all 14)",
    )
    parser.add_argument("--years", type=_years, help="the horizon, 1 to 10 years (not with --backtest)")
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="a scenario to compare with the Baseline, e.g. 'Retention +2 pts' (repeat for more)",
    )
    parser.add_argument("--runs", type=_runs, default=1000, help="uncertainty runs (default 1000)")
    parser.add_argument("--seed", type=_seed, help="random seed (default: the plan's fixed seed, 16)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--backtest",
        action="store_true",
        help="write the backtest: each past start, horizon (1-3 years) and profession, actual against band",
    )
    what.add_argument(
        "--sensitivity",
        action="store_true",
        help="write the change in supply at the horizon from moving each input, largest first",
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")
    return parser


def _summary(result, rows: int, out) -> str:
    """The one line a projection prints: rows written, from when, and the widest gap."""
    from kpi.plan.inputs import widest_gap_words

    inputs = result.inputs
    professions, scenarios = len(inputs.professions), len(result.scenarios)
    shape = f"{12 * result.years} months x {professions} professions x {scenarios} scenarios"
    synthetic = " SYNTHETIC demo data." if result.synthetic else ""
    return (
        f"Wrote {rows:,} rows ({shape}) for {inputs.scope} from {inputs.start_month:%b %Y} to {out}; "
        f"widest gap: {widest_gap_words(result) or 'none'} (Baseline median).{synthetic}"
    )


def _coverage(summary: pd.DataFrame) -> str:
    """'90% band 89/94/95%, 50% band 55/71/79%, error 0.9/1.3/1.7%' over the horizons."""

    def joined(column: str) -> str:
        return "/".join(f"{v:.0f}" if column != "mape" else f"{v:.1f}" for v in summary[column])

    return (
        f"90% band held {joined('coverage_90')}%, 50% band {joined('coverage_50')}%, "
        f"median off by {joined('mape')}% (1/2/3 years)"
    )


def _backtest(engine, args: argparse.Namespace, codes, seed: int, out) -> str:
    from kpi.exports.tables import csv_bytes
    from kpi.plan.backtest import backtest, backtest_table
    from kpi.plan.inputs import resolve_scope

    code, level = resolve_scope(engine, args.scope)
    checked = backtest(engine, code, codes, seed=seed)
    table = backtest_table(checked.after, level == "trust")
    write_out(out, csv_bytes(table), "plan")
    if checked.empty:
        return f"Wrote no backtest rows for {code} to {out}: no start has 3 years of staff in post after it."
    widened = f"widened {checked.scale:.2f} times" if checked.widened else "not widened"
    starts = int(checked.summary_after["starts"].max())
    return (
        f"Wrote {len(table):,} backtest rows for {code} ({starts} starts) "
        f"to {out}. As measured: {_coverage(checked.summary_before)}; band {widened}; after: "
        f"{_coverage(checked.summary_after)}."
    )


def run(args: argparse.Namespace) -> int:
    """Project, backtest or measure the levers, and write the CSV."""
    from kpi.exports.tables import csv_bytes
    from kpi.plan import DEFAULT_SEED, PlanError, UnknownName, run_plan
    from kpi.plan.inputs import download_table
    from kpi.plan.sensitivity import shown

    if args.years is None and not args.backtest:
        raise CommandError(f"{PROG} plan: --years is required (1 to 10) unless --backtest", code=2)
    out = writable_out(args.out)
    codes = [c for text in args.profession or [] for c in text.split(",") if c.strip()] or None
    engine = migrated_engine()
    seed = DEFAULT_SEED if args.seed is None else args.seed
    try:
        if args.backtest:
            say(_backtest(engine, args, codes, seed, out))
            return 0
        result = run_plan(engine, args.scope, codes, args.years, args.scenario or [], args.runs, seed)
    except UnknownName as exc:
        raise CommandError(f"{PROG} plan: {exc}", code=2) from None
    except PlanError as exc:
        raise CommandError(str(exc)) from None
    if args.sensitivity:
        table = shown(result.sensitivity, result.trust_level)
        write_out(out, csv_bytes(table), "plan")
        top = table.iloc[0]
        say(
            f"Wrote {len(table):,} rows of levers for {result.inputs.scope} by {args.years} years to {out}; "
            f"largest for all professions: {top['input']} ({top['moved_by']} either way)."
        )
        return 0
    table = download_table(result)
    write_out(out, csv_bytes(table), "plan")
    say(_summary(result, len(table), out))
    return 0
