"""Board pack: build the pack for a scope and month, as a PDF to print, a single interactive HTML file or a
PowerPoint deck."""

import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

import streamlit as st

from kpi import ui
from kpi.exports import board_pack, images
from kpi.words.formats import month_label
from kpi.words.months import month_of_key

logger = logging.getLogger("kpi.exports.board_pack")
PACK = "board_pack_built"  # session_state: the last pack built in this session
FORMATS = {
    "pdf": "PDF (A4, to print)",
    "html": "HTML (one file, interactive charts)",
    "pptx": "PowerPoint (slides)",
}
MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
NEEDS_BROWSER = {"pdf": "A PDF", "pptx": "A PowerPoint deck"}  # formats whose charts Chromium draws


db = ui.db()

st.title("Board pack", anchor=False)
st.caption(
    "The pack to take to a meeting: a cover, the exceptions (concerns, targets failed or at risk, "
    "milestones at risk) with their commentary, the Making Data Count summary, each workstream's KPIs as "
    "SPC charts with their readings, annotations and commentary, the milestones with what changed since "
    "the last pack, and the KPI definitions. It uses the choices below, not the sidebar filters, and "
    "covers the 36 months up to the "
    "month you choose."
)

scopes = ui.pack_scopes(db)
scope_labels = ui.pack_scope_labels(db)
browser_ok, browser_reason = images.images_available()

with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = ui.page_choice(
        "Scope",
        scopes,
        key="pack_scope",
        url_name="pack_scope",
        format_func=lambda code: scope_labels.get(code, code),
        help="The whole system (each trust counted once), a collaborative, or one trust.",
    )
    months = ui.pack_months(db, scope)
    month: str | None
    if months:
        month = ui.page_choice(
            "Period end",
            months,
            key="pack_month",
            url_name="pack_month",
            default=months[0],
            format_func=month_label,
            help="The pack's last month; it looks back 36 months from here.",
        )
    else:
        month = None  # no months: nothing to build
    fmt = ui.page_choice(
        "Format",
        list(FORMATS),
        key="pack_format",
        url_name="pack_format",
        default="pdf" if browser_ok else "html",
        format_func=FORMATS.__getitem__,
        widget="segmented",
        help="PDF for printing and papers; HTML to open in any browser, offline, with charts you can hover; "
        "PowerPoint to present, or to take slides into the board's own deck.",
    )

if month is None:
    ui.explain_empty(
        f"There is no data for {scope_labels.get(scope, scope)} yet, so there is no pack to build."
    )
    st.stop()

pdf_blocked = fmt in NEEDS_BROWSER and not browser_ok
if fmt in NEEDS_BROWSER and browser_ok:
    images.warm_up()  # start Chromium while the user decides, so the build does not wait for it
if pdf_blocked:
    st.warning(
        f"{NEEDS_BROWSER[fmt]} needs Chromium on the server, which is not installed here; choose HTML, "
        "which works without it.",
        icon=":material/picture_as_pdf:",
    )

wanted = (db, scope, month, fmt)
file_name = board_pack.report_file_name(scope, month, fmt)
ready = st.session_state.get(PACK, {}).get("wanted") == wanted
if st.button(
    "Build the board pack" if not ready else "Build it again",
    type="secondary" if ready else "primary",
    icon=":material/auto_stories:",
    disabled=pdf_blocked,
    key="pack_build",
    help="A PDF or a PowerPoint deck draws every chart: from about 20 seconds to 2 minutes on a busy "
    "server; HTML a few seconds.",
):
    bar = st.progress(0.0, text="Starting")
    started = time.perf_counter()
    try:
        data = board_pack.build_report(
            ui.engine(),
            scope=scope,
            period_end=month_of_key(month),
            fmt=board_pack.pack_format(fmt),
            progress=lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message),
        )
    except (board_pack.ReportError, images.ImageExportUnavailable, images.ImageExportError) as exc:
        bar.empty()
        st.error(str(exc), title="The board pack could not be built", icon=":material/error:")
    except Exception:
        logger.exception("Building the board pack for %s, %s (%s) failed", scope, month, fmt)
        bar.empty()
        st.error(
            "Something unexpected stopped the build; the details are in the server log for the "
            "dashboard team.",
            title="The board pack could not be built",
            icon=":material/error:",
        )
    else:
        bar.empty()
        st.session_state[PACK] = {
            "wanted": wanted,
            "data": data,
            "file_name": file_name,
            "built_at": dt.datetime.now(ZoneInfo("Europe/London")),
            "seconds": time.perf_counter() - started,
        }

built = st.session_state.get(PACK)
if built and built["wanted"] == wanted:
    st.download_button(
        f"Download {built['file_name']}",
        data=built["data"],
        file_name=built["file_name"],
        mime=MIME[fmt],
        icon=":material/download:",
        on_click="ignore",
        type="primary",
        key="pack_download",
    )
    st.caption(
        f"Built at {built['built_at']:%H:%M} in {built['seconds']:.0f} s, {len(built['data']) / 1e6:.1f} MB. "
        "Figures marked synthetic are labelled as such in the pack."
    )
elif built:
    previous = built["file_name"]
    st.caption(f"The pack built earlier ({previous}) was for other choices; build again for these.")
