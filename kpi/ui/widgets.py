"""Display helpers shared by pages: a chart with its downloads (CSV, PNG, SVG), a table's CSV download,
what a download says about itself (caption, provenance), the 'Showing …' line, empty-state notes, and a
KPI's definition and the key to the charts, one click away."""

from __future__ import annotations

import functools
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import charts, export, filters, images
from kpi.formats import KPI, direction_words, format_target, month_key, month_label
from kpi.icons import CHART_MARKS, icon_key
from kpi.labels import FilterWords, describe
from kpi.ui import loaders
from kpi.ui.database import db

_IMAGES: tuple[tuple[Literal["png", "svg"], str], ...] = (("png", "image/png"), ("svg", "image/svg+xml"))


def image_caption(
    title: str,
    scope: str,
    *,
    sel: filters.Selection | None = None,
    source: str = "",
    synthetic: bool,
    notes: str = "",
) -> images.ImageCaption:
    """What a downloaded chart image says about itself: title, scope and filters, period, source, data
    as at, what the chart marks (`notes`) and whether the data is synthetic. `sel` is the selection that
    shaped the chart."""
    words = filter_words(sel) if sel is not None else None
    status = loaders.data_status(db())
    return images.ImageCaption(
        title=title,
        scope=scope,
        filters=words.filters_text() if words else "none",
        period=words.period if words else "",
        source=source,
        data_as_at=month_label(status.last_period) if status.last_period else "",
        synthetic=synthetic,
        notes=notes,
    )


def filter_words(sel: filters.Selection) -> FilterWords:
    """The selection in words (trust and profession names), for titles, captions and CSV columns."""
    choices = loaders.filter_choices(db())
    return describe(sel, trust_names=choices.trust_names, profession_names=choices.profession_names)


def provenance(
    sel: filters.Selection | None, *, scope: str = "", source: str = "", synthetic: bool
) -> export.Provenance:
    """What every row of a downloaded table says about where it comes from: scope, the filters that
    shaped it (`sel`), source, data as at (the latest month in the database) and synthetic or not."""
    status = loaders.data_status(db())
    return export.Provenance(
        scope=scope,
        filters=filter_words(sel) if sel is not None else None,
        source=source,
        data_as_at=month_key(status.last_period) if status.last_period else "",
        synthetic=synthetic,
    )


def shown_line(sel: filters.Selection, *, scope: str | None = None) -> None:
    """The 'Showing …' line of a page: professions, trusts or scope, collaborative and period."""
    st.caption(filter_words(sel).showing(scope), help="Change the filters in the sidebar.")


def show_chart(
    figure: go.Figure,
    data: pd.DataFrame,
    *,
    stem: str,
    alt: str,
    synthetic: bool,
    key: str,
    title: str | None = None,
    caption: images.ImageCaption | None = None,
    provenance: export.Provenance | None = None,
) -> None:
    """A chart with its downloads: the modebar camera (2x PNG, meaningful name) for a quick grab; a
    'Download data (CSV)' of exactly the rows the chart shows, each row carrying `provenance` (scope,
    filters, period, source, data as at, synthetic); and, given a caption, PNG (2x) and SVG images made
    on the server that carry their own caption. Files are made only when clicked."""
    st.plotly_chart(figure, config=charts.plotly_config(stem), key=f"chart_{key}", alt=alt)
    with st.container(horizontal=True, gap="small", key=f"downloads_{key}"):
        csv_download(
            "Download data (CSV)",
            data,
            f"{stem}.csv",
            synthetic=synthetic,
            title=title,
            key=f"csv_{key}",
            provenance=provenance,
        )
        if caption is None:
            return
        available, reason = images.images_available()
        if not available:
            st.caption(reason)
            return
        for fmt, mime in _IMAGES:
            st.download_button(
                f"Image ({fmt.upper()})",
                data=functools.partial(images.chart_image, figure, fmt, caption=caption),
                file_name=f"{stem}.{fmt}",
                mime=mime,
                icon=":material/image:",
                key=f"{fmt}_{key}",
                on_click="ignore",
                type="tertiary",
                help="An image made on the server with its own caption: title, scope, filters, period, "
                "source and data as at.",
            )


def csv_download(
    label: str,
    frame: pd.DataFrame,
    file_name: str,
    *,
    synthetic: bool = False,
    title: str | None = None,
    key: str | None = None,
    provenance: export.Provenance | None = None,
) -> None:
    """A 'Download ... (CSV)' button for a table: a tidy CSV (header first, figures as numbers) that is
    Excel-ready and formula-safe, every row carrying `provenance`; without one, a synthetic table still
    says so in every row. `title` says what the file holds, on hovering the button. The file is built
    only when clicked."""
    if provenance is None and synthetic:
        provenance = export.Provenance(synthetic=True)
    st.download_button(
        label,
        data=functools.partial(export.csv_bytes, frame, provenance=provenance),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        type="tertiary",
        key=key,
        help=(title + (". Every row says its filters, source and data date." if provenance else ""))
        if title
        else None,
    )


def table_height(rows: int, row_height: int = 35) -> int:
    """A dataframe height that shows every row (up to 25) without an inner scroll bar."""
    return (min(rows, 25) + 1) * row_height + 3


def explain_empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def kpi_intro(kpi: KPI) -> None:
    """The line above a KPI chart: what it measures, with the full definition one click away."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(kpi.definition)
        definition_popover(kpi)


def definition_popover(kpi: KPI) -> None:
    """The KPI's definition, one click away."""
    with st.popover("Definition", icon=":material/info:"):
        st.markdown(f"**{kpi.name}**")
        st.text(kpi.definition)
        if kpi.rollup == "ratio":
            st.text(f"Numerator: {kpi.numerator_definition}\nDenominator: {kpi.denominator_definition}")
            st.caption("Rolled up as the sum of numerators over the sum of denominators.")
        else:
            st.caption("Rolled up by adding trusts' figures.")
        target = f"Target {format_target(kpi.target, kpi.unit)}. " if kpi.target is not None else ""
        st.caption(
            f"{direction_words(kpi.improvement)}. {target}Source: {kpi.source}. Frequency: {kpi.frequency}."
        )


def how_to_read_charts() -> None:
    """The key to the Making Data Count icons and the marks on an SPC chart, one click away: on the
    Overview and wherever SPC charts are shown."""
    with st.expander("How to read these charts", icon=":material/help:"):
        for row in icon_key(size=36):
            icon, words = st.columns([1, 18], vertical_alignment="center", gap="small")
            icon.image(row["icon"], width=36)
            words.markdown(f"**{row['kind']} {row['letter']}: {row['name']}.** {row['meaning']}")
        st.markdown("\n".join(f"- **{mark}**: {meaning}" for mark, meaning in CHART_MARKS))
        st.caption(
            "Variation is read from the latest month; assurance needs a target. Every icon carries a "
            "letter and its name in words, so nothing depends on colour alone."
        )
