"""Under an SPC chart: the month's commentary for everyone, and for the workforce lead the tools that
annotate, comment on and adjust the chart (kpi.notes.annotations, kpi.notes.commentary,
kpi.notes.chart_settings), with a suggested recalculation to accept or dismiss.

The lead's tools sit in one expander per chart that runs only when opened, so a page of charts costs
nothing for them until they are wanted. Everything typed is shown as text, never as Markdown; every
write is checked again where it happens (`require_lead`) and clears the caches, so every chart of the
KPI shows it at once."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pandas as pd
import streamlit as st

from kpi import charts
from kpi.access.auth import PermissionDenied
from kpi.figures import scopes
from kpi.notes import annotations as kpi_annotations
from kpi.notes import chart_settings, commentary, settings_file
from kpi.notes.common import NoteError
from kpi.reading import KPIMonths, Reading, read_kpi
from kpi.reading.draft import DRAFT_LABEL, NO_DRAFT, Draft, draft, late_milestones
from kpi.reference.catalogue import KPI
from kpi.selection import filters
from kpi.ui import loaders, session
from kpi.ui.database import clear_caches, db, engine
from kpi.ui.style import focus_nonce, focus_on
from kpi.words.formats import format_target, month_label
from kpi.words.text import escape_markdown

KINDS = {
    "recalculation": "Recalculate the limits from a month",
    "ghost": "Ghost a month (drawn, left out of the limits and rules)",
    "baseline": "Fix the limits on the first N months (baseline)",
    "target": "A new target from a month",
}


def below_spc_chart(
    reading: Reading,
    *,
    sel: filters.Selection,
    events: tuple[scopes.ScopeEvent, ...],
    key: str,
) -> None:
    """The commentary of the reading's headline month (or, without one, a draft made from the data),
    then (for the lead) the reading's suggestion and the tools."""
    kpi, scope, scope_name, data = reading.kpi, reading.scope_code, reading.scope_name, reading.rows
    month = (reading.month if reading.month is not None else pd.Timestamp(data["period"].max())).date()
    words = loaders.commentary_for(db(), kpi.code, scope, month)
    drafted = NO_DRAFT if words.own else _draft(reading, events)
    show_commentary(words, month, drafted)
    user = session.user()
    if not user.is_lead:
        return
    status = st.container(key=f"{key}_notes_result")
    nonce = _said(status, key)
    _suggestion(reading, sel, events, key, status)
    tools = st.expander(
        f"Annotate, comment on or adjust this chart ({scope_name})",
        icon=":material/edit_note:",
        key=f"{key}_notes",
        on_change="rerun",
    )
    if tools.open:
        with tools:
            comment_tab, notes_tab, settings_tab = st.tabs(["Commentary", "Annotations", "Chart settings"])
            with comment_tab:
                _commentary_tools(kpi, scope, month, words, drafted, key, status)
            with notes_tab:
                _annotation_tools(kpi, scope, scope_name, data, key, status)
            with settings_tab:
                _settings_tools(reading, key, status)
    focus_on(f"{key}_notes_result", nonce)


def _draft(reading: Reading, events: tuple[scopes.ScopeEvent, ...]) -> Draft:
    """The draft of what the chart tells us, from the reading, the chart's annotations and mergers, and
    its workstream's late milestones."""
    kpi, rows = reading.kpi, reading.rows
    notes = kpi_annotations.on_chart(loaders.all_annotations(db()), kpi.code, [reading.scope_code])
    notes = kpi_annotations.with_events(
        kpi_annotations.in_months(notes, rows["period"].min(), rows["period"].max()), kpi.code, events
    )
    late = late_milestones(loaders.milestones(db()), kpi.workstream_code, dt.date.today())
    return draft(reading, notes=notes, late=late)


def show_commentary(words: commentary.CommentaryView, month: dt.date, drafted: Draft = NO_DRAFT) -> None:
    """The month's commentary under its four headings, as text, with its review; without commentary of
    the month's own, the draft made from the data (said to be one) and an earlier month's carried over."""
    if drafted:
        with st.container(border=True):
            st.markdown(f"**What the chart tells us, {month_label(month)}** ({DRAFT_LABEL.lower()})")
            st.markdown(escape_markdown(drafted.text))
    if words.is_empty:
        return
    if words.carried_over_from:
        state = f"draft carried over from {month_label(words.carried_over_from)}, not yet reviewed"
    else:
        state = f"{words.status}; {words.review_words[0].lower()}{words.review_words[1:]}"
    owner = f", owner {words.owner}" if words.owner else ""
    with st.container(border=True):
        st.markdown(f"**Commentary, {month_label(month)}** ({escape_markdown(state + owner)})")
        for name, heading in commentary.SECTIONS.items():
            text = getattr(words, name)
            if text:
                st.markdown(f"**{heading}:** {escape_markdown(text)}")


