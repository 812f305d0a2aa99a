"""Cached loaders: the figures and reference data pages read, cached until the data changes. Each run
first reads the database's data version (kpi.ui.database.clear_caches_if_data_changed, one primary-key
read) and clears these caches when a write was committed anywhere since this process last looked: an
import in another server process or from the command line shows at the next rerun, and nothing is
recomputed while nothing was written. A size bound, not a time limit, keeps them small.

Every loader takes the database URL as its first argument so that cached results never cross databases
(tests run many in one process). Most are one line: `_loader(queries.x)` caches `queries.x(*args,
engine=...)` as `x(db_url, *args)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pandas as pd
import streamlit as st

from kpi import reading
from kpi.exports import board_pack
from kpi.figures import queries, scopes
from kpi.figures.freshness import freshness as kpi_freshness
from kpi.figures.queries import KPIFilter
from kpi.notes import annotations as kpi_annotations
from kpi.notes import chart_settings, commentary
from kpi.plan import assumptions as plan_assumptions
from kpi.plan.backtest import Backtest, backtest
from kpi.plan.inputs import DEFAULT_SEED, PlanResult
from kpi.plan.run import run_plan
from kpi.reading import grid, load, targets, window
from kpi.reference.catalogue import KPI
from kpi.selection import filters
from kpi.store.db import get_engine
from kpi.ui import shared
from kpi.words.formats import month_key
from kpi.words.frames import records

CACHE_TTL = None  # no time limit: the caches are cleared when the data version changes
MAX_ENTRIES = 256
T = TypeVar("T")


def _cached(func: Callable[..., T]) -> Callable[..., T]:
    return st.cache_data(ttl=CACHE_TTL, max_entries=MAX_ENTRIES, show_spinner=False)(func)


def _loader(query: Callable[..., T]) -> Callable[..., T]:
    """A cached loader of `query(*args, engine=...)`, called as `loader(db_url, *args)`."""

    def load(db_url: str, *args: Any) -> T:
        return query(*args, engine=get_engine(db_url))

    # Streamlit keys a cache by the function's module, qualified name and source: the name keeps the
    # loaders' caches apart (they share one source).
    load.__name__ = load.__qualname__ = query.__name__
    load.__doc__ = query.__doc__
    return _cached(load)


data_status = _loader(queries.data_status)
_series = _loader(queries.kpi_series)  # (db_url, flt, level)
profession_breakdown = _loader(queries.profession_breakdown)  # (db_url, flt)
catalogue = _loader(queries.kpi_catalogue)
trusts = _loader(queries.trusts)
memberships = _loader(queries.memberships)
professions = _loader(queries.professions)
workstreams = _loader(queries.workstreams)
collaboratives = _loader(queries.collaboratives)
milestones = _loader(queries.milestones)
milestone_history = _loader(queries.milestone_history)
successions = _loader(queries.successions)
scope_spans = _loader(queries.scope_spans)


def history(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    """Every month of a KPI series at `level` for the filter's trusts, collaboratives and professions,
    whatever its period: the one aggregation a page's charts, readings and latest values come from.
    Changing the period reads nothing again."""
    every_month = queries.relevant_filter(flt, level).but(
        period_from=None, period_to=None, default_period=False
    )
    return _series(db_url, every_month, level)


def series(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    """A KPI series at `level` in each KPI's window: the period chosen, or each KPI's own default
    (kpi.reading.window), from `history`."""
    rows = history(db_url, flt, level)
    if flt.kpis is not None or flt.workstreams is not None:
        rows = rows[rows["kpi_code"].isin(_kpis_in(db_url, flt))]
    return window.clip(rows, windows(db_url, flt))


def _kpis_in(db_url: str, flt: KPIFilter) -> list[str]:
    """The KPI codes the filter's KPIs and workstreams allow."""
    return [
        code
        for code, kpi in kpis(db_url).items()
        if (flt.kpis is None or code in flt.kpis)
        and (flt.workstreams is None or kpi.workstream_code in flt.workstreams)
    ]


