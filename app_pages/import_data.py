"""Import data (workforce lead only): upload, check everything, preview what will change, confirm;
and the history of imports with undo. Nothing is written until the lead confirms, and then all or
nothing."""

import dataclasses

import streamlit as st

from kpi import ingest, ui
from kpi.access.auth import PermissionDenied
from kpi.figures import queries
from kpi.ingest import sources
from kpi.ingest.dispatch import prepare_file
from kpi.store import batches
from kpi.words.text import escape_markdown

# File names, sheet names, cells and user names are in the messages below, and st.info, st.success,
# st.subheader... read Markdown: every message that can quote them is shown through escape_markdown.

db = ui.db()
user = ui.user()
ui.require_lead_page(user)
engine = ui.engine()

st.title("Import data", anchor=False)
st.caption(
    "Load a month's figures. The whole file is checked before anything is written; you then see what "
    "will be added, changed and left as it is, and confirm. An import is all or nothing, and can be undone."
)

with st.expander("Files the importer recognises", icon=":material/description:"):
    st.markdown(
        "Upload a file as it was published or as the template has it: the importer tells the source from the "
        "file's column headers and says which it took. A new layout (for example your trusts' Provider "
        "Workforce Return extract) is taught by copying a definition in `data/sources/` (see its README)."
    )
    try:
        st.dataframe(sources.definitions_table(), hide_index=True, width="stretch")
    except sources.DefinitionError as exc:
        st.error(f"{exc} Imports are refused until it is corrected.", icon=":material/error:")
with st.expander("The template: columns, periods and codes", icon=":material/description:"):
    st.markdown(ingest.template_guide())
    with st.container(horizontal=True):
        st.download_button(
            "Template (CSV)",
            ingest.template_csv(),
            "kpi-import-template.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            "Template with guide (XLSX)",
            ingest.template_xlsx(),
            "kpi-import-template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            on_click="ignore",
        )

PREVIEW = "import_preview"
RESULT = "import_result"
# Bumped to give the uploader a new key, which empties it: after a file is refused or imported, so that
# Streamlit does not go on holding the file's bytes for the session (see release_upload).
ROUND = "import_upload_round"
# What the keyboard's focus moves to in the next run, after an upload ("import_preview": the checked file's
# heading) or an import ("import_result": what happened); Streamlit would leave it on the page body.
FOCUS = "import_focus"
upload_round = st.session_state.get(ROUND, 0)
limit_mb = ingest.MAX_BYTES // (1024 * 1024)
upload = st.file_uploader(
    "File to import",
    type=["csv", "xlsx", "txt", "tsv"],
    key="upload_file" if not upload_round else f"upload_file_{upload_round}",
    help=f"CSV or XLSX, or tab-separated text (Excel's 'Unicode Text' saves a .txt), up to {limit_mb} MB.",
)
st.caption(
    f"Files up to {limit_mb} MB (about 500,000 rows of the template). A bigger file is refused: split it, "
    "for example one file per KPI or per quarter."
)


def release_upload(file) -> None:
    """Drop the uploaded file: its bytes in Streamlit's upload store for this session, and the uploader's
    hold on it (a new key empties the uploader on the next run). What the page shows next is kept in
    the preview, which for a refused file is only the first problems."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None and getattr(file, "file_id", None):
            # remove_file is on the memory manager Streamlit runs with, not on the base class it types
            get_instance().uploaded_file_mgr.remove_file(ctx.session_id, file.file_id)  # type: ignore[attr-defined]
    except Exception:  # best effort: the new key below releases the widget's copy in any case
        pass
    st.session_state[ROUND] = upload_round + 1


UNDONE = "undo_outcome"  # session_state: what the last undo did (shown after the rerun it asks for)
UNDO_SURE = "undo_sure"


@dataclasses.dataclass(frozen=True)
class UndoOutcome:
    done: bool
    message: str


def undo(batch_id: int) -> None:
    """Undo an import, then run the page again: the sidebar (its newest month), the history table and
    the list of imports to undo were all drawn from the database before the undo, so this run's copies
    are out of date; the next run draws every one of them, and the outcome, from the database as it now
    is. A refused undo reruns too: the refusal may be that another lead undid it a moment ago."""
    try:
        outcome = ingest.undo_batch(engine, user, batch_id)
        st.session_state[UNDONE] = UndoOutcome(True, outcome.message)
        ui.clear_caches()
    except (ingest.UndoRefused, PermissionDenied) as exc:
        st.session_state[UNDONE] = UndoOutcome(False, str(exc))
    except ui.DATABASE_ERRORS as exc:  # one transaction: nothing was changed
        ui.database_fault(
            exc,
            "The database cannot be reached, so nothing was undone; try again in a minute.",
            otherwise="The database refused the undo, so nothing was undone.",
        )
    st.session_state[FOCUS] = "undo_result"
    st.session_state.pop(RESULT, None)  # "Imported …" would now be out of date
    st.session_state.pop(UNDO_SURE, None)  # the next undo is confirmed afresh
    st.rerun()


preview = st.session_state.get(PREVIEW)
if preview is not None and (
    (upload is None and preview.ok)  # the upload was cleared: drop the table and plan
    or (upload is not None and preview.sha256 != ingest.file_sha256(upload.getvalue()))
):
    st.session_state.pop(PREVIEW, None)
    preview = None
if upload is not None and preview is None:
    bar = st.progress(0.0, text="Checking the file…")
    prepare = ui.stop_on_database_fault(
        prepare_file,
        "The database cannot be reached, so the file could not be checked and nothing was imported; try "
        "again in a minute.",
        otherwise="The file could not be checked against the database, so nothing was imported.",
    )
    preview = prepare(
        engine, upload.name, upload.getvalue(), progress=lambda f, m: bar.progress(min(f, 1.0), text=m)
    )
    bar.empty()
    st.session_state[PREVIEW] = preview
    st.session_state.pop(RESULT, None)
    st.session_state.pop(UNDONE, None)
    st.session_state[FOCUS] = "import_preview"
    if not preview.ok:
        # Refused: keep only the preview (its first problems and their counts), not the file.
        release_upload(upload)
        st.rerun()


def move_focus(key: str) -> None:
    """Move the focus into `key`'s container if the last action asked for it (once)."""
    nonce = None
    if st.session_state.get(FOCUS) == key:
        st.session_state.pop(FOCUS)
        nonce = ui.focus_nonce(key)
    ui.focus_on(key, nonce)


