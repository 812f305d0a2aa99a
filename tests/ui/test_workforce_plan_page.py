"""The Workforce plan page in Streamlit's AppTest, on the demo data: the cards and the fan give the
numbers run_plan gives, the link's scenarios are chosen (an unknown one named in a warning), and at trust
level a small figure is '<5' everywhere the page shows figures."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kpi.plan.model import gap_by_year, widest_gap_first
from kpi.plan.run import run_plan
from kpi.seed.bootstrap import prepare_database
from kpi.seed.demo import load_demo
from kpi.store.db import get_engine
from tests.exports.test_report import END
from tests.ui.test_app import assert_page_ok, url

PAGE = "app_pages/workforce_plan.py"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('plan-page') / 'demo.db'}"
    engine = get_engine(url)
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)
    yield url
    engine.dispose()


@pytest.fixture
def demo(demo_url, monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", demo_url)
    return get_engine(demo_url)


def open_plan(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def test_the_cards_and_the_fan_give_run_plans_numbers(demo):
    at = open_plan()
    assert_page_ok(at)
    result = run_plan(demo, "C&M", None, 5, ())
    order = widest_gap_first(result.projection)
    ends = gap_by_year(result.projection).set_index(["profession", "year"])
    cards = [(m.label, m.value) for m in at.metric]
    names = {"PHYSIO": "Physiotherapists", "RAD": "Radiographers", "OT": "Occupational therapists"}
    assert [label for label, _ in cards[:3]] == [names[code] for code in order[:3]]
    assert cards[0][1] == f"{ends.loc[(order[0], 5), 'gap_fte']:,.0f} FTE short"
    chart = at.get("plotly_chart")[0]  # the fan; then the waterfall and the tornado
    assert chart.proto.alt.startswith(
        f"Fan chart: {names[order[0]]}: projected supply, C&M system. Baseline: "
    )
    assert url(at, "years") == [] and url(at, "scenario") == [], "the defaults stay out of the link"


def test_the_links_scenarios_are_chosen_and_an_unknown_one_is_named(demo):
    at = open_plan(scenario=["retention +2 pts", "Build a hospital"], years="3")
    assert_page_ok(at)
    assert at.multiselect(key="plan_scenarios").value == ["Retention +2 pts"]
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "Build a hospital" in warnings and "not offered here" in warnings
    chart = at.get("plotly_chart")[0]  # the fan; then the waterfall and the tornado
    assert "Retention +2 pts: median supply" in chart.proto.alt
    assert "in Oct 2029" in chart.proto.alt, "three years from Oct 2026"
    assert url(at, "scenario") == ["Retention +2 pts"]


def test_at_trust_level_small_figures_are_under_five(demo):
    at = open_plan(trust="RBS", scope="RBS")  # Alder Hey: a few FTE in the smallest professions
    assert_page_ok(at)
    result = run_plan(demo, "RBS", None, 5, ())
    assert result.trust_level
    small = gap_by_year(result.projection)
    small = small[(small["gap_fte"].abs() < 5) & (small["scenario"] == "Baseline")]
    assert not small.empty, "the fixture needs a small gap"
    (table,) = [d.value for d in at.dataframe if "Gap, Oct 2027" in d.value.columns]  # one column a year
    gaps = table[[c for c in table.columns if str(c).startswith("Gap, ")]]
    shown = {str(v) for v in gaps.to_numpy().ravel()}
    assert "<5" in shown
    numbers = [float(v.replace(",", "")) for v in shown if v not in ("<5", "–")]
    assert all(abs(n) >= 5 for n in numbers), "no figure under 5 shown as a number"


def test_the_year_to_close_the_gap_by_follows_the_horizon_until_chosen(demo):
    at = open_plan()
    label = "Close the gap by the end of"
    assert next(s for s in at.selectbox if s.label == label).value == "5"
    at.selectbox(key="plan_years").set_value("10").run()
    assert next(s for s in at.selectbox if s.label == label).value == "10", "not stuck at the old horizon"
    assert "by" not in at.query_params, "the default stays out of the link"


@pytest.mark.parametrize("params", [{"scope": "REN"}, {"trust": "REN"}, {"scope": "ren"}])
def test_a_link_to_a_trust_opens_its_projection(demo, params):
    """?scope= names any member trust (not only those chosen in the sidebar), ?trust= opens the first."""
    at = open_plan(**params)
    assert_page_ok(at)
    if params.get("scope") == "ren":  # a code in the wrong case is refused by name, not dropped
        assert at.selectbox(key="plan_scope").value in ("REN", "C&M")
        return
    assert at.selectbox(key="plan_scope").value == "REN"
    charts = at.get("plotly_chart")
    assert len(charts) == 3 and charts[1].proto.alt.startswith("Waterfall chart: ")
    assert charts[2].proto.alt.startswith("Tornado chart: ")
    shown = [*(str(m.value) for m in at.markdown), *(str(c.value) for c in at.caption)]
    text = " ".join(shown).replace("\\", "")  # as read, without the Markdown escapes
    assert "rounded to the nearest 5" in text and "Checked against the past: over " in text
