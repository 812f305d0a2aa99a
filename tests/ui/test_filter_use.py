"""Every page says which sidebar filters apply to it (kpi/ui/filter_use.py): the words, a rule for every
page, each page saying its own in AppTest, and, for a filter a page says it does not use, the page the
same with it set as without (a filter it says applies does change it)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from kpi.ui.filter_use import APPLIES, OFFERS, RULES, UNUSED, PageFilters, sentence
from tests.ui.test_app import app_db, assert_page_ok, run_app  # noqa: F401 (app_db is a fixture)

# Each page's file, by the URL path its rule is kept under ("" is the Overview, the default page).
PAGE_FILES = {
    "": "app_pages/overview.py",
    "grid": "app_pages/grid.py",
    "workstreams": "app_pages/workstreams.py",
    "collaboratives": "app_pages/collaboratives.py",
    "trusts": "app_pages/trusts.py",
    "workforce_plan": "app_pages/workforce_plan.py",
    "import_data": "app_pages/import_data.py",
    "milestones": "app_pages/milestones.py",
    "submissions": "app_pages/submissions.py",
    "board_pack": "app_pages/board_pack.py",
    "definitions": "app_pages/definitions.py",
}


def test_the_words_say_which_filters_apply_which_add_choices_and_which_do_not():
    one_unused = PageFilters(APPLIES, APPLIES, UNUSED, APPLIES, APPLIES, why_not="it shows no single trust")
    assert sentence(one_unused) == (
        "The period, collaborative, profession and provisional\u2011months filters apply to this page. "
        "The trust filter does not apply to this page: it shows no single trust."
    )
    two_offered = PageFilters(UNUSED, OFFERS, OFFERS, APPLIES, UNUSED, picker="Projection for")
    assert sentence(two_offered) == (
        "The profession filter applies to this page. The collaborative and trust filters add choices to "
        "“Projection for”. The period and provisional\u2011months filters do not apply to this page."
    )
    assert sentence(PageFilters(APPLIES, APPLIES, APPLIES, APPLIES, APPLIES)) == (
        "Every sidebar filter applies to this page."
    )
    assert sentence(PageFilters(UNUSED, UNUSED, UNUSED, UNUSED, UNUSED, why_not="it has its own")) == (
        "The sidebar filters do not apply to this page: it has its own."
    )


def test_every_page_of_the_app_has_a_rule(app_db):  # noqa: F811
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    paths = {info["url_pathname"] for info in at._registered_pages.values() if "url_pathname" in info}
    assert paths == set(RULES) == set(PAGE_FILES)


@pytest.mark.parametrize("path", list(PAGE_FILES))
def test_each_page_says_which_filters_apply_to_it(app_db, path):  # noqa: F811
    at = run_app(PAGE_FILES[path])
    assert_page_ok(at)
    said = [c.value for c in at.sidebar.caption if "this page" in c.value or "“" in c.value]
    assert said == [sentence(RULES[path])]


def test_the_trust_filter_is_said_not_to_apply_where_it_does_not():
    assert "The trust filter does not apply to this page" in sentence(RULES["workstreams"])
    assert "does not apply" not in sentence(RULES["trusts"])


def main_area(at: AppTest) -> list[str]:
    """What the page shows in its main area: text, tables and charts (not the sidebar)."""
    shown = [m.value for m in at.main.markdown] + [c.value for c in at.main.caption]
    shown += [str(getattr(e, "value", "")) for e in (*at.main.info, *at.main.warning)]
    shown += [df.value.to_csv() for df in at.main.dataframe]
    shown += [json.dumps(json.loads(chart.proto.spec)["data"]) for chart in at.main.get("plotly_chart")]
    return shown


# (page, a filter the page says it does not use, one it says applies), each as URL parameters. (The
# workforce plan needs more history than this small database holds: it stops before projecting.)
CASES = [
    ("workstreams", "trusts", {"trust": "REM"}, "collaborative", {"collab": "CMAST"}),
    ("collaboratives", "collaborative", {"collab": "CMAST"}, "professions", {"profession": "PHYSIO"}),
    ("collaboratives", "trusts", {"trust": "REM"}, "period", {"from": "2026-09"}),
    ("submissions", "professions", {"profession": "PHYSIO"}, "trusts", {"trust": "REM"}),
    ("milestones", "trusts", {"trust": "REM"}, None, None),
]


@pytest.mark.parametrize(("path", "unused", "unused_params", "applies", "applies_params"), CASES)
def test_a_filter_said_not_to_apply_changes_nothing_and_one_said_to_apply_does(
    app_db,  # noqa: F811
    path,
    unused,
    unused_params,
    applies,
    applies_params,
):
    rule = RULES[path]
    assert getattr(rule, unused) == UNUSED
    plain = main_area(run_app(PAGE_FILES[path]))
    assert main_area(run_app(PAGE_FILES[path], **unused_params)) == plain
    if applies is not None:
        assert getattr(rule, applies) == APPLIES
        assert main_area(run_app(PAGE_FILES[path], **applies_params)) != plain