def _said(status, key: str) -> str | None:
    """The message of the last save on this chart, shown once; the focus nonce to move the focus to it."""
    message = st.session_state.pop(f"{key}_notes_said", None)
    if message is None:
        return None
    status.success(message, icon=":material/check_circle:")
    return focus_nonce(f"{key}_notes_result")


def _saved(key: str, message: str) -> None:
    clear_caches()
    st.session_state[f"{key}_notes_said"] = message
    st.rerun()


def _refused(status, exc: Exception) -> None:
    """Why nothing was saved, as text (a message may quote what was typed or uploaded)."""
    status.error(escape_markdown(str(exc)), title="Not saved", icon=":material/error:")


def _suggestion(
    reading: Reading,
    sel: filters.Selection,
    events: tuple[scopes.ScopeEvent, ...],
    key: str,
    status,
) -> None:
    """The reading's suggested recalculation (never automatic): why, the chart as it would be, accept or
    dismiss."""
    suggestion = reading.suggestion
    if suggestion is None:
        return
    kpi, scope = reading.kpi, reading.scope_code
    month = month_label(suggestion.period)
    with st.container(border=True, key=f"{key}_suggestion"):
        st.markdown(
            f"**Suggested: recalculate the limits from {month}** ({escape_markdown(suggestion.why)}). "
            "The current limits may mislead; nothing changes unless you accept."
        )
        preview = st.expander(
            f"See the chart with limits recalculated from {month}, then accept or dismiss",
            key=f"{key}_suggestion_open",
            on_change="rerun",
        )
        if not preview.open:
            return
        with preview:
            _preview(reading, sel, suggestion.period, key)
            with st.form(f"{key}_suggestion_form", border=False):
                reason = st.text_input(
                    "Reason (kept with the decision)", max_chars=chart_settings.REASON_LIMIT
                )
                accept, dismiss = st.columns(2)
                accepted = accept.form_submit_button("Accept: recalculate", type="primary")
                dismissed = dismiss.form_submit_button("Dismiss")
        if accepted or dismissed:
            decision = "accepted" if accepted else "dismissed"
            try:
                chart_settings.decide_suggestion(
                    engine(), session.user(), kpi.code, scope, suggestion.period.date(), decision, reason
                )
            except (NoteError, PermissionDenied) as exc:
                _refused(status, exc)
            else:
                _saved(key, f"Suggestion {decision}: limits from {month}.")


def _preview(reading: Reading, sel: filters.Selection, month: pd.Timestamp, key: str) -> None:
    """The chart as it would be with limits recalculated from `month`, and its reading: the same reading,
    read again with the recalculation added to the settings in force (in the default period, taken back
    to keep 12 months before it)."""
    kpi, scope = reading.kpi, reading.scope_code
    current = loaders.settings_by_kpi(db(), scope).get(kpi.code) or chart_settings.ChartSettings()
    tried = chart_settings.ChartSettings(
        baseline=current.baseline,
        ghosts=current.ghosts,
        recalculations=[*current.recalculations, (month, "as suggested")],
        targets=current.targets,
    )
    flt = sel.to_kpi_filter()
    level = scopes.level_of(scope, loaders.collaborative_codes(db()))
    history = loaders.history(db(), scopes.scope_filter(flt, scope, level), level)
    history = history[(history["scope_code"] == scope) & (history["kpi_code"] == kpi.code)]
    window = None if flt.default_period else reading.window
    after = read_kpi(
        history,
        kpi,
        scope,
        reading.scope_name,
        window=window,
        months=loaders.kpi_months(db()).get(kpi.code, KPIMonths()),
        include_provisional=reading.include_provisional,
        settings=tried,
        rebase=loaders.rebase_months(db()).get(kpi.code, []),
    )
    if after.result is None:
        return
    st.plotly_chart(
        charts.spc_figure(after, words="", icons=False, height=360),
        key=f"{key}_suggestion_chart",
        config={"displayModeBar": False},
    )
    st.markdown(escape_markdown(after.sentence))


