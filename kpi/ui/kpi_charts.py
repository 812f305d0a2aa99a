"""KPI charts on a page: a trend of several scopes or the SPC chart of one (kpi_panel chooses, as the
page's chart view asks), each with its downloads, its reading and an explanation when there is nothing to
draw; and the trend/SPC switch kept in the URL."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import cast

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import charts
from kpi.exports import tables as export
from kpi.figures import provisional, queries, scopes
from kpi.notes import annotations as kpi_annotations
from kpi.reading import Reading, chart_text
from kpi.reading.chart_text import ChartIcon, ChartWords
from kpi.reading.targets import Target, target_path, targets_sentence
from kpi.reference.catalogue import KPI
from kpi.selection import filters
from kpi.ui import chart_notes, loaders, shared, url_state
from kpi.ui.database import db
from kpi.ui.widgets import (
    explain_empty,
    filter_words,
    how_to_read_charts,
    image_caption,
    provenance,
    show_chart,
)
from kpi.words.formats import format_value, month_label


@dataclasses.dataclass(frozen=True)
class _TrendView:
    """A trend chart as a page shows it, made once per data and kept in the cache: the figure as Plotly's
    dictionary of it (read back from the cache in a tenth of the time of a figure) and its sentences (one
    per line drawn). Its data table is made only when opened."""

    spec: dict
    sentences: tuple[str, ...]


# The views are shared, not copied (st.cache_resource): st.cache_data would unpickle a figure per run and
# keep a copy per session, and every copy lengthens the garbage collector's walk in an ageing process.
# They are read-only (charts.from_spec and for_screen build a new figure from them) and cleared with the
# other caches when the data change (kpi.ui.shared).
@st.cache_resource(ttl=loaders.CACHE_TTL, max_entries=1024, show_spinner=False)
def _trend_view(
    kpi: KPI,
    data: pd.DataFrame,
    names: tuple[tuple[str, str], ...],
    order: tuple[str, ...],
    title: str,
    height: int,
    y_max: float | None,
    events: tuple[scopes.ScopeEvent, ...] = (),
    notes: tuple[tuple[pd.Timestamp, str], ...] = (),
    targets: tuple[tuple[str, tuple[tuple[pd.Timestamp, float], ...]], ...] = (),
) -> _TrendView:
    """Cached: a rerun, a new visitor, or a filter change back to a view seen before builds no figure
    and writes no sentence again. `targets`: each scope's target in force by month (from its reading)."""
    named = dict(names)
    figure = charts.trend_figure(
        data,
        kpi,
        named,
        title=title,
        scope_order=list(order),
        height=height,
        y_max=y_max,
        events=events,
        notes=notes,
        targets={name: _path(points) for name, points in targets},
    )
    return _TrendView(
        spec=figure.to_dict(),
        sentences=tuple(chart_text.trend_sentences(data, kpi, named, order)),
    )


def _path(points: tuple[tuple[pd.Timestamp, float], ...]) -> pd.Series:
    """A target path back from its hashable form."""
    return pd.Series([v for _, v in points], index=pd.DatetimeIndex([m for m, _ in points]), dtype=float)


def scope_targets(
    kpi: KPI, scope_codes: Sequence[str], names: dict[str, str]
) -> list[tuple[str, str, tuple[Target, ...]]]:
    """The targets of `kpi` for each scope a chart draws, (code, name, target steps): the same steps its
    readings have (kpi.reading.targets), without reading each scope's KPIs in full for a trend."""
    return [(code, names.get(code, code), loaders.target_steps(db(), code)[kpi.code]) for code in scope_codes]


def chart_events(scope_codes: Sequence[str], data: pd.DataFrame) -> tuple[scopes.ScopeEvent, ...]:
    """The confirmed mergers and membership changes a chart of `scope_codes` over the months of `data`
    marks."""
    if data.empty:
        return ()
    return loaders.scope_events(
        db(), tuple(scope_codes), pd.Timestamp(data["period"].min()), pd.Timestamp(data["period"].max())
    )


def _explain_no_data(kpi: KPI, sel: filters.Selection | None, where: str) -> None:
    """Where a chart would be: why there is nothing to draw (a profession filter on a KPI not collected
    by profession, or simply no data for `where`)."""
    if sel and sel.professions and not kpi.by_profession:
        explain_empty(f"{kpi.name} is not collected by profession; clear the profession filter to see it.")
    else:
        explain_empty(f"No {kpi.name_in_sentence} data for {where}.")


