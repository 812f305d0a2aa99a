"""Milestones: the programme milestones on a timeline, with owners, dates, notes and history."""

import datetime as dt

import streamlit as st

from kpi import charts, export, scorecard, ui

db = ui.db()
milestones = ui.milestones(db)
today = dt.date.today()

st.title("Milestones", anchor=False)
st.caption(
    "The programme's milestones from the brief. Each line runs from the baseline due date (hollow diamond) "
    "to the forecast (circle) or the completion date (star); colour and the label both give the status."
)
if milestones["is_synthetic"].any():
    st.caption(":material/science: Milestone progress marked synthetic comes from the demo data.")

counts = scorecard.milestone_status_counts(milestones)
with st.container(horizontal=True):
    for label, count in counts.items():
        st.metric(label.capitalize(), count, border=True, width=150)

table = milestones.assign(
    baseline=milestones["baseline_due"].dt.date,
    forecast=milestones["forecast_due"].dt.date,
    completed=milestones["completed_on"].dt.date,
)[
    [
        "code",
        "title",
        "workstream_name",
        "owner_role",
        "baseline",
        "forecast",
        "completed",
        "status",
        "rag",
        "notes",
        "updated_by",
        "updated_at",
    ]
]
figure = charts.milestone_timeline(milestones, today)
ui.show_chart(
    figure,
    table,
    stem=charts.file_stem("milestones", today),
    alt="Programme milestones: baseline against forecast or completion, by status",
    synthetic=bool(milestones["is_synthetic"].any()),
    key="milestone_timeline",
    title="Programme milestones",
)

st.subheader("Details", anchor=False)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        "code": st.column_config.TextColumn("Milestone"),
        "title": st.column_config.TextColumn("Title", width="large"),
        "workstream_name": st.column_config.TextColumn("Workstream"),
        "owner_role": st.column_config.TextColumn("Owner"),
        "baseline": st.column_config.DateColumn("Baseline due", format="DD/MM/YYYY"),
        "forecast": st.column_config.DateColumn("Forecast", format="DD/MM/YYYY"),
        "completed": st.column_config.DateColumn("Completed", format="DD/MM/YYYY"),
        "status": st.column_config.TextColumn("Status"),
        "rag": st.column_config.TextColumn("RAG"),
        "notes": st.column_config.TextColumn("Notes", width="large"),
        "updated_by": st.column_config.TextColumn("Last updated by"),
        "updated_at": st.column_config.DatetimeColumn("Last updated", format="DD/MM/YYYY HH:mm"),
    },
    alt="Programme milestones with owner, dates, status, RAG and notes",
    key="milestone_table",
)
st.download_button(
    "Download milestones (CSV)",
    data=export.csv_bytes(
        table, synthetic=bool(milestones["is_synthetic"].any()), title="Programme milestones"
    ),
    file_name=f"{charts.file_stem('milestones', today)}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    type="tertiary",
)

history = ui.milestone_history(db)
with st.expander(f"Update history ({len(history)} changes)", icon=":material/history:"):
    if history.empty:
        st.caption("No updates recorded yet.")
    else:
        st.dataframe(
            history[["changed_at", "milestone_code", "field", "old_value", "new_value", "changed_by"]],
            hide_index=True,
            column_config={
                "changed_at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm"),
                "milestone_code": st.column_config.TextColumn("Milestone"),
                "field": st.column_config.TextColumn("Field"),
                "old_value": st.column_config.TextColumn("Was"),
                "new_value": st.column_config.TextColumn("Now"),
                "changed_by": st.column_config.TextColumn("Who"),
            },
            alt="Every change made to the milestones, newest first",
            key="milestone_history",
        )
