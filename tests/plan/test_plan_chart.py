"""The workforce plan's fan chart and its words (kpi.plan.chart): the bands are the percentiles they
name, a scenario's name (the lead's text) shows as typed, never as markup, and at trust level the
sentences and the year-end table say '<5' for a small figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.plan.chart import (
    fan_figure,
    fan_words,
    pct_text,
    scenario_style,
    too_small_to_chart,
    year_end_table,
)
from kpi.plan.model import BASELINE, ProfessionInputs, Scenario, project
from kpi.words.formats import month_label
from tests.plan.test_plan_model import noisy, plan

ODD = Scenario("<b>Bold</b> & co", {"leaver_rate_pts": -2.0})


def projection() -> pd.DataFrame:
    return project(plan(noisy("PHYSIO")), 2, [ODD], runs=200, seed=3)


def small(level: str) -> pd.DataFrame:
    """Four FTE, no inflows: every figure stays under 5."""
    physio = ProfessionInputs("PHYSIO", stock_fte=4.0, establishment_fte=4.5, leaver_rate_pct=10.0)
    return project(plan(physio, level=level), 2, runs=50, seed=3)


def test_the_bands_are_the_percentiles_they_name_and_the_lines_follow():
    frame = projection()
    rows = frame[(frame["profession"] == "PHYSIO") & (frame["scenario"] == BASELINE)]
    fig = fan_figure(frame, "PHYSIO", "Physiotherapists", BASELINE, [ODD.name])
    wide, middle, median, establishment, other = fig.data
    months = len(rows)
    assert list(wide.y[:months]) == list(rows["supply_fte_p95"])
    assert list(wide.y[months:]) == list(rows["supply_fte_p05"])[::-1]
    assert list(middle.y[:months]) == list(rows["supply_fte_p75"])
    assert list(median.y) == list(rows["supply_fte_p50"])
    assert list(establishment.y) == list(rows["establishment_fte"])
    assert (wide.name, middle.name, establishment.name) == (
        "90% of runs",
        "50% of runs",
        "Funded establishment",
    )
    assert other.name == "Supply, &lt;b&gt;Bold&lt;/b&gt; &amp; co (median)", "the lead's text, not markup"


def test_the_sentences_keep_the_scenarios_name_as_typed_and_give_the_end_figures():
    frame = projection()
    words = fan_words(frame, "PHYSIO", "Physiotherapists", BASELINE, [ODD.name])
    end = frame[(frame["scenario"] == ODD.name)].iloc[-1]
    assert words.sentences[1] == (
        f"<b>Bold</b> & co: median supply {end['supply_fte_p50']:,.0f} FTE in {month_label(end['month'])}, "
        f"a gap of {end['gap_fte']:,.0f} FTE ({end['gap_pct']:.1f}% of the establishment)."
    )
    assert words.accessible_name.startswith("Fan chart: Physiotherapists. Baseline: median supply goes from")


def test_at_trust_level_a_figure_under_five_is_under_five_and_five_is_five():
    frame = small("trust")
    table = year_end_table(frame, [BASELINE], trust_level=True)
    assert set(table["Supply, median (FTE)"]) == {"<5"}
    assert "<5 FTE" not in " ".join(fan_words(frame, "PHYSIO", "P", BASELINE, trust_level=True).sentences)
    assert "<5" in fan_words(frame, "PHYSIO", "P", BASELINE, trust_level=True).sentences[0]
    system = year_end_table(frame, [BASELINE], trust_level=False)
    assert "<5" not in set(system["Supply, median (FTE)"]), "the system shows every figure"


def test_at_trust_level_the_hover_says_under_five_and_an_all_small_profession_is_not_charted():
    frame = small("trust")
    figure = fan_figure(frame, "PHYSIO", "P", BASELINE, trust_level=True)
    median = figure.data[2]
    assert set(median.customdata) == {"<5 FTE"}, "the hover gives nothing away"
    assert too_small_to_chart(frame, "PHYSIO", trust_level=True)
    assert not too_small_to_chart(small("system"), "PHYSIO", trust_level=False), "the system charts all"
    big = projection()
    assert not too_small_to_chart(big, "PHYSIO", trust_level=True), "a profession of 400 FTE is charted"
    drawn = fan_figure(big, "PHYSIO", "P", BASELINE, trust_level=True).data[2]
    rounded = 5 * np.floor(big["supply_fte_p50"].iloc[0] / 5 + 0.5)
    assert drawn.customdata[0] == f"{rounded:,.0f} FTE", "rounded to the nearest 5 at trust level"
    assert drawn.y[0] == rounded, "the line is drawn at the rounded figure too"


def test_a_share_of_no_establishment_is_a_dash_not_nan():
    assert (pct_text(13.84), pct_text(float("nan")), pct_text(float("inf"))) == ("13.8%", "–", "–")


def test_the_scenarios_beside_the_fan_never_look_alike():
    styles = [(s["color"], s["dash"]) for s in map(scenario_style, range(16))]
    assert len(set(styles)) == 16
    assert len({dash for _, dash in styles[:4]}) == 4, "the first four differ by dash, not colour alone"
