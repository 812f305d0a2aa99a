"""The board's grid: every KPI (rows) for a scope's trusts, its collaboratives and the system (columns),
each cell the reading of that KPI and scope: its latest complete value, its variation and assurance icons,
and whether it is provisional or stale. Built from the readings only, so a cell never says what the
reading does not; kpi.exports.tables.grid_table writes it as one row per KPI and scope (the CSV and XLSX: icon
codes and their words in columns of their own, so it pivots back in Excel), and
kpi.exports.board_pack.grid_section as the packs' table.

What needs attention (a concern, a target failed or at risk, a stale or provisional month, commentary not
reviewed) comes first, in the grid and in the packs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from kpi.figures.scopes import trust_sort_key
from kpi.reading.model import PRIORITY, Reading
from kpi.reference.membership import SYSTEM_CODE
from kpi.words.frames import records

ATTENTION, NAME = "attention", "name"  # the sort orders besides a column's
FILTERS = {
    "all": "Every KPI",
    "attention": "Needs attention",
    "concern": "Only concern",
    "failing": "Only failing target",
}


@dataclass(frozen=True)
class Cell:
    """One KPI for one scope, as the grid shows it (from its reading)."""

    reading: Reading
    reviewed: bool | None = None  # None: no commentary for the month; False: commentary not reviewed

    @property
    def concern(self) -> bool:
        return str(self.reading.variation or "").startswith("concern")

    @property
    def failing(self) -> bool:
        return self.reading.assurance == "fail"

    def _checks(self) -> list[tuple[str, str]]:
        """Why this cell needs attention: (short words, full words) for each reason; none without a figure
        (nothing to read: the KPI is not collected there, or not yet)."""
        reading = self.reading
        out: list[tuple[str, str]] = []
        if reading.latest is None:
            return out
        if self.concern:
            out.append(("concern", reading.variation_label))
        if reading.assurance == "fail":
            out.append(("failing target", reading.assurance_label))
        elif reading.assurance == "hit_or_miss":
            out.append(("target at risk", reading.assurance_label))
        if reading.stale:
            out.append(("stale", reading.as_at))
        if reading.provisional_note:
            out.append(("provisional month", reading.provisional_note))
        if self.reviewed is False:
            out.append(("commentary not reviewed", "Commentary written, not yet reviewed"))
        return out

    def reasons(self) -> list[str]:
        """Why this cell needs attention, in short words ('concern', 'failing target', 'target at risk',
        'stale', 'provisional month', 'commentary not reviewed'); [] when nothing."""
        return [short for short, _full in self._checks()]

    def reasons_in_full(self) -> list[str]:
        """The same reasons as the packs give them: 'Special cause concern (high)', 'Data as at Aug 2026
        — stale: Sep 2026 expected by now', ..."""
        return [full for _short, full in self._checks()]


def cells(
    readings: Mapping[str, Mapping[str, Reading]], reviewed: Mapping[tuple[str, str], bool] | None = None
) -> dict[tuple[str, str], Cell]:
    """Every (KPI code, scope code) cell from the scopes' readings (scope -> KPI code -> reading); with
    `reviewed` ((KPI, scope) -> whether the month's commentary is reviewed)."""
    reviewed = reviewed or {}
    return {
        (code, scope): Cell(reading, reviewed.get((code, scope)))
        for scope, by_kpi in readings.items()
        for code, reading in by_kpi.items()
    }


def kpi_order(grid: Mapping[tuple[str, str], Cell], kpis: Sequence[str]) -> list[str]:
    """The KPIs, those with a cell that needs attention first (the more cells, the earlier), otherwise in
    catalogue order."""
    counts = dict.fromkeys(kpis, 0)
    for (code, _scope), cell in grid.items():
        if code in counts and cell.reasons():
            counts[code] += 1
    place = {code: n for n, code in enumerate(kpis)}
    return sorted(kpis, key=lambda code: (-counts[code], place[code]))


