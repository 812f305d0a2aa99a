"""Overview, for the board: where the KPIs stand, at a glance."""

import dataclasses
import datetime as dt

import streamlit as st

from kpi import charts, ui
from kpi.exports import tables as export
from kpi.figures import scopes
from kpi.reading import scorecard
from kpi.reading.tables import scorecard_frame, summary_frame
from kpi.ui import drill
from kpi.ui.grid import show_grid

db = ui.db()
sel = ui.selection()
flt = sel.to_kpi_filter()
kpis = ui.kpis(db)
names = ui.scope_names(db)

st.title("Overview", anchor=False)
st.caption(
    "Where the Cheshire and Merseyside AHP workforce KPIs stand: the latest complete month in the chosen "
    "period, the change on the month before and on the same month last year, read as better or worse for "
    "each KPI's direction, and the targets. A month too few of the expected trusts have reported is "
    "provisional: it is named under each card and left out of the figures unless you include provisional "
    "months in the sidebar."
)

scope_choices = ui.scope_options(db, sel)
scope = ui.page_choice(
    "Show figures for",
    scope_choices,
    key="overview_scope",
    url_name="scope",
    format_func=lambda code: names.get(code, code),
    widget="segmented",
    help="The system total counts each trust once; a collaborative counts all its members.",
)
level = scopes.level_of(scope, ui.collaborative_codes(db))
scope_filter = scopes.scope_filter(flt, scope, level)
# The figures for one scope are shaped by the scope, the professions and the period; the trust and
# collaborative choices only decide which scopes can be picked.
shaping = dataclasses.replace(sel, trusts=(), collaborative=None)
words = ui.filter_words(shaping)
scope_name = names.get(scope, scope)
ui.shown_line(shaping, scope=scope_name)
include = sel.include_provisional
readings = ui.readings(db, scope_filter, scope, include)  # what every part of this page says
workstream_names = ui.workstream_names(db)
synthetic = any(reading.synthetic for reading in readings.values())

if sel.professions:
    st.info(
        "Profession filter on: KPIs not collected by profession show no data.", icon=":material/filter_alt:"
    )

st.subheader(f"Headline KPIs: {names.get(scope, scope)}", anchor=False)
st.caption(
    "Each card reads the KPI as the Making Data Count summary below does: blue for improvement (or a "
    "target consistently met), orange for concern (or a target consistently missed), purple for a "
    "signal that is neither, grey for common cause or no icon; an up or down arrow for a high or low "
    "signal. The change on the month before is given in plain words beneath."
)
summary = summary_frame(readings.values())
with st.grid(4, min_column_width=240, gap="small"):
    for item in scorecard.headline_cards(readings):
        as_at = readings[item.code].as_at
        with st.container(border=True, height="stretch", gap="xsmall", key=f"headline_{item.code}"):
            if item.reading is None:
                st.metric(item.label, item.value, help=item.help)
            else:
                st.metric(
                    item.label,
                    item.value,
                    delta=item.reading,
                    delta_color=item.colour,
                    delta_arrow=item.arrow,
                    delta_description=item.change,
                    chart_data=item.trend or None,
                    help=item.help,
                )
            for line in (item.note, as_at):
                if line:
                    st.caption(line)

st.subheader(words.titled(f"Making Data Count summary: {scope_name}"), anchor=False)
st.caption(
    "Each KPI as an SPC chart over the chosen period, read with NHS England's Making Data Count rules. "
    "Variation: is the latest month a signal of improvement or concern, or ordinary (common cause) "
    "variation? Assurance: will the target be met? Concerns come first (in the table, sort by any "
    "column)."
)
ui.how_to_read_charts()
summary_name = f"Making Data Count summary for {scope_name}: variation and assurance, concerns first"
with ui.narrow_only("mdc_summary"):  # a phone: a list of cards, nothing behind a sideways scroll
    ui.mdc_summary_cards(summary, label=summary_name)
