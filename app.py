"""C&M AHP workforce KPI dashboard: the entry point. Sets up the page, opens the database, draws the
shared filter bar (kept in the URL) and runs the chosen page."""

import sys
from pathlib import Path

import streamlit as st

from kpi import ui
from kpi.ui.style import apply_global_style

st.set_page_config(
    page_title="C&M AHP workforce KPIs",
    # A file of ours, sent inline: a Material icon here makes the browser fetch it from fonts.gstatic.com,
    # a failed request on every page where the NHS network has no way out
    # (tests/browser/test_no_outside_requests.py).
    page_icon=str(Path(__file__).resolve().parent / "kpi" / "ui" / "page_icon.svg"),
    layout="wide",
    initial_sidebar_state="auto",  # open on a laptop, closed on a phone (it would cover the page)
)
apply_global_style()  # captions, focus and target sizes for WCAG 2.2 AA (kpi/ui/style.py)
ui.check_deployment()  # sign-in misconfigured: one page for the operator and nothing else
ui.start_run()
user = ui.current_user()
if user is None:
    ui.sign_in_page()  # stops the run: nothing else is shown before sign-in
st.session_state["user"] = user
ui.engine()

pages = {
    "Dashboard": [
        st.Page(
            "app_pages/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            default=True,
            help="Where the KPIs stand: headline figures with their change and target, every KPI at a "
            "glance, and the milestones that need attention.",
        ),
        st.Page(
            "app_pages/grid.py",
            title="KPI grid",
            icon=":material/grid_view:",
            help="Every KPI for every trust, collaborative and the system at once, with its icons, "
            "exceptions first; open a cell for its chart; the month's commentary sign-off.",
        ),
        st.Page(
            "app_pages/workstreams.py",
            title="Workstreams",
            icon=":material/account_tree:",
            help="Every KPI of one workstream over time for the system and both collaboratives, "
            "with each definition one click away.",
        ),
        st.Page(
            "app_pages/collaboratives.py",
            title="Collaboratives",
            icon=":material/hub:",
            help="CMAST and MHLDC side by side for each KPI, and the member trusts of each.",
        ),
        st.Page(
            "app_pages/trusts.py",
            title="Trusts",
            icon=":material/local_hospital:",
            help="Chosen trusts against their collaborative and the system, by profession, and a "
            "ranking of trusts for one KPI and month.",
        ),
    ],
    "Programme": [
        st.Page(
            "app_pages/workforce_plan.py",
            title="Workforce plan",
            icon=":material/trending_up:",
            help="Where each profession's staff in post is heading against the funded establishment over "
            "1 to 10 years, with uncertainty and scenarios, and what it would take to close the gap.",
        ),
        st.Page(
            "app_pages/milestones.py",
            title="Milestones",
            icon=":material/flag:",
            help="The programme milestones on a timeline (baseline against forecast) with owners, "
            "dates, notes and history.",
        ),
        st.Page(
            "app_pages/submissions.py",
            title="Data submissions",
            icon=":material/fact_check:",
            help="Which trusts have sent each month's figures of a KPI: received, late, missing or not "
            "yet due, with the import batch that brought them.",
        ),
        st.Page(
            "app_pages/board_pack.py",
            title="Board pack",
            icon=":material/auto_stories:",
            help="Build the pack for a board meeting: KPI summary, SPC charts with readings, milestones "
            "and definitions for the system, a collaborative or a trust, as a PDF or one HTML file.",
        ),
        st.Page(
            "app_pages/definitions.py",
            title="KPI definitions",
            icon=":material/menu_book:",
            help="The data dictionary: what each KPI measures, how it is calculated and rolled up, "
            "its target, source and frequency.",
        ),
    ],
}
if user.is_lead:
    pages["Programme"].insert(
        1,
        st.Page(
            "app_pages/import_data.py",
            title="Import data",
            icon=":material/upload_file:",
            help="For the workforce lead: load a month's figures from the template or a published file "
            "(NHS Workforce Statistics, NHS Sickness Absence Rates), recognised by itself; check them "
            "before anything is written, and undo an import.",
        ),
    )
requested = ui.requested_page()
page = st.navigation(pages)
ui.check_page_found(requested, page)
ui.database_notice()  # a banner while the database cannot be reached; fresh figures when it is back
warnings_slot = st.container()
st.session_state["selection"] = ui.sidebar_filters(page.url_path)
ui.data_notice(ui.data_status(ui.db()))
ui.account_panel(user)
try:
    ui.run_page(page)
    ui.keep_warm()
finally:
    ui.show_url_warnings(warnings_slot)
    ui.finish_run(sys.exc_info()[1])  # what ended the run early, if anything (st.rerun...)