def sort_kpis(grid: Mapping[tuple[str, str], Cell], kpis: Sequence[str], sort_by: str) -> list[str]:
    """The KPIs in the order chosen: `attention` (kpi_order), `name` (A to Z), or a scope code (that
    column's readings, concerns first, then failing targets: kpi.reading.model.PRIORITY; KPIs without a
    cell there last)."""
    if sort_by == ATTENTION:
        return kpi_order(grid, kpis)
    place = {code: n for n, code in enumerate(kpis)}
    if sort_by == NAME:
        names = {code: cell.reading.kpi.name.lower() for (code, _s), cell in grid.items()}
        return sorted(kpis, key=lambda code: (names.get(code, code.lower()), place[code]))
    last = max(PRIORITY.values()) + 1
    return sorted(
        kpis,
        key=lambda code: (
            grid[(code, sort_by)].reading.priority if (code, sort_by) in grid else last,
            place[code],
        ),
    )


def with_data(columns: Sequence[str], grid: Mapping[tuple[str, str], Cell]) -> list[str]:
    """The columns with a figure for at least one KPI (a trust that merged before the window has none)."""
    shown = {scope for (_code, scope), cell in grid.items() if cell.reading.latest is not None}
    return [scope for scope in columns if scope in shown]


def reviewed_flags(
    readings: Mapping[str, Mapping[str, Reading]], states: pd.DataFrame
) -> dict[tuple[str, str], bool]:
    """(KPI, scope) -> whether the commentary of the reading's headline month is reviewed, for the cells
    whose month has commentary of its own (kpi.notes.commentary.review_states)."""
    by_key = {
        (row["kpi_code"], row["scope_code"], pd.Timestamp(row["period"])): bool(row["reviewed"])
        for row in records(states)
    }
    out = {}
    for scope, by_kpi in readings.items():
        for code, reading in by_kpi.items():
            key = (code, scope, reading.month)
            if reading.month is not None and key in by_key:
                out[(code, scope)] = by_key[key]
    return out


def keep(cell: Cell, choice: str) -> bool:
    """Whether a row filter (FILTERS) keeps a cell."""
    if choice == "attention":
        return bool(cell.reasons())
    if choice == "concern":
        return cell.concern
    if choice == "failing":
        return cell.failing
    return True


def scopes_for(
    scope: str,
    collaboratives: Sequence[str],
    members: Mapping[str, Iterable[str]],
    system_trusts: Iterable[str],
) -> list[str]:
    """The grid's columns for a scope: for the system, its trusts (`system_trusts`, in order), then the
    collaboratives and the system; for a collaborative, its trusts (`members`), then it and the system;
    for a trust, the trust, its collaboratives and the system."""
    if scope in collaboratives:
        return [*members.get(scope, ()), scope, SYSTEM_CODE]
    if scope == SYSTEM_CODE:
        return [*system_trusts, *collaboratives, SYSTEM_CODE]
    theirs = [collab for collab in collaboratives if scope in set(members.get(collab, ()))]
    return [scope, *theirs, SYSTEM_CODE]


def grid_columns(
    scope: str, collaboratives: Sequence[str], trusts: pd.DataFrame, memberships: pd.DataFrame
) -> list[str]:
    """`scopes_for` from the reference tables (kpi.figures.queries.trusts and memberships): a collaborative's
    members are its confirmed ones, the system's trusts those it counts in any month (`in_system`);
    trusts ordered as everywhere (kpi.figures.scopes.trust_sort_key)."""
    order = {
        row["ods_code"]: trust_sort_key(str(row["role"]), str(row["short_name"])) for row in records(trusts)
    }
    confirmed = memberships[memberships["status"] == "confirmed"]
    members = {
        str(collab): sorted(set(group["trust_code"]) & set(order), key=order.__getitem__)
        for collab, group in confirmed.groupby("collaborative_code")
    }
    in_system = sorted(trusts.loc[trusts["in_system"].astype(bool), "ods_code"], key=order.__getitem__)
    return scopes_for(scope, collaboratives, members, in_system)


__all__ = [
    "ATTENTION",
    "FILTERS",
    "NAME",
    "Cell",
    "cells",
    "grid_columns",
    "keep",
    "kpi_order",
    "reviewed_flags",
    "scopes_for",
    "sort_kpis",
    "with_data",
]
