"""The Workforce plan page's parts: the projection (or why there is none), the gap cards and tables,
"what it would take", the assumptions in words, the CSV, and the lead's tools to change an assumption
or save a scenario (kpi.plan.assumptions checks the role again where it writes). Everything a user typed
(reasons, scenario names and descriptions) is shown as text, never as Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import pandas as pd
import streamlit as st

from kpi.access.auth import PermissionDenied
from kpi.notes.common import NoteError
from kpi.plan import assumptions, model
from kpi.plan.chart import fte_text, pct_text
from kpi.plan.inputs import PlanResult
from kpi.plan.words import AssumptionLine
from kpi.ui import loaders, session
from kpi.ui.database import clear_caches, engine
from kpi.ui.style import focus_nonce, focus_on
from kpi.ui.url_state import page_choice
from kpi.ui.widgets import named_lines, narrow_only, wide_only
from kpi.words.formats import month_key, month_label
from kpi.words.frames import records
from kpi.words.text import escape_markdown

_RESULT = "plan_tools_result"
_SAID = "plan_tools_said"
_REFUSED = "plan_tools_refused"


def profession_words(professions: Sequence[str], names: Mapping[str, str]) -> str:
    """'all 14 professions', 'Physiotherapists', 'Dietitians and Podiatrists', '3 professions'."""
    if not professions:
        return f"all {len(names)} professions"
    if len(professions) <= 2:
        return " and ".join(names.get(code, code) for code in professions)
    return f"{len(professions)} professions"


def projection(
    db_url: str, scope: str, professions: tuple[str, ...], years: int, scenarios: tuple[str, ...]
) -> PlanResult | None:
    """The projection, or None after saying in words why there is none (no complete month of staff in
    post in the scope, no leaver rate...)."""
    try:
        return loaders.workforce_plan(db_url, scope, professions, years, scenarios)
    except model.PlanError as exc:
        st.info(escape_markdown(str(exc)), icon=":material/info:")
        return None


def gap_cards(result: PlanResult, codes: Sequence[str], names: Mapping[str, str]) -> None:
    """One card per profession: its Baseline gap at the horizon and what it is made of."""
    ends = model.gap_by_year(result.projection)
    ends = ends[(ends["scenario"] == model.BASELINE) & (ends["year"] == result.years)].set_index("profession")
    with st.grid(4, min_column_width=220, gap="small"):
        for code in codes:
            with st.container(border=True, height="stretch", key=f"plan_gap_{code}"):
                # One row per profession at the Baseline horizon, so .loc gives a row.
                _gap_card(names.get(code, code), cast(pd.Series, ends.loc[code]), result.trust_level)


def _gap_card(name: str, row: pd.Series, trust_level: bool) -> None:
    fte = {column: fte_text(row[column], trust_level) for column in row.index if "fte" in str(column)}
    st.metric(name, f"{fte['gap_fte']} short" if row["gap_fte"] > 0 else "No gap")
    st.caption(
        f"{pct_text(row['gap_pct'])} of an establishment of {fte['establishment_fte']}; supply "
        f"{fte['supply_fte_p50']} (90% of runs {fte['supply_fte_p05']} to {fte['supply_fte_p95']})."
    )


def gap_table(result: PlanResult, names: Mapping[str, str]) -> None:
    """The gap (FTE, median supply) at each year-end, one row per profession and scenario, widest
    Baseline gap first; '<5' for small figures at trust level."""
    order = {code: i for i, code in enumerate(result.professions_present)}
    ends = model.gap_by_year(result.projection)
    ends = ends[ends["profession"].isin(order)]
    ends = ends.assign(column=[f"Gap, {month_label(m)}" for m in ends["month"]])
    table = ends.pivot_table(index=["profession", "scenario"], columns="column", values="gap_fte", sort=False)
    table = table.reset_index()
    table = (
        table.assign(_o=table["profession"].map(order)).sort_values(["_o"], kind="stable").drop(columns="_o")
    )
    gap_columns = [c for c in table.columns if str(c).startswith("Gap, ")]
    shown = model.suppress_small(table, gap_columns, trust_level=result.trust_level)
    shown.insert(0, "Profession", shown.pop("profession").map(lambda c: names.get(c, c)))
    shown = shown.rename(columns={"scenario": "Scenario"})
    st.caption(
        "Establishment less median supply, in FTE, at the end of each projection year; a negative gap means "
        "supply above the establishment. Widest gap at the horizon (Baseline) first."
    )
    with wide_only("plan_gap_table"):
        st.dataframe(shown, hide_index=True, key="plan_gap_table", height=min(36 * (len(shown) + 1) + 3, 600))
    with narrow_only("plan_gap_table"):  # a phone: one line each, nothing behind a sideways scroll
        named_lines(
            [
                (
                    f"{row['Profession']}, {row['Scenario']}:",
                    ", ".join(f"{row[c]} ({c[5:]})" for c in gap_columns),
                )
                for row in records(shown)
            ]
        )


def what_it_would_take(result: PlanResult, names: Mapping[str, str]) -> None:
    """The extra joiners (and training places) a year that close each gap by a chosen year."""
    by_year = int(
        page_choice(
            "Close the gap by the end of",
            [str(n) for n in range(1, result.years + 1)],
            key=f"plan_by_year_{result.years}",  # a new horizon starts at its own end
            url_name="by",
            default=str(result.years),
            format_func=lambda n: month_label(
                result.projection.loc[result.projection["year"] == int(n), "month"].max()
            ),
        )
    )
    needed = model.joiners_needed(result.inputs, result.projection, by_year)
    needed = needed[
        (needed["extra_joiners_per_year"] > 0) & needed["profession"].isin(result.professions_present)
    ]
    if needed.empty:
        st.success(
            "No profession has a gap to close by then in any scenario shown.", icon=":material/check_circle:"
        )
        return
    if result.trust_level:  # a gap shown as '<5' must not be worked back from the joiners it needs
        small = needed["gap_fte"].abs() < model.SMALL_NUMBER
        needed = needed.assign(
            extra_joiners_per_year=needed["extra_joiners_per_year"].where(~small, 0.0),
            extra_training_places_per_year=needed["extra_training_places_per_year"].where(~small, 0.0),
        )
    top = needed.iloc[0]
    who = escape_markdown(f"{names.get(top['profession'], top['profession'])} ({top['scenario']})")
    joiners = model.small_number_text(top["extra_joiners_per_year"], trust_level=result.trust_level)
    places = model.small_number_text(top["extra_training_places_per_year"], trust_level=result.trust_level)
    st.markdown(
        f"To close the gap by {month_label(top['month'])}, {who} would need about {joiners} more joiners a "
        f"year from now, or about {places} more training places a year given attrition during training "
        "and the share taking C&M jobs. Widest gap first:"
    )
    shown = model.suppress_small(
        needed,
        ["gap_fte", "extra_joiners_per_year", "extra_training_places_per_year"],
        trust_level=result.trust_level,
    )
    with wide_only("plan_joiners"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Profession": shown["profession"].map(lambda c: names.get(c, c)),
                    "Scenario": shown["scenario"],
                    f"Gap, {month_label(top['month'])} (FTE)": shown["gap_fte"],
                    "Extra joiners a year": shown["extra_joiners_per_year"],
                    "Extra training places a year": shown["extra_training_places_per_year"],
                }
            ),
            hide_index=True,
            key="plan_joiners",
        )
    with narrow_only("plan_joiners"):
        named_lines(
            [
                (
                    f"{names.get(cast(str, row.profession), cast(str, row.profession))}, {row.scenario}:",
                    f"gap {row.gap_fte} FTE; {row.extra_joiners_per_year} more joiners or "
                    f"{row.extra_training_places_per_year} more training places a year",
                )
                for row in shown.itertuples()
            ]
        )


def projection_csv(result: PlanResult, profession: str | None = None) -> pd.DataFrame:
    """Every projected month (of one profession, or all) and scenario, for a download: figures to one
    decimal ('<5' for small figures at trust level)."""
    frame = result.projection
    if profession is not None:
        frame = frame[frame["profession"] == profession]
    figures = [*model.SUPPLY_COLUMNS, "establishment_fte", "gap_fte"]
    out = frame.assign(month=[month_key(m) for m in frame["month"]])
    out = out.round(
        {**dict.fromkeys(figures, 1), "gap_pct": 1, "leaver_rate_pct": 2, "training_yield_pct": 1}
    )
    if result.trust_level:
        out = model.suppress_small(out, figures, trust_level=True, decimals=1)
    return out.reset_index(drop=True)


def assumption_list(result: PlanResult, names: Mapping[str, str]) -> None:
    """The assumptions in plain English with their sources: the whole projection's first, then each
    profession's under its name (a list, which reads on a phone as on a screen)."""
    general = [line for line in result.assumptions if line.profession is None]
    st.markdown("\n".join(_assumption_line(line) for line in general))
    for code in result.professions_present:
        lines = [line for line in result.assumptions if line.profession == code]
        with st.expander(names.get(code, code), key=f"plan_assumptions_{code}"):
            st.markdown("\n".join(_assumption_line(line) for line in lines))


