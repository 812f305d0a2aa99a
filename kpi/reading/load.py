"""Reading a scope's readings straight from the database, for callers outside the app (the command line's
exports, scripts, tests): the same pieces the app's cached loaders gather (kpi.ui.loaders.readings), so a
file written here equals the one the app downloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from kpi.figures import queries, scopes
from kpi.figures.freshness import freshness, system_months
from kpi.notes import annotations as kpi_annotations
from kpi.notes.chart_settings import decided_by_kpi, settings_by_kpi
from kpi.notes.commentary import review_states
from kpi.reading import grid
from kpi.reading.build import KPIMonths, read_scope
from kpi.reading.model import Reading
from kpi.reading.window import Window
from kpi.reference.catalogue import KPI
from kpi.words.frames import records


def kpi_months(engine: Engine) -> dict[str, KPIMonths]:
    """Each KPI's newest month with system data and its latest complete month: where its default period
    ends (kpi.reading.window)."""
    months = system_months(engine)
    out = {}
    for code, rows in months.groupby("kpi_code"):
        complete = rows.loc[~rows["provisional"], "period"]
        out[str(code)] = KPIMonths(
            newest=pd.Timestamp(rows["period"].max()),
            latest_complete=pd.Timestamp(complete.max()) if not complete.empty else None,
        )
    return out


def catalogue(engine: Engine) -> dict[str, KPI]:
    """The KPI catalogue in catalogue order."""
    return {row["code"]: KPI.from_row(row) for row in records(queries.kpi_catalogue(engine))}


def rebase_months(engine: Engine) -> dict[str, list[pd.Timestamp]]:
    """The catalogue's recalculation months by KPI."""
    frame = queries.rebase_points(engine)
    return {str(code): list(group["period"]) for code, group in frame.groupby("kpi_code")}


def events_of(engine: Engine, scope: str, history: pd.DataFrame) -> tuple[tuple[pd.Timestamp, str], ...]:
    """The confirmed mergers and membership changes a chart of `scope` over the months of `history`
    marks, as (month, label) pairs for the suggestions."""
    return _event_pairs(_Changes.read(engine), scope, history)


def _event_pairs(
    changes: _Changes, scope: str, history: pd.DataFrame
) -> tuple[tuple[pd.Timestamp, str], ...]:
    if history.empty:
        return ()
    found = changes.events(scope, history["period"].min(), history["period"].max())
    return tuple((event.month, event.label) for event in found if event.steps)


def chart_annotations(engine: Engine, reading: Reading) -> pd.DataFrame:
    """What an SPC chart's CSV lists in its Annotation column, as the app gives it: the lead's
    annotations of the KPI for the scope and every scope within the chart's months, and its confirmed
    mergers and membership changes as automatic ones."""
    rows = reading.rows
    notes = kpi_annotations.on_chart(
        kpi_annotations.annotations_for(engine, [reading.kpi.code], reading.scope_code),
        reading.kpi.code,
        [reading.scope_code],
    )
    if rows.empty:
        return notes.iloc[0:0]
    first, last = rows["period"].min(), rows["period"].max()
    return kpi_annotations.with_events(
        kpi_annotations.in_months(notes, first, last),
        reading.kpi.code,
        _Changes.read(engine).events(reading.scope_code, first, last),
    )


@dataclass(frozen=True)
class _Changes:
    """The reference tables a chart's mergers and membership changes come from, read once."""

    collaboratives: list[str]
    successions: list[dict[str, Any]]
    memberships: list[dict[str, Any]]
    spans: list[dict[str, Any]]
    trust_names: dict[str, str]

    @classmethod
    def read(cls, engine: Engine) -> _Changes:
        trust_frame = queries.trusts(engine)
        return cls(
            collaboratives=list(queries.collaboratives(engine)["code"]),
            successions=records(queries.successions(engine)),
            memberships=records(queries.memberships(engine)),
            spans=records(queries.scope_spans(engine)),
            trust_names=dict(zip(trust_frame["ods_code"], trust_frame["short_name"], strict=True)),
        )

    def events(self, scope: str, first: pd.Timestamp, last: pd.Timestamp) -> tuple[scopes.ScopeEvent, ...]:
        """The confirmed mergers and membership changes a chart of `scope` from `first` to `last`
        marks."""
        return scopes.scope_events(
            [scope],
            self.collaboratives,
            self.successions,
            self.memberships,
            system_spans=self.spans,
            first_month=first,
            last_month=last,
            trust_names=self.trust_names,
        )


