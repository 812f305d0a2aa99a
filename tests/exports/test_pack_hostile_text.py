"""The board pack never breaks on what a lead typed, and its slides keep their text on the slide.

- Hostile text in every field a lead can fill (annotations, chart-setting reasons, commentary sections
  and owner, milestone notes, a plan scenario's name), through the write path and also stored raw (as
  text written before control characters were removed at write would be): the PDF, the HTML and the
  PowerPoint packs all build and show the words.
- Slide text fitted to its box: the demo's readings and notes, a commentary of 4,000 characters and
  twelve annotations of 200 on one KPI, a milestone note of 2,000: the deck converted by LibreOffice has
  every word inside the page and nothing but the footer below the footer's top edge, and no word lost.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import text

from kpi.access.auth import User
from kpi.exports import board_pack as report
from kpi.exports import images
from kpi.notes import annotations, chart_settings, commentary
from kpi.plan import assumptions as plan_store
from kpi.programme.milestones import update_milestone
from kpi.seed.bootstrap import prepare_database
from kpi.seed.demo import load_demo
from kpi.store.db import get_engine

END = dt.date(2026, 10, 1)
GENERATED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
LEAD = User("lead@example.nhs.uk", "Workforce Lead", "lead")
HOSTILE = "\x00\x01\x07\x0b\x0c\x1b[31m\x7f\x85\u202e\u200b\ufffe"
KPI = "SICKNESS_RATE"
pytestmark = pytest.mark.skipif(not images.images_available()[0], reason="no Chromium on this machine")


def words(length: int, tag: str) -> str:
    """`length` characters of numbered words ("tell0 tell1 ..."), so each can be found again."""
    out: list[str] = []
    while len(" ".join(out)) < length:
        out.append(f"{tag}{len(out)}")
    return " ".join(out)[:length].rsplit(" ", 1)[0]


SECTIONS = {"tells": words(2000, "tell"), "issues": words(1000, "iss"), "actions": words(600, "act"),
            "risks": words(400, "risk")}  # fmt: skip
OWNER = words(100, "own")
NOTES = [words(200, f"ann{n}x") for n in range(12)]
REASON = words(200, "why")
MILESTONE_NOTE = words(2000, "mnote")
SCENARIO = "Hostile scenario"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """The demo history to October 2026 with the lead's text, hostile characters in each, on the
    sickness absence chart, a milestone and a scenario; then the same characters added straight into the
    database, as text stored before the rule would hold them."""
    get_engine.cache_clear()
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'demo.db'}")
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)
    assert sum(len(t) for t in SECTIONS.values()) > 3950, "a commentary of about 4,000 characters"
    for number, note in enumerate(NOTES):
        month = dt.date(2025, 1, 1) + dt.timedelta(days=31 * number)
        annotations.add_annotation(engine, LEAD, KPI, "C&M", month, f"{HOSTILE}{note}{HOSTILE}")
    chart_settings.add_setting(
        engine, LEAD, KPI, "C&M", "target", f"{REASON}{HOSTILE}", period=dt.date(2026, 4, 1), value=4.0
    )
    commentary.save_commentary(
        engine, LEAD, KPI, "C&M", END, status="final", owner=f"{OWNER}{HOSTILE}",
        **{name: f"{HOSTILE}{value}" for name, value in SECTIONS.items()},
    )  # fmt: skip
    update_milestone(engine, LEAD, "M3", notes=f"{MILESTONE_NOTE}{HOSTILE}")
    plan_store.save_scenario(engine, LEAD, f"{SCENARIO}{HOSTILE}", {"graduates_pct": 20})
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def raw_engine(engine, tmp_path_factory):
    """The same database with the hostile characters written straight into every field."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path_factory.mktemp("raw") / "raw.db"
    shutil.copy(engine.url.database, path)
    raw = get_engine(f"sqlite:///{path}")
    with raw.begin() as conn:
        for table, column in (
            ("annotations", "text"),
            ("chart_settings", "reason"),
            ("commentaries", "tells"),
            ("commentaries", "owner"),
            ("milestones", "notes"),
            ("plan_scenarios", "name"),
        ):
            conn.execute(text(f"UPDATE {table} SET {column} = {column} || :bad"), {"bad": HOSTILE})
    yield raw
    raw.dispose()