def _commentary_tools(
    kpi: KPI,
    scope: str,
    month: dt.date,
    words: commentary.CommentaryView,
    drafted: Draft,
    key: str,
    status,
) -> None:
    """Review, accept the draft, or write: a reviewed commentary is locked until the lead chooses to
    change it (a new version that needs review again)."""
    user = session.user()
    if words.reviewed:
        st.info(
            f"{words.review_words}: locked. A change makes version {words.version + 1}, which needs review "
            "again; the history keeps this one.",
            icon=":material/lock:",
        )
        if not st.toggle("Change the reviewed commentary", key=f"{key}_reopen"):
            return
    elif words.own and words.tells:
        if st.button("Mark this commentary reviewed", icon=":material/verified:", key=f"{key}_review"):
            try:
                commentary.review_commentary(engine(), user, kpi.code, scope, month)
            except (NoteError, PermissionDenied) as exc:
                _refused(status, exc)
            else:
                _saved(key, f"Commentary for {month_label(month)} marked reviewed.")
    elif drafted and st.button(
        "Accept the draft as this month's commentary", icon=":material/task_alt:", key=f"{key}_accept"
    ):
        _save(
            kpi,
            scope,
            month,
            key,
            status,
            accepted_draft=True,
            tells=drafted.text,
            **{name: getattr(words, name) for name in ("issues", "actions", "risks", "owner")},
        )
    _commentary_form(kpi, scope, month, words, drafted, key, status)


def _save(kpi: KPI, scope: str, month: dt.date, key: str, box, **fields) -> None:
    """Save the month's commentary (`fields` as kpi.notes.commentary.save_commentary takes them); why not, in
    `box`."""
    try:
        changed = commentary.save_commentary(engine(), session.user(), kpi.code, scope, month, **fields)
    except (NoteError, PermissionDenied) as exc:
        _refused(box, exc)
    else:
        _saved(key, f"Commentary for {month_label(month)} saved." if changed else "Nothing changed.")


def _commentary_form(
    kpi: KPI,
    scope: str,
    month: dt.date,
    words: commentary.CommentaryView,
    drafted: Draft,
    key: str,
    status,
) -> None:
    if words.carried_over_from:
        st.caption(
            f"Started from {month_label(words.carried_over_from)}'s commentary as a draft: "
            "edit it and save to make it this month's."
        )
    if drafted:
        st.caption("'What the chart tells us' starts from the draft made from the data: edit it, then save.")
    start = {name: getattr(words, name) for name in commentary.SECTIONS}
    if drafted:
        start["tells"] = drafted.text
    with st.form(f"{key}_commentary_form", border=False):
        texts = {
            name: st.text_area(
                f"{heading} ({month_label(month)})",
                value=start[name],
                max_chars=commentary.TEXT_LIMIT,
            )
            for name, heading in commentary.SECTIONS.items()
        }
        owner = st.text_input("Owner", value=words.owner, max_chars=commentary.OWNER_LIMIT)
        final = st.checkbox("Final (ready for the board pack)", value=words.status == "final")
        saved = st.form_submit_button("Save commentary", type="primary", icon=":material/save:")
    if saved:
        _save(
            kpi,
            scope,
            month,
            key,
            status,
            status="final" if final else "draft",
            reopen=words.reviewed,
            owner=owner,
            **texts,
        )


def _month_choice(label: str, data: pd.DataFrame, key: str) -> dt.date:
    months = sorted(pd.DatetimeIndex(data["period"]).unique(), reverse=True)
    return st.selectbox(label, months, format_func=month_label, key=key).date()


def _annotation_tools(kpi: KPI, scope: str, scope_name: str, data: pd.DataFrame, key: str, status) -> None:
    notes = kpi_annotations.on_chart(loaders.all_annotations(db()), kpi.code, [scope])
    with st.form(f"{key}_annotation_form", border=False):
        month = _month_choice("Month", data, f"{key}_annotation_month")
        text = st.text_input(
            "What happened", max_chars=kpi_annotations.TEXT_LIMIT, placeholder="Recruitment drive launched"
        )
        everywhere = st.checkbox(f"On every chart of this KPI, not only {scope_name}", value=False)
        added = st.form_submit_button("Add annotation", icon=":material/add:")
    if added:
        try:
            kpi_annotations.add_annotation(
                engine(), session.user(), kpi.code, None if everywhere else scope, month, text
            )
        except (NoteError, PermissionDenied) as exc:
            _refused(status, exc)
        else:
            _saved(key, f"Annotation added at {month_label(month)}.")
    for row in notes.itertuples():
        _annotation_row(row, key, status)


def _annotation_row(row, key: str, status) -> None:
    """One annotation: its text to edit (the old text kept in its history), Save and Remove."""
    month = month_label(row.period)
    where = "every scope" if pd.isna(row.scope_code) else row.scope_code
    text, save, remove = st.columns([6, 1, 1], vertical_alignment="bottom")
    edited = text.text_input(
        f"{month} ({where})",
        value=row.text,
        max_chars=kpi_annotations.TEXT_LIMIT,
        key=f"{key}_annotation_{row.id}",
    )
    try:
        if save.button("Save", key=f"{key}_annotation_save_{row.id}"):
            changed = kpi_annotations.edit_annotation(engine(), session.user(), int(row.id), text=edited)
            _saved(key, f"Annotation at {month} saved." if changed else "Nothing changed.")
        if remove.button("Remove", key=f"{key}_annotation_remove_{row.id}"):
            kpi_annotations.remove_annotation(engine(), session.user(), int(row.id))
            _saved(key, f"Annotation at {month} removed.")
    except (NoteError, PermissionDenied) as exc:
        _refused(status, exc)


