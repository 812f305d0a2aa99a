"""The Workforce plan page's parts that explain the projection: what drives the gap (the waterfall of
the flows), the levers that matter most (the tornado), and how well the band did against the past
(the backtest), each with its chart, words, CSV and images. At trust level every figure follows
kpi.plan.model.SUPPRESSION_RULE, in the chart, its table, its CSV and its images alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import cast

import pandas as pd
import streamlit as st

from kpi import charts
from kpi.plan import flow_charts, model
from kpi.plan.backtest import BACKTEST_COLUMNS, backtest_table
from kpi.plan.inputs import PlanResult
from kpi.plan.sensitivity import shown as shown_sensitivity
from kpi.plan.words import backtest_words, profession_backtest_words
from kpi.ui.widgets import csv_download, image_caption, provenance, show_chart
from kpi.words.formats import month_label
from kpi.words.text import escape_markdown


def _caption(title: str, scope_name: str, result: PlanResult, notes: str):
    caption = image_caption(
        title,
        scope_name,
        source="staff in post and leaver rate from the dashboard; other flows as assumed",
        synthetic=result.synthetic,
        notes=notes,
    )
    end = month_label(result.projection["month"].max())
    return dataclasses.replace(
        caption, period=f"projected from {month_label(result.inputs.start_month)} to {end}"
    )


def flows_section(
    result: PlanResult, profession: str, names: Mapping[str, str], scope_name: str, stem: str
) -> None:
    """The waterfall of one profession's flows over the horizon (Baseline, no uncertainty)."""
    row = cast(pd.Series, result.flows.set_index("profession").loc[profession])  # a row per profession
    name = names.get(profession, profession)
    steps = flow_charts.flow_steps(row, system=result.inputs.system_level, trust_level=result.trust_level)
    title = f"{name}: flows over {result.years} years, {scope_name}"
    words = flow_charts.waterfall_words(steps, title, result.years)
    st.caption(
        "Baseline, without uncertainty: where the staff come from and go to, so that you can see what drives "
        "the gap. "
        + (
            "Moves between C&M trusts are not flows for the system."
            if result.inputs.system_level
            else "Moves to and from other C&M trusts count on both sides here."
        )
    )
    show_chart(
        flow_charts.waterfall_figure(steps, title),
        steps.rename(columns={"step": "flow", "text": "fte_shown"})[["flow", "fte_shown", "kind"]],
        words=words,
        stem=f"{stem}_flows",
        synthetic=result.synthetic,
        key="plan_flows",
        title=title,
        caption=_caption(title, scope_name, result, " ".join(words.sentences)),
        provenance=provenance(
            None, scope=scope_name, source="Workforce plan flows", synthetic=result.synthetic
        ),
    )


def levers_section(
    result: PlanResult, profession: str, names: Mapping[str, str], scope_name: str, stem: str
) -> None:
    """The tornado of one profession's levers, largest first, and the whole table as CSV."""
    rows = flow_charts.tornado_rows(result.sensitivity, profession, result.trust_level)
    name = names.get(profession, profession)
    title = f"{name}: the levers that matter most by {month_label(result.projection['month'].max())}"
    words = flow_charts.tornado_words(rows, title)
    st.caption(
        "The change in supply at the horizon (Baseline, without uncertainty) from moving each input by the "
        "amount shown, either way; largest first. The retirement age share is not a lever here: the "
        "dashboard holds no age profile, so retirements are part of the leaver rate."
    )
    show_chart(
        flow_charts.tornado_figure(rows, title),
        sensitivity_csv(result, profession),
        words=words,
        stem=f"{stem}_levers",
        synthetic=result.synthetic,
        key="plan_levers",
        title=title,
        caption=_caption(title, scope_name, result, " ".join(words.sentences)),
        provenance=provenance(
            None, scope=scope_name, source="Workforce plan sensitivity", synthetic=result.synthetic
        ),
    )


def sensitivity_csv(result: PlanResult, profession: str | None = None) -> pd.DataFrame:
    """The sensitivity table (of one profession, or all) as a download (kpi.plan.sensitivity.shown)."""
    return shown_sensitivity(result.sensitivity, result.trust_level, profession)


def backtest_csv(result: PlanResult) -> pd.DataFrame:
    """The backtest after calibration as a download (kpi.plan.backtest.backtest_table)."""
    frame = result.backtest.after if result.backtest is not None else pd.DataFrame(columns=BACKTEST_COLUMNS)
    return backtest_table(frame, result.trust_level)


def backtest_section(
    result: PlanResult, profession: str, names: Mapping[str, str], scope_name: str, stem: str
) -> None:
    """How the band did against the past: the sentences, the chosen profession's count, the CSV."""
    lines = backtest_words(result.backtest)
    mine = profession_backtest_words(result.backtest, profession, names.get(profession, profession))
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in [*lines, *([mine] if mine else [])]))
    if result.backtest is None or result.backtest.empty:
        return
    csv_download(
        "Download the backtest (CSV)",
        lambda: backtest_csv(result),
        f"{stem}_backtest.csv",
        title=f"Workforce plan backtest, {scope_name}: each past start, horizon and profession",
        key="plan_backtest_csv",
        provenance=provenance(
            None, scope=scope_name, source="Workforce plan backtest", synthetic=result.synthetic
        ),
    )


def suppression_note(result: PlanResult) -> None:
    """At trust level, the rule that keeps small numbers small, said where the figures are."""
    if result.trust_level:
        st.caption(model.SUPPRESSION_RULE)


def scenario_stem(*parts: str, scenarios: tuple[str, ...] | list[str]) -> str:
    """A file stem that names the scenarios compared ('Baseline' alone when none)."""
    return charts.file_stem(*parts, tuple(scenarios) or ("Baseline",))


__all__ = [
    "backtest_csv",
    "backtest_section",
    "flows_section",
    "levers_section",
    "scenario_stem",
    "sensitivity_csv",
    "suppression_note",
]
