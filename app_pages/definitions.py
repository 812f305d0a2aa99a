"""KPI definitions: the data dictionary, one card per KPI, grouped by workstream and searchable, with
each KPI's source, publication lag, latest complete month and whether it is stale."""

import datetime as dt

import pandas as pd
import streamlit as st

from kpi import ui
from kpi.exports import tables as export
from kpi.figures import scopes
from kpi.reading import definitions
from kpi.spc.method import method
from kpi.words.text import escape_markdown

db = ui.db()
sel = ui.selection()
catalogue = ui.catalogue(db)
kpis = ui.kpis(db)
names = ui.scope_names(db)
freshness = ui.freshness(db, dt.date.today())

st.title("KPI definitions", anchor=False)
st.caption(
    "What every KPI measures and how it is calculated. Ratio KPIs always roll up as the sum of numerators "
    "over the sum of denominators, never as an average of trusts' rates; a trust in both collaboratives "
    "counts once in the system total. A month counts as complete once the trusts expected to report it "
    "have (a trust is expected if it reported the KPI in the year before); until then it is provisional "
    "and the headline figures show the newest complete month. A KPI is stale when a month that should "
    "be complete by now, given its publication lag, is not."
)
st.caption(scopes.SYSTEM_RULE + " The Collaboratives page lists each trust's months and their source.")
scope = ui.page_choice(
    "Targets for",
    ui.scope_options(db, sel),
    key="def_scope",
    url_name="scope",
    format_func=lambda code: names.get(code, code),
    widget="segmented",
    help="A lead can set a target from a month for one scope; each definition gives the target in force for "
    "the scope chosen here.",
)
readings = ui.readings(db, sel.to_kpi_filter(), scope, sel.include_provisional)
query = st.text_input(
    "Search",
    placeholder="Search the definitions (e.g. vacancy, ESR, placement)",
    type="search",
    key="def_search",
)
entries = definitions.dictionary(catalogue, kpis, freshness, readings)
shown = definitions.matching(entries, query)
if query:
    st.caption(f"{len(shown)} of {len(entries)} KPIs match the search.")
    if not shown:
        ui.explain_empty(f"No KPI definition mentions that. Clear the search to see all {len(entries)}.")

for workstream in dict.fromkeys(entry.workstream for entry in shown):
    st.subheader(workstream, anchor=False)
    for entry in (e for e in shown if e.workstream == workstream):
        stale = " · stale" if entry.stale else ""
        with st.expander(f"{entry.name} · {entry.code}{stale}", expanded=bool(query)):
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

st.subheader("How the charts are read", anchor=False)
for heading, text in method():
    st.markdown(f"**{heading}.** {escape_markdown(text)}")

ui.csv_download(
    "Download the data dictionary (CSV)",
    definitions.as_table(entries),
    f"kpi-definitions-{scope}.csv",
    title="C&M AHP workforce KPI definitions",
    provenance=export.Provenance(source="Dashboard reference data: the KPI catalogue"),
)