def kpi_chart(
    kpi: KPI,
    data: pd.DataFrame,
    *,
    names: dict[str, str],
    scope_order: Sequence[str],
    stem: str,
    key: str,
    title: str | None = None,
    height: int = 360,
    y_max: float | None = None,
    sel: filters.Selection | None = None,
) -> None:
    """A KPI's trend chart with its downloads, or a short explanation when there is nothing to draw:
    no data at all, a KPI not collected by profession under a profession filter, or a single month.
    `y_max` puts charts shown side by side on one scale; `sel` (the filters in force) captions images."""
    title = title or kpi.title_with_unit
    if data.empty:
        _explain_no_data(kpi, sel, "this selection and period")
        return
    if data["period"].nunique() == 1:
        month = month_label(data["period"].iloc[0])
        values = ", ".join(
            f"{names.get(cast(str, row.scope_code), cast(str, row.scope_code))} "
            f"{format_value(cast(float, row.value), kpi.unit, kpi.decimals)}"
            for row in data.itertuples()
        )
        explain_empty(
            f"Only one month of {kpi.name_in_sentence} data in this period ({month}: {values}); "
            "a trend needs at least two months. Widen the period in the sidebar."
        )
        return
    order = tuple(code for code in scope_order if code in set(data["scope_code"]))
    events = chart_events(order, data)
    notes = chart_annotations(kpi, order, data)
    marks = kpi_annotations.marks(notes)
    steps = scope_targets(kpi, order, names)
    months = pd.DatetimeIndex(data["period"].unique())
    # target_path is indexed by month (a DatetimeIndex) and holds float targets.
    targets = tuple(
        (name, cast(tuple[tuple[pd.Timestamp, float], ...], tuple(target_path(scope, months).items())))
        for _, name, scope in steps
    )
    view = _trend_view(
        kpi, data, tuple(sorted(names.items())), order, title, height, y_max, events, marks, targets
    )
    shown = ", ".join(names.get(code, code) for code in order)
    hollow = provisional.CHART_NOTE if provisional.flags(data).any() else ""
    events_words = scopes.events_sentence(events)
    notes_words = charts.annotation_sentence(marks)
    marked = " ".join(filter(None, (events_words, notes_words, hollow)))
    words = ChartWords(
        heading=title,
        sentences=view.sentences,
        notes=tuple(
            filter(
                None,
                (
                    targets_sentence(kpi, [(name, scope) for _, name, scope in steps], months.max()),
                    events_words,
                    notes_words,
                ),
            )
        ),
        table=functools.partial(chart_text.trend_table, data, kpi, names, order),
        kind="Line chart",
        listed=True,
    )
    synthetic = bool(data["synthetic"].any())
    missing = [names.get(code, code) for code in scope_order if code not in order]
    if missing:
        explain_empty(
            f"No {kpi.name_in_sentence} data for {_and_list(missing)} in this selection and period, "
            f"so the chart shows only {shown}."
        )
    show_chart(
        charts.from_spec(view.spec),
        functools.partial(
            export.chart_table,
            data,
            kpi,
            names,
            kpi_annotations.with_events(notes, kpi.code, events),
            {code: scope for code, _, scope in steps},
        ),
        words=words,
        stem=stem,
        synthetic=synthetic,
        key=key,
        title=f"{title}: {shown}",
        caption=image_caption(title, shown, sel=sel, source=kpi.source, synthetic=synthetic, notes=marked),
        provenance=provenance(sel, scope=shown, source=kpi.source, synthetic=synthetic),
    )


def chart_annotations(kpi: KPI, scope_codes: Sequence[str], data: pd.DataFrame) -> pd.DataFrame:
    """The lead's annotations a chart of `kpi` over `scope_codes` shows: every-scope ones and those of a
    scope drawn, within the chart's months."""
    notes = kpi_annotations.on_chart(loaders.all_annotations(db()), kpi.code, tuple(scope_codes))
    if data.empty:
        return notes.iloc[0:0]
    return kpi_annotations.in_months(notes, data["period"].min(), data["period"].max())