trust_scope = level == "trust"
with ui.wide_only("mdc_summary"):
    st.caption("Select a row to open that KPI's SPC chart.")
    chosen = st.dataframe(
        summary,
        hide_index=True,
        # The icons next to the figures, so that a narrow window still shows them before scrolling.
        column_order=[
            "kpi",
            "latest",
            "target",
            "variation_icon",
            "assurance_icon",
            "variation_label",
            "assurance_label",
            "reading",
            "provisional_note",
        ],
        column_config={
            "kpi": st.column_config.TextColumn("KPI", width="medium", pinned=True),
            "latest": st.column_config.TextColumn("Latest"),
            "target": st.column_config.TextColumn("Target"),
            "variation_icon": st.column_config.ImageColumn("Variation", width="small"),
            "variation_label": st.column_config.TextColumn("Variation (in words)"),
            "assurance_icon": st.column_config.ImageColumn("Assurance", width="small"),
            "assurance_label": st.column_config.TextColumn("Assurance (in words)"),
            "reading": st.column_config.TextColumn("Reading", width="large"),
            "provisional_note": st.column_config.TextColumn("Provisional months", width="medium"),
        },
        row_height=44,
        height=ui.table_height(len(summary), 44),
        alt=summary_name,
        key="overview_mdc",
        on_select="rerun",
        selection_mode="single-row",
    )
if code := drill.selected_row(chosen, summary, "overview_mdc"):
    drill.open_chart(kpis[code], scope, trust_scope)
drill.chart_link(kpis, summary, scope, trust_scope, "overview")
ui.csv_download(
    "Download this summary (CSV)",
    lambda: export.summary_table(readings.values()),
    f"{charts.file_stem('mdc-summary', scope, *words.stem_parts())}.csv",
    title=words.titled(f"Making Data Count summary, {scope_name}, {words.period}"),
    key="overview_mdc_csv",
    provenance=ui.provenance(shaping, scope=scope_name, synthetic=synthetic),
)

if level != "trust":
    by_org = st.expander(
        f"KPIs by organisation: {scope_name}'s trusts side by side",
        icon=":material/grid_view:",
        key="overview_grid_open",
        on_change="rerun",
    )
    if by_org.open:  # drawn when opened: the grid reads every trust's KPIs
        with by_org:
            show_grid(shaping, scope, key="overview_grid")
            st.page_link(
                "app_pages/grid.py",
                label="The KPI grid and the commentary sign-off",
                icon=":material/arrow_forward:",
                query_params={"scope": scope},
            )

st.subheader(words.titled(f"All KPIs: {scope_name}"), anchor=False)
st.caption("Sort by any column. ▲ and ▼ show the direction of a change; the words say whether it is better.")
card = scorecard_frame(readings.values(), workstream_names)
table = card.drop(
    columns=[
        "kpi_code",
        "value",
        "unit",
        "previous_change",
        "previous_month",
        "previous_reading",
        "last_year_reading",
    ]
)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        "workstream": st.column_config.TextColumn("Workstream"),
        "kpi": st.column_config.TextColumn("KPI", width="large"),
        "month": st.column_config.TextColumn("Month"),
        "latest": st.column_config.TextColumn("Latest"),
        "target": st.column_config.TextColumn("Target"),
        "vs_previous": st.column_config.TextColumn("Change on previous month"),
        "vs_last_year": st.column_config.TextColumn("Change on same month last year"),
        "trend": st.column_config.LineChartColumn(f"Last {scorecard.SPARKLINE_MONTHS} months"),
        "provisional_note": st.column_config.TextColumn("Provisional months", width="medium"),
    },
    alt=f"Every KPI for {names.get(scope, scope)}: latest value, changes and target",
    key="overview_table",
    height=ui.table_height(len(table)),
)
ui.csv_download(
    "Download this table (CSV)",
    lambda: export.scorecard_table(readings.values(), workstream_names),
    f"{charts.file_stem('kpi-summary', scope, *words.stem_parts())}.csv",
    title=words.titled(f"KPI summary, {scope_name}, {words.period}"),
    provenance=ui.provenance(shaping, scope=scope_name, synthetic=synthetic),
)

st.subheader("Milestones", anchor=False)
milestones = ui.milestones(db)
counts = scorecard.milestone_status_counts(milestones)
with st.container(horizontal=True):
    for label, count in counts.items():
        st.metric(label.capitalize(), count, border=True, width=150)
attention = scorecard.milestones_needing_attention(milestones, dt.date.today())
if attention.empty:
    st.success("No milestone is overdue, at risk or off track.", icon=":material/check_circle:")
else:
    st.dataframe(
        attention,
        hide_index=True,
        column_config={
            "code": st.column_config.TextColumn("Milestone"),
            "title": st.column_config.TextColumn("Title", width="large"),
            "status": st.column_config.TextColumn("Status"),
            "due": st.column_config.DateColumn("Due", format="DD/MM/YYYY"),
            "why": st.column_config.TextColumn("Needs attention because", width="large"),
        },
        alt="Milestones that are overdue, at risk or off track",
        key="overview_attention",
    )
st.page_link("app_pages/milestones.py", label="All milestones", icon=":material/arrow_forward:")
