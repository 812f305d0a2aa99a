"""Collaboratives: CMAST and MHLDC side by side for each KPI, and who belongs to which."""

import dataclasses

import streamlit as st

from kpi import ui
from kpi.exports import tables as export
from kpi.figures import scopes
from kpi.words.frames import records

db = ui.db()
sel = ui.selection()
kpis = ui.kpis(db)
names = ui.scope_names(db)
stream_names = ui.workstream_names(db)
collab_frame = ui.collaboratives(db)

st.title("Collaboratives", anchor=False)
st.caption(
    "The two provider collaboratives side by side, on the same scale. A trust in both collaboratives "
    "counts in each; the system total counts it once. This page always shows both collaboratives."
)

st.subheader("Member trusts", anchor=False)
trusts = ui.trusts(db)
members = trusts[trusts["role"] == "member"].copy()
for collab in collab_frame["code"]:
    members[collab] = members["collaboratives"].map(lambda cs, c=collab: "Yes" if c in cs else "")
members["Membership"] = members["collaboratives"].map(
    lambda cs: scopes.membership_label(cs, list(collab_frame["code"]))
)
member_table = members[
    ["ods_code", "name", "trust_type", *collab_frame["code"], "Membership", "notes"]
].rename(columns={"ods_code": "ODS code", "name": "Trust", "trust_type": "Type", "notes": "Notes"})
both = members[members["Membership"] == scopes.BOTH_COLLABORATIVES]["short_name"].tolist()
st.markdown(f"In both collaboratives: **{', '.join(both)}**.")
st.dataframe(
    member_table.sort_values(["Membership", "Trust"]),
    hide_index=True,
    column_config={
        "Trust": st.column_config.TextColumn(width="large"),
        "Notes": st.column_config.TextColumn(width="large"),
    },
    alt="Member trusts of CMAST and MHLDC, with the trusts in both marked",
    key="collab_members",
)
planned = scopes.planned_changes_note(
    records(ui.successions(db)),
    records(ui.memberships(db)),
    dict(zip(trusts["ods_code"], trusts["short_name"], strict=True)),
)
if planned:
    st.caption(planned)
partners = trusts[trusts["role"] == "partner"]
if not partners.empty:
    st.caption(
        "System partner, outside collaborative totals: "
        + "; ".join(f"{row.name} ({row.ods_code})" for row in partners.itertuples())
    )
dates = scopes.membership_dates_note(records(ui.memberships(db)))
if dates:
    st.caption(dates)
ui.csv_download(
    "Download memberships (CSV)",
    member_table,
    "collaborative-memberships.csv",
    title="Member trusts of CMAST and MHLDC",
    provenance=export.Provenance(source="Dashboard reference data: trusts and collaborative memberships"),
)

st.subheader("Who counts in the system total", anchor=False)
st.caption(scopes.SYSTEM_RULE)
system_table = scopes.system_table(trusts)
st.dataframe(
    system_table,
    hide_index=True,
    column_config={
        "Trust": st.column_config.TextColumn(width="medium"),
        "Source": st.column_config.TextColumn(width="large"),
    },
    alt="Every organisation with the months it counts in the C&M system total and the source of that fact",
    key="system_spans",
)
ui.csv_download(
    "Download who counts in the system (CSV)",
    system_table,
    "system-trusts.csv",
    title="Organisations and the months they count in the C&M system total",
    provenance=export.Provenance(source="Dashboard reference data: trusts (system spans and their sources)"),
)

code = ui.workstream_filter("collab_ws")
st.subheader(f"KPIs side by side: {stream_names[code]}", anchor=False)
st.caption("Choose the workstream in the sidebar.")
view = ui.chart_view("collab_view")
if view == "spc":
    ui.how_to_read_charts()
# This page always shows both collaboratives, whatever the collaborative and trust choice.
ui.shown_line(
    dataclasses.replace(sel, trusts=(), collaborative=None),
    scope=" and ".join(collab_frame["code"]),
)
flt = sel.to_kpi_filter().but(workstreams=(code,), collaboratives=None)
collabs = ui.series(db, flt, "collaborative")
shown = list(collab_frame["code"])
for kpi in (k for k in kpis.values() if k.workstream_code == code):
    with st.container(border=True, key=f"collab_card_{kpi.code}"):
        ui.kpi_intro(kpi)
        rows = collabs[collabs["kpi_code"] == kpi.code]
        y_max = float(rows["value"].max()) if not rows.empty else None
        columns = st.columns(len(shown))
        for column, collab in zip(columns, shown, strict=True):
            with column:
                ui.kpi_panel(
                    kpi,
                    rows[rows["scope_code"] == collab],
                    view=view,
                    sel=sel,
                    names=names,
                    scope_order=[collab],
                    spc_scope=collab,
                    key=f"collab_{kpi.code}_{collab}",
                    title=f"{collab}: {kpi.title_with_unit}",
                    height=320,
                    y_max=y_max,
                    narrow=True,
                )
