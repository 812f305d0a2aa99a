"""Workstreams: every KPI of one workstream over time, for the system and the collaboratives."""

import dataclasses

import pandas as pd
import streamlit as st

from kpi import ui
from kpi.figures import scopes
from kpi.ui import drill

db = ui.db()
sel = ui.selection()
kpis = ui.kpis(db)
names = ui.scope_names(db)
streams = ui.workstreams(db)
stream_names = ui.workstream_names(db)

st.title("Workstreams", anchor=False)
st.caption(
    "Each KPI of the workstream chosen in the sidebar, over time: the Cheshire and Merseyside system and "
    "both provider collaboratives (or the one chosen in the sidebar). Hover for exact values; every chart "
    "can be downloaded as an image or as the data behind it."
)
code = ui.workstream_filter("ws_code")
st.subheader(stream_names[code], anchor=False)
st.markdown(streams.set_index("code").loc[code, "description"])

flt = sel.to_kpi_filter().but(workstreams=(code,))
system = ui.series(db, flt, "system")
collabs = ui.series(db, flt, "collaborative")
order = ui.scope_options(db, dataclasses.replace(sel, trusts=()))  # the system and collaboratives
stream_kpis = [kpi for kpi in kpis.values() if kpi.workstream_code == code]
view, spc_scope = ui.chart_controls("ws", order, names)
stream_kpis = drill.only_kpi(stream_kpis, "ws_drilled", stream_names[code])
# System and collaborative lines: the trust choice does not change them, so it is not claimed.
ui.shown_line(
    dataclasses.replace(sel, trusts=(), collaborative=None), scope=", ".join(names[c] for c in order)
)
# Trend charts draw both collaboratives beside the system: say why their lines add up to more than it.
shown_collabs = [c for c in order if c in ui.collaborative_codes(db)]
overlap = scopes.shared_members_note(ui.trust_collaboratives(db), shown_collabs, names)
if view != "spc" and overlap:
    st.caption(overlap)

for kpi in stream_kpis:
    with st.container(border=True, key=f"ws_card_{kpi.code}"):
        ui.kpi_intro(kpi)
        data = pd.concat([frame[frame["kpi_code"] == kpi.code] for frame in (system, collabs)])
        ui.kpi_panel(
            kpi,
            data,
            view=view,
            sel=sel,
            names=names,
            scope_order=order,
            spc_scope=spc_scope,
            key=f"ws_{kpi.code}",
        )