def _settings_tools(reading: Reading, key: str, status) -> None:
    kpi, scope, data = reading.kpi, reading.scope_code, reading.rows
    kind = st.selectbox("Change", list(KINDS), format_func=KINDS.__getitem__, key=f"{key}_setting_kind")
    with st.form(f"{key}_setting_form", border=False):
        month, points, value = None, None, None
        if kind == "baseline":
            points = int(
                st.number_input(
                    "Months to fix the limits on",
                    min_value=chart_settings.MIN_BASELINE,
                    max_value=chart_settings.MAX_BASELINE,
                    value=chart_settings.MIN_BASELINE,
                    step=1,
                )
            )
        else:
            month = _month_choice("From month" if kind != "ghost" else "Month", data, f"{key}_setting_month")
        if kind == "target":
            in_force = reading.target.value
            value = st.number_input(
                f"Target ({kpi.unit})",
                value=in_force,
                format="%.2f",
                placeholder="The new target",
                help=f"In force now: {reading.target.words(kpi.unit)}.",
            )
        reason = st.text_input("Reason (shown in the chart's reading)", max_chars=chart_settings.REASON_LIMIT)
        added = st.form_submit_button("Apply", type="primary")
    if added:
        try:
            chart_settings.add_setting(
                engine(),
                session.user(),
                kpi.code,
                scope,
                kind,
                reason,
                period=month,
                points=points,
                value=value,
            )
        except (NoteError, PermissionDenied) as exc:
            _refused(status, exc)
        else:
            _saved(key, "Chart setting applied.")
    _settings_in_force(kpi, scope, key, status)
    _settings_file(key, status)


def _settings_file(key: str, status) -> None:
    """Many settings at once from a CSV file (kpi.notes.settings_file): all or nothing, each refused row named
    with its row number and why, as `python -m kpi settings import` does."""
    with st.form(f"{key}_settings_file_form", border=False, clear_on_submit=True):
        upload = st.file_uploader(
            "Load settings from a file (CSV)",
            type=["csv"],
            key=f"{key}_settings_file",
            help="Columns kpi_code, scope, kind, month, value, text; kind is target, baseline, ghost, "
            "recalculation or annotation. Any KPI and scope, for the whole year's targets at once. "
            "Nothing is written unless every row can be.",
        )
        loaded = st.form_submit_button("Load the file", icon=":material/upload_file:")
    if not loaded or upload is None:
        return
    try:
        written, refusals = settings_file.import_settings(engine(), session.user(), upload.getvalue())
    except (settings_file.SettingsFileError, PermissionDenied) as exc:
        _refused(status, exc)
        return
    if refusals:
        lines = "\n".join(f"- {escape_markdown(refusal.line())}" for refusal in refusals)
        status.error(
            f"Nothing was written: {len(refusals)} row{'s' if len(refusals) != 1 else ''} of the file "
            f"cannot be saved.\n\n{lines}",
            title="Not saved",
            icon=":material/error:",
        )
        return
    _saved(key, f"{written} row{'s' if written != 1 else ''} of settings and annotations loaded.")


def _settings_in_force(kpi: KPI, scope: str, key: str, status) -> None:
    rows = chart_settings.settings_rows(engine(), kpi.code, scope)
    if rows.empty:
        st.caption("No settings: the limits are calculated on every point, with the catalogue's target.")
        return
    st.markdown("**In force**")
    why = st.text_input(
        "Reason for removing a setting", max_chars=chart_settings.REASON_LIMIT, key=f"{key}_setting_why"
    )
    for row in rows.itertuples():
        kind = cast(str, row.kind)
        value = f" {format_target(cast(float, row.value), kpi.unit)}" if kind == "target" else ""
        line, button = st.columns([5, 1], vertical_alignment="center")
        line.text(f"{kind.capitalize()} {row.setting}{value}: {row.reason} ({row.by}, {row.at:%d/%m/%Y})")
        if button.button("Remove", key=f"{key}_setting_remove_{row.id}"):
            try:
                chart_settings.remove_setting(engine(), session.user(), int(cast(int, row.id)), why)
            except (NoteError, PermissionDenied) as exc:
                _refused(status, exc)
            else:
                _saved(key, f"{kind.capitalize()} {row.setting} removed.")
