"""Data submissions: for one KPI, which trusts' figures are in for each month, which came late, which
are missing and which are not yet due, with the import batch that brought them; and the reconciliation of
the AHP FTE trusts submitted with the figure NHS Workforce Statistics published
(kpi.ingest.reconciliation)."""

import datetime as dt
from typing import cast

import streamlit as st

from kpi import ui
from kpi.figures import published, submissions
from kpi.ingest import reconciliation
from kpi.words.formats import month_label
from kpi.words.months import add_months

MONTHS_SHOWN = 12  # the last 12 months of the chosen period: one column each

db = ui.db()
sel = ui.selection()
kpis = ui.kpis(db)
today = dt.date.today()

st.title("Data submissions", anchor=False)
st.caption(
    "Which trusts have sent each month's figures of a KPI. A month's headline figures wait until the "
    "trusts expected to report it have (a trust is expected when it reported the KPI in the year before); "
    "until then the month is provisional. The trust and collaborative choices in the sidebar narrow both "
    "tables."
)


def trusts_chosen() -> tuple[str, ...] | None:
    """The trusts the sidebar narrows the page to (None: every trust)."""
    if sel.trusts:
        return tuple(sel.trusts)
    if sel.collaborative:
        return tuple(ui.filter_choices(db).trusts_for(sel.collaborative))
    return None


def show_submissions(first: dt.date, last: dt.date) -> None:
    """The submissions of the KPI chosen on the page, by trust and month."""
    kpi_code = ui.page_choice(
        "KPI",
        list(kpis),
        key="sub_kpi",
        url_name="sub_kpi",
        default="SIP_FTE",
        format_func=lambda code: kpis[code].name,
    )
    kpi = kpis[kpi_code]
    if kpi.grain == "system":
        ui.explain_empty(f"{kpi.name} is recorded for the system as a whole, so no trust submits it.")
        return
    rows = submissions.submissions(ui.engine(), kpi_code, first, last, today)
    if (chosen := trusts_chosen()) is not None:
        rows = rows[rows["trust_code"].isin(chosen)]
    months_text = f"{month_label(first)} to {month_label(last)}"
    st.subheader(f"{kpi.name}: {months_text}", anchor=False)
    if rows.empty:
        ui.explain_empty(f"No trust was expected to send {kpi.name_in_sentence} figures for {months_text}.")
        return
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
        alt=f"Submissions of {kpi.name} by trust and month, {months_text}: received, late, missing, "
        "not yet due",
        key="submissions_table",
        height=ui.table_height(len(grid)),
    )
    lag = int(cast(int, ui.catalogue(db).set_index("code").loc[kpi_code, "lag_months"]))  # one KPI's lag
    st.caption(submissions.legend(lag))


def show_reconciliation(first: dt.date, last: dt.date) -> None:
    """Submitted AHP FTE against NHS Workforce Statistics for one month of the period, by trust and
    profession, with its CSV."""
    st.subheader("Reconciliation with NHS Workforce Statistics", anchor=False)
    st.caption(
        "The AHP staff in post (FTE) each trust submitted, against the figure NHS Workforce Statistics "
        "published for the same trust, profession and month (the staff-role file, imported on the Import "
        "data page and kept beside the submissions, not over them). Old codes of merged trusts count under "
        f"their successor. Flagged where they differ by {reconciliation.TOLERANCE_WORDS} (both), as a share "
        "of the published figure."
    )
    engine = ui.engine()
    months = [m for m in published.months(engine, reconciliation.KPI_CODE) if first <= m <= last]
    if not months:
        ui.explain_empty(
            f"No published staff-role figures for {month_label(first)} to {month_label(last)}: import "
            "the NHS Workforce Statistics staff-role file on the Import data page to compare."
        )
        return
    keys = [f"{m:%Y-%m}" for m in months]
    chosen = ui.page_choice(
        "Month published", keys, key="rec_month", url_name="rec_month", default=keys[-1],
        format_func=lambda key: month_label(f"{key}-01"),
    )  # fmt: skip
    period = dt.date.fromisoformat(f"{chosen}-01")
    frame = reconciliation.reconciliation(engine, period)
    if (trusts := trusts_chosen()) is not None:
        frame = frame[frame["trust_code"].isin(trusts)]
    if frame.empty:
        ui.explain_empty(f"No submitted or published AHP FTE for the chosen trusts in {month_label(period)}.")
        return
    if frame["synthetic"].any():
        st.caption("The submitted figures include SYNTHETIC demo data.")
    st.markdown(reconciliation.headline(frame, month_label(period)))
    shown = reconciliation.shown_table(frame)
    figure = st.column_config.TextColumn(alignment="right")
    flag_first = [
        "Trust code",
        "Profession",
        "Flag",
        *(c for c in shown.columns if c not in ("Trust code", "Profession", "Flag")),
    ]
    st.dataframe(
        shown,
        hide_index=True,
        column_order=flag_first,  # the flag in sight on a phone; the CSV keeps the documented order
        column_config={
            "Trust code": st.column_config.TextColumn(pinned=True),
            "Submitted FTE": figure,
            "Published FTE": figure,
            "Difference": st.column_config.TextColumn(alignment="right", help="Submitted minus published"),
        },
        alt=f"Submitted and published AHP FTE by trust and profession, {month_label(period)}, with flags",
        key="reconciliation_table",
        height=ui.table_height(len(shown)),
    )
    ui.csv_download(
        "Download the reconciliation (CSV)",
        reconciliation.reconciliation_table(frame),
        f"reconciliation_{chosen}.csv",
        title=f"Submitted against published AHP FTE, {month_label(period)}",
        key="reconciliation_csv",
    )


if sel.period_from is None or sel.period_to is None:
    ui.explain_empty("No figures have been loaded yet, so there are no submissions to show.")
    st.stop()
first_month = max(sel.period_from, add_months(sel.period_to, -(MONTHS_SHOWN - 1)))
show_submissions(first_month, sel.period_to)
show_reconciliation(first_month, sel.period_to)
