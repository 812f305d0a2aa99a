"""The projection checked against the past, and its band calibrated by that check.

For every start month with HORIZON_YEARS (3) years of complete staff in post after it, the projection is
made from the data available then (kpi.plan.inputs.plan_inputs with `as_of`; the assumptions are those
in force now: their history before the first edit is not known) and each profession's actual staff in
post 1, 2 and 3 years on is compared with the projected band: inside the middle 50 % (p25 to p75), inside
the 90 % (p05 to p95), and the absolute percentage error of the median.

Calibration: a band that covers far less than it claims is widened. For each backtest case, the factor
that would just bring the actual inside the 90 % band is |actual - median| / (the band's half on the
actual's side); the band scale is the 90th percentile of those factors at the horizon that needs most,
never below 1 (a band is widened, never narrowed). Every spread is multiplied by it
(PlanInputs.band_scale), and the backtest is run again with it so that the page shows how the widened
band did. The scale is fitted on the same past it is checked on: an in-sample check, said so in the words.

A backtest is kept in the process for its database, arguments and data version (which every write
bumps, kpi.store.db.data_version), so the page, the board pack and the command line make it once per data.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from kpi.plan.inputs import actual_stock, plan_inputs_history
from kpi.plan.model import PERCENTILES, PlanInputs, suppress_small, year_end_bands
from kpi.store.db import data_version
from kpi.words.formats import month_key

HORIZON_YEARS = 3
HORIZONS = tuple(range(1, HORIZON_YEARS + 1))
BACKTEST_RUNS = 400  # enough for the 5th and 95th percentiles of each case
COVERAGE_TARGET = 0.90
BACKTEST_COLUMNS = [
    "start_month",
    "horizon",
    "profession",
    "actual",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
    "inside_50",
    "inside",
]
SUMMARY_COLUMNS = [
    "horizon",
    "starts",
    "cases",
    "inside_50",
    "inside_90",
    "coverage_50",
    "coverage_90",
    "mape",
]


def start_months(stock: pd.DataFrame) -> list[pd.Timestamp]:
    """The months with HORIZON_YEARS years of complete staff in post after them (`stock`: one column per
    profession, complete months as the index)."""
    months = set(stock.index)
    return [m for m in sorted(months) if m + pd.DateOffset(years=HORIZON_YEARS) in months]


def _cases(inputs: PlanInputs, stock: pd.DataFrame, runs: int, seed: int) -> pd.DataFrame:
    """One start's rows: each profession with staff in post at the start, at each horizon."""
    bands = year_end_bands(inputs, HORIZON_YEARS, runs, seed)  # (5, horizon, profession)
    start = inputs.start_month
    rows = []
    for horizon in HORIZONS:
        month = start + pd.DateOffset(years=horizon)
        for i, code in enumerate(inputs.codes):
            actual = cast(float, stock.at[month, code]) if code in stock.columns else np.nan  # FTE
            if not inputs.profession(code).stock_fte > 0 or pd.isna(actual):
                continue
            rows.append(
                {
                    "start_month": start,
                    "horizon": horizon,
                    "profession": code,
                    "actual": float(actual),
                    **{f"p{p:02d}": float(bands[k, horizon - 1, i]) for k, p in enumerate(PERCENTILES)},
                }
            )
    return pd.DataFrame(rows)


def run_backtest(
    history: Sequence[PlanInputs],
    stock: pd.DataFrame,
    scale: float = 1.0,
    runs: int = BACKTEST_RUNS,
    seed: int = 0,
) -> pd.DataFrame:
    """The backtest of the inputs made at each past start (`history`) against the actual staff in post
    (`stock`), with every spread times `scale`: BACKTEST_COLUMNS, one row per start, horizon and
    profession. `inside` is the 90 % band."""
    frames = [_cases(dataclasses.replace(inputs, band_scale=scale), stock, runs, seed) for inputs in history]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    frame["inside_50"] = (frame["actual"] >= frame["p25"]) & (frame["actual"] <= frame["p75"])
    frame["inside"] = (frame["actual"] >= frame["p05"]) & (frame["actual"] <= frame["p95"])
    return frame[BACKTEST_COLUMNS]


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per horizon: the starts, the cases (starts x professions), how many fell inside the 50 % and
    90 % bands, their shares, and the mean absolute percentage error of the median (%)."""
    rows = []
    for horizon in HORIZONS:
        mine = frame[frame["horizon"] == horizon]
        error = (mine["p50"] - mine["actual"]).abs() / mine["actual"] * 100
        cases = len(mine)
        rows.append(
            {
                "horizon": horizon,
                "starts": mine["start_month"].nunique(),
                "cases": cases,
                "inside_50": int(mine["inside_50"].sum()),
                "inside_90": int(mine["inside"].sum()),
                "coverage_50": mine["inside_50"].mean() * 100 if cases else np.nan,
                "coverage_90": mine["inside"].mean() * 100 if cases else np.nan,
                "mape": error.mean() if cases else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def needed_scale(frame: pd.DataFrame) -> np.ndarray:
    """For each case, the factor on the band's half (on the actual's side of the median) that would
    just bring the actual inside the 90 % band: 0 for an actual on the median, inf for a band of no
    width that misses."""
    above = frame["actual"] >= frame["p50"]
    half = np.where(above, frame["p95"] - frame["p50"], frame["p50"] - frame["p05"]).astype(float)
    miss = (frame["actual"] - frame["p50"]).abs().to_numpy(dtype=float)
    return np.divide(miss, half, out=np.where(miss > 0, np.inf, 0.0), where=half > 0)


def calibration_scale(frame: pd.DataFrame, target: float = COVERAGE_TARGET) -> float:
    """The band scale that brings the 90 % band's coverage to `target` at every horizon (the largest
    of the horizons' `target` quantiles of needed_scale), never below 1; 1 with no cases."""
    scales = [1.0]
    for horizon in HORIZONS:
        needed = needed_scale(frame[frame["horizon"] == horizon])
        finite = needed[np.isfinite(needed)]
        if len(finite):
            quantile = float(np.quantile(needed, target, method="inverted_cdf"))
            scales.append(quantile if np.isfinite(quantile) else float(finite.max()))
    return max(scales)


