"""KPI grid, for the board: every KPI for every organisation of a scope at once, exceptions first, and the
month's commentary sign-off."""

import dataclasses

import streamlit as st

from kpi import ui
from kpi.ui.grid import show_grid
from kpi.ui.signoff import show_sign_off

db = ui.db()
sel = ui.selection()
names = ui.scope_names(db)

st.title("KPI grid", anchor=False)
st.caption(
    "Every KPI (rows) for each organisation (columns): the latest complete month's figure with its "
    "variation and assurance icons, read with NHS England's Making Data Count rules. What needs attention "
    "comes first: a concern, a target failed or at risk, a stale or provisional month, commentary not yet "
    "reviewed. Open a cell for its SPC chart."
)
scope = ui.page_choice(
    "Organisations of",
    ui.scope_options(db, sel),
    key="grid_scope",
    url_name="scope",
    format_func=lambda code: names.get(code, code),
    widget="segmented",
    help="The system: every trust, both collaboratives and the system. A collaborative: its trusts, it and "
    "the system. A trust: it, its collaboratives and the system.",
)
shaping = dataclasses.replace(sel, trusts=(), collaborative=None)
ui.shown_line(shaping, scope=names.get(scope, scope))
ui.how_to_read_charts()
show_grid(shaping, scope, key="grid")

st.subheader(f"Commentary sign-off: {names.get(scope, scope)}", anchor=False)
show_sign_off(shaping, scope, key="signoff")