def _and_list(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


VIEWS = {"trend": "Trend", "spc": "SPC (Making Data Count)"}


def chart_view(key: str) -> str:
    """The page's choice between plain trend charts and SPC charts, kept in the URL as ?view=spc."""
    return url_state.page_choice(
        "Charts",
        list(VIEWS),
        key=key,
        url_name="view",
        format_func=VIEWS.__getitem__,
        widget="segmented",
        help="SPC shows each KPI as an XmR chart with NHS England's Making Data Count rules: grey points are "
        "common cause; blue improvement, orange concern, purple neither; icons summarise the latest "
        "month and whether the target will be met.",
    )


def chart_controls(prefix: str, scopes: Sequence[str], names: dict[str, str]) -> tuple[str, str | None]:
    """The trend/SPC switch and, in SPC view, which scope to chart: (view, SPC scope or None)."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        view = chart_view(f"{prefix}_view")
        if view != "spc":
            return view, None
        scope = url_state.page_choice(
            "SPC for",
            scopes,
            key=f"{prefix}_spc_scope",
            url_name="spc_scope",
            format_func=lambda code: names.get(code, code),
            widget="segmented",
        )
    how_to_read_charts()
    return view, scope


@dataclasses.dataclass(frozen=True)
class _SPCView:
    """An SPC chart as the page shows it: the figure for the screen (no title, words or icons inside:
    they are text beside it), the figure for images (all of them inside) and its data table."""

    screen: go.Figure
    image: go.Figure
    table: pd.DataFrame


@st.cache_resource(ttl=loaders.CACHE_TTL, max_entries=1024, show_spinner=False)
def _spc_view(
    db_url: str,
    flt: queries.KPIFilter,
    scope: str,
    kpi_code: str,
    include_provisional: bool,
    title: str | None,
    height: int,
    text_width: int,
    events: tuple[scopes.ScopeEvent, ...] = (),
    notes: tuple[tuple[pd.Timestamp, str], ...] = (),
) -> _SPCView:
    """Cached: the figures of one reading (loaders.readings), made once per data and view."""
    reading = loaders.readings(db_url, flt, scope, include_provisional)[kpi_code]

    def figure(**inside: object) -> go.Figure:
        return charts.spc_figure(
            reading,
            title=title,
            height=height,
            text_width=text_width,
            events=events,
            notes=notes,
            **inside,  # type: ignore[arg-type]  # the two callers pass spc_figure's keyword flags
        )

    assert reading.result is not None
    return _SPCView(
        screen=figure(words="", icons=False),
        image=figure(words=reading.sentence),
        table=chart_text.spc_table(reading.result, reading.dates, reading.rows, reading.kpi),
    )


shared.CLEARS.extend([_trend_view.clear, _spc_view.clear])


def spc_icons(reading: Reading) -> tuple[ChartIcon, ...]:
    """The variation and assurance icons of an XmR chart, each with its name as the reading gives it
    (none for a run chart or a trend, whose sentence says why)."""
    if reading.chart_type != "xmr":
        return ()
    return (
        ChartIcon("Variation", reading.variation_icon(32), reading.variation_label),
        ChartIcon("Assurance", reading.assurance_icon(32), reading.assurance_label),
    )


def spc_chart(
    kpi: KPI,
    *,
    scope: str,
    names: dict[str, str],
    stem: str,
    key: str,
    sel: filters.Selection,
    title: str | None = None,
    height: int = 440,
    narrow: bool = False,
) -> None:
    """A KPI's SPC chart for one scope, drawn from its reading, with its downloads, or an explanation.
    `narrow` for a chart that shares the row with another (its title and words wrap sooner)."""
    scope_name = names.get(scope, scope)
    flt = sel.to_kpi_filter()
    include = sel.include_provisional
    reading = loaders.readings(db(), flt, scope, include)[kpi.code]
    data = reading.rows
    if data.empty:
        _explain_no_data(kpi, sel, f"{scope_name} in this period")
        return
    if len(data) == 1 or reading.result is None:
        row = data.iloc[-1]
        explain_empty(
            f"Only one month of {kpi.name_in_sentence} data for {scope_name} "
            f"({month_label(row['period'])}: {format_value(row['value'], kpi.unit, kpi.decimals)}); "
            "an SPC chart needs at least two complete months. Widen the period in the sidebar."
        )
        return
    events = chart_events([scope], data)
    notes = chart_annotations(kpi, [scope], data)
    marks = kpi_annotations.marks(notes)
    view = _spc_view(db(), flt, scope, kpi.code, include, title, height, 60 if narrow else 120, events, marks)
    synthetic = reading.synthetic
    heading = title or f"{kpi.title_with_unit}: {scope_name}"
    kind = "SPC" if kpi.is_monthly else "trend"  # rolling and year-to-date figures get no SPC rules
    hollow = ""
    if provisional.flags(data).any():
        hollow = provisional.SPC_INCLUDED_NOTE if include else provisional.SPC_EXCLUDED_NOTE
    events_words = scopes.events_sentence(events)
    notes_words = charts.annotation_sentence(marks)
    marked = " ".join(filter(None, (events_words, notes_words, hollow)))
    words = ChartWords(
        heading=f"{heading} ({charts.spc_kind(reading.chart_type or 'run')})",
        sentences=(reading.value_sentence, reading.sentence),
        notes=tuple(filter(None, (hollow, events_words, notes_words, reading.target_sentence))),
        table=view.table,
        icons=spc_icons(reading),
        kind="SPC chart" if kind == "SPC" else "Line chart",
    )
    show_chart(
        view.screen,
        functools.partial(
            export.spc_chart_table, reading, names, kpi_annotations.with_events(notes, kpi.code, events)
        ),
        words=words,
        stem=stem,
        synthetic=synthetic,
        image_figure=view.image,
        key=key,
        title=f"{heading} ({kind}). {reading.sentence}",
        caption=image_caption(
            f"{heading} ({kind})",
            scope_name,
            sel=sel,
            source=kpi.source,
            synthetic=synthetic,
            notes=marked,
        ),
        provenance=provenance(sel, scope=scope_name, source=kpi.source, synthetic=synthetic),
    )
    assert reading.result is not None
    for note in (*reading.result.notes, *reading.refused):
        st.caption(note)
    chart_notes.below_spc_chart(reading, sel=sel, events=events, key=key)


def kpi_panel(
    kpi: KPI,
    data: pd.DataFrame,
    *,
    view: str,
    sel: filters.Selection,
    names: dict[str, str],
    scope_order: Sequence[str],
    spc_scope: str | None,
    key: str,
    title: str | None = None,
    height: int = 360,
    y_max: float | None = None,
    narrow: bool = False,
) -> None:
    """One KPI as the page's chart view asks: a trend of every scope in `scope_order`, or the SPC
    chart of `spc_scope`. Titles, captions, CSV rows and file names say which filters shaped the chart
    (professions, the trusts and collaborative drawn, the period). `narrow` for charts side by side."""
    if view == "spc" and spc_scope is not None:
        # One scope: the filters that shape it are the professions and period (and the trust, when the
        # scope is a chosen trust); the collaborative and other trusts change nothing in it.
        shaping = dataclasses.replace(
            sel, collaborative=None, trusts=(spc_scope,) if spc_scope in sel.trusts else ()
        )
        words = filter_words(shaping)
        heading = title or f"{kpi.title_with_unit}: {names.get(spc_scope, spc_scope)}"
        spc_chart(
            kpi,
            scope=spc_scope,
            names=names,
            stem=charts.file_stem(
                kpi.code, "SPC", spc_scope, *dataclasses.replace(words, trust_codes=()).stem_parts()
            ),
            key=f"{key}_spc",
            title=words.titled(heading),
            height=max(height, 440),
            sel=shaping,
            narrow=narrow,
        )
        return
    # Several scopes: the chosen trusts drawn and a collaborative that chose which lines are drawn
    # shape the chart; a system or collaborative line is the same whichever trusts are chosen.
    chose_lines = sel.collaborative in scope_order and len(scope_order) > 1
    shaping = dataclasses.replace(
        sel,
        trusts=tuple(code for code in sel.trusts if code in scope_order),
        collaborative=sel.collaborative if chose_lines else None,
    )
    words = filter_words(shaping)
    in_scopes = dataclasses.replace(words, collaborative=None, trust_codes=())  # the scopes name them
    kpi_chart(
        kpi,
        data,
        names=names,
        scope_order=scope_order,
        key=key,
        title=words.titled(title or kpi.title_with_unit),
        height=height,
        y_max=y_max,
        stem=charts.file_stem(kpi.code, tuple(scope_order), *in_scopes.stem_parts()),
        sel=shaping,
    )
