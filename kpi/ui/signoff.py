"""The commentary sign-off on a page (kpi.reading.signoff): for one scope, each KPI's headline month and
whether
its commentary is reviewed, written and waiting, or only drafted from the data; for the workforce lead a
button that marks everything written as reviewed (kpi.notes.commentary.review_month). The board sees the same
table without the button."""

from __future__ import annotations

import streamlit as st

from kpi.access.auth import PermissionDenied
from kpi.figures import scopes
from kpi.notes import commentary
from kpi.notes.common import NoteError
from kpi.reading import signoff
from kpi.selection import filters
from kpi.ui import loaders, session
from kpi.ui.database import clear_caches, db, engine
from kpi.ui.style import focus_nonce, focus_on
from kpi.words.text import escape_markdown


def sign_off_table(sel: filters.Selection, scope: str):
    """The scope's sign-off table (kpi.reading.signoff.sign_off_table) under the selection's readings."""
    level = scopes.level_of(scope, loaders.collaborative_codes(db()))
    flt = scopes.scope_filter(sel.to_kpi_filter(), scope, level)
    readings = loaders.readings(db(), flt, scope, sel.include_provisional)
    views = {
        code: loaders.commentary_for(db(), code, scope, reading.month.date())
        for code, reading in readings.items()
        if reading.month is not None
    }
    return signoff.sign_off_table(readings, views)


def show_sign_off(sel: filters.Selection, scope: str, *, key: str) -> None:
    """The table, a count, and for the lead the button that marks the written commentary reviewed."""
    names = loaders.scope_names(db())
    table = sign_off_table(sel, scope)
    with_figure = table[table["state"] != signoff.NO_FIGURE]
    done = int((with_figure["state"] == signoff.REVIEWED).sum())
    status = st.container(key=f"{key}_result")
    said = st.session_state.pop(f"{key}_said", None)
    nonce = None
    if said:
        status.success(said, icon=":material/check_circle:")
        nonce = focus_nonce(f"{key}_result")
    st.markdown(
        f"**{done} of {len(with_figure)}** KPIs' commentary for {escape_markdown(names.get(scope, scope))} "
        "is reviewed."
    )
    st.dataframe(
        table[["kpi", "month_text", "state_words", "review_words"]],
        hide_index=True,
        column_config={
            "kpi": st.column_config.TextColumn("KPI", width="medium"),
            "month_text": st.column_config.TextColumn("Month"),
            "state_words": st.column_config.TextColumn("Commentary", width="large"),
            "review_words": st.column_config.TextColumn("Review", width="medium"),
        },
        alt=f"Commentary sign-off for {names.get(scope, scope)}: each KPI's month and review",
        key=f"{key}_table",
    )
    user = session.user()
    if not user.is_lead:
        st.caption("The workforce lead writes the commentary and marks it reviewed.")
        focus_on(f"{key}_result", nonce)
        return
    ready = signoff.ready_for_review(table)
    count = sum(len(codes) for codes in ready.values())
    st.caption(
        "Write or accept each KPI's commentary under its chart (open a cell of the grid). Marking it "
        "reviewed locks it: a later change makes a new version that needs review again, and the history "
        "keeps both."
    )
    if st.button(
        f"Mark the {count} written commentaries reviewed"
        if count
        else "Nothing written is waiting for review",
        disabled=not count,
        icon=":material/verified:",
        key=f"{key}_review",
    ):
        try:
            marked = sum(
                commentary.review_month(engine(), user, scope, month.date(), codes)
                for month, codes in ready.items()
            )
        except (NoteError, PermissionDenied) as exc:
            status.error(escape_markdown(str(exc)), title="Not marked", icon=":material/error:")
        else:
            clear_caches()
            st.session_state[f"{key}_said"] = (
                f"Marked {marked} commentaries reviewed by {user.name or user.email}."
            )
            st.rerun()
    focus_on(f"{key}_result", nonce)