def build(engine, fmt: str) -> bytes:
    return report.build_report(engine, scope="system", period_end=END, fmt=fmt, generated_at=GENERATED)


def deck_text(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


FOUND = ["tell0", "iss0", "act0", "risk0", "own0", "ann0x0", "ann11x0", "why0", "mnote0", SCENARIO]


def test_the_stored_text_has_no_control_characters(engine):
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT tells, owner FROM commentaries")).one()
        names = conn.execute(text("SELECT name FROM plan_scenarios")).scalars().all()
    assert stored == (SECTIONS["tells"], OWNER) and names == [SCENARIO]


@pytest.mark.parametrize("which", ["written", "raw"])
def test_every_pack_builds_and_shows_the_words_whatever_the_lead_typed(engine, raw_engine, which):
    source = engine if which == "written" else raw_engine
    pdf = build(source, "pdf")
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    html_text = html.unescape(build(source, "html").decode("utf-8"))
    pptx_text = deck_text(build(source, "pptx"))
    for word in FOUND:
        assert word in pdf_text and word in html_text and word in pptx_text, word
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", pptx_text), "nothing XML forbids in the deck"


# --- slide text on the slide, checked in LibreOffice's rendering ------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 13.333 * 72, 7.5 * 72  # points
FOOTER_TOP = 7.05 * 72
FOOTER_TEXT = (
    "Cheshire and Merseyside AHP workforce programme · Board pack · C&M system · Oct 2026 "
    "SYNTHETIC DEMO DATA · Slide of"
)


def _office() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        if os.environ.get("CI") or os.environ.get("KPI_REQUIRE_BROWSER") == "1":
            pytest.fail("LibreOffice (soffice) is missing; .ci/run installs libreoffice-impress-nogui")
        pytest.skip("no LibreOffice (soffice) on this machine: apt-get install libreoffice-impress-nogui")
    return office


def pages_of(deck: bytes, folder: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each slide as LibreOffice draws it: its words with their boxes in points (pdftotext -bbox)."""
    source = folder / "deck.pptx"
    source.write_bytes(deck)
    profile = folder / "profile"
    subprocess.run(
        [_office(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(folder / "deck.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", boxes, re.S):
        found = re.findall(
            r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', page
        )
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(w)) for a, b, c, d, w in found])
    return pages


@pytest.fixture(scope="module")
def slides(engine, tmp_path_factory):
    return pages_of(build(engine, "pptx"), tmp_path_factory.mktemp("deck"))


def test_every_word_of_every_slide_is_on_the_slide_and_above_the_footer(slides):
    footer = Counter(FOOTER_TEXT.split())
    for number, words_on_page in enumerate(slides, 1):
        outside = [
            w
            for x0, y0, x1, y1, w in words_on_page
            if x0 < 0 or y0 < 0 or x1 > PAGE_WIDTH or y1 > PAGE_HEIGHT
        ]
        assert not outside, f"slide {number}: beyond the slide: {outside[:8]}"
        low = [w for _, _, _, y1, w in words_on_page if y1 > FOOTER_TOP + 1]
        intruders = [w for w in low if w not in footer and not w.isdigit()]
        assert not intruders, f"slide {number}: over the footer: {intruders[:8]}"
        assert low, f"slide {number} has its footer"


def test_no_word_of_the_long_texts_is_lost_and_each_reads_in_order(slides):
    shown = [w for page in slides for *_, w in page]
    for text_in in (*SECTIONS.values(), *NOTES, MILESTONE_NOTE[:120].rsplit(" ", 1)[0]):
        tags = text_in.split()
        positions = [shown.index(tag) for tag in tags if tag in shown]
        assert len(positions) == len(tags), f"lost: {sorted(set(tags) - set(shown))[:5]}"
        assert positions == sorted(positions), "in order"


def test_long_text_goes_on_to_slides_of_its_own(engine, slides):
    titles = [" ".join(w for *_, y1, w in page if y1 < 66) for page in slides]
    assert "Sickness absence rate: reading and notes (continued)" in titles
    assert "Sickness absence rate: commentary" in titles
    kpi_slide = slides[titles.index("Sickness absence rate")]
    assert "Commentary for Oct 2026: on the next slide." in " ".join(w for *_, w in kpi_slide)
    short = slides[titles.index("Vacancy rate")]
    assert "Continued" not in " ".join(w for *_, w in short), "a KPI whose text fits stays on one slide"
