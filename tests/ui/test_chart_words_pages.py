"""Every chart on the pages in AppTest, as someone who cannot see it meets it: its heading and its
sentences as text beside it and in its accessible name, a data table of its figures, no modebar; the
SPC reading and icons beside the chart, not inside it; and what a phone shows instead of what does not
fit (the Making Data Count summary as cards, the milestone timeline as a list)."""

from __future__ import annotations

import json

from kpi.words.text import escape_markdown
from tests.conftest import add_observations
from tests.ui import test_app
from tests.ui.test_app import assert_page_ok, chart_specs, run_app, spc_rows

app_db = test_app.app_db  # the small exact database of tests/ui/test_app.py

VACANCY_SENTENCES = [
    "Vacancy rate for C&M system was 12.9% in Oct 2026, up 2.9 pts on Sep 2026: worse.",
    "Vacancy rate for CMAST was 10.0% in Oct 2026, up 1.7 pts on Sep 2026: worse.",
    "Vacancy rate for MHLDC was 13.3% in Oct 2026, up 3.3 pts on Sep 2026: worse.",
]


def markdown(at) -> list[str]:
    return [element.value for element in at.markdown]


def html(at) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def test_a_trend_says_each_lines_latest_month_beside_it_and_in_its_accessible_name(app_db):
    at = run_app("app_pages/workstreams.py", workstream="PLAN")
    assert_page_ok(at)
    vacancy = at.get("plotly_chart")[1]
    assert vacancy.proto.alt == " ".join(
        ["Line chart: Vacancy rate (%).", *VACANCY_SENTENCES, "Target 7.5%; lower is better."]
    )
    shown = "\n".join(f"- {escape_markdown(s)}" for s in VACANCY_SENTENCES)
    assert f"{shown}\n\n{escape_markdown('Target 7.5%; lower is better.')}" in markdown(at)
    assert f"**{escape_markdown('Vacancy rate (%)')}**" in markdown(at), "the heading, above the chart"


def test_every_chart_has_a_data_table_of_its_figures_and_no_modebar(app_db):
    at = run_app("app_pages/workstreams.py", workstream="PLAN")
    charts_drawn = at.get("plotly_chart")
    assert [e.label for e in at.expander].count("Data table") == len(charts_drawn) == 2
    assert not at.table, "a table is drawn only when its expander is opened"
    at.session_state["table_ws_VACANCY_RATE"] = True  # the vacancy chart's "Data table" opened
    at.run()
    assert len(at.table) == 1, "the one opened"
    vacancy = at.table[0].value
    assert list(vacancy.columns) == ["C&M system", "CMAST", "MHLDC"]
    assert vacancy.to_dict("index")["Oct 2026"] == {"C&M system": "12.9%", "CMAST": "10.0%", "MHLDC": "13.3%"}
    assert list(vacancy.index) == ["Oct 2026", "Sep 2026", "Aug 2026"]
    for chart in charts_drawn:
        config = json.loads(chart.proto.config)
        assert config["displayModeBar"] is False, "no modebar: its 8 buttons were Tab stops"


def test_an_spc_chart_has_its_reading_and_icons_beside_it_not_inside(engine):
    add_observations(engine, spc_rows())
    at = run_app("app_pages/workstreams.py", workstream="PLAN", view="spc", spc_scope="C&M")
    assert_page_ok(at)
    spec = chart_specs(at)[0]
    assert spec["layout"]["title"]["text"] == "" and not spec["layout"].get("images")
    reading = "Special cause concern: the latest month is above the upper process limit"
    assert not any(reading in note.get("text", "") for note in spec["layout"]["annotations"])
    sentence = next(text for text in markdown(at) if text.startswith("Vacancy rate for C\\&M system"))
    assert sentence.startswith(
        escape_markdown(
            "Vacancy rate for C&M system was 18.0% in Oct 2026, up 2.0 pts on Sep 2026 and 6.0 pts on "
            "Oct 2025: worse."
        )
    )
    assert escape_markdown(reading) in sentence
    icons = next(body for body in html(at) if "Variation:" in body)
    assert "Variation: <strong>Special cause concern (high)</strong>" in icons
    assert "Assurance: <strong>Consistently failing target</strong>" in icons
    assert icons.count('alt=""') == 2, "the icons are decorative: their names are beside them"
    at.session_state["table_ws_VACANCY_RATE_spc"] = True  # its "Data table" opened
    table = at.run().table[0].value
    assert table.loc["Oct 2026", "Point"] == "Special cause concern"


def test_the_overview_summary_is_a_table_on_a_wide_screen_and_cards_on_a_phone(engine):
    add_observations(engine, spc_rows())
    at = run_app()
    assert_page_ok(at)
    cards = next(body for body in html(at) if body.startswith("<ul"))
    first = cards.split("</li>")[0]
    assert ">Vacancy rate<" in first, "concerns first, as in the table"
    assert "Variation: <strong>Special cause concern (high)</strong>" in first
    assert "Assurance: <strong>Consistently failing target</strong>" in first
    style = next(body for body in html(at) if "data-kpi-screen-style" in body)
    assert '@media (max-width: 640px) {\n  .stApp [class*="st-key-wide_only_"]' in style
    assert '@media not all and (max-width: 640px) {\n  .stApp [class*="st-key-narrow_only_"]' in style
    summary = at.dataframe[0]
    assert summary.proto.column_order[:5] == ["kpi", "latest", "target", "variation_icon", "assurance_icon"]


def test_the_milestone_timeline_is_a_list_on_a_phone(app_db):
    at = run_app("app_pages/milestones.py")
    assert_page_ok(at)
    listed = next(text for text in markdown(at) if text.startswith("- **M1"))
    assert listed.count("\n- **M") == 5, "all six milestones"
    timeline = at.get("plotly_chart")[0]
    assert timeline.proto.alt.startswith("Timeline: Programme milestones. 6 milestones: ")
    assert [e.label for e in at.expander].count("Data table") == 1