def windows(db_url: str, flt: KPIFilter) -> reading.Window | dict[str, reading.Window]:
    """The period of every KPI's chart: the one chosen, or each KPI's own default."""
    if not flt.default_period:
        return reading.chosen_window(flt.period_from, flt.period_to)
    return {
        code: reading.default_window(months.latest_complete, months.newest)
        for code, months in kpi_months(db_url).items()
    }


@_cached
def kpi_months(db_url: str) -> dict[str, reading.KPIMonths]:
    """Each KPI's newest month with system data and its latest complete month: where its default period
    ends (kpi.reading.window)."""
    return load.kpi_months(get_engine(db_url))


def readings(
    db_url: str, flt: KPIFilter, scope: str, include_provisional: bool = False
) -> dict[str, reading.Reading]:
    """The reading of every KPI for one scope under the filter's period and professions (the one source
    of what each view says; cached per filter that matters for the scope). Shared, not copied: a page
    asks for a scope's readings once per chart, and st.cache_data would unpickle all 22 each time (and
    keep a copy per session in every download button that holds one), so they are kept once per process
    (st.cache_resource) and must never be changed; cleared with the other caches when the data change."""
    level = scopes.level_of(scope, collaborative_codes(db_url))
    scope_flt = scopes.scope_filter(queries.relevant_filter(flt, level), scope, level)
    return _readings(
        db_url, scope_flt.but(workstreams=None, kpis=None), level, scope, include_provisional, dt.date.today()
    )


