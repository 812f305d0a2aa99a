"""The target in force for a KPI and scope in a month: the catalogue's, unless the lead set a target from a
month on for that scope (kpi.notes.chart_settings), the latest such month not after it. The one place the
catalogue's target is read for a view: every view asks the reading, which asks this."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from kpi.notes.chart_settings import ChartSettings
from kpi.reference.catalogue import KPI
from kpi.words.formats import direction_words, format_target, month_label


@dataclass(frozen=True)
class Target:
    """A target in force: its value (None: no target) and, when the lead set it from a month, that month
    and the reason given."""

    value: float | None
    since: pd.Timestamp | None = None
    reason: str = ""
    catalogue: float | None = None  # the catalogue's target, for saying what a dated one replaced

    def text(self, unit: str) -> str:
        """'6%', '' without a target."""
        return "" if self.value is None else format_target(self.value, unit)

    def words(self, unit: str) -> str:
        """'Target 6% from Apr 2026 (the catalogue's is 7.5%)', 'Target 7.5%', 'No target'."""
        if self.value is None:
            return "No target" if self.since is None else f"No target from {month_label(self.since)}"
        text = f"Target {format_target(self.value, unit)}"
        if self.since is None:
            return text
        was = (
            f" (the catalogue's is {format_target(self.catalogue, unit)})"
            if self.catalogue is not None
            else ""
        )
        return f"{text} from {month_label(self.since)}{was}"


def dated_targets(settings: ChartSettings | None) -> list[tuple[pd.Timestamp, float, str]]:
    """The lead's targets from a month, oldest first."""
    return sorted((settings or ChartSettings()).targets, key=lambda item: item[0])


def target_in_force(kpi: KPI, settings: ChartSettings | None, month: pd.Timestamp | None) -> Target:
    """The target in force in `month` (the latest dated target when `month` is None)."""
    return target_at(target_steps(kpi, settings), month)


def target_steps(kpi: KPI, settings: ChartSettings | None) -> tuple[Target, ...]:
    """The catalogue's target, then each dated target from its month on, oldest first."""
    first = Target(kpi.catalogue_target, catalogue=kpi.catalogue_target)
    return (
        first,
        *(Target(v, since, why, kpi.catalogue_target) for since, v, why in dated_targets(settings)),
    )


def target_at(steps: Sequence[Target], month: pd.Timestamp | None) -> Target:
    """The step of `steps` (target_steps) in force in `month` (the last step when None)."""
    current = steps[0]
    for step in steps[1:]:
        if month is None or (step.since is not None and step.since <= month):
            current = step
    return current


def target_sentence(kpi: KPI, target: Target) -> str:
    """'Target 6% from Apr 2026 (the catalogue's is 7.5%); lower is better.' or 'Higher is better.'"""
    direction = direction_words(kpi.improvement)
    if target.value is None and target.since is None:
        return f"{direction}." if direction else ""
    words = target.words(kpi.unit)
    return f"{words}; {direction[:1].lower()}{direction[1:]}." if direction else f"{words}."


def targets_sentence(
    kpi: KPI, scopes: Sequence[tuple[str, tuple[Target, ...]]], month: pd.Timestamp | None
) -> str:
    """The targets in force in `month` of the scopes a chart draws ((scope name, target_steps) each):
    one sentence when they share their targets ('Target 7.5%; lower is better.'), else each scope's
    ('Targets: C&M 6% from Apr 2026 (...), CMAST 7.5%; lower is better.')."""
    if not scopes:
        return ""
    first = scopes[0][1]
    if all(steps == first for _, steps in scopes):
        return target_sentence(kpi, target_at(first, month))
    each = ", ".join(
        f"{name} {target_at(steps, month).words(kpi.unit).removeprefix('Target ')}" for name, steps in scopes
    )
    direction = direction_words(kpi.improvement)
    return f"Targets: {each}; {direction[:1].lower()}{direction[1:]}." if direction else f"Targets: {each}."


def target_path(steps: Sequence[Target], months: Iterable[pd.Timestamp]) -> pd.Series:
    """The target in force in each of `months` (NaN where there is none): what a chart draws."""
    index = pd.DatetimeIndex(sorted(set(months)))
    values = [target_at(steps, month).value for month in index]
    return pd.Series([float("nan") if v is None else v for v in values], index=index, dtype=float)


def engine_targets(settings: ChartSettings | None) -> Sequence[tuple[pd.Timestamp, float]]:
    """The dated targets as kpi.spc.xmr takes them ((month, value) pairs)."""
    return [(since, value) for since, value, _ in dated_targets(settings)]


__all__ = [
    "Target",
    "dated_targets",
    "engine_targets",
    "target_at",
    "target_in_force",
    "target_path",
    "target_sentence",
    "target_steps",
    "targets_sentence",
]
