"""One reading, every view: for the system's vacancy rate with every kind of lead's setting (a target
from a month, a baseline, a ghost month and a recalculation), each view a board member or lead opens says
the same target in force and the same words: the headline card, the Making Data Count summary (table,
phone cards and CSV), the KPI summary CSV, the SPC chart (its words, accessible name, image and CSV),
the trend chart, the definitions page and the board packs (HTML here; PDF and PowerPoint where Chromium
is). Nowhere does the catalogue's 7.5% appear as the target in force."""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import subprocess

import pandas as pd
import pytest
import streamlit as st

from kpi.exports import board_pack as report
from kpi.exports import images
from kpi.notes import chart_settings
from kpi.reading.load import readings_for
from kpi.words.text import escape_markdown
from tests.conftest import add_observations
from tests.exports.test_downloads import one, read, spy  # noqa: F401 (fixture)
from tests.notes.test_chart_notes import LEAD
from tests.ui.test_app import assert_page_ok, metric, run_app

MONTHS = pd.date_range("2023-11-01", periods=36, freq="MS")  # Nov 2023 to Oct 2026
ROWS = [
    ("VACANCY_RATE", None, None, f"{m:%Y-%m}", None, 90.0 + (i * 7) % 5, 1000.0) for i, m in enumerate(MONTHS)
]
TARGET = "Target 6% from Apr 2026"


@pytest.fixture
def walked(engine):
    """The system's vacancy rate with a lead's target from Apr 2026, a baseline of 12 months, a ghost
    month and a recalculation."""
    add_observations(engine, ROWS, synthetic=True)
    add = chart_settings.add_setting
    add(
        engine,
        LEAD,
        "VACANCY_RATE",
        "C&M",
        "target",
        "Board target 2026/27",
        period=dt.date(2026, 4, 1),
        value=6,
    )
    add(engine, LEAD, "VACANCY_RATE", "C&M", "baseline", "the first year", points=12)
    add(engine, LEAD, "VACANCY_RATE", "C&M", "ghost", "ESR migration", period=dt.date(2025, 1, 1))
    add(engine, LEAD, "VACANCY_RATE", "C&M", "recalculation", "new triage model", period=dt.date(2025, 4, 1))
    return engine


@pytest.fixture
def images_spy(monkeypatch):
    """The image downloads the pages offer: the figure each would draw, by file name."""
    offered: dict[str, object] = {}
    original = st.download_button

    def download_button(label, data=None, file_name=None, mime=None, **kwargs):
        if isinstance(data, functools.partial) and data.func is images.chart_image:
            offered[file_name] = data.args[0]
        return original(label, data, file_name=file_name, mime=mime, **kwargs)

    monkeypatch.setattr(st, "download_button", download_button)
    return offered


def the_reading(engine):
    return readings_for(engine, "C&M")["VACANCY_RATE"]


def test_the_reading_names_every_setting_that_took_effect_and_the_target_in_force(walked):
    reading = the_reading(walked)
    assert reading.target.value == 6 and reading.target_text == "6%"
    for words in (
        "Target 6% from Apr 2026: Board target 2026/27.",
        "Limits fixed on the first 12 months (baseline): the first year.",
        "Jan 2025 is a ghost point, left out of the limits and rules: ESR migration.",
        "Limits recalculated from Apr 2025: new triage model.",
    ):
        assert words in reading.sentence
    assert reading.target_sentence == f"{TARGET} (the catalogue's is 7.5%); lower is better."


def test_the_overview_card_summary_phone_cards_and_csvs_say_the_same(walked, spy):  # noqa: F811
    reading = the_reading(walked)
    at = run_app()
    assert_page_ok(at)
    card = metric(at, "Vacancy rate")
    assert TARGET in card.proto.help and reading.sentence in card.proto.help
    assert "Target 7.5%" not in card.proto.help
    summary = next(frame for frame in at.dataframe if "reading" in frame.value.columns).value
    row = summary.set_index("kpi_code").loc["VACANCY_RATE"]
    assert (row["target"], row["reading"]) == ("6%", reading.sentence)
    phone = " ".join(h.proto.body for h in at.get("html") if "Making Data Count summary" in h.proto.body)
    assert "Target 6%" in phone and html.escape(reading.sentence) in phone
    mdc = read(one(spy, "mdc-summary_")).set_index("KPI code").loc["VACANCY_RATE"]
    assert (mdc["Target"], mdc["Target from"], mdc["Reading"]) == (6, "2026-04", reading.sentence)
    kpis = read(one(spy, "kpi-summary_")).set_index("KPI code").loc["VACANCY_RATE"]
    assert (kpis["Target"], kpis["Target from"]) == (6, "2026-04")


