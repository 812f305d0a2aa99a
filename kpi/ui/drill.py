"""From a Making Data Count summary row to that KPI's SPC chart, with the same scope and filters: the
Workstreams page for the system or a collaborative, the Trusts page for a trust. The chart's page
shows that KPI alone until the user asks for the whole workstream."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from kpi.reference.catalogue import KPI
from kpi.ui import url_state

PAGES = {False: "app_pages/workstreams.py", True: "app_pages/trusts.py"}


def open_chart(kpi: KPI, scope: str, trust: bool) -> None:
    """Go to `kpi`'s SPC chart for `scope`."""
    st.switch_page(
        PAGES[trust], query_params=url_state.drill_params(kpi.code, kpi.workstream_code, scope, trust)
    )


def chart_link(kpis: dict[str, KPI], summary: pd.DataFrame, scope: str, trust: bool, key: str) -> None:
    """Under a summary: choose a KPI and open its SPC chart (a link, for the keyboard and the phone)."""
    codes = [code for code in summary["kpi_code"] if code in kpis]
    if not codes:
        return
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"{key}_drill"):
        code = st.selectbox(
            "Open the SPC chart of",
            codes,
            format_func=lambda c: kpis[c].name,
            key=f"{key}_drill_kpi",
            width=420,
        )
        kpi = kpis[code]
        st.page_link(
            PAGES[trust],
            label="Open the chart",
            icon=":material/show_chart:",
            query_params=url_state.drill_params(kpi.code, kpi.workstream_code, scope, trust),
        )


def selected_row(event: object, summary: pd.DataFrame, key: str) -> str | None:
    """The KPI code of the row selected in a summary table this run (and the selection cleared, so
    coming back to the page does not go straight back to the chart)."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if not rows:
        return None
    st.session_state.pop(key, None)
    return str(summary.iloc[rows[0]]["kpi_code"])


def only_kpi(kpis: Sequence[KPI], key: str, workstream_name: str) -> list[KPI]:
    """The workstream's KPIs to draw: the one a summary link asked for (with a button to show them all),
    else every one."""
    code = url_state.drilled_kpi([kpi.code for kpi in kpis], key)
    if code is None:
        return list(kpis)
    chosen = [kpi for kpi in kpis if kpi.code == code]
    with st.container(horizontal=True, vertical_alignment="center", key=f"{key}_only"):
        st.markdown(f"Showing **{chosen[0].name}** from the Making Data Count summary.")
        if st.button(f"Show every KPI in {workstream_name}", key=f"{key}_show_all"):
            st.session_state[key] = None
            st.rerun()
    return chosen