@st.cache_resource(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _readings(
    db_url: str, flt: KPIFilter, level: queries.Level, scope: str, include: bool, today: dt.date
) -> dict[str, reading.Reading]:
    """Every KPI's reading for one scope (see `readings`)."""
    rows = history(db_url, flt, level)
    scoped = rows[rows["scope_code"] == scope]
    events: tuple[tuple[pd.Timestamp, str], ...] = ()
    if not scoped.empty:
        found = scope_events(db_url, (scope,), scoped["period"].min(), scoped["period"].max())
        events = tuple((event.month, event.label) for event in found if event.steps)
    fresh = freshness(db_url, today)
    return reading.read_scope(
        rows,
        kpis(db_url),
        scope,
        scope_names(db_url).get(scope, scope),
        window=None if flt.default_period else reading.chosen_window(flt.period_from, flt.period_to),
        months=kpi_months(db_url),
        include_provisional=include,
        settings=settings_by_kpi(db_url, scope),
        rebase=rebase_months(db_url),
        decided=decided_by_kpi(db_url, scope),
        events=events,
        freshness={str(row["kpi_code"]): row for row in records(fresh)},
    )


@_cached
def kpis(db_url: str) -> dict[str, KPI]:
    """The catalogue as KPI objects, in catalogue order."""
    return {row["code"]: KPI.from_row(row) for row in records(catalogue(db_url))}


@_cached
def rebase_months(db_url: str) -> dict[str, list[pd.Timestamp]]:
    """Months from which each KPI's SPC limits are recalculated (from the catalogue)."""
    return load.rebase_months(get_engine(db_url))


@_cached
def settings_by_kpi(db_url: str, scope: str) -> dict[str, chart_settings.ChartSettings]:
    """The lead's SPC chart settings for one scope, by KPI code (only KPIs with some)."""
    return chart_settings.settings_by_kpi(get_engine(db_url), scope)


@_cached
def target_steps(db_url: str, scope: str) -> dict[str, tuple[reading.Target, ...]]:
    """Each KPI's targets for one scope (the catalogue's, then the lead's from a month on): what a trend
    chart draws and says, without reading the whole KPI (kpi.reading.targets)."""
    settings = settings_by_kpi(db_url, scope)
    return {code: targets.target_steps(kpi, settings.get(code)) for code, kpi in kpis(db_url).items()}


@_cached
def decided_by_kpi(db_url: str, scope: str) -> dict[str, set[pd.Timestamp]]:
    """The months whose suggested recalculation the lead accepted or dismissed, by KPI, for one scope."""
    return chart_settings.decided_by_kpi(get_engine(db_url), scope)


@_cached
def all_annotations(db_url: str) -> pd.DataFrame:
    """Every annotation in force, all KPIs and scopes, oldest month first."""
    engine = get_engine(db_url)
    return kpi_annotations.annotations_for(engine, list(kpis(db_url)), None)


@_cached
def commentary_for(db_url: str, kpi_code: str, scope: str, month: dt.date) -> commentary.CommentaryView:
    """The month's commentary on one KPI and scope (an earlier month's as a draft, if none)."""
    return commentary.commentary_for(get_engine(db_url), kpi_code, scope, month)


@_cached
def review_states(db_url: str, scope_codes: tuple[str, ...]) -> pd.DataFrame:
    """Every commentary of the scopes with whether its current version is reviewed
    (kpi.notes.commentary.review_states)."""
    return commentary.review_states(get_engine(db_url), list(scope_codes))


@_cached
def grid_columns(db_url: str, scope: str) -> list[str]:
    """The board grid's columns for a scope (kpi.reading.grid.grid_columns), before those without data
    are left out."""
    return grid.grid_columns(scope, collaborative_codes(db_url), trusts(db_url), memberships(db_url))


def collaborative_codes(db_url: str) -> list[str]:
    """The collaboratives' codes, in reference order."""
    return list(collaboratives(db_url)["code"])


@_cached
def scope_names(db_url: str) -> dict[str, str]:
    """Display names for every scope code: the system, the collaboratives, each trust."""
    frame = trusts(db_url)
    short_names = dict(zip(frame["ods_code"], frame["short_name"], strict=True))
    return scopes.scope_names(collaborative_codes(db_url), short_names)


@_cached
def workstream_names(db_url: str) -> dict[str, str]:
    frame = workstreams(db_url)
    return dict(zip(frame["code"], frame["name"], strict=True))


@_cached
def profession_names(db_url: str) -> dict[str, str]:
    frame = professions(db_url)
    return dict(zip(frame["code"], frame["name"], strict=True))


def _ordered_trusts(trust_frame: pd.DataFrame, codes: set[str] | pd.Series) -> tuple[str, ...]:
    """`codes` with members first, then system partners, then merged trusts; by name within each."""
    role = dict(zip(trust_frame["ods_code"], trust_frame["role"], strict=True))
    short = dict(zip(trust_frame["ods_code"], trust_frame["short_name"], strict=True))
    return tuple(sorted(set(codes), key=lambda code: scopes.trust_sort_key(role[code], short[code])))


def _confirmed(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a memberships or successions frame that apply (planned ones are notes)."""
    return frame[frame["status"] == "confirmed"]


@_cached
def filter_choices(db_url: str) -> filters.FilterChoices:
    status = data_status(db_url)
    months: tuple[dt.date, ...] = ()
    if status.first_period and status.last_period:
        months = tuple(d.date() for d in pd.date_range(status.first_period, status.last_period, freq="MS"))
    trust_frame = trusts(db_url)
    by_collab = {
        cast(str, code): _ordered_trusts(trust_frame, set(group["trust_code"]))
        for code, group in _confirmed(memberships(db_url)).groupby("collaborative_code")
    }
    return filters.FilterChoices(
        months=months,
        collaboratives=tuple(collaborative_codes(db_url)),
        trusts=_ordered_trusts(trust_frame, trust_frame["ods_code"]),
        trusts_by_collaborative=by_collab,
        professions=tuple(professions(db_url)["code"]),
        trust_names=dict(zip(trust_frame["ods_code"], trust_frame["short_name"], strict=True)),
        profession_names=profession_names(db_url),
    )


@_cached
def trust_labels(db_url: str) -> dict[str, str]:
    """'Alder Hey (RBS)', 'NWAS (RX7, system partner)', 'Southport and Ormskirk (RVY, merged)' by code."""
    return {
        cast(str, row.ods_code): scopes.trust_label(
            cast(str, row.short_name), cast(str, row.ods_code), cast(str, row.role)
        )
        for row in trusts(db_url).itertuples()
    }


def trust_label(db_url: str, code: str) -> str:
    return trust_labels(db_url).get(code, code)


def trust_collaboratives(db_url: str) -> dict[str, list[str]]:
    """Each trust's collaboratives (none for a system partner or a merged trust)."""
    frame = trusts(db_url)
    return dict(zip(frame["ods_code"], frame["collaboratives"], strict=True))


shared.CLEARS.append(_readings.clear)


@_cached
def scope_events(
    db_url: str, scope_codes: tuple[str, ...], first: pd.Timestamp, last: pd.Timestamp
) -> tuple[scopes.ScopeEvent, ...]:
    """The confirmed mergers and membership changes a chart of `scope_codes` from `first` to `last`
    marks (see scopes.scope_events)."""
    return scopes.scope_events(
        scope_codes,
        collaborative_codes(db_url),
        records(successions(db_url)),
        records(memberships(db_url)),
        system_spans=records(scope_spans(db_url)),
        first_month=first,
        last_month=last,
        trust_names=filter_choices(db_url).trust_names,
    )


@_cached
def pack_months(db_url: str, scope: str) -> list[str]:
    """'YYYY-MM' keys of the months with data for a board-pack scope, newest first."""
    return [month_key(m) for m in reversed(board_pack.scope_months(get_engine(db_url), scope))]


def pack_scopes(db_url: str) -> list[str]:
    """The scopes a board pack can be built for: the system, the collaboratives, then the trusts in the
    filter bar's order, merged trusts left out."""
    frame = trusts(db_url)
    roles = dict(zip(frame["ods_code"], frame["role"], strict=True))
    return scopes.pack_scopes(collaborative_codes(db_url), filter_choices(db_url).trusts, roles)


def pack_scope_labels(db_url: str) -> dict[str, str]:
    """How the board pack's scope choice names each scope."""
    return scopes.pack_scope_labels(collaborative_codes(db_url), trust_labels(db_url))


@_cached
def freshness(db_url: str, today: dt.date) -> pd.DataFrame:
    """Each KPI's latest complete month and whether it is stale (kpi.figures.freshness.freshness)."""
    return kpi_freshness(get_engine(db_url), today)


@_cached
def workforce_plan(
    db_url: str, scope: str, professions: tuple[str, ...], years: int, scenarios: tuple[str, ...]
) -> PlanResult:
    """The workforce projection (kpi.plan.run.run_plan, default runs and seed) for a scope, the
    professions given (all when empty), a horizon and the scenarios named (Baseline always first), with
    the band calibrated by the scope's backtest (cached apart: it does not depend on the rest)."""
    checked = plan_backtest(db_url, scope)
    return run_plan(get_engine(db_url), scope, professions or None, years, scenarios, checked=checked)


@_cached
def plan_backtest(db_url: str, scope: str) -> Backtest:
    """The scope's backtest and band calibration (kpi.plan.backtest, the plan's default seed)."""
    return backtest(get_engine(db_url), scope, None, seed=DEFAULT_SEED)


def plan_scopes(db_url: str) -> list[str]:
    """The scopes the workforce plan projects: the system, the collaboratives, every member trust."""
    frame = trusts(db_url)
    roles = dict(zip(frame["ods_code"], frame["role"], strict=True))
    return scopes.plan_scopes(collaborative_codes(db_url), filter_choices(db_url).trusts, roles)


@_cached
def plan_scenario_names(db_url: str) -> list[str]:
    """Every scenario but Baseline: the shipped ones, then those the lead saved."""
    return [s.name for s in plan_assumptions.all_scenarios(get_engine(db_url))][1:]