def test_the_spc_chart_its_image_and_its_csv_say_the_same(walked, spy, images_spy):  # noqa: F811
    reading = the_reading(walked)
    at = run_app("app_pages/workstreams.py", workstream="PLAN", view="spc", spc_scope="C&M")
    assert_page_ok(at)
    chart = next(c for c in at.get("plotly_chart") if "Vacancy rate" in c.proto.alt)
    assert reading.sentence in chart.proto.alt and TARGET in chart.proto.alt
    words = " ".join(m.value for m in at.markdown)
    assert escape_markdown(reading.sentence) in words, "the words beside the chart, as text"
    figure = next(
        f for name, f in images_spy.items() if name.startswith("VACANCY_RATE_SPC") and name.endswith(".png")
    )
    drawn = " ".join(a.text.replace("<br>", " ") for a in figure.layout.annotations if a.text)
    assert reading.sentence in drawn
    rows = read(one(spy, "VACANCY_RATE_SPC")).set_index("Month")
    assert rows.loc["2026-03", "Target"] == 7.5 and rows.loc["2026-04", "Target"] == 6
    assert rows.loc["2025-01", "Point type"] == "ghost"
    assert list(rows.loc["2023-11":"2024-10", "Baseline"]) == ["yes"] * 12
    assert set(rows.loc["2025-04":, "Segment"]) == {2}


def test_the_trend_chart_and_the_definitions_page_say_the_same_target(walked):
    trend = run_app("app_pages/workstreams.py", workstream="PLAN")
    assert_page_ok(trend)
    chart = next(c for c in trend.get("plotly_chart") if "Vacancy rate" in c.proto.alt)
    assert TARGET in chart.proto.alt and "Target 7.5%;" not in chart.proto.alt
    definitions = run_app("app_pages/definitions.py")
    definitions.text_input(key="def_search").input("VACANCY_RATE").run()
    assert_page_ok(definitions)
    facts = pd.concat([t.value for t in definitions.table], ignore_index=True)
    target = [v.replace("\\", "") for v in facts[facts["Fact"] == "Target for C&M system"]["Value"]]
    assert target == ["6% from Apr 2026 (the catalogue's is 7.5%)"]
    # The page states the method: the rule set and its version, and when a recalculation is suggested.
    method = " ".join(m.value for m in definitions.markdown).replace("\\", "")
    assert (
        "NHS England's Making Data Count SPC rules, as its SPC charts SQL query (v2.5) applies them" in method
    )
    assert "**Suggested recalculations.**" in method and "A steadily growing count is a trend" in method


def test_the_board_packs_say_the_same(walked):
    reading = the_reading(walked)
    document = report.build_report(
        walked, scope="system", period_end=dt.date(2026, 10, 1), fmt="html"
    ).decode()
    assert html.escape(reading.sentence) in document
    assert "6% from Apr 2026" in document and "target 7.5%" not in document.lower()
    if not images.images_available()[0]:
        pytest.skip("no Chromium on this machine for the PDF and PowerPoint packs")
    pdf = report.build_report(walked, scope="system", period_end=dt.date(2026, 10, 1), fmt="pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "6% from Apr 2026" in flat and "Limits recalculated from Apr 2025: new triage model." in flat
    from pptx import Presentation

    deck = Presentation(
        io.BytesIO(report.build_report(walked, scope="system", period_end=dt.date(2026, 10, 1), fmt="pptx"))
    )
    said = " ".join(
        shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
    )
    assert "6% from Apr 2026" in said and "7.5%" not in said.replace("the catalogue's is 7.5%", "")
