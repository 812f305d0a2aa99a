"""Data submissions: for one KPI, which trusts' figures are in for each month, which came late, which
are missing and which are not yet due, with the import batch that brought them."""

import datetime as dt

import streamlit as st

from kpi import submissions, ui
from kpi.formats import month_label
from kpi.months import add_months

MONTHS_SHOWN = 12  # the last 12 months of the chosen period: one column each

db = ui.db()
sel = ui.selection()
kpis = ui.kpis(db)
today = dt.date.today()

st.title("Data submissions", anchor=False)
st.caption(
    "Which trusts have sent each month's figures of a KPI. A month's headline figures wait until the "
    "trusts expected to report it have (a trust is expected when it reported the KPI in the year before); "
    "until then the month is provisional. The trust and collaborative choices in the sidebar narrow the "
    "table."
)
kpi_code = ui.page_choice(
    "KPI",
    list(kpis),
    key="sub_kpi",
    url_name="sub_kpi",
    default="SIP_FTE",
    format_func=lambda code: kpis[code].name,
)
kpi = kpis[kpi_code]

if sel.period_from is None or sel.period_to is None:
    ui.explain_empty("No figures have been loaded yet, so there are no submissions to show.")
    st.stop()
if kpi.grain == "system":
    ui.explain_empty(f"{kpi.name} is recorded for the system as a whole, so no trust submits it.")
    st.stop()

first = max(sel.period_from, add_months(sel.period_to, -(MONTHS_SHOWN - 1)))
rows = submissions.submissions(ui.engine(), kpi_code, first, sel.period_to, today)
if sel.trusts:
    rows = rows[rows["trust_code"].isin(sel.trusts)]
elif sel.collaborative:
    rows = rows[rows["trust_code"].isin(ui.filter_choices(db).trusts_for(sel.collaborative))]

months_text = f"{month_label(first)} to {month_label(sel.period_to)}"
st.subheader(f"{kpi.name}: {months_text}", anchor=False)
if rows.empty:
    ui.explain_empty(f"No trust was expected to send {kpi.name_in_sentence} figures for {months_text}.")
    st.stop()

st.markdown(submissions.submission_headline(rows))

grid = submissions.submission_grid(rows, ui.trust_labels(db))
months = [column for column in grid.columns if column != "trust"]
st.dataframe(
    grid,
    hide_index=True,
    column_config={
        "trust": st.column_config.TextColumn("Trust", width="medium", pinned=True),
        **{month: st.column_config.TextColumn(month_label(month)) for month in months},
    },
    alt=f"Submissions of {kpi.name} by trust and month, {months_text}: received, late, missing, not yet due",
    key="submissions_table",
    height=ui.table_height(len(grid)),
)
lag = int(ui.catalogue(db).set_index("code").loc[kpi_code, "lag_months"])
st.caption(submissions.legend(lag))
