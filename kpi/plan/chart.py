"""The workforce plan as a chart and in words: a fan of projected supply for one profession (the median
line, the middle 50 % and 90 % of runs as bands) against the funded establishment, with the other
scenarios' medians beside it; the same in sentences (its text alternative) and as a year-end table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from kpi import charts
from kpi.plan.model import SMALL_NUMBER, disclosed, small_number_text
from kpi.reading.chart_text import ChartWords
from kpi.words.formats import month_label

BAND_90 = "rgba(0, 94, 184, 0.14)"  # NHS blue, light: the middle 90 % of runs
BAND_50 = "rgba(0, 94, 184, 0.30)"  # darker: the middle 50 %
SCENARIO_DASHES = ("dot", "dashdot", "longdash", "longdashdot")
SCENARIO_COLOURS = (
    charts.NHS_ORANGE_DARKENED,
    charts.NHS_DARK_RED,
    "#006747",
    "#330072",
)  # NHS dark green, purple


def _band(
    fig: go.Figure, rows: pd.DataFrame, low: str, high: str, colour: str, name: str, trust_level: bool
) -> None:
    """A shaded band between two percentile columns (the upper edge drawn back along the lower)."""
    x = list(rows["month"]) + list(rows["month"])[::-1]
    y = list(rows[high]) + list(rows[low])[::-1]
    if trust_level:  # the band's edges as rounded as every other figure (SUPPRESSION_RULE)
        y = [0.0 if math.isnan(v := disclosed(value, trust_level=True)) else v for value in y]
    fig.add_trace(
        go.Scatter(x=x, y=y, fill="toself", fillcolor=colour, line={"width": 0}, name=name, hoverinfo="skip")
    )


def _line(fig: go.Figure, rows: pd.DataFrame, column: str, name: str, line: dict, trust_level: bool) -> None:
    """A line with its hover text: the figure, or '<5' for a small one at trust level. The name is in
    the hover through %{fullData.name}, never spliced into the template, so the lead's text cannot
    become a template field."""
    shown = [f"{small_number_text(v, trust_level=trust_level, decimals=1)} FTE" for v in rows[column]]
    fig.add_trace(
        go.Scatter(
            x=rows["month"],
            y=[disclosed(v, trust_level=trust_level) for v in rows[column]],
            mode="lines",
            name=name,
            line=line,
            customdata=shown,
            hovertemplate="%{fullData.name}<br>%{x|%b %Y}: %{customdata}<extra></extra>",
        )
    )


def scenario_style(index: int) -> dict:
    """The line of the index-th scenario drawn beside the fan: a dash and a colour each, so that no two
    of the first sixteen look alike and none depends on colour alone among the first four."""
    colour = SCENARIO_COLOURS[(index + index // len(SCENARIO_DASHES)) % len(SCENARIO_COLOURS)]
    return {"color": colour, "dash": SCENARIO_DASHES[index % len(SCENARIO_DASHES)], "width": 2.5}


def fan_figure(
    projection: pd.DataFrame,
    profession: str,
    title: str,
    scenario: str,
    others: Sequence[str] = (),
    *,
    trust_level: bool = False,
) -> go.Figure:
    """The fan of `scenario` for one profession, its establishment, and the median of each of `others`
    (their hover text says '<5' for a small figure at trust level)."""
    rows = projection[(projection["profession"] == profession) & (projection["scenario"] == scenario)]
    fig = go.Figure()
    _band(fig, rows, "supply_fte_p05", "supply_fte_p95", BAND_90, "90% of runs", trust_level)
    _band(fig, rows, "supply_fte_p25", "supply_fte_p75", BAND_50, "50% of runs", trust_level)
    median = f"Supply, {charts.plotly_text(scenario)} (median)"  # a scenario's name is the lead's text
    _line(fig, rows, "supply_fte_p50", median, {"color": charts.NHS_BLUE, "width": 3}, trust_level)
    establishment = {"color": charts.NHS_DARK_GREY, "dash": "dash"}
    _line(fig, rows, "establishment_fte", "Funded establishment", establishment, trust_level)
    for index, name in enumerate(others):
        other = projection[(projection["profession"] == profession) & (projection["scenario"] == name)]
        label = f"Supply, {charts.plotly_text(name)} (median)"
        _line(fig, other, "supply_fte_p50", label, scenario_style(index), trust_level)
    charts.style_figure(fig, title=title, y_title="FTE", height=420)
    fig.update_layout(hovermode="x unified")
    return fig


def too_small_to_chart(projection: pd.DataFrame, profession: str, trust_level: bool) -> bool:
    """At trust level, a profession whose every figure (supply band and establishment) is under 5 FTE
    is not charted: its axis would give away what '<5' keeps back."""
    rows = projection[projection["profession"] == profession]
    top = rows[["supply_fte_p95", "establishment_fte"]].to_numpy()
    return trust_level and bool((abs(top) < SMALL_NUMBER).all())


def pct_text(value: float) -> str:
    """'13.8%', or an en dash where there is no establishment to take a share of."""
    return f"{value:.1f}%" if math.isfinite(value) else "–"


def fte_text(value: float, trust_level: bool) -> str:
    """'1,559 FTE', or '<5' for a small figure at trust level."""
    text = small_number_text(value, trust_level=trust_level, decimals=0)
    return text if text.startswith("<") else f"{text} FTE"


def _gap_words(gap: float, pct: float, trust_level: bool) -> str:
    if gap > 0:
        return f"a gap of {fte_text(gap, trust_level)} ({pct_text(pct)} of the establishment)"
    return f"{fte_text(-gap, trust_level)} above the establishment (no gap)"


def fan_words(
    projection: pd.DataFrame,
    profession: str,
    heading: str,
    scenario: str,
    others: Sequence[str] = (),
    *,
    trust_level: bool = False,
) -> ChartWords:
    """The chart in sentences: where the median supply and the establishment go and the gap at the end,
    for the fan's scenario, then each other scenario's end; and the year-end figures as a table."""
    mine = projection[projection["profession"] == profession]
    rows = mine[mine["scenario"] == scenario]
    first, last = rows.iloc[0], rows.iloc[-1]
    at_start, at_end = (
        {column: fte_text(row[column], trust_level) for column in row.index if "fte" in str(column)}
        for row in (first, last)
    )
    sentences = [
        f"{scenario}: median supply goes from {at_start['supply_fte_p50']} in {month_label(first['month'])} "
        f"to {at_end['supply_fte_p50']} in {month_label(last['month'])} (90% of runs between "
        f"{at_end['supply_fte_p05']} and {at_end['supply_fte_p95']}); the establishment grows from "
        f"{at_start['establishment_fte']} to {at_end['establishment_fte']}: "
        f"{_gap_words(last['gap_fte'], last['gap_pct'], trust_level)} in {month_label(last['month'])}."
    ]
    for name in others:
        end = mine[mine["scenario"] == name].iloc[-1]
        supply = fte_text(end["supply_fte_p50"], trust_level)
        sentences.append(
            f"{name}: median supply {supply} in {month_label(end['month'])}, "
            f"{_gap_words(end['gap_fte'], end['gap_pct'], trust_level)}."
        )
    return ChartWords(
        heading=heading,
        sentences=tuple(sentences),
        table=year_end_table(mine, [scenario, *others], trust_level=trust_level),
        kind="Fan chart",
        listed=len(sentences) > 1,
    )


def year_end_table(projection: pd.DataFrame, scenarios: Sequence[str], *, trust_level: bool) -> pd.DataFrame:
    """Each year-end of the scenarios given, as text for a table: month, scenario, median supply with the
    90% range, establishment and gap (small numbers '<5' at trust level)."""
    rows = projection[projection["scenario"].isin(scenarios)]
    ends = rows.groupby(["scenario", "year"], sort=False).tail(1)

    def number(value: float) -> str:
        return small_number_text(value, trust_level=trust_level, decimals=0)

    return pd.DataFrame(
        {
            "Year end": [month_label(m) for m in ends["month"]],
            "Scenario": ends["scenario"].to_list(),
            "Supply, median (FTE)": [number(v) for v in ends["supply_fte_p50"]],
            "90% of runs (FTE)": [
                f"{number(a)} to {number(b)}"
                for a, b in zip(ends["supply_fte_p05"], ends["supply_fte_p95"], strict=True)
            ],
            "Establishment (FTE)": [number(v) for v in ends["establishment_fte"]],
            "Gap (FTE)": [number(v) for v in ends["gap_fte"]],
            "Gap (% of establishment)": [pct_text(v) for v in ends["gap_pct"]],
        }
    )
