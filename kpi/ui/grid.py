"""The board's grid on a page (kpi.reading.grid): KPIs by organisation, each cell its reading's value and
icons, a link to that chart; sorted and filtered as chosen (kept in the URL); on a phone a list per
organisation instead; with its downloads (CSV, XLSX, PNG, SVG). The KPI grid page and the Overview draw it
with this one function."""

from __future__ import annotations

import functools
import html
from typing import Literal
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from kpi import charts
from kpi.exports import images
from kpi.exports import tables as export
from kpi.figures import scopes
from kpi.reading import grid as kpi_grid
from kpi.reading.model import Reading
from kpi.reading.scorecard import card_reading
from kpi.selection import filters
from kpi.ui import loaders, url_state
from kpi.ui.database import db
from kpi.ui.widgets import csv_download, filter_words, image_caption, narrow_only, provenance, wide_only

SORTS = {kpi_grid.ATTENTION: "Needs attention first", kpi_grid.NAME: "KPI name (A to Z)"}
FLAGS = ("provisional month", "stale", "commentary not reviewed")
_STYLE = """<style>
.kpi-grid-wrap { overflow-x: auto; max-width: 100%; }
table.kpi-grid caption, .kpi-grid-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
table.kpi-grid { border-collapse: collapse; font-size: 0.85rem; }
table.kpi-grid th, table.kpi-grid td { border: 1px solid #AEB7BD; padding: 0.35rem 0.5rem;
  vertical-align: top; }
table.kpi-grid thead th { background: #E8EDEE; text-align: left; }
table.kpi-grid tbody th { text-align: left; font-weight: 600; position: sticky; left: 0;
  background: #FFFFFF; min-width: 11rem; }
table.kpi-grid td a { display: block; min-width: 8rem; min-height: 24px; color: #212B32;
  text-decoration: none; }
table.kpi-grid td a:focus-visible { outline: 3px solid #FFB81C; outline-offset: 1px; }
table.kpi-grid td a:hover strong { text-decoration: underline; }
table.kpi-grid td.attention { background: #FFF4E5; }
.kpi-grid-icons img { margin-right: 0.25rem; vertical-align: middle; }
.kpi-grid-flag { display: block; color: #8A1538; font-weight: 600; }
.kpi-grid-list li { margin-bottom: 0.4rem; }
.kpi-grid-list a { display: inline-block; min-height: 24px; }
</style>"""


def grid_cells(sel: filters.Selection, scope: str) -> tuple[list[str], dict[tuple[str, str], kpi_grid.Cell]]:
    """The grid's columns with data for `scope` and every cell, from the readings under the selection
    (its period, professions and provisional months): the same readings every other view shows."""
    columns = loaders.grid_columns(db(), scope)
    collaboratives = loaders.collaborative_codes(db())
    flt = sel.to_kpi_filter()
    readings = {}
    for code in columns:
        level = scopes.level_of(code, collaboratives)
        readings[code] = loaders.readings(
            db(), scopes.scope_filter(flt, code, level), code, sel.include_provisional
        )
    reviewed = kpi_grid.reviewed_flags(readings, loaders.review_states(db(), tuple(columns)))
    cells = kpi_grid.cells(readings, reviewed)
    return kpi_grid.with_data(columns, cells), cells


def _href(reading: Reading, trust: bool) -> str:
    """The link to the reading's SPC chart with the shared filters in force; a trust's chart on the
    Trusts page with that trust chosen (and a collaborative filter it is not in dropped)."""
    kpi = reading.kpi
    params = url_state.drill_params(kpi.code, kpi.workstream_code, reading.scope_code, trust)
    if trust:
        chosen = params.get("trust", [])
        params["trust"] = chosen if reading.scope_code in chosen else [*chosen, reading.scope_code]
        members = loaders.filter_choices(db()).trusts_by_collaborative
        if any(reading.scope_code not in members.get(collab, ()) for collab in params.get("collab", [])):
            params.pop("collab")
    return f"{'trusts' if trust else 'workstreams'}?{urlencode(params, doseq=True)}"


def _flags(cell: kpi_grid.Cell) -> list[str]:
    """What marks a cell besides its icons: 'provisional month', 'stale', 'commentary not reviewed'."""
    return [reason for reason in cell.reasons() if reason in FLAGS]


