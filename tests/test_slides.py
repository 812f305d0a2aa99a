"""The board pack's exceptions-first summary, the lead's chart settings, annotations and commentary in
the pack (HTML)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape

from kpi import annotations, chart_settings, commentary
from kpi import board_pack as report
from kpi.auth import User
from kpi.board_pack.collect import collect, kpi_exceptions, milestones_at_risk
from kpi.bootstrap import prepare_database
from kpi.db import get_engine
from kpi.demo import load_demo

END = dt.date(2026, 10, 1)
GENERATED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
LEAD = User("lead@example.nhs.uk", "Workforce Lead", "lead")
ANNOTATION = 'Recruitment drive <script>alert("x")</script> **launched**'
TELLS = "Vacancies rose after the <b>new</b> posts were funded.\n*Second* line"
EXCEPTIONS = ["SICKNESS_RATE", "TEMP_STAFF_RATE", "VACANCY_RATE", "PRECEPTORSHIP_RATE", "PLACEMENT_UPTAKE"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo history to October 2026 with the lead's notes on the system's charts: an annotation
    (markup in it) and a recalculation on the vacancy rate, its final commentary for October, and a
    September draft for sickness absence (carried over to October)."""
    get_engine.cache_clear()
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('slides') / 'demo.db'}")
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)
    annotations.add_annotation(engine, LEAD, "VACANCY_RATE", "C&M", dt.date(2025, 4, 1), ANNOTATION)
    annotations.add_annotation(engine, LEAD, "VACANCY_RATE", None, dt.date(2026, 1, 1), "Bank rules changed")
    annotations.add_annotation(engine, LEAD, "VACANCY_RATE", "CMAST", dt.date(2026, 2, 1), "CMAST only")
    annotations.add_annotation(engine, LEAD, "VACANCY_RATE", None, dt.date(2023, 1, 1), "Before the pack")
    chart_settings.add_setting(
        engine, LEAD, "VACANCY_RATE", "C&M", "recalculation", "new triage model", period=dt.date(2025, 4, 1)
    )
    commentary.save_commentary(
        engine,
        LEAD,
        "VACANCY_RATE",
        "C&M",
        END,
        status="final",
        tells=TELLS,
        issues="Funded posts ahead of supply.",
        actions="Targeted recruitment in MSK.",
        risks="Agency spend may rise.",
        owner="AHP workforce lead",
    )
    commentary.save_commentary(
        engine, LEAD, "SICKNESS_RATE", "C&M", dt.date(2026, 9, 1), tells="September's reading.", owner="Ops"
    )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pack(demo):
    return collect(demo, report.resolve_scope(demo, "system"), END, GENERATED)


@pytest.fixture(scope="module")
def document(demo):
    return report.build_report(
        demo, scope="system", period_end=END, fmt="html", generated_at=GENERATED
    ).decode("utf-8")


# --- the pack's data -------------------------------------------------------------------------------------


def test_the_exceptions_are_the_concerns_and_targets_at_risk_in_summary_order(pack):
    assert [row["code"] for row in kpi_exceptions(pack)] == EXCEPTIONS
    reasons = {row["code"]: row["reasons"] for row in kpi_exceptions(pack)}
    assert reasons["SICKNESS_RATE"] == "Special cause concern (high); Consistently failing target"
    assert reasons["VACANCY_RATE"] == "Hit and miss target"


def test_milestones_at_risk_are_red_amber_or_late_and_not_complete(pack):
    rows = milestones_at_risk(pack)
    assert [(m["code"], m["reasons"]) for m in rows] == [
        ("M3", "RAG Red; forecast 31/01/2027, after the baseline 30/06/2023"),
        ("M4", "RAG Amber; forecast 31/12/2026, after the baseline 31/03/2024"),
    ]


def test_the_leads_settings_annotations_and_commentary_reach_the_pack(pack):
    block = pack.kpi_blocks["VACANCY_RATE"]
    assert "Limits recalculated from Apr 2025: new triage model." in block["reading"]
    assert [(a["number"], a["month"], a["text"]) for a in block["annotations"]] == [
        (1, "Apr 2025", ANNOTATION),
        (2, "Jan 2026", "Bank rules changed"),
    ], "the system's own and every-scope ones in the period; not CMAST's, not before the period"
    assert block["alt"].endswith(f"Annotated: 1 Apr 2025, {ANNOTATION}; 2 Jan 2026, Bank rules changed.")
    flags = [a.hovertext for a in pack.figures["VACANCY_RATE"].layout.annotations if a.hovertext]
    assert len([f for f in flags if "Bank rules changed" in f]) == 1
    assert block["commentary"]["status"] == "Final" and block["commentary"]["owner"] == "AHP workforce lead"
    carried = pack.kpi_blocks["SICKNESS_RATE"]["commentary"]
    assert carried["status"] == "Draft carried over from Sep 2026: not yet written for Oct 2026"
    assert pack.kpi_blocks["TEMP_STAFF_RATE"]["commentary"]["empty"]


# --- HTML -------------------------------------------------------------------------------------------------


def _section(document: str, start: str, end: str) -> str:
    return document[document.index(f'id="{start}"') : document.index(f'id="{end}"')]


def test_html_summary_lists_the_exceptions_first_with_their_commentary_and_links(document):
    exceptions = _section(document, "exceptions", "exceptions-milestones")
    links = re.findall(r'<a href="#kpi-([A-Z_]+)"', exceptions)
    assert links == EXCEPTIONS
    assert escape(TELLS) in exceptions, "what the chart tells us, escaped, line break kept (pre-line)"
    assert "Targeted recruitment in MSK." in exceptions and "AHP workforce lead" in exceptions
    assert "Draft carried over from Sep 2026: not yet written for Oct 2026" in exceptions
    assert exceptions.count("No commentary for Oct 2026 yet.") == 3
    at_risk = _section(document, "exceptions-milestones", "summary-all")
    assert re.findall(r'<a href="#milestone-(M\d)"', at_risk) == ["M3", "M4"]
    assert (
        document.index('id="exceptions"')
        < document.index('id="summary-all"')
        < document.index('id="ws-LEAD"')
    )


def test_every_link_in_the_html_pack_resolves_to_one_element(document):
    ids = re.findall(r'\bid="([^"]+)"', document)
    targets = set(re.findall(r'href="#([^"]+)"', document))
    assert {"kpi-VACANCY_RATE", "milestone-M3", "summary"} <= targets
    assert all(ids.count(target) == 1 for target in targets), targets - set(ids)


def test_html_kpi_section_has_commentary_under_the_boards_headings_and_the_annotations(document):
    section = document[document.index('id="kpi-VACANCY_RATE"') :]
    section = section[: section.index("</article>")]
    headings = re.findall(r"<h4>([^<]+)</h4>", section)
    assert headings == ["What the chart tells us", "Issues", "Actions", "Mitigations and risks"]
    assert "Commentary, Oct 2026</strong> · Final" in section and "Owner: AHP workforce lead" in section
    assert f'<li value="1">Apr 2025: {escape(ANNOTATION)}</li>' in section
    assert '<li value="2">Jan 2026: Bank rules changed</li>' in section
    assert "CMAST only" not in document and "Before the pack" not in document
    assert '<script>alert("x")' not in document and "<b>new</b>" not in document
    sickness = document[document.index('id="kpi-SICKNESS_RATE"') :]
    sickness = sickness[: sickness.index("</article>")]
    assert 'class="commentary carried"' in sickness
    assert "Draft carried over from Sep 2026: not yet written for Oct 2026" in sickness
