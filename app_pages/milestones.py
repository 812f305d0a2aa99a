"""Milestones: the programme milestones on a timeline, with owners, dates, notes and history."""

import datetime as dt
from typing import cast

import pandas as pd
import streamlit as st

from kpi import charts, ui
from kpi.access.auth import PermissionDenied
from kpi.exports import tables as export
from kpi.programme.milestones import FIELD_LABELS, MilestoneError, rag_disagreement, update_milestone
from kpi.reading import chart_text, scorecard
from kpi.store.models import MILESTONE_STATUSES, RAG_RATINGS

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
# Milestones are not filtered: every row says where it comes from and whether it is synthetic.
download = table.assign(
    **{export.SYNTHETIC_COLUMN: milestones["is_synthetic"].astype(bool).map({True: "yes", False: "no"})}
)
milestone_provenance = export.Provenance(
    scope="C&M AHP workforce programme", source="Programme records", data_as_at=today.isoformat()
)


def milestone_list() -> None:
    """On a phone, the timeline as a list: each milestone, its status and its dates in words."""
    ui.named_lines([chart_text.milestone_line(row) for row in milestones.sort_values("code").itertuples()])


ui.show_chart(
    figure,
    download,
    words=chart_text.ChartWords(
        heading="Programme milestones",
        sentences=(chart_text.milestone_sentence(milestones, today),),
        table=chart_text.milestone_table(milestones),
        kind="Timeline",
    ),
    on_a_phone=milestone_list,
    stem=charts.file_stem("milestones", today),
    synthetic=bool(milestones["is_synthetic"].any()),
    provenance=milestone_provenance,
    key="milestone_timeline",
    title="Programme milestones",
    caption=ui.image_caption(
        "Programme milestones",
        "C&M AHP workforce programme",
        source="Programme records",
        synthetic=bool(milestones["is_synthetic"].any()),
    ),
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
disagreements = [
    f"{row.code}: {note}"
    for row in milestones.itertuples()
    if (note := rag_disagreement(cast(str, row.status), cast(str, row.rag)))
]
if disagreements:
    st.warning(
        "\n".join(f"- {d}" for d in disagreements), title="Status and RAG disagree", icon=":material/rule:"
    )
ui.csv_download(
    "Download milestones (CSV)",
    download,
    f"{charts.file_stem('milestones', today)}.csv",
    title="Programme milestones",
    provenance=milestone_provenance,
)

user = ui.user()
if user.is_lead:
    st.subheader("Update a milestone", anchor=False)
    codes = list(milestones["code"])
    chosen = st.selectbox(
        "Milestone",
        codes,
        format_func=lambda c: f"{c}: {milestones.set_index('code').loc[c, 'title']}",
        key="ms_edit_code",
    )
    current = milestones.set_index("code").loc[chosen]
    with st.form(f"milestone_form_{chosen}", border=True):
        left, middle, right = st.columns(3)
        status = left.selectbox(
            "Status", list(MILESTONE_STATUSES), index=list(MILESTONE_STATUSES).index(current["status"])
        )
        rag = middle.selectbox(
            "RAG",
            list(RAG_RATINGS),
            index=list(RAG_RATINGS).index(current["rag"]),
            format_func=str.capitalize,
        )
        right.text_input("Baseline due", value=f"{current['baseline_due']:%d/%m/%Y}", disabled=True)
        left, middle, right = st.columns(3)
        forecast = left.date_input(
            "Forecast date",
            value=current["forecast_due"].date() if pd.notna(current["forecast_due"]) else None,
            format="DD/MM/YYYY",
            help="Leave empty for no forecast. A forecast after the baseline needs a note.",
        )
        completed = middle.date_input(
            "Completed on",
            value=current["completed_on"].date() if pd.notna(current["completed_on"]) else None,
            format="DD/MM/YYYY",
            help="Set when the milestone is complete; status then becomes complete.",
        )
        notes = st.text_area("Notes", value=current["notes"], help="Shown as plain text to everyone.")
        submitted = st.form_submit_button("Save changes", type="primary", icon=":material/save:")
    # The result of a save, and where the keyboard's focus goes after it (Streamlit leaves it on Save):
    # "Saved M2: notes updated.", or why nothing was saved.
    result = st.container(key="milestone_result")
    focus_nonce = None
    if submitted:
        try:
            changes = update_milestone(
                ui.engine(),
                user,
                chosen,
                status=status,
                rag=rag,
                notes=notes,
                forecast_due=forecast,
                clear_forecast=forecast is None,
                completed_on=completed,
                clear_completed=completed is None,
            )
        except (MilestoneError, PermissionDenied) as exc:
            result.error(str(exc), title="Not saved", icon=":material/error:")
            focus_nonce = ui.focus_nonce("milestone_result")
        else:
            ui.clear_caches()
            labels = ", ".join(FIELD_LABELS.get(c.field, c.field) for c in changes)
            st.session_state["ms_saved"] = (
                f"Saved {chosen}: {labels} updated." if changes else "Nothing changed."
            )
            st.rerun()
    if saved := st.session_state.pop("ms_saved", None):
        result.success(saved, icon=":material/check_circle:")
        focus_nonce = ui.focus_nonce("milestone_result")
    ui.focus_on("milestone_result", focus_nonce)  # every run, so that what follows keeps its place

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