def _cell_html(cell: kpi_grid.Cell, trust: bool) -> str:
    """A cell's link, named by its content (WCAG 2.5.3: the words seen are in the name heard): the KPI,
    organisation and month for a screen reader, then the figure, its reading in words and its flags."""
    reading = cell.reading
    words = card_reading(reading)
    flags = _flags(cell)
    context = f"{reading.kpi.name}, {reading.scope_name}, {reading.month_text}: "
    icons = (
        f'<img src="{reading.variation_icon(24)}" alt="" width="24" height="24">'
        f'<img src="{reading.assurance_icon(24)}" alt="" width="24" height="24">'
    )
    flag = f'<span class="kpi-grid-flag">{html.escape(", ".join(flags))}.</span>' if flags else ""
    return (
        f'<a href="{html.escape(_href(reading, trust))}" target="_self">'
        f'<span class="kpi-grid-hidden">{html.escape(context)}</span>'
        f"<strong>{html.escape(reading.value_text)}</strong> "
        f'<span class="kpi-grid-icons">{icons}</span><br><span>{html.escape(words)}.</span> {flag}'
        '<span class="kpi-grid-hidden"> Open the chart.</span></a>'
    )


def _table_html(
    grid: dict[tuple[str, str], kpi_grid.Cell], codes: list[str], columns: list[str], shown: str, label: str
) -> str:
    names = loaders.scope_names(db())
    collaboratives = loaders.collaborative_codes(db())
    head = "".join(f'<th scope="col">{html.escape(names.get(s, s))}</th>' for s in columns)
    rows = []
    for code in codes:
        tds = []
        for scope in columns:
            cell = grid.get((code, scope))
            if cell is None or not kpi_grid.keep(cell, shown):
                tds.append('<td><span aria-label="Not shown">–</span></td>')
                continue
            trust = scopes.level_of(scope, collaboratives) == "trust"
            attention = ' class="attention"' if cell.reasons() else ""
            tds.append(f"<td{attention}>{_cell_html(cell, trust)}</td>")
        name = grid[next((code, s) for s in columns if (code, s) in grid)].reading.kpi.name
        rows.append(f'<tr><th scope="row">{html.escape(name)}</th>{"".join(tds)}</tr>')
    return (
        f'{_STYLE}<div class="kpi-grid-wrap" role="region" aria-label="{html.escape(label)}" tabindex="0">'
        f'<table class="kpi-grid"><caption>{html.escape(label)}</caption>'
        f'<thead><tr><th scope="col">KPI</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _lists_html(
    grid: dict[tuple[str, str], kpi_grid.Cell], codes: list[str], columns: list[str], shown: str
) -> str:
    """A phone's grid: one list per organisation, each KPI a link to its chart with its figure and icons
    in words."""
    names = loaders.scope_names(db())
    collaboratives = loaders.collaborative_codes(db())
    parts = [_STYLE]
    for scope in columns:
        trust = scopes.level_of(scope, collaboratives) == "trust"
        items = []
        for code in codes:
            cell = grid.get((code, scope))
            if cell is None or not kpi_grid.keep(cell, shown):
                continue
            reading = cell.reading
            why = f" ({', '.join(_flags(cell))})" if _flags(cell) else ""
            items.append(
                f'<li><a href="{html.escape(_href(reading, trust))}" target="_self">'
                f"{html.escape(reading.kpi.name)}</a>: {html.escape(reading.value_text)}, "
                f"{html.escape(card_reading(reading))}{html.escape(why)}</li>"
            )
        if items:
            name = html.escape(names.get(scope, scope))
            parts.append(
                f'<details><summary>{name} ({len(items)} KPIs)</summary><ul class="kpi-grid-list" '
                f'aria-label="{name}">{"".join(items)}</ul></details>'
            )
    return "".join(parts)


