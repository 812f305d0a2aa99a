"""The pages in Streamlit's AppTest: each renders under the default filters and under several filter
combinations, shows the right KPIs and numbers for a small exact database, and draws the expected traces."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kpi.ui import PAGE_FAILED
from tests.conftest import add_observations

PAGES = [
    "app_pages/overview.py",
    "app_pages/workstreams.py",
    "app_pages/collaboratives.py",
    "app_pages/trusts.py",
    "app_pages/milestones.py",
    "app_pages/workforce_plan.py",
    "app_pages/definitions.py",
]

# Three months for three trusts (hand-computed system figures in the tests below).
#   SIP_FTE      Oct: REM 102 + RBS 51 + RW4 33 = 186;  Sep: 101 + 50 + 31 = 182  -> +4.0 FTE, better
#   VACANCY_RATE Oct: (15 + 3 + 9) / (120 + 60 + 30) = 27/210 = 12.857 %;  Sep: (12 + 3 + 6) / 210 = 10.0 %
#                CMAST Oct = REM + RBS = 18/180 = 10.0 %;  REM alone = 15/120 = 12.5 %
ROWS = [
    ("SIP_FTE", "REM", "PHYSIO", "2026-08", 100, None, None),
    ("SIP_FTE", "REM", "PHYSIO", "2026-09", 101, None, None),
    ("SIP_FTE", "REM", "PHYSIO", "2026-10", 102, None, None),
    ("SIP_FTE", "RBS", "OT", "2026-08", 50, None, None),
    ("SIP_FTE", "RBS", "OT", "2026-09", 50, None, None),
    ("SIP_FTE", "RBS", "OT", "2026-10", 51, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-08", 30, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-09", 31, None, None),
    ("SIP_FTE", "RW4", "OT", "2026-10", 33, None, None),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-08", None, 12, 120),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-09", None, 12, 120),
    ("VACANCY_RATE", "REM", "PHYSIO", "2026-10", None, 15, 120),
    ("VACANCY_RATE", "RBS", "OT", "2026-08", None, 3, 60),
    ("VACANCY_RATE", "RBS", "OT", "2026-09", None, 3, 60),
    ("VACANCY_RATE", "RBS", "OT", "2026-10", None, 3, 60),
    ("VACANCY_RATE", "RW4", "OT", "2026-08", None, 6, 30),
    ("VACANCY_RATE", "RW4", "OT", "2026-09", None, 6, 30),
    ("VACANCY_RATE", "RW4", "OT", "2026-10", None, 9, 30),
    ("FUNDING_SECURED", None, None, "2026-10", 5000.0, None, None),
]


@pytest.fixture
def app_db(engine):
    add_observations(engine, ROWS, file_name="app-fixture.csv")
    return engine


def run_app(page: str | None = None, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)  # the first run opens the page, as a shared link does
    return at.run()


def assert_page_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if PAGE_FAILED in str(e.proto.title)], "the page failed"


def metric(at: AppTest, label: str):
    matches = [m for m in at.metric if m.label == label]
    assert matches, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return matches[0]


def url(at: AppTest, key: str) -> list[str]:
    """A URL parameter as a list (AppTest collapses a single value to a string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def chart_headings(at: AppTest) -> list[str]:
    """Each chart's heading, as its accessible name starts ('Line chart: Vacancy rate (%). ...'): the
    heading is written above the chart, not inside it."""
    return [chart.proto.alt.split(": ", 1)[1].split(". ", 1)[0] for chart in at.get("plotly_chart")]


def array(value) -> list:
    """A Plotly array as a list: Plotly 6+ sends numbers as base64 typed arrays."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
    return list(value)


def trace_names(spec: dict) -> list[str]:
    return [trace.get("name") for trace in spec["data"] if trace.get("name")]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"trust": "REM"},
        {"collab": "MHLDC"},
        {"profession": "PHYSIO"},
        {"collab": "CMAST", "trust": "RW4"},  # a trust outside the collaborative: nothing selected
        {"trust": "XYZ", "from": "2024-13", "to": "soon", "collab": "FOO", "workstream": "NOPE"},
    ],
    ids=["default", "one-trust", "one-collab", "profession", "empty-selection", "bad-url"],
)
def test_every_page_renders_under_each_filter(app_db, page, params):
    at = run_app(page, **params)
    assert_page_ok(at)
    assert at.title, "every page has a title"


def test_overview_shows_the_system_figures_with_better_and_worse(app_db):
    at = run_app()
    assert_page_ok(at)
    fte = metric(at, "AHP staff in post (FTE)")
    assert fte.value == "186.0 FTE"
    # Three months give no process limits, so the card says so, as the summary does; the change on the
    # month before is plain words, not a green or red verdict of its own.
    assert fte.proto.delta == "No SPC icon" and "too few data points" in fte.proto.help
    assert fte.proto.delta_description == "+4.0 FTE on Sep 2026"
    vacancy = metric(at, "Vacancy rate")
    assert vacancy.value == "12.9%"
    assert vacancy.proto.delta_description == "+2.9 pts on Sep 2026"
    table = at.dataframe[0].value
    assert len(table) == 22, "every KPI is listed, with or without data (19 AHP KPIs, 3 ST&T proxies)"
    assert table.set_index("kpi").loc["Student placement capacity", "latest"] == "No data"
    assert any("Synthetic" in str(w.proto.title) for w in at.warning) is False, "fixture data is real"


def test_overview_scope_switches_to_a_collaborative_and_a_chosen_trust(app_db):
    at = run_app(trust="REM")
    assert at.segmented_control(key="overview_scope").options == [
        "C&M system",
        "CMAST",
        "MHLDC",
        "Liverpool University Hospitals",
    ]
    at.segmented_control(key="overview_scope").set_value("CMAST").run()
    assert metric(at, "Vacancy rate").value == "10.0%"
    at.segmented_control(key="overview_scope").set_value("REM").run()
    assert metric(at, "Vacancy rate").value == "12.5%"
    assert url(at, "scope") == ["REM"]


def test_trust_filter_is_written_to_the_url_and_narrowed_by_collaborative(app_db):
    at = run_app()
    at.multiselect(key="f_trusts").set_value(["REM", "RW4"]).run()
    assert url(at, "trust") == ["REM", "RW4"]
    at.segmented_control(key="f_collab").set_value("MHLDC").run()
    assert at.multiselect(key="f_trusts").value == ["RW4"]
    assert url(at, "collab") == ["MHLDC"] and url(at, "trust") == ["RW4"]
    assert "REM" not in at.multiselect(key="f_trusts").options


def test_bad_url_values_give_a_gentle_warning_and_fall_back(app_db):
    at = run_app(trust=["REM", "XYZ"], **{"from": "2024-13"}, collab="FOO")
    assert_page_ok(at)
    warning = next(w for w in at.warning if "could not be used" in str(w.proto.title))
    assert "'XYZ' is not a Cheshire and Merseyside trust" in warning.value
    assert "'2024-13' is not a month" in warning.value
    assert "'FOO'" in warning.value
    assert at.multiselect(key="f_trusts").value == ["REM"]
    assert at.segmented_control(key="f_collab").value == "Both"


def test_workstream_page_draws_system_and_both_collaboratives(app_db):
    at = run_app("app_pages/workstreams.py", workstream="PLAN")
    assert_page_ok(at)
    specs = chart_specs(at)
    assert chart_headings(at) == ["AHP staff in post (FTE)", "Vacancy rate (%)"]
    assert all(spec["layout"]["title"]["text"] == "" for spec in specs), "the heading is text above"
    assert trace_names(specs[1]) == ["C&M system", "CMAST", "MHLDC"]
    system = next(t for t in specs[1]["data"] if t["name"] == "C&M system")
    assert array(system["y"])[-1] == pytest.approx(2700 / 210)
    # KPIs with no data explain themselves instead of drawing an empty chart
    assert any("No funded establishment (FTE) data" in info.value for info in at.info)


def test_workstream_with_a_single_month_explains_instead_of_charting(app_db):
    at = run_app("app_pages/workstreams.py", workstream="FUND")
    assert_page_ok(at)
    assert not chart_specs(at)
    assert any("Only one month of external funding secured data" in info.value for info in at.info)


def test_profession_filter_explains_kpis_not_collected_by_profession(app_db):
    at = run_app("app_pages/workstreams.py", workstream="PLAN", profession="PHYSIO")
    assert_page_ok(at)
    vacancy = chart_specs(at)[1]
    system = next(t for t in vacancy["data"] if t["name"] == "C&M system")
    assert array(system["y"])[-1] == pytest.approx(12.5)  # REM physios only: 15/120
    assert any("is not collected by profession" in info.value for info in at.info)


def test_collaboratives_page_shows_dual_members_and_side_by_side_charts(app_db):
    at = run_app("app_pages/collaboratives.py", workstream="PLAN")
    assert_page_ok(at)
    members = at.dataframe[0].value
    both = set(members[members["Membership"] == "Both collaboratives"]["ODS code"])
    assert both == {"RBS", "RJR", "RBT", "RBN"}
    # Bridgewater's merger is planned, not applied: still an MHLDC member, and listed as a note.
    assert members.set_index("ODS code").loc["RY2", "MHLDC"] == "Yes"
    assert any(c.value.startswith("Planned (not applied): Bridgewater (RY2) into") for c in at.caption)
    # No membership start has a source: said, and counted from the start of the data.
    assert any(c.value.startswith("The start of 22 of 22 memberships is not known") for c in at.caption)
    # Who counts in the system total, each with its months and source.
    system = at.dataframe[1].value.set_index("ODS code")
    assert system.loc["RQ6", "Counted in the system total"] == (
        "From the start of the data (start not known) to Sep 2019"
    )
    assert system.loc["RX7", "Counted in the system total"] == "Never (outside the system total)"
    assert system.loc["RJX", "Source"].startswith("Calderstones (Whalley, Lancashire) served Lancashire")
    assert system["Source"].str.len().gt(0).all()
    specs = chart_specs(at)
    assert [trace_names(s) for s in specs] == [["CMAST"], ["MHLDC"], ["CMAST"], ["MHLDC"]]
    cmast_vacancy = array(specs[2]["data"][0]["y"])[-1]
    assert cmast_vacancy == pytest.approx(10.0)
    assert specs[2]["layout"]["yaxis"]["range"] == specs[3]["layout"]["yaxis"]["range"], "same scale"


def test_trusts_page_compares_a_trust_with_its_collaboratives_and_the_system(app_db):
    at = run_app("app_pages/trusts.py", trust="RBS", workstream="PLAN")
    assert_page_ok(at)
    vacancy = chart_specs(at)[1]
    assert trace_names(vacancy) == ["Alder Hey", "CMAST", "MHLDC", "C&M system"]


def test_trusts_page_ranking_orders_best_first(app_db):
    at = run_app("app_pages/trusts.py", section="ranking", rank_kpi="VACANCY_RATE")
    assert_page_ok(at)
    ranking = at.dataframe[0].value
    assert list(ranking["ods_code"]) == ["RBS", "REM", "RW4"]  # 5.0 %, 12.5 %, 30.0 %: lower is better
    assert list(ranking["rank"]) == [1, 2, 3]
    assert "(better)" in ranking.iloc[0]["against_system"] and "(worse)" in ranking.iloc[2]["against_system"]


def test_trusts_page_profession_breakdown(app_db):
    at = run_app("app_pages/trusts.py", section="professions", prof_kpi="VACANCY_RATE")
    assert_page_ok(at)
    bars = chart_specs(at)[0]["data"][0]
    names = [label.replace("<br>", " ") for label in array(bars["y"])]  # long names on two lines
    values = dict(zip(names, array(bars["x"]), strict=True))
    assert values["Physiotherapists"] == pytest.approx(12.5)
    assert values["Occupational therapists"] == pytest.approx(100 * 12 / 90)


def test_milestones_page_timeline_and_table(app_db):
    at = run_app("app_pages/milestones.py")
    assert_page_ok(at)
    table = at.dataframe[0].value
    assert list(table["code"]) == ["M1", "M2", "M3", "M4", "M5", "M6"]
    spec = chart_specs(at)[0]
    assert {t.get("name") for t in spec["data"]} >= {"Baseline due"}


def test_definitions_page_lists_every_kpi_and_searches(app_db):
    at = run_app("app_pages/definitions.py")
    assert_page_ok(at)
    assert len(at.expander) == 22
    assert [h.value for h in at.subheader][:2] == [
        "Leadership and governance",
        "Workforce planning and supply",
    ]
    at.text_input(key="def_search").set_value("placement weeks").run()
    # No placement or leaver figures in the fixture: no complete month, so stale.
    assert [e.label for e in at.expander] == [
        "Student placement capacity · PLACEMENT_WEEKS · stale",
        "Placements taken up · PLACEMENT_UPTAKE · stale",
    ]
    facts = at.expander[1].table[0].value  # every fact in full, nothing cut off
    facts = dict(zip(facts["Fact"], facts["Value"], strict=True))
    assert facts["Numerator"] == "Placement weeks used"
    assert facts["Publication lag"] == "Usually available 1 month after the month ends"
    assert facts["Latest complete month"] == "None yet"
    assert facts["Stale"].replace("\\", "").startswith("Yes: ")  # Markdown-escaped on the page
    at.text_input(key="def_search").set_value("rolling").run()
    assert [e.label for e in at.expander] == [  # the stability index is a 12-month window, read as a trend
        "Leaver rate, 12 months rolling · LEAVER_RATE · stale",
        "Stability index · STABILITY_INDEX · stale",
    ]
    at.text_input(key="def_search").set_value("zzzz").run()
    assert not at.expander
    assert any("No KPI definition mentions" in info.value for info in at.info)


def spc_rows() -> list[tuple]:
    """20 months of REM vacancy: steady, then climbing above the upper limit (a concern)."""
    values = [(12.0 if i % 2 else 12.6) for i in range(16)] + [14.0, 15.0, 16.0, 18.0]
    months = [f"{2025 + (i + 2) // 12}-{(i + 2) % 12 + 1:02d}" for i in range(20)]  # Mar 2025 .. Oct 2026
    return [
        ("VACANCY_RATE", "REM", "PHYSIO", month, None, value * 10, 1000)
        for month, value in zip(months, values, strict=True)
    ]


def test_overview_icon_summary_puts_the_concern_first(engine):
    add_observations(engine, spc_rows())
    at = run_app()
    assert_page_ok(at)
    summary = next(df.value for df in at.dataframe if "variation_label" in df.value.columns)
    first = summary.iloc[0]
    assert first["kpi_code"] == "VACANCY_RATE"
    assert first["variation_label"] == "Special cause concern (high)"
    assert first["latest"] == "18.0%"
    assert first["reading"].startswith("Special cause concern")
    assert len(summary) == 22


def test_spc_view_from_the_url_draws_xmr_charts(engine):
    add_observations(engine, spc_rows())
    at = run_app("app_pages/workstreams.py", workstream="PLAN", view="spc", spc_scope="C&M")
    assert_page_ok(at)
    spec = chart_specs(at)[0]
    assert chart_headings(at)[0] == "Vacancy rate (%): C&M system (XmR chart)"
    names = {t.get("name") for t in spec["data"]}
    assert {"Mean", "Process limits", "Special cause: concern"} <= names
    assert not spec["layout"].get("images"), "the icons are beside the chart, with their names"
    assert at.get("plotly_chart")[0].proto.alt.endswith(
        "Variation: Special cause concern (high). Assurance: Consistently failing target. "
        "Target 7.5%; lower is better."
    )
    at.segmented_control(key="ws_view").set_value("trend").run()
    assert "XmR" not in chart_headings(at)[0]
    assert "view" not in at.query_params


def test_spc_view_with_few_months_is_a_run_chart_that_says_why(app_db):
    at = run_app("app_pages/collaboratives.py", workstream="PLAN", view="spc")
    assert_page_ok(at)
    assert chart_headings(at)[0] == "CMAST: AHP staff in post (FTE) (run chart)"
    assert any("run chart" in caption.value.lower() for caption in at.caption)


def test_without_a_browser_the_image_control_says_so_and_the_page_works(app_db, monkeypatch, tmp_path):
    from kpi.exports.images import UNAVAILABLE_REASON

    monkeypatch.setenv("KPI_CHROMIUM", str(tmp_path / "no-chromium"))
    at = run_app("app_pages/workstreams.py", workstream="PLAN")
    assert_page_ok(at)
    assert chart_specs(at), "the charts still draw"
    labels = [d.label for d in at.get("download_button")]
    assert "Download data (CSV)" in labels and not any(label.startswith("Image") for label in labels)
    assert any(c.value == UNAVAILABLE_REASON for c in at.caption)


def test_with_a_browser_every_chart_offers_captioned_images(app_db):
    from kpi.exports.images import images_available

    if not images_available()[0]:
        pytest.skip("no Chromium on this machine (apt-get install chromium) to make server-side images")
    at = run_app("app_pages/workstreams.py", workstream="PLAN")
    labels = [d.label for d in at.get("download_button")]
    charts_drawn = len(chart_specs(at))
    assert labels.count("Image (PNG)") == labels.count("Image (SVG)") == charts_drawn


def test_how_to_read_key_on_the_overview_and_with_spc_charts_only(app_db):
    key = "How to read these charts"
    at = run_app()
    assert_page_ok(at)
    assert [e.label for e in at.expander].count(key) == 1
    at = run_app("app_pages/workstreams.py")
    assert key not in [e.label for e in at.expander]  # trend view: no icons to explain
    at = run_app("app_pages/workstreams.py", view="spc")
    assert [e.label for e in at.expander].count(key) == 1
    at = run_app("app_pages/collaboratives.py", view="spc")
    assert [e.label for e in at.expander].count(key) == 1


def test_a_chosen_trust_without_data_is_named_and_every_line_has_a_legend_entry(app_db):
    # Alder Hey (RBS) has no physiotherapy figures; REM's make up CMAST's and the system's.
    at = run_app("app_pages/trusts.py", trust="RBS", profession="PHYSIO")
    assert_page_ok(at)
    notes = [info.value for info in at.info]
    assert any(
        note.startswith(
            "No AHP staff in post (FTE) data for Alder Hey and MHLDC in this selection and period"
        )
        and note.endswith("so the chart shows only CMAST, C&M system.")
        for note in notes
    ), notes
    sip = chart_specs(at)[0]
    lines = [t for t in sip["data"] if t.get("mode") == "lines+markers"]
    assert [t["name"] for t in lines] == ["CMAST", "C&M system"]
    assert all(t.get("showlegend") is True for t in lines)


# --- user-supplied text shown as text (issue 10) ------------------------------------------------------

INJECTIONS = [
    "**Your session has expired.** [Sign in again](https://evil.example/login)",
    "![x](http://127.0.0.1:9/p.png)",
    "<img src=http://127.0.0.1:9/p.png><a href='https://evil.example'>hi</a>",
]
# Every URL parameter a page reads, with a page that reads it.
URL_PARAMS = {
    "from": None,
    "to": None,
    "collab": None,
    "trust": None,
    "profession": None,
    "scope": None,
    "as": None,
    "workstream": "app_pages/workstreams.py",
    "view": "app_pages/workstreams.py",
    "spc_scope": "app_pages/workstreams.py",
    "section": "app_pages/trusts.py",
    "prof_kpi": "app_pages/trusts.py",
    "prof_view": "app_pages/trusts.py",
    "rank_kpi": "app_pages/trusts.py",
    "rank_month": "app_pages/trusts.py",
    "pack_scope": "app_pages/board_pack.py",
    "pack_format": "app_pages/board_pack.py",
}


def _markdown_bodies(at: AppTest) -> list[str]:
    """The Markdown source of every alert, caption and markdown block on the page."""
    kinds = ("warning", "error", "info", "success", "caption", "markdown", "toast")
    return [str(element.value) for kind in kinds for element in at.get(kind)]


@pytest.mark.parametrize("name", list(URL_PARAMS))
def test_links_images_and_html_in_any_url_parameter_stay_words(app_db, name):
    import re

    from kpi.words.text import escape_markdown
    from tests.selection.test_filters import unescaped_markup

    page = URL_PARAMS[name]
    if name == "spc_scope":
        params = {"view": "spc"}
    elif name.startswith(("prof_", "rank_")):
        params = {"section": "professions" if name.startswith("prof") else "ranking"}
    else:
        params = {}
    for payload in INJECTIONS:
        at = run_app(page, **params, **{name: payload})
        assert_page_ok(at)
        warnings = [w.value for w in at.warning if "could not be used" in str(w.proto.title)]
        assert warnings, f"no warning for ?{name}="
        assert escape_markdown(payload)[:40] in warnings[0]
        for body in warnings:
            assert not unescaped_markup(body), body
        for body in _markdown_bodies(at):
            bare = re.sub(r"\\.", "", body)  # what is left live once the escapes are taken out
            assert "](http" not in bare and "<img" not in bare and "<a " not in bare, body


def test_loaders_connect_with_the_real_password_not_its_mask(monkeypatch):
    from sqlalchemy.engine import make_url

    from kpi import ui
    from kpi.ui import database

    url = make_url("postgresql+psycopg://kpi:S3cret@127.0.0.1:5432/ahp")
    monkeypatch.setattr(database, "engine", lambda: type("E", (), {"url": url})())  # where db() calls it
    assert ui.db() == "postgresql+psycopg://kpi:S3cret@127.0.0.1:5432/ahp"


def _places(at: AppTest) -> list[tuple[int, str, str]]:
    """Each element of the page's main area: its place, its type and its key (for a keyed one)."""
    return [
        (index, node.type, (getattr(node.proto, "id", "") or "").rsplit("-", 1)[-1])
        for index, node in at.main.children.items()
    ]


@pytest.mark.parametrize("page", ["overview", "workstreams", "collaboratives", "trusts", "milestones"])
def test_picking_a_trust_leaves_every_element_in_its_place(app_db, page):
    """A notice that comes and goes with the trust filter keeps its place (an empty container): were the
    elements after it to move up one place, the browser would draw each chart again in the place of the
    one before, and the first ones twice, instead of updating it where it is."""
    at = run_app(f"app_pages/{page}.py")
    before = _places(at)
    at.sidebar.multiselect[0].set_value(["RBS"]).run()
    assert_page_ok(at)
    assert url(at, "trust") == ["RBS"]
    assert _places(at) == before


def test_a_choice_the_link_names_stays_in_the_url_even_when_it_is_the_default(app_db):
    # A drill link names the SPC scope (the system, the default): rewriting the URL without it would add
    # a second entry to the browser's history, and the first Back press would seem to do nothing.
    named = run_app("app_pages/workstreams.py", view="spc", spc_scope="C&M", workstream="PLAN")
    assert_page_ok(named)
    assert url(named, "spc_scope") == ["C&M"] and url(named, "workstream") == ["PLAN"]
    unnamed = run_app("app_pages/workstreams.py", view="spc")
    assert url(unnamed, "spc_scope") == [] and url(unnamed, "workstream") == [], "a default is not added"


def _overlap_note(at: AppTest) -> list[str]:
    return [c.value for c in at.main.caption if " overlap: " in c.value]


def test_workstreams_says_why_both_collaboratives_add_up_to_more_than_the_system(app_db):
    both = run_app("app_pages/workstreams.py")
    assert_page_ok(both)
    assert _overlap_note(both) == [
        "CMAST and MHLDC overlap: four trusts (Alder Hey, Countess of Chester, Mersey and West Lancs, Mid "
        "Cheshire) are members of both, and each counts in both collaboratives but once in the C&M system, "
        "so the collaboratives' counts add up to more than the system's."
    ]
    one = run_app("app_pages/workstreams.py", collab="CMAST")  # the system and CMAST: nothing to explain
    assert_page_ok(one)
    assert _overlap_note(one) == []
    spc = run_app("app_pages/workstreams.py", view="spc")  # one scope's chart at a time
    assert _overlap_note(spc) == []