def _assumption_line(line: AssumptionLine) -> str:
    return f"- {escape_markdown(line.text)} *(Source: {escape_markdown(line.source)})*"


# --- the lead's tools -------------------------------------------------------------------------------


def lead_tools(names: Mapping[str, str]) -> None:
    """For the workforce lead: change an assumption (with a reason, kept in the history) or save a
    scenario; the message of the last save, with the keyboard focus moved to it."""
    status = st.container(key=_RESULT)
    nonce = None
    if (message := st.session_state.pop(_SAID, None)) is not None:
        status.success(escape_markdown(message), icon=":material/check_circle:")
        nonce = focus_nonce(_RESULT)
    tools = st.expander(
        "Change an assumption or save a scenario",
        icon=":material/edit_note:",
        key="plan_tools",
        on_change="rerun",
    )
    if tools.open:
        with tools:
            assumption_tab, scenario_tab, history_tab = st.tabs(["Assumptions", "Scenarios", "History"])
            with assumption_tab:
                _assumption_form(names, status)
            with scenario_tab:
                _scenario_form(names, status)
            with history_tab:
                _history(names)
    if st.session_state.pop(_REFUSED, False):
        nonce = focus_nonce(_RESULT)
    focus_on(_RESULT, nonce)


def _saved(message: str) -> None:
    clear_caches()
    st.session_state[_SAID] = message
    st.rerun()