def show_grid(sel: filters.Selection, scope: str, *, key: str) -> None:
    """The grid for `scope`: controls (sort, show, workstream; kept in the URL), the table (a list per
    organisation on a phone) and the downloads."""
    kpis = loaders.kpis(db())
    names = loaders.scope_names(db())
    stream_names = loaders.workstream_names(db())
    columns, grid = grid_cells(sel, scope)
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"{key}_controls"):
        shown = url_state.page_choice(
            "Show",
            list(kpi_grid.FILTERS),
            key=f"{key}_show",
            url_name=f"{key}_show",
            format_func=kpi_grid.FILTERS.__getitem__,
        )
        sort_by = url_state.page_choice(
            "Sort by",
            [*SORTS, *columns],
            key=f"{key}_sort",
            url_name=f"{key}_sort",
            format_func=lambda c: SORTS.get(c) or f"{names.get(c, c)}: concerns first",
        )
        stream = url_state.page_choice(
            "Workstream",
            ["all", *stream_names],
            key=f"{key}_workstream",
            url_name=f"{key}_workstream",
            format_func=lambda c: "Every workstream" if c == "all" else stream_names[c],
        )
    codes = [code for code, kpi in kpis.items() if stream == "all" or kpi.workstream_code == stream]
    codes = [c for c in codes if any(kpi_grid.keep(grid[(c, s)], shown) for s in columns if (c, s) in grid)]
    codes = kpi_grid.sort_kpis(grid, codes, sort_by)
    label = f"KPIs by organisation, {names.get(scope, scope)}: {kpi_grid.FILTERS[shown].lower()}"
    if not codes:
        st.info(
            f"No KPI here is '{kpi_grid.FILTERS[shown].lower()}'. Choose 'Every KPI' to see them all.",
            icon=":material/filter_alt_off:",
        )
    else:
        st.caption(
            f"{len(codes)} KPIs by {len(columns)} organisations. Each cell is the latest complete month's "
            "figure with its variation and assurance icons; shaded cells need attention (a concern, a "
            "target failed or at risk, a stale or provisional month, commentary not reviewed). Open a "
            "cell for its SPC chart."
        )
        with wide_only(f"{key}_grid"):
            st.html(_table_html(grid, codes, columns, shown, label))
        with narrow_only(f"{key}_grid"):
            st.html(_lists_html(grid, codes, columns, shown))
    long = export.grid_table(grid, {code: kpis[code] for code in codes}, columns, stream_names)
    picture = [(kpis[code].name, [_cell(grid, code, s, shown) for s in columns]) for code in codes]
    _downloads(sel, scope, long, picture, [names.get(s, s) for s in columns], key)


def _cell(grid: dict[tuple[str, str], kpi_grid.Cell], code: str, scope: str, shown: str) -> Reading | None:
    cell = grid.get((code, scope))
    return cell.reading if cell is not None and kpi_grid.keep(cell, shown) else None


def _downloads(
    sel: filters.Selection,
    scope: str,
    long: pd.DataFrame,
    picture: list[tuple[str, list[Reading | None]]],
    headers: list[str],
    key: str,
) -> None:
    """The grid as CSV and XLSX (one row per KPI and organisation) and as a PNG or SVG picture."""
    if long.empty:
        return
    names = loaders.scope_names(db())
    words = filter_words(sel)
    scope_name = names.get(scope, scope)
    stem = charts.file_stem("kpi-grid", scope, *words.stem_parts())
    title = words.titled(f"KPIs by organisation, {scope_name}, {words.period}")
    synthetic = bool(loaders.data_status(db()).any_synthetic)
    made = provenance(sel, scope=scope_name, synthetic=synthetic)
    with st.container(horizontal=True, gap="small", key=f"{key}_downloads"):
        csv_download("Grid (CSV)", long, f"{stem}.csv", title=title, key=f"{key}_csv", provenance=made)
        st.download_button(
            "Grid (XLSX)",
            data=functools.partial(export.grid_xlsx, long, title, provenance=made),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:",
            on_click="ignore",
            type="tertiary",
            key=f"{key}_xlsx",
        )
        available, _reason = images.images_available()
        if not available:
            return
        caption = image_caption(title, scope_name, sel=sel, synthetic=synthetic)
        formats: tuple[tuple[Literal["png", "svg"], str], ...] = (
            ("png", "image/png"),
            ("svg", "image/svg+xml"),
        )
        for fmt, mime in formats:
            st.download_button(
                f"Grid ({fmt.upper()})",
                data=functools.partial(_grid_image, picture, headers, title, fmt, caption),
                file_name=f"{stem}.{fmt}",
                mime=mime,
                icon=":material/image:",
                on_click="ignore",
                type="tertiary",
                key=f"{key}_{fmt}",
            )


def _grid_image(
    picture: list[tuple[str, list[Reading | None]]],
    headers: list[str],
    title: str,
    fmt: Literal["png", "svg"],
    caption: images.ImageCaption,
) -> bytes:
    figure = charts.grid_figure(picture, headers, title=title)
    return images.chart_image(figure, fmt, caption=caption, width=int(figure.layout.width))
