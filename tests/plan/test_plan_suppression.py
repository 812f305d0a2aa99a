"""Small numbers stay small (issue 28): at trust level a figure under 5 is '<5' and every other figure
is rounded to the nearest 5, so that no '<5' can be worked back from a share, a difference or a total in
any output: the page's tables and CSVs, the chart (its lines and hover), the waterfall, the tornado,
the backtest CSV, the command line's CSV and the board pack's table. Each test tries to recover the
suppressed gap and fails.

The trust, by hand: OT 100 FTE against an establishment of 103 (a gap of 3), SLT 100 against 104 (4),
PHYSIO 100 against 105 (5, shown), each held flat (joiners from other NHS organisations replace its
leavers month by month; no growth, no spread), so the gaps stay 3, 4 and 5 all the way."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from kpi.exports.board_pack.plan_section import _comparison
from kpi.plan.backtest import backtest_table
from kpi.plan.chart import fan_figure, fan_words, year_end_table
from kpi.plan.flow_charts import flow_steps, tornado_rows, tornado_words, waterfall_words
from kpi.plan.inputs import download_table, plan_result
from kpi.plan.model import BASELINE, PlanInputs, ProfessionInputs, gap_by_year
from kpi.ui.plan_sections import sensitivity_csv
from kpi.ui.plan_tools import projection_csv

M12 = 0.010596241035318976
FLAT = 12 * M12 * 100  # joiners a year (% of staff in post) that replace a 12 % leaver rate exactly
GAPS = {"OT": 3.0, "SLT": 4.0, "PHYSIO": 5.0}


def result(level: str = "trust"):
    professions = tuple(
        ProfessionInputs(code, 100.0, 100.0 + gap, 12.0, nhs_joiner_rate_pct=FLAT, leavers_to_nhs_pct=50.0)
        for code, gap in GAPS.items()
    )
    inputs = PlanInputs("REM", level, pd.Timestamp("2026-09-01"), professions)
    return plan_result(inputs, [], years=2, runs=50, seed=1)


def numbers(texts) -> list[float]:
    found = []
    for text in texts:
        found += [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*\.?\d*", str(text))]
    return found


def test_the_hand_worked_gaps_are_what_the_model_gives():
    ends = gap_by_year(result().projection).set_index("profession")
    for code, gap in GAPS.items():
        assert ends.loc[code, "gap_fte"].tolist() == pytest.approx([gap, gap], abs=1e-9)


def recovered(establishment: str, supply: str) -> float | None:
    """The gap worked back from two shown figures, if both are numbers."""
    if "<" in establishment or "<" in supply:
        return None
    return float(establishment.replace(",", "")) - float(supply.replace(",", ""))


def test_the_projection_csv_hides_gaps_of_3_and_4_and_shows_5():
    csv = projection_csv(result())
    for code, gap in GAPS.items():
        rows = csv[csv["profession"] == code]
        if gap < 5:
            assert set(rows["gap_fte"]) == {"<5"}
            assert rows["gap_pct"].isna().all(), "no share of a suppressed gap"
            # a difference of two shown figures does not give the gap back
            for e, s in zip(rows["establishment_fte"], rows["supply_fte_p50"], strict=True):
                assert recovered(e, s) != pytest.approx(gap, abs=0.5)
        else:
            assert set(rows["gap_fte"]) == {"5"}
            assert set(rows["gap_pct"]) == {round(5 / 105 * 100, 1)}  # 4.8: from the rounded figures
        figures = rows[["supply_fte_p05", "supply_fte_p50", "supply_fte_p95", "establishment_fte"]]
        assert all(v == "<5" or float(v.replace(",", "")) % 5 == 0 for v in figures.to_numpy().ravel())


def test_the_command_lines_csv_follows_the_same_rule():
    table = download_table(result())
    ot = table[table["profession"] == "OT"]
    assert set(ot["gap_fte"]) == {"<5"} and ot["gap_pct"].isna().all()
    assert set(ot["establishment_fte"]) == {"105"} and set(ot["supply_fte_p50"]) == {"100"}
    system = download_table(result("system"))
    assert system.loc[system["profession"] == "OT", "gap_fte"].iloc[0] == pytest.approx(3.0)


def test_the_chart_lines_hover_and_words_give_nothing_back():
    r = result()
    figure = fan_figure(r.projection, "OT", "OT", BASELINE, trust_level=True)
    drawn = {trace.name: trace for trace in figure.data}
    supply = np.asarray(drawn["Supply, Baseline (median)"].y, dtype=float)
    establishment = np.asarray(drawn["Funded establishment"].y, dtype=float)
    assert set(establishment - supply) == {5.0}, "the lines are 105 and 100 apart, not 103 and 100"
    for trace in figure.data:
        assert all(float(v) % 5 == 0 for v in trace.y), trace.name
    words = fan_words(r.projection, "OT", "OT", BASELINE, trust_level=True)
    assert 3.0 not in numbers(words.sentences) and "3.0%" not in " ".join(words.sentences)
    table = year_end_table(r.projection, [BASELINE], trust_level=True)
    assert set(table["Gap (FTE)"]) == {"<5"} and set(table["Gap (% of establishment)"]) == {"–"}


def test_the_waterfall_and_the_tornado_round_their_flows():
    r = result()
    steps = flow_steps(r.flows.set_index("profession").loc["OT"], system=False, trust_level=True)
    # over 2 years 25.43 join from the NHS and 12.71 leave each way: shown as 25, 15 and 15
    assert steps["fte"].tolist() == [100.0, 25.0, -15.0, -15.0, 100.0]
    assert [t.lstrip("+−") for t in steps["text"]] == ["100", "25", "15", "15", "100"]
    assert not {"25.4", "12.7"} & set(
        re.findall(r"\d+\.\d", " ".join(waterfall_words(steps, "w", 2).sentences))
    )
    levers = tornado_rows(r.sensitivity, "OT", trust_level=True)
    shown = levers[["lower_shown", "higher_shown"]].to_numpy().ravel()
    assert all(math.isnan(v) or v % 5 == 0 for v in shown)
    assert all(
        t == "<5" or float(t.replace(",", "")) % 5 == 0 for t in tornado_words(levers, "t").table.iloc[:, 2]
    )
    csv = sensitivity_csv(r, "OT")
    assert all(v == "<5" or float(v.replace(",", "")) % 5 == 0 for v in csv["if_lower"])


def test_the_backtest_csv_rounds_each_past_figure():
    frame = pd.DataFrame(
        {"start_month": [pd.Timestamp("2023-01-01")], "horizon": [1], "profession": ["OT"], "actual": [3.2],
         "p05": [2.0], "p25": [3.0], "p50": [4.0], "p75": [6.0], "p95": [7.6], "inside_50": [True],
         "inside": [True]}
    )  # fmt: skip
    shown = backtest_table(frame, trust_level=True).iloc[0]
    assert [shown[c] for c in ("actual", "p05", "p50", "p75", "p95")] == ["<5", "<5", "<5", "5", "10"]
    assert backtest_table(frame, trust_level=False).iloc[0]["actual"] == 3.2


def test_the_board_packs_table_hides_the_share_of_a_suppressed_gap():
    r = result()
    rows = {row["profession"]: row for row in _comparison(r, ["OT", "SLT", "PHYSIO"], {})}
    assert rows["OT"]["gap"] == "<5" and rows["OT"]["gap_pct"] == "–"
    assert recovered(rows["OT"]["establishment"], rows["OT"]["supply"]) == 5.0  # not 3
    assert rows["SLT"]["gap"] == "<5" and rows["PHYSIO"]["gap"] == "5"
