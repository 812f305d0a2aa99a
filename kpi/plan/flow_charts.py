"""What drives the gap, as charts and words: the waterfall of the flows over the horizon (start, + each
inflow, - each outflow, end) and the tornado of the levers (the change in supply at the horizon from
moving each input, largest first). At trust level every figure follows the SUPPRESSION_RULE: '<5' or
rounded to the nearest 5, and a suppressed flow is drawn as nothing with '<5' written on it."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from kpi import charts
from kpi.plan.model import disclosed, small_number_text
from kpi.plan.sensitivity import ALL
from kpi.reading.chart_text import ChartWords

INFLOW_WORDS: dict[str, str] = {
    "newly_qualified": "Newly qualified",
    "international": "International recruits",
    "returners": "Returners",
    "apprentices": "Apprentices completing",
    "nhs_joiners": "Joiners from other NHS organisations",
    "outside_joiners": "Joiners from outside the NHS",
    "extra_joiners": "Extra joiners (scenario)",
}
OUTFLOW_WORDS: dict[str, str] = {
    "leavers_to_nhs": "Leavers to other NHS organisations",
    "leavers_out_of_nhs": "Leavers out of the NHS",
}
SYSTEM_OUTFLOW_WORDS = {"leavers_to_nhs": "Leavers to NHS organisations outside C&M"}
SYSTEM_INFLOW_WORDS = {"nhs_joiners": "Joiners from NHS organisations outside C&M"}
RISE = "#006747"  # NHS dark green
FALL = charts.NHS_DARK_RED


def _number(value: float, trust_level: bool) -> str:
    return small_number_text(value, trust_level=trust_level, decimals=0)


def flow_steps(row: pd.Series, *, system: bool, trust_level: bool) -> pd.DataFrame:
    """The waterfall's bars for one profession's (or a total's) row of model.flows: step, FTE (signed;
    0 for a '<5' at trust level), text, kind ('start', 'in', 'out', 'end'). Flows of nothing are left
    out."""
    inflow_words = {**INFLOW_WORDS, **(SYSTEM_INFLOW_WORDS if system else {})}
    outflow_words = {**OUTFLOW_WORDS, **(SYSTEM_OUTFLOW_WORDS if system else {})}
    steps = [("Staff in post at the start", float(row["start_fte"]), "start")]
    steps += [(words, float(row[key]), "in") for key, words in inflow_words.items() if float(row[key]) > 0]
    steps += [(words, -float(row[key]), "out") for key, words in outflow_words.items() if float(row[key]) > 0]
    steps.append(("Supply at the end", float(row["end_fte"]), "end"))
    shown = []
    for step, value, kind in steps:
        number = disclosed(value, trust_level=trust_level)
        text = _number(abs(value), trust_level)
        sign = "" if text.startswith("<") else "+" if kind == "in" else "−" if kind == "out" else ""
        shown.append(
            {
                "step": step,
                "fte": 0.0 if math.isnan(number) else number,
                "text": f"{sign}{text}",
                "kind": kind,
            }
        )
    return pd.DataFrame(shown)


def waterfall_figure(steps: pd.DataFrame, title: str) -> go.Figure:
    """Start and end as whole bars, each inflow rising and each outflow falling between them."""
    measure = ["absolute" if kind in ("start", "end") else "relative" for kind in steps["kind"]]
    fig = go.Figure(
        go.Waterfall(
            orientation="v",
            x=steps["step"],
            y=steps["fte"],
            measure=measure,
            text=steps["text"],
            textposition="outside",
            textfont={"color": charts.CHART_TEXT},
            increasing={"marker": {"color": RISE}},
            decreasing={"marker": {"color": FALL}},
            totals={"marker": {"color": charts.NHS_BLUE}},
            connector={"line": {"color": charts.NHS_DARK_GREY, "width": 1}},
            hovertemplate="%{x}: %{text} FTE<extra></extra>",
            name="Flows",
        )
    )
    charts.style_figure(fig, title=title, y_title="FTE", height=460)
    fig.update_layout(showlegend=False)
    fig.update_xaxes(tickangle=-30, automargin=True)
    return fig


def waterfall_words(steps: pd.DataFrame, heading: str, years: int) -> ChartWords:
    """The waterfall in sentences and as a table."""
    start, end = steps.iloc[0], steps.iloc[-1]
    ins = steps[steps["kind"] == "in"]
    outs = steps[steps["kind"] == "out"]
    sentence = (
        f"Over {years} year{'s' if years > 1 else ''}: {start['text']} FTE at the start; in: "
        + "; ".join(f"{r.step} {r.text}" for r in ins.itertuples())
        + "; out: "
        + "; ".join(f"{r.step} {r.text}" for r in outs.itertuples())
        + f"; {end['text']} FTE at the end."
    )
    table = pd.DataFrame({"Flow": steps["step"], "FTE": steps["text"]})
    return ChartWords(heading=heading, sentences=(sentence,), table=table, kind="Waterfall chart")


def tornado_rows(table: pd.DataFrame, profession: str, trust_level: bool) -> pd.DataFrame:
    """One profession's (or ALL's) levers, largest swing first, with the changes as they may be shown."""
    rows = table[table["profession"] == profession].reset_index(drop=True)
    return rows.assign(
        lower_shown=[disclosed(v, trust_level=trust_level) for v in rows["if_lower"]],
        higher_shown=[disclosed(v, trust_level=trust_level) for v in rows["if_higher"]],
        lower_text=[_number(v, trust_level) for v in rows["if_lower"]],
        higher_text=[_number(v, trust_level) for v in rows["if_higher"]],
    )


def tornado_figure(rows: pd.DataFrame, title: str) -> go.Figure:
    """A bar each way for each lever (input lower, input higher), the largest swing at the top."""
    labels = [f"{r.input} ±{r.moved_by}" for r in rows.itertuples()]
    fig = go.Figure()
    for column, text, name, colour in (
        ("lower_shown", "lower_text", "Input lower", charts.NHS_ORANGE_DARKENED),
        ("higher_shown", "higher_text", "Input higher", charts.NHS_BLUE),
    ):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=rows[column].fillna(0.0),
                orientation="h",
                name=name,
                marker_color=colour,
                text=rows[text],
                textposition="outside",  # dark on white, never white on a pale bar (contrast)
                textfont={"color": charts.CHART_TEXT},
                cliponaxis=False,
                customdata=rows[text],
                hovertemplate="%{y}: %{customdata} FTE<extra>%{fullData.name}</extra>",
            )
        )
    charts.style_figure(fig, title=title, y_title="", height=120 + 46 * len(rows))
    x_title = {"text": "Change in supply at the horizon (FTE)", "font": {"color": charts.CHART_TEXT}}
    fig.update_layout(barmode="overlay", xaxis_title=x_title)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def tornado_words(rows: pd.DataFrame, heading: str) -> ChartWords:
    """The levers in sentences, largest first, and as a table."""
    sentences = tuple(
        f"{r.input}, {r.moved_by} either way: {r.lower_text} FTE if lower, {r.higher_text} FTE if higher."
        for r in rows.itertuples()
    )
    table = pd.DataFrame(
        {
            "Input": rows["input"],
            "Moved by": rows["moved_by"],
            "Change if lower (FTE)": rows["lower_text"],
            "Change if higher (FTE)": rows["higher_text"],
        }
    )
    return ChartWords(heading=heading, sentences=sentences, table=table, kind="Tornado chart", listed=True)


def total_flows(flows: pd.DataFrame, codes: list[str]) -> pd.Series:
    """The flows of `codes` added up (one row of model.flows for all of them)."""
    return flows[flows["profession"].isin(codes)].drop(columns="profession").sum()


def profession_label(code: str, names: Mapping[str, str]) -> str:
    return "all professions" if code == ALL else names.get(code, code)


__all__ = [
    "flow_steps",
    "profession_label",
    "tornado_figure",
    "tornado_rows",
    "tornado_words",
    "total_flows",
    "waterfall_figure",
    "waterfall_words",
]
