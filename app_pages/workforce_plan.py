"""Workforce plan: projected AHP supply by profession against the funded establishment, with scenarios."""

import dataclasses

import streamlit as st

from kpi import charts, ui
from kpi.figures import scopes
from kpi.plan import chart as plan_chart
from kpi.plan import model
from kpi.ui import plan_sections, plan_tools
from kpi.words.formats import month_label
from kpi.words.text import escape_markdown

db = ui.db()
sel = ui.selection()
names = ui.scope_names(db)
profession_names = ui.profession_names(db)

st.title("Workforce plan", anchor=False)
st.caption(
    "Where each profession's staff in post is heading, month by month, against the funded establishment: "
    "staff in post less leavers, plus newly qualified joiners, international recruits, returners, "
    "apprentices completing and joiners from other NHS organisations and from outside the NHS, on the "
    "same definition as the leavers. The line is the middle of 1,000 runs that vary the leaver rate by its "
    "year-to-year spread and each assumed inflow by its uncertainty; the bands hold the middle 50% and 90% "
    "of runs, widened where the backtest found them too narrow. The assumptions are listed in words at the "
    "foot of the page, each with its source."
)

with st.container(horizontal=True, gap="medium"):
    scope = ui.page_choice(
        "Projection for",
        ui.plan_scopes(db),
        key="plan_scope",
        url_name="scope",
        default=scopes.plan_default_scope(sel.trusts, sel.collaborative),
        format_func=lambda code: names.get(code, code),
        help="The system counts each trust once and leaves out moves between its trusts; a collaborative "
        "counts all its members; a trust counts moves to and from other trusts on both sides.",
    )
    years = int(
        ui.page_choice(
            "Horizon",
            [str(n) for n in range(1, model.MAX_YEARS + 1)],
            key="plan_years",
            url_name="years",
            default="5",
            format_func=lambda n: f"{n} year" if n == "1" else f"{n} years",
        )
    )
scenarios = ui.page_choices(
    "Scenarios to compare with Baseline",
    ui.plan_scenario_names(db),
    key="plan_scenarios",
    url_name="scenario",
    placeholder="Baseline only",
    help="Baseline is always shown: the assumptions as they stand. Each scenario changes only what it names.",
)
professions = tuple(sel.professions)
result = plan_tools.projection(db, scope, professions, years, tuple(scenarios))
if result is None:
    st.stop()
scope_name = names.get(scope, scope)
chosen = plan_tools.profession_words(professions, profession_names)
st.caption(
    f"Showing {chosen} · {scope_name} · from {month_label(result.inputs.start_month)} for "
    f"{years} year{'' if years == 1 else 's'}",
    help="Choose professions in the sidebar; the period filter does not apply (the projection starts "
    "from the latest complete month of staff in post).",
)
source = f"Workforce plan projection ({chosen})"
trust_level = result.trust_level
for note in result.inputs.notes:
    st.caption(note)
plan_sections.suppression_note(result)

order = result.professions_present
if not order:
    st.info(
        f"{scope_name} has no staff in post and no funded establishment in {chosen}: nothing to project. "
        "Choose other professions in the sidebar, or another scope.",
        icon=":material/info:",
    )
    st.stop()
end_month = month_label(result.projection["month"].max())
st.subheader(f"Widest gaps by {end_month}, Baseline", anchor=False)
plan_tools.gap_cards(result, order[:4], profession_names)

st.subheader("Projected supply against the funded establishment", anchor=False)
profession = ui.page_choice(
    "Profession",
    order,
    key="plan_profession",
    url_name="chart",
    format_func=lambda code: profession_names.get(code, code),
    help="Ordered by the Baseline gap at the horizon, widest first.",
)
fan_scenario = ui.page_choice(
    "Fan for",
    [model.BASELINE, *scenarios],
    key="plan_fan",
    url_name="fan",
    help="The scenario drawn with its bands; the others are drawn as their median lines.",
)
others = [name for name in [model.BASELINE, *scenarios] if name != fan_scenario]
title = f"{profession_names.get(profession, profession)}: projected supply, {scope_name}"
words = plan_chart.fan_words(
    result.projection, profession, title, fan_scenario, others, trust_level=trust_level
)
stem = plan_sections.scenario_stem("workforce-plan", scope, profession, f"{years}y", scenarios=scenarios)
if plan_chart.too_small_to_chart(result.projection, profession, trust_level):
    st.markdown(f"**{escape_markdown(title)}**")
    st.markdown("\n".join(f"- {escape_markdown(sentence)}" for sentence in words.sentences))
    st.caption("Every figure of this profession here is under 5 FTE: not charted at trust level.")
else:
    ui.show_chart(
        plan_chart.fan_figure(
            result.projection, profession, title, fan_scenario, others, trust_level=trust_level
        ),
        plan_tools.projection_csv(result, profession),
        words=words,
        stem=stem,
        synthetic=result.synthetic,
        key="plan_fan",
        title=title,
        # The filters that shaped it: the professions (the scope is named; the period filter does not
        # apply, so the caption gives the projection's own months).
        caption=dataclasses.replace(
            ui.image_caption(
                title,
                scope_name,
                sel=dataclasses.replace(sel, trusts=(), collaborative=None),
                source="staff in post, leaver rate and establishment from the dashboard; inflows as assumed",
                synthetic=result.synthetic,
                notes=" ".join(words.sentences),
            ),
            period=f"projected from {month_label(result.inputs.start_month)} to {end_month}",
        ),
        provenance=ui.provenance(None, scope=scope_name, source=source, synthetic=result.synthetic),
    )

st.subheader("What drives the gap", anchor=False)
plan_sections.flows_section(result, profession, profession_names, scope_name, stem)

st.subheader("The levers that matter most", anchor=False)
plan_sections.levers_section(result, profession, profession_names, scope_name, stem)

st.subheader("How well the band did in the past", anchor=False)
plan_sections.backtest_section(
    result, profession, profession_names, scope_name, charts.file_stem("workforce-plan", scope)
)

st.subheader(f"The gap each year: {scope_name}", anchor=False)
plan_tools.gap_table(result, profession_names)

st.subheader("What it would take", anchor=False)
plan_tools.what_it_would_take(result, profession_names)

ui.csv_download(
    "Download every projected month and scenario (CSV)",
    plan_tools.projection_csv(result),
    plan_sections.scenario_stem("workforce-plan", scope, *professions, f"{years}y", scenarios=scenarios)
    + ".csv",
    title=f"Workforce plan, {scope_name}, {years} year{'' if years == 1 else 's'}",
    key="plan_csv",
    provenance=ui.provenance(None, scope=scope_name, source=source, synthetic=result.synthetic),
)

st.subheader("The assumptions, in words", anchor=False)
plan_tools.assumption_list(result, profession_names)
if ui.user().is_lead:
    plan_tools.lead_tools(profession_names)
