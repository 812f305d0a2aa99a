"""Display helpers shared by pages: a chart with its heading, its sentences, its data table and its
downloads (CSV, PNG, SVG), a table's CSV download, what a download says about itself (caption,
provenance), the 'Showing …' line, empty-state notes, a KPI's definition and the key to the charts one
click away, and what shows on a phone and what on a wider screen."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence
from typing import Literal, cast

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kpi import charts
from kpi.exports import images
from kpi.exports import tables as export
from kpi.reading.chart_text import ChartWords
from kpi.reference.catalogue import KPI
from kpi.selection import filters
from kpi.selection.labels import FilterWords, describe
from kpi.spc.icons import CHART_MARKS, icon_key
from kpi.ui import loaders
from kpi.ui.database import db
from kpi.words.formats import direction_words, month_key, month_label
from kpi.words.text import escape_markdown

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
    data: pd.DataFrame | Callable[[], pd.DataFrame],
    *,
    words: ChartWords,
    stem: str,
    synthetic: bool,
    key: str,
    title: str | None = None,
    caption: images.ImageCaption | None = None,
    provenance: export.Provenance | None = None,
    image_figure: go.Figure | None = None,
    on_a_phone: Callable[[], None] | None = None,
) -> None:
    """A chart as every page shows one, in a container keyed `chart_block_<key>`:

    - its heading, as text above it (it wraps on a phone, where a title inside the figure is cut off);
    - what it shows in plain English (`words.sentences`; for an SPC chart the icons and their names),
      visible beside it: its text alternative, and its accessible name too (`alt`);
    - the chart itself, without Plotly's modebar (charts.app_config);
    - a "Data table" expander with the figures it draws (`words.table`), an HTML table a screen reader
      can walk, made (given a function) and drawn only when opened (keyed `table_<key>`; opening it
      reruns the page): a page of 14 charts would otherwise send and draw 14 tables on every run;
    - 'Download data (CSV)' of exactly the rows the chart shows (`data`, or a function that makes them),
      each row carrying `provenance` (scope, filters, period, source, data as at, synthetic), and, given
      a caption, PNG (2x) and SVG images made on the server from `image_figure` (the figure with its
      title and, for SPC, its reading and icons inside) that carry their own caption. Files (and the
      rows, given a function) are made only when clicked.

    `on_a_phone` draws what replaces the chart on a phone (the milestone list for the timeline)."""
    screen_style()
    with st.container(key=f"chart_block_{key}", gap="small"):
        st.markdown(f"**{escape_markdown(words.heading)}**")
        chart_sentences(words)
        with wide_only(f"chart_{key}") if on_a_phone else st.container():
            st.plotly_chart(
                charts.for_screen(figure),
                config=charts.app_config(),
                key=f"chart_{key}",
                alt=words.accessible_name,
            )
        if on_a_phone:
            with narrow_only(f"chart_{key}"):
                on_a_phone()
        if words.has_table:
            table = st.expander("Data table", icon=":material/table:", key=f"table_{key}", on_change="rerun")
            if table.open:
                table.table(words.figures())
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
                    data=functools.partial(images.chart_image, image_figure or figure, fmt, caption=caption),
                    file_name=f"{stem}.{fmt}",
                    mime=mime,
                    icon=":material/image:",
                    key=f"{fmt}_{key}",
                    on_click="ignore",
                    type="tertiary",
                    help="An image made on the server with its own caption: title, scope, filters, period, "
                    "source and data as at.",
                )


def chart_sentences(words: ChartWords) -> None:
    """A chart's sentences as visible text (a list when there is one per line drawn) and, for an SPC
    chart, its icons each with its name beside it."""
    sentences = [escape_markdown(sentence) for sentence in words.sentences]
    notes = " ".join(escape_markdown(note) for note in words.notes)
    if words.listed and len(sentences) > 1:
        st.markdown("\n".join(f"- {sentence}" for sentence in sentences) + (f"\n\n{notes}" if notes else ""))
    elif sentences or notes:
        st.markdown(" ".join(filter(None, (*sentences, notes))))
    if words.icons:
        lines = "".join(_icon_line(icon.kind, icon.uri, icon.label) for icon in words.icons)
        st.html(f'<div style="display:flex;flex-wrap:wrap;column-gap:1.5rem;row-gap:0.25rem">{lines}</div>')


def _icon_line(kind: str, uri: str, label: str) -> str:
    """An icon and its name, as one line of HTML: the icon is decorative (alt=""), its name beside it."""
    return (
        f'<p style="{_CARD_LINE};display:flex;align-items:center;gap:0.5rem">'
        f'<img src="{_html(uri)}" alt="" width="32" height="32"> '
        f"<span>{_html(kind)}: <strong>{_html(label)}</strong></span></p>"
    )


NARROW_SCREEN_PX = 640  # a phone: Streamlit stacks columns at this width too
# The bordered cards that hold a page's charts: on a phone, half their padding goes to the plot.
CHART_CARDS = ("ws_card_", "collab_card_", "trust_card_")
_CARDS = ", ".join(f'.stApp [class*="st-key-{prefix}"]' for prefix in CHART_CARDS)
_SCREEN_CSS = f"""<style data-kpi-screen-style>
/* This style element's own container: no space (no gap) in the page. */
.stApp [data-testid="stElementContainer"]:has(> [data-testid="stHtml"] [data-kpi-screen-style]) {{
  display: none;
}}
@media (max-width: {NARROW_SCREEN_PX}px) {{
  .stApp [class*="st-key-wide_only_"],
  .stApp [data-testid="stLayoutWrapper"]:has(> [class*="st-key-wide_only_"]) {{ display: none !important; }}
  {_CARDS} {{ padding: 0.5rem !important; }}
}}
@media not all and (max-width: {NARROW_SCREEN_PX}px) {{
  .stApp [class*="st-key-narrow_only_"],
  .stApp [data-testid="stLayoutWrapper"]:has(> [class*="st-key-narrow_only_"]) {{ display: none !important; }}
}}
</style>"""


def screen_style() -> None:
    """The style sheet of wide_only, narrow_only and the chart cards (its own container hidden, so it
    takes no space; the same rules twice change nothing)."""
    st.html(_SCREEN_CSS)


def wide_only(key: str) -> DeltaGenerator:
    """A container shown on screens wider than a phone, hidden (also from screen readers) on a phone.
    Streamlit cannot tell the width on the server, so a page draws both versions of what differs, this
    and `narrow_only`, and a CSS media query shows one. The same style sheet gives the chart cards
    (`CHART_CARDS`, keyed containers) half their padding on a phone."""
    screen_style()
    return st.container(key=f"wide_only_{key}")


def narrow_only(key: str) -> DeltaGenerator:
    """A container shown on a phone (up to 640 px wide) and hidden on wider screens (see wide_only)."""
    screen_style()
    return st.container(key=f"narrow_only_{key}")


def named_lines(lines: Sequence[tuple[str, str]]) -> None:
    """(name, what) pairs as a list, each name in bold: what replaces a chart on a phone (show_chart's
    `on_a_phone`), e.g. the milestones and the heatmap by profession, one line each."""
    st.markdown("\n".join(f"- **{escape_markdown(name)}** {escape_markdown(what)}" for name, what in lines))


def _html(text: object) -> str:
    return html.escape(str(text), quote=True)


def mdc_summary_cards(summary: pd.DataFrame, *, label: str) -> None:
    """The Making Data Count summary (kpi.reading.tables.summary_frame) as a list of cards, for a phone where
    the table would hide its variation and assurance columns behind a sideways scroll: each KPI with its
    latest value and target, both icons each with its name, its reading and its provisional months. One HTML
    list (a screen reader announces it and its length); the icons are decorative, their names beside."""
    items = []
    for row in summary.itertuples():
        target = f" · Target {_html(row.target)}" if row.target else ""
        month = f" in {_html(row.month)}" if row.month and row.month != "–" else ""
        icons = _icon_line("Variation", cast(str, row.variation_icon), cast(str, row.variation_label))
        icons += _icon_line("Assurance", cast(str, row.assurance_icon), cast(str, row.assurance_label))
        note = f'<p style="{_CARD_LINE}">{_html(row.provisional_note)}</p>' if row.provisional_note else ""
        items.append(
            f'<li style="{_CARD}"><p style="{_CARD_LINE};font-weight:600">{_html(row.kpi)}</p>'
            f'<p style="{_CARD_LINE}">{_html(row.latest)}{month}{target}</p>{icons}'
            f'<p style="{_CARD_LINE}">{_html(row.reading)}</p>{note}</li>'
        )
    st.html(
        f'<ul aria-label="{_html(label)}" style="list-style:none;margin:0;padding:0;display:flex;'
        f'flex-direction:column;gap:0.5rem">{"".join(items)}</ul>'
    )


_CARD = "border:1px solid #AEB7BD;border-radius:6px;padding:0.5rem 0.75rem;margin:0"
_CARD_LINE = "margin:0 0 0.25rem 0"


def csv_download(
    label: str,
    frame: pd.DataFrame | Callable[[], pd.DataFrame],
    file_name: str,
    *,
    synthetic: bool = False,
    title: str | None = None,
    key: str | None = None,
    provenance: export.Provenance | None = None,
) -> None:
    """A 'Download ... (CSV)' button for a table: a tidy CSV (header first, figures as numbers) that is
    Excel-ready and formula-safe, every row carrying `provenance`; without one, a synthetic table still
    says so in every row. `title` says what the file holds, on hovering the button. The file (and the
    table, when `frame` is a function that makes it) is built only when clicked."""
    if provenance is None and synthetic:
        provenance = export.Provenance(synthetic=True)
    st.download_button(
        label,
        data=functools.partial(_csv, frame, provenance),
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


def _csv(frame: pd.DataFrame | Callable[[], pd.DataFrame], provenance: export.Provenance | None) -> bytes:
    return export.csv_bytes(frame() if callable(frame) else frame, provenance=provenance)


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
        st.caption(
            f"{direction_words(kpi.improvement)}. The target in force is given with each chart. "
            f"Source: {kpi.source}. Frequency: {kpi.frequency}."
        )


def how_to_read_charts() -> None:
    """The key to the Making Data Count icons and the marks on an SPC chart, one click away: on the
    Overview and wherever SPC charts are shown."""
    key = st.expander(
        "How to read these charts", icon=":material/help:", key="how_to_read", on_change="rerun"
    )
    if not key.open:  # drawn only when opened: every run of a page would otherwise make its pictures
        return
    with key:
        for row in icon_key(size=36):
            icon, words = st.columns([1, 18], vertical_alignment="center", gap="small")
            icon.image(row["icon"], width=36)
            words.markdown(f"**{row['kind']} {row['letter']}: {row['name']}.** {row['meaning']}")
        st.markdown("\n".join(f"- **{mark}**: {meaning}" for mark, meaning in CHART_MARKS))
        st.caption(
            "Variation is read from the latest month; assurance needs a target. Every icon carries a "
            "letter and its name in words, so nothing depends on colour alone."
        )