def backtest_table(frame: pd.DataFrame, trust_level: bool) -> pd.DataFrame:
    """A backtest's rows as a download: the start month as YYYY-MM, figures to one decimal or, at trust
    level, '<5' and rounded to 5 (model.SUPPRESSION_RULE: a check of a small profession must not give
    its figures away)."""
    figures = ["actual", "p05", "p25", "p50", "p75", "p95"]
    out = frame.assign(start_month=[month_key(m) for m in frame["start_month"]]).round(
        dict.fromkeys(figures, 1)
    )
    if trust_level:
        out = suppress_small(out, figures, trust_level=True)
    return out[BACKTEST_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class Backtest:
    """The backtest before and after calibration: `before` with the spreads as measured, `after` with
    them times `scale`; `summary_before` and `summary_after` per horizon (SUMMARY_COLUMNS)."""

    scale: float
    before: pd.DataFrame
    after: pd.DataFrame

    @property
    def summary_before(self) -> pd.DataFrame:
        return summary(self.before)

    @property
    def summary_after(self) -> pd.DataFrame:
        return summary(self.after)

    @property
    def widened(self) -> bool:
        return self.scale > 1.0

    @property
    def empty(self) -> bool:
        return self.before.empty


def past_inputs(
    engine: Engine, scope: str, professions: Sequence[str] | None
) -> tuple[list[PlanInputs], pd.DataFrame]:
    """The inputs a projection made at each past start would have had, and the actual staff in post
    (complete months by profession)."""
    stock = actual_stock(engine, scope)
    return plan_inputs_history(engine, scope, professions, start_months(stock)), stock


_KEPT: dict[tuple, Backtest] = {}
_KEPT_MAX = 32
_kept_lock = threading.Lock()


def backtest(
    engine: Engine,
    scope: str,
    professions: Sequence[str] | None = None,
    runs: int = BACKTEST_RUNS,
    seed: int = 0,
) -> Backtest:
    """The backtest of `scope` (kpi.plan.inputs.resolve_scope's names) and its calibration; the one
    made before for the same database, arguments and data version when there is one (shared: read it,
    do not change it)."""
    chosen = None if professions is None else tuple(professions)
    key = (engine.url.render_as_string(), scope, chosen, runs, seed, data_version(engine))
    with _kept_lock:
        kept = _KEPT.get(key)
    if kept is not None:
        return kept
    made = _backtest(engine, scope, professions, runs, seed)
    with _kept_lock:
        for older in [k for k in _KEPT if k[:-1] == key[:-1]]:  # another data version's
            del _KEPT[older]
        while len(_KEPT) >= _KEPT_MAX:
            del _KEPT[next(iter(_KEPT))]  # the first kept
        _KEPT[key] = made
    return made


def _backtest(
    engine: Engine, scope: str, professions: Sequence[str] | None, runs: int, seed: int
) -> Backtest:
    history, stock = past_inputs(engine, scope, professions)
    before = run_backtest(history, stock, 1.0, runs, seed)
    scale = calibration_scale(before) if not before.empty else 1.0
    after = run_backtest(history, stock, scale, runs, seed) if scale > 1.0 else before
    return Backtest(scale=scale, before=before, after=after)


__all__ = [
    "BACKTEST_COLUMNS",
    "HORIZONS",
    "Backtest",
    "backtest",
    "backtest_table",
    "calibration_scale",
    "needed_scale",
    "past_inputs",
    "run_backtest",
    "start_months",
    "summary",
]