def _refused(status, exc: Exception) -> None:
    """The reason a save was refused, as text (it may quote what was typed), with the focus moved to it."""
    status.error(escape_markdown(str(exc)), title="Not saved", icon=":material/error:")
    st.session_state[_REFUSED] = True


def _assumption_form(names: Mapping[str, str], status) -> None:
    """Which assumption (outside the form, so that the value in force follows the choice), then the new
    value, starting at the value in force with its source, and a reason. An unchanged or blank value is
    refused with a message; a saved change says the value before and after."""
    parameters = assumptions.PARAMETERS
    profession = st.selectbox(
        "For the profession", list(names), format_func=lambda c: names.get(c, c), key="plan_form_profession"
    )
    parameter = st.selectbox(
        "Assumption",
        list(parameters),
        format_func=lambda p: f"{parameters[p].words} ({parameters[p].unit})",
        key="plan_form_parameter",
    )
    year = st.text_input(
        "Financial year", value=assumptions.ALL_YEARS, help="'all' for every year, or one such as 2027/28.",
        key="plan_form_year",
    ).strip()  # fmt: skip
    current, source = assumptions.in_force(engine(), profession, parameter, year)
    if current is not None:
        st.caption(escape_markdown(f"In force: {current:g} {parameters[parameter].unit}. Source: {source}"))
    with st.form("plan_assumption_form", border=False):
        value = st.number_input(
            "New value",
            value=current,
            min_value=float(parameters[parameter].low),
            max_value=float(parameters[parameter].high),
            step=1.0,
            placeholder="Type the new value",
            key=f"plan_form_value_{profession}_{parameter}_{year}",  # starts again at each key's value
        )
        reason = st.text_input(
            "Reason", max_chars=assumptions.REASON_LIMIT, placeholder="Agreed at the May board"
        )
        saved = st.form_submit_button("Save the assumption", type="primary", icon=":material/save:")
    if not saved:
        return
    what = f"{names.get(profession, profession)}, {parameters[parameter].words}, {year}"
    if value is None:
        _refused(status, NoteError("value", "Enter the new value: a blank value is not saved."))
        return
    try:
        assumptions.set_assumption(engine(), session.user(), profession, parameter, year, value, reason)
    except (NoteError, PermissionDenied, model.PlanError) as exc:
        _refused(status, exc)
    else:
        before = "none" if current is None else f"{current:g}"
        _saved(f"Saved: {what} was {before}, now {value:g} {parameters[parameter].unit}.")


def _scenario_form(names: Mapping[str, str], status) -> None:
    with st.form("plan_scenario_form", border=False):
        name = st.text_input("Name", max_chars=assumptions.NAME_LIMIT, placeholder="Retention +1 pt")
        description = st.text_input("Description", max_chars=assumptions.DESCRIPTION_LIMIT)
        changes = {
            parameter: st.number_input(
                words[:1].upper() + words[1:], value=0.0, step=1.0, key=f"plan_change_{parameter}"
            )
            for parameter, words in model.SCENARIO_PARAMETERS.items()
        }
        only = st.multiselect(
            "Only these professions",
            list(names),
            format_func=lambda c: names.get(c, c),
            placeholder="Every profession",
        )
        saved = st.form_submit_button("Save the scenario", type="primary", icon=":material/save:")
    if saved:
        chosen = {parameter: amount for parameter, amount in changes.items() if amount}
        try:
            assumptions.save_scenario(engine(), session.user(), name, chosen, description, only or None)
        except (NoteError, PermissionDenied, model.PlanError) as exc:
            _refused(status, exc)
        else:
            _saved(f"Scenario saved: {name.strip()}. Choose it under Scenarios to compare.")


def _history(names: Mapping[str, str]) -> None:
    history = assumptions.assumption_history(engine())
    if history.empty:
        st.caption("No assumption has been changed yet: every value is the shipped one.")
        return
    history = history.assign(profession=history["profession"].map(lambda c: names.get(c, c)))
    st.dataframe(history.drop(columns="id"), hide_index=True, key="plan_history")
