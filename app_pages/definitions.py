"""KPI definitions: the data dictionary."""

import streamlit as st

from kpi import ui

db = ui.db()
catalogue = ui.catalogue(db)

st.title("KPI definitions", anchor=False)
st.caption(
    "What every KPI measures and how it is calculated. Ratio KPIs always roll up as the sum of numerators "
    "over the sum of denominators, never as an average of trusts' rates; a trust in both collaboratives "
    "counts once in the system total."
)
DIRECTIONS = {"up": "Higher is better", "down": "Lower is better", "neither": "Neither"}
GRAINS = {"trust_profession": "Trust, profession, month", "trust": "Trust, month", "system": "System, month"}
table = catalogue.assign(
    direction=catalogue["improvement"].map(DIRECTIONS),
    rollup_rule=catalogue["rollup"].map(
        {"ratio": "Sum of numerators / sum of denominators", "sum": "Sum of trusts' figures"}
    ),
    collected_by=catalogue["grain"].map(GRAINS),
    unit_shown=catalogue["unit"].replace({"GBP": "£"}),
)[
    [
        "code",
        "name",
        "workstream_name",
        "definition",
        "numerator_definition",
        "denominator_definition",
        "unit_shown",
        "direction",
        "target",
        "rollup_rule",
        "collected_by",
        "source",
        "frequency",
    ]
]
query = st.text_input(
    "Search",
    placeholder="Search the definitions (e.g. vacancy, ESR, placement)",
    type="search",
    key="def_search",
)
shown = table
if query:
    mask = table.astype(str).apply(lambda col: col.str.contains(query, case=False, regex=False)).any(axis=1)
    shown = table[mask]
    st.caption(f"{len(shown)} of {len(table)} KPIs match “{query}”.")
st.dataframe(
    shown,
    hide_index=True,
    row_height=60,
    column_config={
        "code": st.column_config.TextColumn("Code", pinned=True),
        "name": st.column_config.TextColumn("KPI", width="medium", pinned=True),
        "workstream_name": st.column_config.TextColumn("Workstream"),
        "definition": st.column_config.TextColumn("Definition", width="large"),
        "numerator_definition": st.column_config.TextColumn("Numerator", width="medium"),
        "denominator_definition": st.column_config.TextColumn("Denominator", width="medium"),
        "unit_shown": st.column_config.TextColumn("Unit"),
        "direction": st.column_config.TextColumn("Better when"),
        "target": st.column_config.NumberColumn("Target"),
        "rollup_rule": st.column_config.TextColumn("Roll-up", width="medium"),
        "collected_by": st.column_config.TextColumn("Collected by"),
        "source": st.column_config.TextColumn("Source", width="medium"),
        "frequency": st.column_config.TextColumn("Frequency"),
    },
    alt="The KPI data dictionary",
    key="definitions_table",
)
if query and shown.empty:
    ui.explain_empty(f"No KPI definition mentions “{query}”. Clear the search to see all {len(table)}.")
ui.csv_download(
    "Download the data dictionary (CSV)",
    table,
    "kpi-definitions.csv",
    title="C&M AHP workforce KPI definitions",
)
