"""Checking and normalising what is passed to :func:`kpi.spc.xmr` (ValueError on invalid arguments)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kpi.spc.codes import ACCUMULATIONS

_IMPROVEMENT_ALIASES = {
    "up": "up",
    "increase": "up",
    "higher": "up",
    "down": "down",
    "decrease": "down",
    "lower": "down",
    "neither": "neither",
    "neutral": "neither",
}

_CONFLICT_VALUES = ("concern", "improvement")


def normalise_improvement(improvement: str) -> str:
    key = str(improvement).strip().lower() if improvement is not None else ""
    if key not in _IMPROVEMENT_ALIASES:
        raise ValueError(f"improvement must be 'up', 'down' or 'neither', not {improvement!r}")
    return _IMPROVEMENT_ALIASES[key]


def normalise_accumulation(accumulation: str) -> str:
    key = str(accumulation).strip().lower() if accumulation is not None else ""
    if key not in ACCUMULATIONS:
        raise ValueError(f"accumulation must be one of {', '.join(ACCUMULATIONS)}, not {accumulation!r}")
    return key


def normalise_conflict(conflict: str) -> str:
    key = str(conflict).strip().lower() if conflict is not None else ""
    if key not in _CONFLICT_VALUES:
        raise ValueError(f"conflict must be 'concern' or 'improvement', not {conflict!r}")
    return key


def check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)


def to_values(values: Any) -> np.ndarray:
    if values is None:
        return np.array([], dtype=float)
    if isinstance(values, (str, bytes)):
        raise ValueError("values must be a sequence of numbers, not a string")
    items = list(values.tolist() if isinstance(values, (np.ndarray, pd.Series, pd.Index)) else values)
    out = np.empty(len(items), dtype=float)
    for i, item in enumerate(items):
        if item is None or item is pd.NA or item is pd.NaT:
            out[i] = np.nan
            continue
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"values[{i}] is a boolean ({item!r}); expected a number")
        try:
            out[i] = float(item)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"values[{i}] is not a number: {item!r}") from exc
    return out


def to_dates(dates: Any, n: int) -> pd.DatetimeIndex:
    if dates is None:
        return pd.DatetimeIndex([pd.NaT] * n)
    if isinstance(dates, (str, bytes)):
        raise ValueError("dates must be a sequence of dates, not a string")
    items = list(dates)
    if len(items) != n:
        raise ValueError(f"dates has {len(items)} items but values has {n}; they must be the same length")
    try:
        return pd.DatetimeIndex(pd.to_datetime(pd.Series(items, dtype=object), errors="raise"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dates could not be read as dates: {exc}") from exc


def to_target(target: Any) -> float | None:
    if target is None:
        return None
    if isinstance(target, (bool, np.bool_)):
        raise ValueError(f"target must be a number, not {target!r}")
    try:
        t = float(target)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target must be a number, not {target!r}") from exc
    if math.isnan(t):
        return None
    if math.isinf(t):
        raise ValueError("target must be finite")
    return t
