"""KPI definitions: the data dictionary, one card per KPI, grouped by workstream and searchable."""

import pandas as pd
import streamlit as st

from kpi import definitions, export, ui
from kpi.text import escape_markdown

db = ui.db()
catalogue = ui.catalogue(db)
kpis = ui.kpis(db)

st.title("KPI definitions", anchor=False)
st.caption(
    "What every KPI measures and how it is calculated. Ratio KPIs always roll up as the sum of numerators "
    "over the sum of denominators, never as an average of trusts' rates; a trust in both collaboratives "
    "counts once in the system total."
)
query = st.text_input(
    "Search",
    placeholder="Search the definitions (e.g. vacancy, ESR, placement)",
    type="search",
    key="def_search",
)
entries = definitions.dictionary(catalogue, kpis)
shown = definitions.matching(entries, query)
if query:
    st.caption(f"{len(shown)} of {len(entries)} KPIs match the search.")
    if not shown:
        ui.explain_empty(f"No KPI definition mentions that. Clear the search to see all {len(entries)}.")

for workstream in dict.fromkeys(entry.workstream for entry in shown):
    st.subheader(workstream, anchor=False)
    for entry in (e for e in shown if e.workstream == workstream):
        with st.expander(f"{entry.name} · {entry.code}", expanded=bool(query)):
            st.text(entry.definition)
            st.table(
                pd.DataFrame(
                    [(label, escape_markdown(value)) for label, value in entry.facts],
                    columns=["Fact", "Value"],
                ),
                hide_index=True,
                hide_header=True,
                border="horizontal",
                alt=f"Facts about {entry.name}",
            )

ui.csv_download(
    "Download the data dictionary (CSV)",
    definitions.as_table(entries),
    "kpi-definitions.csv",
    title="C&M AHP workforce KPI definitions",
    provenance=export.Provenance(source="Dashboard reference data: the KPI catalogue"),
)
