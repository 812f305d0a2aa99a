"""The board pack's workforce plan section: the pack scope's projection over PLAN_YEARS for the
PLAN_PROFESSIONS professions with the widest Baseline gap (a fan chart each, with every scenario's
median), and the scenarios compared at the horizon. Built from kpi.plan as the Workforce plan page is,
with the default runs and seed, so the pack and the page give the same numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import plotly.graph_objects as go
from sqlalchemy import Engine

from kpi.figures import queries
from kpi.plan import assumptions, flow_charts, model
from kpi.plan.chart import fan_figure, fan_words, pct_text, too_small_to_chart
from kpi.plan.inputs import PlanResult
from kpi.plan.run import run_plan
from kpi.words.formats import month_label

PLAN_YEARS = 5
PLAN_PROFESSIONS = 3


def plan_section(
    engine: Engine, scope_code: str, scope_name: str, period_end: dt.date
) -> tuple[dict[str, Any], dict[str, go.Figure]]:
    """(the section's words and tables, its figures by chart key 'plan-CODE'); a section with only a
    `message` when the scope cannot be projected (no complete month of staff in post...)."""
    names = [s.name for s in assumptions.all_scenarios(engine)][1:]
    try:
        result = run_plan(engine, scope_code, None, PLAN_YEARS, names)
    except model.PlanError as exc:
        return {"message": f"No projection for {scope_name}: {exc}", "professions": [], "comparison": []}, {}
    frame = queries.professions(engine)
    professions = dict(zip(frame["code"], frame["name"], strict=True))
    top = result.professions_present[:PLAN_PROFESSIONS]
    others = [s.name for s in result.scenarios[1:]]
    blocks, figures = [], {}
    for code in top:
        title = f"{professions.get(code, code)}: projected supply, {scope_name}"
        words = fan_words(
            result.projection, code, title, model.BASELINE, others, trust_level=result.trust_level
        )
        if not too_small_to_chart(result.projection, code, result.trust_level):
            figures[f"plan-{code}"] = fan_figure(
                result.projection, code, title, model.BASELINE, others, trust_level=result.trust_level
            )
        blocks.append(
            {"key": f"plan-{code}", "name": professions.get(code, code), "sentences": list(words.sentences),
             "alt": words.accessible_name}
        )  # fmt: skip
    flows_block, flows_figure = _flows(result, scope_name)
    figures["plan-flows"] = flows_figure
    notes = list(result.inputs.notes)
    start = result.inputs.start_month
    if start.date() > period_end:
        notes.insert(
            0,
            f"The projection starts from the latest complete month of staff in post, {month_label(start)}, "
            f"which is after this pack's month, {month_label(period_end)}.",
        )
    section = {
        "message": "",
        "start": month_label(result.inputs.start_month),
        "end": month_label(result.projection["month"].max()),
        "years": PLAN_YEARS,
        "runs": f"{result.runs:,}",
        "scenarios": [{"name": s.name, "description": s.description} for s in result.scenarios],
        "professions": blocks,
        "comparison": _comparison(result, top, professions),
        "notes": notes,
        "flows": flows_block,
        "method": method_lines(result),
    }
    return section, figures


def method_lines(result: PlanResult) -> list[str]:
    """What the projection models and leaves out, how its band was made and how it did in the backtest,
    and, at trust level, the small-number rule: the words a reader needs before acting on it."""
    general = [line.text for line in result.assumptions if line.profession is None]
    said = set(result.inputs.notes)  # the notes come first in the section already
    keep = [t for t in general if not t.startswith(("Scenario ", "Projected from")) and t not in said]
    return keep + ([model.SUPPRESSION_RULE] if result.trust_level else [])


def _flows(result: PlanResult, scope_name: str) -> tuple[dict[str, Any], go.Figure]:
    """The waterfall of every profession the scope holds, added up, over the horizon (Baseline)."""
    total = flow_charts.total_flows(result.flows, result.professions_present)
    steps = flow_charts.flow_steps(total, system=result.inputs.system_level, trust_level=result.trust_level)
    title = f"What drives the gap: flows over {result.years} years, {scope_name}, every profession"
    chart_words = flow_charts.waterfall_words(steps, title, result.years)
    block = {
        "key": "plan-flows",
        "name": title,
        "sentences": list(chart_words.sentences),
        "alt": chart_words.accessible_name,
    }
    return block, flow_charts.waterfall_figure(steps, title)


def _comparison(result: PlanResult, codes: list[str], names: dict[str, str]) -> list[dict[str, str]]:
    """Per profession (widest gap first) and scenario, at the horizon: median supply, establishment and
    the gap, as text ('<5' for small figures at trust level)."""
    ends = model.gap_by_year(result.projection)
    ends = ends[(ends["year"] == result.years) & ends["profession"].isin(codes)]
    order = {code: i for i, code in enumerate(codes)}
    ends = ends.assign(_o=ends["profession"].map(order)).sort_values("_o", kind="stable")

    def text(value: float) -> str:
        return model.small_number_text(value, trust_level=result.trust_level)

    return [
        {
            # profession and scenario are text; the other columns floats.
            "profession": names.get(cast(str, row.profession), cast(str, row.profession)),
            "scenario": cast(str, row.scenario),
            "supply": text(cast(float, row.supply_fte_p50)),
            "range": f"{text(cast(float, row.supply_fte_p05))} to {text(cast(float, row.supply_fte_p95))}",
            "establishment": text(cast(float, row.establishment_fte)),
            "gap": text(cast(float, row.gap_fte)),
            "gap_pct": pct_text(cast(float, row.gap_pct)),
        }
        for row in ends.itertuples()
    ]