if preview is not None:
    # Keyed, so that the focus can be moved to the heading after an upload.
    st.container(key="import_preview").subheader(
        f"Checked: {escape_markdown(preview.file_name)}", anchor=False
    )
    move_focus("import_preview")
    if preview.ok and preview.completeness:
        # Before anything is written: which months stay provisional, and what the headline will show.
        provisional = [line for line in preview.completeness if "provisional" in line]
        (st.warning if provisional else st.success)(
            "\n".join(f"- {escape_markdown(line)}" for line in preview.completeness),
            title="Complete and provisional months after this import",
            icon=":material/pending_actions:" if provisional else ":material/task_alt:",
        )
    for notice in preview.notices:
        if notice.message in preview.completeness:
            continue
        where = f"Row {notice.row}: " if notice.row else ""
        st.info(escape_markdown(f"{where}{notice.message}"), icon=":material/info:")
    if preview.problems:
        # Problems with the whole file (too big, not a table, a column missing) are said in words here too,
        # not only in the table below.
        whole_file = [f"{p.message} {p.fix}" for p in preview.problems if p.row is None][:3]
        st.error(
            f"{preview.summary()} "
            + "".join(f"{escape_markdown(text)} " for text in whole_file)
            + "Each problem below says where it is and how to fix it; correct the file and upload it again.",
            title="Nothing has been imported",
            icon=":material/error:",
        )
        problems = ingest.problems_frame(preview.problems)
        st.dataframe(
            problems,
            hide_index=True,
            alt="Problems found in the file, with row, column and fix",
            key="import_problems",
            height=ui.table_height(len(problems)),
        )
        if more := preview.more_problems():
            st.warning(more, icon=":material/playlist_remove:")
            kinds = ingest.problem_kinds_frame(preview.kinds())
            st.markdown("**Problems by kind** (every problem in the file, listed or not)")
            st.dataframe(
                kinds,
                hide_index=True,
                alt="How many problems of each kind the file has, and how many are listed",
                key="import_problem_kinds",
                height=ui.table_height(len(kinds)),
                column_config={
                    "in the file": st.column_config.NumberColumn(format="%d"),
                    "listed": st.column_config.NumberColumn(format="%d"),
                },
            )
        st.download_button(
            "Download the problems (CSV)",
            ingest.problems_csv(preview.problems, not_listed=preview.problems_not_listed),
            f"problems-{preview.file_name.rsplit('.', 1)[0]}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
    else:
        with st.container(horizontal=True):
            st.metric("New figures", f"{preview.rows_added:,}", border=True)
            st.metric("Figures that would change", f"{preview.rows_changed:,}", border=True)
            st.metric("Already there, same value", f"{preview.rows_skipped:,}", border=True)
            if not preview.published.empty:
                st.metric(
                    "Published figures, new or revised",
                    f"{preview.published_new:,} of {len(preview.published):,}",
                    border=True,
                    help="Kept beside the trusts' own figures for the reconciliation on Data submissions",
                )
        table = preview.table
        if not table.empty:
            st.dataframe(
                table.head(1000),
                hide_index=True,
                key="import_table",
                alt="What the import will add and change, with the old value of each change",
                column_config={
                    "row": st.column_config.NumberColumn("Row", format="%d"),
                    "action": st.column_config.TextColumn("Action"),
                    "kpi_code": st.column_config.TextColumn("KPI"),
                    "period": st.column_config.DateColumn("Month", format="MMM YYYY"),
                    "trust_code": st.column_config.TextColumn("Trust"),
                    "profession_code": st.column_config.TextColumn("Profession"),
                    "value": st.column_config.NumberColumn("Value"),
                    "numerator": st.column_config.NumberColumn("Numerator"),
                    "denominator": st.column_config.NumberColumn("Denominator"),
                    "old_value": st.column_config.NumberColumn("Old value"),
                    "old_numerator": st.column_config.NumberColumn("Old numerator"),
                    "old_denominator": st.column_config.NumberColumn("Old denominator"),
                    "old_batch_id": st.column_config.NumberColumn("From import", format="%d"),
                    "old_synthetic": st.column_config.CheckboxColumn("Old was synthetic"),
                },
            )
            if len(table) > 1000:
                st.caption(f"Showing the first 1,000 of {len(table):,} rows.")
        if preview.rows_added + preview.rows_changed + preview.published_new == 0:
            st.success("Nothing to import: every figure is already in the database.", icon=":material/check:")
        else:
            replace = True
            if preview.has_changes:
                replace = st.checkbox(
                    f"Replace the {preview.rows_changed:,} figures that differ (the old values are kept and "
                    "come back if you undo this import)",
                    key="import_replace",
                )
            remove_demo = False
            if preview.plan is not None and preview.plan.synthetic_in_database:
                remove_demo = st.checkbox(
                    f"Also remove the {preview.plan.synthetic_in_database:,} synthetic demo figures, so that "
                    "only real data remains",
                    key="import_remove_demo",
                )
            if st.button(
                "Import", type="primary", icon=":material/upload:", disabled=not replace, key="import_go"
            ):
                bar = st.progress(0.0, text="Importing…")
                try:
                    result = ingest.apply_import(
                        engine,
                        user,
                        preview,
                        replace=replace,
                        remove_demo=remove_demo,
                        progress=lambda f, m: bar.progress(min(f, 1.0), text=m),
                    )
                except PermissionDenied as exc:
                    result = ingest.ImportResult(False, str(exc))
                except ui.DATABASE_ERRORS as exc:  # one transaction: nothing was written
                    bar.empty()
                    ui.database_fault(
                        exc,
                        "The database cannot be reached, so nothing was imported; try again in a minute.",
                        otherwise="The database refused the import, so nothing was imported.",
                    )
                bar.empty()
                st.session_state[RESULT] = result
                st.session_state[FOCUS] = "import_result"
                if result.applied:
                    st.session_state.pop(PREVIEW, None)  # the table and plan: done with
                    ui.clear_caches()
                    release_upload(upload)
                    st.rerun()

last_result: ingest.ImportResult | None = st.session_state.get(RESULT)
if last_result is not None:
    box = st.container(key="import_result")  # keyed, so that the focus can be moved to it after an import
    (box.success if last_result.applied else box.warning)(escape_markdown(last_result.message))
    move_focus("import_result")

st.subheader("Import history", anchor=False)
history = queries.import_batches(engine)
if history.empty:
    st.caption("No imports yet.")
else:
    labels = {
        "id": "Import",
        "file_name": "File",
        "source": "Source",
        "is_synthetic": "Synthetic",
        "status": "Status",
        "rows_added": "Added",
        "rows_changed": "Changed",
        "rows_skipped": "Unchanged",
        "imported_by": "Imported by",
        "imported_at": "When",
        "undone_by": "Undone by",
        "undone_at": "Undone",
    }
    shown = history[list(labels)].rename(columns=labels)
    st.dataframe(
        shown,
        hide_index=True,
        key="import_history",
        alt="Every import, newest first",
        column_config={
            "Import": st.column_config.NumberColumn(format="%d"),
            "Synthetic": st.column_config.CheckboxColumn(),
            "Added": st.column_config.NumberColumn(format="%d"),
            "Changed": st.column_config.NumberColumn(format="%d"),
            "Unchanged": st.column_config.NumberColumn(format="%d"),
            "When": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm"),
            "Undone": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm"),
        },
    )
    ui.csv_download("Download the import history (CSV)", shown, "import-history.csv")
    undone = st.session_state.get(UNDONE)
    if undone is not None:
        # What the last undo did, drawn from this run's reading of the database: the table above, the
        # list below and the sidebar's newest month already show its effect.
        box = st.container(key="undo_result")  # keyed, so that the focus can be moved to it
        if undone.done:
            box.success(escape_markdown(undone.message))
        else:
            box.error(escape_markdown(undone.message), title="Not undone")
        move_focus("undo_result")
    undoable = batches.undoable(history)
    if not undoable.empty:
        with st.form("undo_form", border=True):
            st.markdown(
                "**Undo an import**: its new figures are removed and the figures it replaced come back."
            )
            batch = st.selectbox(
                "Import to undo",
                list(undoable["id"]),
                format_func=lambda i: f"Import {i}: {undoable.set_index('id').loc[i, 'file_name']}",
            )
            sure = st.checkbox("I understand that this changes the figures everyone sees", key=UNDO_SURE)
            if st.form_submit_button("Undo import", icon=":material/undo:"):
                if not sure:
                    st.warning("Tick the box to confirm the undo.")
                else:
                    undo(int(batch))