@dataclass(frozen=True)
class _Context:
    """What every scope's readings share: the catalogue, months, recalculations, freshness and names."""

    collaboratives: list[str]
    kpis: dict[str, KPI]
    months: dict[str, KPIMonths]
    rebase: dict[str, list[pd.Timestamp]]
    freshness: dict[str, Any]
    names: dict[str, str]
    changes: _Changes

    @classmethod
    def read(cls, engine: Engine, today: dt.date | None) -> _Context:
        changes = _Changes.read(engine)
        fresh = freshness(engine, today or dt.date.today())
        return cls(
            collaboratives=changes.collaboratives,
            kpis=catalogue(engine),
            months=kpi_months(engine),
            rebase=rebase_months(engine),
            freshness={str(row["kpi_code"]): row for row in records(fresh)},
            names=scopes.scope_names(changes.collaboratives, changes.trust_names),
            changes=changes,
        )


def _history(
    engine: Engine,
    level: queries.Level,
    professions: Sequence[str] | None,
    trusts: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    flt = queries.KPIFilter(trusts=trusts, professions=tuple(professions) if professions else None)
    return queries.kpi_series(flt, level, engine)


def _read(
    engine: Engine, context: _Context, history: pd.DataFrame, scope: str, window: Window | None, include: bool
) -> dict[str, Reading]:
    scoped = history[history["scope_code"] == scope]
    return read_scope(
        scoped,
        context.kpis,
        scope,
        context.names.get(scope, scope),
        window=window,
        months=context.months,
        include_provisional=include,
        settings=settings_by_kpi(engine, scope),
        rebase=context.rebase,
        decided=decided_by_kpi(engine, scope),
        events=_event_pairs(context.changes, scope, scoped),
        freshness=context.freshness,
    )


def readings_for(
    engine: Engine,
    scope: str,
    *,
    window: Window | None = None,
    include_provisional: bool = False,
    professions: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> dict[str, Reading]:
    """Every KPI's reading for `scope` (C&M, a collaborative or a trust code): `window` as chosen, or
    each KPI's own default period; freshness as of `today`."""
    context = _Context.read(engine, today)
    level = scopes.level_of(scope, context.collaboratives)
    history = _history(engine, level, professions, (scope,) if level == "trust" else None)
    return _read(engine, context, history, scope, window, include_provisional)


def grid_for(
    engine: Engine, scope: str, *, window: Window | None = None, today: dt.date | None = None
) -> tuple[list[str], dict[tuple[str, str], grid.Cell]]:
    """The board's grid for `scope` (kpi.reading.grid): its columns with data and every cell, from each
    column's readings under `window` (None: each KPI's default period), as the app's grid has them. One
    read of the series per level, whatever the number of columns."""
    context = _Context.read(engine, today)
    columns = grid.grid_columns(
        scope, context.collaboratives, queries.trusts(engine), queries.memberships(engine)
    )
    by_level = {code: scopes.level_of(code, context.collaboratives) for code in columns}
    histories = {level: _history(engine, level, None) for level in set(by_level.values())}
    readings = {
        code: _read(engine, context, histories[level], code, window, False)
        for code, level in by_level.items()
    }
    cells = grid.cells(readings, grid.reviewed_flags(readings, review_states(engine, columns)))
    return grid.with_data(columns, cells), cells


__all__ = [
    "catalogue",
    "chart_annotations",
    "events_of",
    "grid_for",
    "kpi_months",
    "readings_for",
    "rebase_months",
]
