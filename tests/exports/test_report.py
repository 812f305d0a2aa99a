"""The board pack on the demo history: PDF and HTML for the system and for one trust, their content,
self-containment, determinism, the errors a user can cause, the command line and the page."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import re
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import insert, update
from streamlit.testing.v1 import AppTest

from kpi import __main__ as cli
from kpi.exports import board_pack as report
from kpi.exports import images
from kpi.exports.board_pack import ReportError
from kpi.exports.board_pack.collect import collect
from kpi.exports.board_pack.plan_section import PLAN_PROFESSIONS, PLAN_YEARS, plan_section
from kpi.exports.board_pack.render import chart_alt
from kpi.figures import queries
from kpi.plan.assumptions import all_scenarios
from kpi.plan.model import gap_by_year, widest_gap_first
from kpi.plan.run import run_plan
from kpi.seed.bootstrap import prepare_database
from kpi.seed.demo import load_demo
from kpi.store.db import get_engine
from kpi.store.models import Milestone, MilestoneUpdate
from tests.conftest import add_observations

END = dt.date(2026, 10, 1)
GENERATED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
TRUST = "RBS"  # Alder Hey: a member of both collaboratives, no system-only KPIs
needs_browser = pytest.mark.skipif(not images.images_available()[0], reason="no Chromium on this machine")

# --- one demo database and one build of each pack for the module -------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("board-pack") / "demo.db"
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def kpis(demo):
    return queries.kpi_catalogue(demo)


def _series(engine, scope: str):
    resolved = report.resolve_scope(engine, scope)
    flt = report.scope_filter(resolved, dt.date(2023, 11, 1), END)
    series = queries.kpi_series(flt, resolved.level, engine)
    return series[series["scope_code"] == resolved.series_code]


@pytest.fixture(scope="module")
def with_data(demo):
    """KPI codes with at least two months (a chart) for each scope."""
    counts = {scope: _series(demo, scope).groupby("kpi_code").size() for scope in ("system", TRUST)}
    return {scope: set(c[c >= 2].index) for scope, c in counts.items()}


def _build(engine, scope: str, fmt: str, **kwargs) -> bytes:
    return report.build_report(
        engine,
        scope=scope,
        period_end=END,
        fmt=fmt,
        generated_at=kwargs.pop("generated_at", GENERATED),
        **kwargs,
    )


@pytest.fixture(scope="module")
def html_packs(demo):
    return {scope: _build(demo, scope, "html").decode("utf-8") for scope in ("system", TRUST)}


@pytest.fixture(scope="module")
def pdf_packs(demo):
    if not images.images_available()[0]:
        pytest.skip("no Chromium on this machine")
    return {scope: _build(demo, scope, "pdf") for scope in ("system", TRUST)}


@pytest.fixture(scope="module")
def pdf_texts(pdf_packs):
    """The text of each page of each pack (extracting it is slow: once per module)."""
    return {scope: pdf_pages(data) for scope, data in pdf_packs.items()}


def pdf_pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


# --- HTML --------------------------------------------------------------------------------------------------

SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
REFERENCE = re.compile(r"""\b(?:src|href|xlink:href|action|poster|srcset)\s*=\s*["']?\s*([^"'\s>]+)""", re.I)


def external_references(document: str) -> list[str]:
    """Every src/href in the markup (scripts' contents removed: plotly.js mentions URLs in its code)
    that is not a data URI or a link within the document."""
    markup = SCRIPT.sub("<script></script>", document)
    refs = [ref for ref in REFERENCE.findall(markup) if not ref.startswith(("data:", "#"))]
    refs += re.findall(r"url\(\s*['\"]?((?!data:|#)[^)'\"]+)", markup)
    refs += re.findall(r"@import\s+['\"]?([^'\";]+)", markup)
    return refs


@pytest.mark.parametrize("scope", ["system", TRUST])
def test_html_is_one_self_contained_file(html_packs, scope):
    document = html_packs[scope]
    assert external_references(document) == []
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", document, re.I), "no script is loaded from elsewhere"
    assert not re.search(r"<link\b", document, re.I), "no stylesheet or font is loaded from elsewhere"
    assert not re.search(r"https?://", SCRIPT.sub("", document)), "no web address outside scripts"


@pytest.mark.parametrize("scope", ["system", TRUST])
def test_html_has_every_kpi_and_one_interactive_chart_each(html_packs, kpis, with_data, scope):
    document = html_packs[scope]
    for row in kpis.itertuples():
        assert f'id="kpi-{row.code}"' in document
        assert html.escape(row.name) in document
    assert document.count("* plotly.js v") == 1, "plotly.js is inlined exactly once"
    charts = set(re.findall(r'<div id="chart-([A-Za-z0-9_-]+)" class="plotly-graph-div"', document))
    plan = {key for key in charts if key.startswith("plan-")}
    assert len(plan) == PLAN_PROFESSIONS + 1, "the plan's widest gaps (a fan chart each) and its flows"
    assert "plan-flows" in plan
    assert charts - plan == with_data[scope] | {"milestones"}
    assert document.count("Plotly.newPlot(") == len(charts)
    assert "SYNTHETIC DEMO DATA" in document
    assert "Cheshire and Merseyside AHP workforce programme" in document


def test_html_cover_and_sections(html_packs):
    system, trust = html_packs["system"], html_packs[TRUST]
    assert "Cheshire and Merseyside system" in system
    assert "Alder Hey Children&#39;s NHS Foundation Trust (RBS)" in trust
    for document in (system, trust):
        assert "Nov 2023 to Oct 2026 (36 months)" in document
        assert "20/11/2026 09:30 GMT" in document
        positions = [
            document.index(marker)
            for marker in (
                'id="cover"',
                'id="summary"',
                'id="ws-LEAD"',
                'id="ws-FUND"',
                'id="milestones"',
                'id="changes"',
                'id="definitions"',
            )
        ]
        assert positions == sorted(positions), "the sections come in the agreed order"
        assert "What changed since the last pack" in document
        assert "on or after 01/10/2026" in document
    assert "Collected for the system as a whole only, so there is no figure for Alder Hey." in trust


def test_html_tables_scroll_in_their_own_box_and_charts_are_one_figure_each(html_packs, with_data):
    """On a phone a table scrolls sideways inside a named region the keyboard can focus, not the page;
    each chart is one figure with its alt text (no figure wrapped round it)."""
    document = html_packs["system"]
    region = r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]+)">\s*<table'
    regions = re.findall(region, document)
    always = [
        "Making Data Count summary table",
        "Workforce plan scenarios table",
        "Programme milestones table",
        "KPI definitions table",
    ]
    assert [r for r in regions if r in always] == always
    assert "KPIs by organisation" in regions, "the grid: one table in the HTML pack, however wide"
    assert set(regions) <= {
        *always,
        "KPIs by organisation",
        "Milestone changes table",
        "Milestones at risk table",
    }
    assert document.count("<table class=") == len(regions), "every table is in a scrolling box"
    assert "<figure" not in document
    figures = re.findall(r'<div role="figure" aria-label="([^"]+)">', document)
    # each KPI with data, the milestones, a fan chart per profession and the plan's waterfall of flows
    assert len(figures) == len(with_data["system"]) + 1 + PLAN_PROFESSIONS + 1
    assert sum(alt.startswith("Waterfall chart: ") for alt in figures) == 1
    assert "@media screen and (max-width: 760px)" in document


def test_same_inputs_give_the_same_html_bytes(demo, html_packs):
    again = _build(demo, "system", "html").decode("utf-8")
    assert again == html_packs["system"]
    later = _build(demo, "system", "html", generated_at=GENERATED + dt.timedelta(hours=2)).decode("utf-8")
    assert later != again
    assert later.replace("20/11/2026 11:30 GMT", "20/11/2026 09:30 GMT") == again, (
        "only the timestamp differs"
    )


def test_milestone_notes_are_escaped_and_changes_follow_the_period(engine):
    """On the shared `engine` fixture (SQLite, and PostgreSQL when configured)."""
    load_demo(engine, end=END)
    with engine.begin() as conn:
        conn.execute(
            update(Milestone)
            .where(Milestone.code == "M3")
            .values(notes='Paused <script>alert("x")</script> & "reset"\nsecond line')
        )
        for when, marker in (
            (dt.datetime(2026, 9, 30, 23, 0), "BEFORE-CUTOFF"),
            (dt.datetime(2026, 10, 1, 8, 0), "AFTER-CUTOFF"),
        ):
            conn.execute(
                insert(MilestoneUpdate).values(
                    milestone_code="M4",
                    changed_at=when.replace(tzinfo=dt.UTC),
                    changed_by="pytest",
                    field="notes",
                    old_value=None,
                    new_value=marker,
                )
            )
    document = _build(engine, "CMAST", "html").decode("utf-8")
    assert (
        "Paused &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;reset&#34;\nsecond line"
        in document
    )
    assert '<script>alert("x")' not in document
    assert "AFTER-CUTOFF" in document
    assert "BEFORE-CUTOFF" not in document
    assert "Cheshire and Merseyside Acute and Specialist Trusts (CMAST)" in document


def test_short_histories_get_a_run_chart_or_one_line(engine):
    """Three months make a run chart (no icons, the reason in words); one month gets one line."""
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", "PHYSIO", "2026-08", 100.0, None, None),
            ("SIP_FTE", "REM", "PHYSIO", "2026-09", 101.0, None, None),
            ("SIP_FTE", "REM", "PHYSIO", "2026-10", 103.5, None, None),
            ("VACANCY_RATE", "REM", "PHYSIO", "2026-10", None, 15, 120),
        ],
    )
    document = _build(engine, "REM", "html").decode("utf-8")
    assert "Aug 2026 to Oct 2026 (3 months)" in document
    assert "(run chart)" in document and "Only 3 months of data: too few for process limits" in document
    assert "Only one month of data (Oct 2026: 12.5%); an SPC chart needs at least two." in document
    assert "No data for Liverpool University Hospitals from Aug 2026 to Oct 2026." in document
    assert "SYNTHETIC" not in document, "real data carries no synthetic notice"
    assert set(re.findall(r'<div id="chart-([A-Za-z0-9_]+)"', document)) == {"SIP_FTE", "milestones"}


# --- PDF ---------------------------------------------------------------------------------------------------


def _fonts(resources, seen: set[int]) -> list:
    """Every font in a resource dictionary, including those inside form XObjects (SVG charts)."""
    found = []
    if resources is None:
        return found
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is not None:
        found.extend(font.get_object() for font in fonts.get_object().values())
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            key = getattr(ref, "idnum", id(ref))
            if key in seen:
                continue
            seen.add(key)
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form":
                found.extend(_fonts(xobject.get("/Resources"), seen))
    return found


def _descriptor(font):
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    descendants = font.get("/DescendantFonts")
    if descendants is not None:
        return descendants.get_object()[0].get_object()["/FontDescriptor"].get_object()
    return None


@needs_browser
@pytest.mark.parametrize("scope", ["system", TRUST])
def test_pdf_cover_pages_and_footer(pdf_packs, pdf_texts, scope):
    reader = pypdf.PdfReader(io.BytesIO(pdf_packs[scope]))
    pages = pdf_texts[scope]
    assert len(pages) == len(reader.pages)
    total = len(pages)
    assert 10 <= total <= 50, "the system's grid adds four tables of its 19 organisations, two pages each"
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, "A4 portrait"
    cover = flat(pages[0])
    assert "Cheshire and Merseyside AHP workforce programme" in cover
    assert "Board pack" in cover
    assert "Nov 2023 to Oct 2026" in cover
    assert "SYNTHETIC" in cover
    expected_scope = (
        "Cheshire and Merseyside system"
        if scope == "system"
        else "Alder Hey Children's NHS Foundation Trust (RBS)"
    )
    assert expected_scope in cover
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {total}" in flat(text)
        assert "SYNTHETIC DEMO DATA" in text, "every page says the data is synthetic"


@needs_browser
@pytest.mark.parametrize("scope", ["system", TRUST])
def test_pdf_has_each_kpi_with_its_chart_and_reading(pdf_texts, demo, kpis, with_data, scope):
    text = flat(" ".join(pdf_texts[scope]))
    summary = collect(demo, report.resolve_scope(demo, scope), END, GENERATED).summary
    readings = dict(zip(summary["kpi_code"], summary["reading"], strict=True))
    for row in kpis.itertuples():
        assert row.name in text
        if row.code in with_data[scope]:
            assert flat(readings[row.code]) in text, row.code
    charts = text.count("(XmR chart)") + text.count("(run chart)") + text.count("(trend)")
    assert charts == len(with_data[scope]), "one SPC chart per KPI with data"
    assert "Programme milestones" in text and "What changed since the last pack" in text
    assert "Appendix: KPI definitions" in text


@needs_browser
def test_pdf_fonts_are_embedded(pdf_packs):
    reader = pypdf.PdfReader(io.BytesIO(pdf_packs["system"]))
    seen: set[int] = set()
    fonts = [font for page in reader.pages for font in _fonts(page.get("/Resources"), seen)]
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type3":
            continue  # drawn glyphs, nothing to embed
        descriptor = _descriptor(font)
        assert descriptor is not None, font
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), descriptor


def structure_elements(data: bytes) -> list[dict]:
    """The tagged PDF's structure tree, flattened: each element's type (/S), its /Alt and the types of the
    elements around it, in reading order."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found: list[dict] = []

    def walk(node, ancestors: tuple[str, ...]) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid, ancestors)
            return
        if not isinstance(node, dict) or "/S" not in node:
            return  # marked content or an object reference: the leaves
        kind = str(node["/S"])
        alt = node.get("/Alt")
        found.append({"type": kind, "alt": str(alt) if alt is not None else None, "within": ancestors})
        if "/K" in node:
            walk(node["/K"], (*ancestors, kind))

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], ())
    return found


@needs_browser
@pytest.mark.parametrize("scope", ["system", TRUST])
def test_pdf_has_one_figure_tag_per_chart_with_its_alt_text(pdf_packs, demo, with_data, scope):
    """Screen readers read a chart from its Figure tag's /Alt: one Figure per chart (not an empty Figure
    wrapped round another), each with the chart's alt text; the document's title and language too."""
    data = pdf_packs[scope]
    figures = [e for e in structure_elements(data) if e["type"] == "/Figure"]
    pack = collect(demo, report.resolve_scope(demo, scope), END, GENERATED)
    expected = [chart_alt(pack, code) for code in pack.figures if code != "milestones"]
    plan = [block["alt"] for block in pack.plan["professions"]]
    assert len(plan) == PLAN_PROFESSIONS and all(alt.startswith("Fan chart: ") for alt in plan)
    assert pack.plan["flows"]["alt"].startswith("Waterfall chart: ")
    assert len(figures) == len(with_data[scope]) + 2 + len(plan) == len(pack.figures), "one Figure per chart"
    assert all(not any(kind == "/Figure" for kind in f["within"]) for f in figures), "no Figure in a Figure"
    alts = [f["alt"] for f in figures]
    assert None not in alts and "" not in alts, "every Figure has its alt text"
    assert sorted(alts) == sorted([*expected, "Programme milestones: baseline against forecast"])
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"]), "a tagged PDF"
    assert reader.metadata.title.startswith("Board pack: ")


@needs_browser
def test_pdf_summary_links_go_to_each_kpis_section(pdf_packs, kpis):
    """Chromium prints the HTML's internal links: every link names a destination the PDF has, and the
    summary pages link to every KPI's section."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_packs["system"]))
    destinations = set(reader.named_destinations)
    links = [
        str(annotation.get_object()["/Dest"])
        for page in reader.pages
        for annotation in page.get("/Annots", []) or []
        if annotation.get_object().get("/Subtype") == "/Link" and "/Dest" in annotation.get_object()
    ]
    assert links and set(links) <= destinations
    assert {f"/kpi-{code}" for code in kpis["code"]} <= set(links)


@needs_browser
def test_same_inputs_give_the_same_pdf_text(demo, pdf_texts):
    again = _build(demo, TRUST, "pdf")
    assert pdf_pages(again) == pdf_texts[TRUST]


# --- errors ------------------------------------------------------------------------------------------------


def test_an_unknown_scope_is_named(demo):
    with pytest.raises(
        ReportError, match=r"Unknown scope 'XYZ': use system, CMAST, MHLDC or a trust's ODS code"
    ):
        report.build_report(demo, scope="XYZ", period_end=END, fmt="html")


def test_a_month_without_data_is_named(demo):
    with pytest.raises(ReportError) as caught:
        report.build_report(demo, scope="CMAST", period_end=dt.date(2030, 1, 1), fmt="html")
    message = str(caught.value)
    assert "No data for CMAST in Jan 2030" in message and "Oct 2026" in message and "\n" not in message
    with pytest.raises(ReportError, match="No data for Southport and Ormskirk in Oct 2026"):
        report.build_report(demo, scope="RVY", period_end=END, fmt="html")  # merged into RBN in 2023


def test_an_unknown_format_and_a_bad_month_are_refused(demo):
    with pytest.raises(ReportError, match="Unknown format 'docx': use pdf, html or pptx"):
        report.build_report(demo, scope="system", period_end=END, fmt="docx")  # type: ignore[arg-type]
    with pytest.raises(ReportError, match="is not a month"):
        report.build_report(demo, scope="system", period_end="October", fmt="html")


def test_an_empty_database_is_explained(engine):
    with pytest.raises(ReportError, match="holds no KPI data yet"):
        report.build_report(engine, scope="system", period_end=END, fmt="html")


def test_pdf_without_a_browser_is_one_line(demo, monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(images.ImageExportUnavailable, match=r"^Image export needs Chromium on the server"):
        report.build_report(demo, scope="system", period_end=END, fmt="pdf")


def test_progress_is_reported_from_start_to_finish(demo):
    seen: list[tuple[float, str]] = []
    report.build_report(
        demo, scope="MHLDC", period_end=END, fmt="html", progress=lambda f, m: seen.append((f, m))
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(message for _, message in seen)


def test_file_names_are_meaningful():
    assert report.report_file_name("CMAST", END, "pdf") == "board-pack_CMAST_2026-10.pdf"
    assert report.report_file_name("system", "2026-10", "html") == "board-pack_system_2026-10.html"
    assert report.report_file_name("rbs", END, "pdf") == "board-pack_RBS_2026-10.pdf"


# --- command line ------------------------------------------------------------------------------------------


def _args(**values) -> argparse.Namespace:
    defaults = {"scope": "system", "period_end": END, "format": "html", "out": None}
    return argparse.Namespace(**{**defaults, **values})


def test_cli_writes_the_pack(demo, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KPI_DATABASE_URL", str(demo.url))
    out = tmp_path / "pack.html"
    assert cli.cmd_report(_args(scope="cmast", out=str(out))) == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    printed = capsys.readouterr()
    assert "Wrote the HTML board pack for CMAST ending Oct 2026" in printed.out and printed.err == ""


def test_cli_defaults_the_month_and_the_file_name(demo, monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_DATABASE_URL", str(demo.url))
    monkeypatch.chdir(tmp_path)
    assert cli.cmd_report(_args(scope="MHLDC", period_end=None, format="html")) == 0
    assert (tmp_path / "board-pack_MHLDC_2026-10.html").exists()
    assert cli.cmd_report(_args(scope="MHLDC", format=None, out=str(tmp_path / "named.html"))) == 0
    assert (tmp_path / "named.html").read_bytes().startswith(b"<!DOCTYPE html>"), "format from the extension"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"scope": "NOPE"}, "error: Unknown scope 'NOPE'"),
        ({"period_end": dt.date(2031, 3, 1)}, "error: No data for C&M system in Mar 2031"),
        ({"out": "/no/such/folder/pack.html"}, "error: cannot write /no/such/folder/pack.html"),
    ],
)
def test_cli_errors_are_one_line_with_a_non_zero_exit(demo, monkeypatch, capsys, values, expected):
    monkeypatch.setenv("KPI_DATABASE_URL", str(demo.url))
    assert cli.cmd_report(_args(**values)) == 1
    printed = capsys.readouterr()
    assert printed.err.startswith(expected), printed.err
    assert printed.err.count("\n") == 1 and "Traceback" not in printed.err


def test_cli_reports_a_missing_database(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KPI_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    get_engine.cache_clear()
    assert cli.cmd_report(_args()) == 1
    assert "There is no database at" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()


def test_cli_arguments_parse(tmp_path):
    parser = cli.build_parser()
    args = parser.parse_args(
        ["report", "--scope", "CMAST", "--period-end", "2026-10", "--format", "pdf", "--out", "x.pdf"]
    )
    assert (args.scope, args.period_end, args.format, args.out) == ("CMAST", END, "pdf", "x.pdf")
    assert cli.COMMANDS[args.command][0] is cli.cmd_report
    with pytest.raises(cli.CommandError) as caught:
        parser.parse_args(["report", "--scope", "CMAST", "--period-end", "Oct 2026"])
    assert caught.value.code == 2


def test_cli_offers_the_board_packs_formats():
    assert cli.REPORT_FORMATS == report.FORMATS


# --- the page ----------------------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def board_pack_page(**params: str) -> AppTest:
    """The real app, opened on the Board pack page with these URL parameters."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/board_pack.py")
    return at.run()


def test_page_builds_an_html_pack_and_offers_it_for_download(demo, monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", str(demo.url))
    at = board_pack_page(pack_scope="CMAST", pack_format="html")
    assert not at.exception and not at.error
    assert [box.label for box in at.main.selectbox] == ["Scope", "Period end"]
    assert at.main.selectbox[0].value == "CMAST" and at.main.selectbox[1].value == "2026-10"
    assert not at.get("download_button")
    at.button(key="pack_build").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    downloads = at.get("download_button")
    assert [d.label for d in downloads] == ["Download board-pack_CMAST_2026-10.html"]
    built = at.session_state["board_pack_built"]
    assert built["data"].startswith(b"<!DOCTYPE html>")
    at.run()  # a rerun keeps the built pack without building again
    assert at.session_state["board_pack_built"]["built_at"] == built["built_at"]
    assert [d.label for d in at.get("download_button")] == ["Download board-pack_CMAST_2026-10.html"]


def test_page_without_a_browser_offers_html(demo, monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_DATABASE_URL", str(demo.url))
    monkeypatch.setenv("KPI_CHROMIUM", str(tmp_path / "missing"))
    at = board_pack_page(pack_format="pdf")
    assert not at.exception
    assert any("A PDF needs Chromium on the server" in w.value for w in at.warning)
    assert at.button(key="pack_build").disabled


def test_a_confirmed_merger_in_the_packs_period_is_marked_on_its_charts(demo):
    """RVY merged into RBN in July 2023: a system pack ending June 2024 covers it, Alder Hey's does not
    change with it, and the planned RY2 merger (April 2026) is not marked in a pack ending October 2026."""
    system = collect(demo, report.resolve_scope(demo, "system"), dt.date(2024, 6, 1), GENERATED)
    assert [event.label for event in system.events] == ["RVY merged into RBN"]
    block = system.kpi_blocks["SIP_FTE"]
    assert "Marked on the chart: RVY merged into RBN (Jul 2023)." in block["notes"]
    assert block["alt"].endswith("Marked on the chart: RVY merged into RBN (Jul 2023).")
    labels = [a.text for a in system.figures["SIP_FTE"].layout.annotations]
    assert "RVY merged into RBN" in labels
    assert collect(demo, report.resolve_scope(demo, TRUST), dt.date(2024, 6, 1), GENERATED).events == ()
    assert collect(demo, report.resolve_scope(demo, "MHLDC"), END, GENERATED).events == ()


def test_the_pack_projects_the_widest_gaps_with_the_same_numbers_as_the_page(demo):
    """The workforce plan section: the three professions with the widest Baseline gap at five years,
    each scenario compared at the horizon, with the figures run_plan gives the Workforce plan page."""
    pack = collect(demo, report.resolve_scope(demo, "system"), END, GENERATED)
    names = [s.name for s in all_scenarios(demo)][1:]
    result = run_plan(demo, "C&M", None, PLAN_YEARS, names)
    top = widest_gap_first(result.projection)[:PLAN_PROFESSIONS]
    assert [block["key"] for block in pack.plan["professions"]] == [f"plan-{code}" for code in top]
    assert len(pack.plan["comparison"]) == PLAN_PROFESSIONS * (1 + len(names)) == 12
    ends = gap_by_year(result.projection).set_index(["profession", "scenario", "year"])
    first = pack.plan["comparison"][0]
    end = ends.loc[(top[0], "Baseline", PLAN_YEARS)]
    assert (first["scenario"], first["gap"], first["gap_pct"]) == (
        "Baseline",
        f"{end['gap_fte']:,.0f}",
        f"{end['gap_pct']:.1f}%",
    )
    assert pack.plan["professions"][0]["sentences"][0].startswith("Baseline: median supply goes from ")
    assert (pack.plan["start"], pack.plan["end"]) == ("Oct 2026", "Oct 2031")
    method = " ".join(pack.plan["method"])
    starts = int(result.backtest.summary_after["starts"].max())
    assert f"Checked against the past: over {starts} past starts" in method
    assert "Not modelled:" in method and "fitted to this SYNTHETIC demo history" in method
    assert "moves between C&M trusts are neither leavers nor joiners" in method
    assert pack.plan["flows"]["sentences"][0].startswith("Over 5 years: ")


def test_a_trust_packs_plan_states_the_small_number_rule(demo):
    section, _ = plan_section(demo, TRUST, TRUST, END)
    assert any("rounded to the nearest 5" in line for line in section["method"])
    assert any("counts moves to other NHS organisations" in line for line in section["method"])


def test_a_pack_for_an_earlier_month_says_the_projection_starts_later(demo):
    section, _ = plan_section(demo, "C&M", "C&M system", dt.date(2026, 6, 1))
    assert section["notes"][0] == (
        "The projection starts from the latest complete month of staff in post, Oct 2026, which is after "
        "this pack's month, Jun 2026."
    )
    same, _ = plan_section(demo, "C&M", "C&M system", END)
    assert not any("after this pack's month" in note for note in same["notes"])


@needs_browser
def test_a_pack_draws_its_charts_while_the_grid_is_read_and_a_failed_build_lets_the_browser_go(demo):
    """collect hands over every figure (the KPIs', the milestones', the plan's) before it reads the
    board's grid, so Chromium draws while our process works out the grid's 500 readings; the pictures
    are those of a pack drawn afterwards; a build that fails after the drawing started closes its tabs
    and no longer keeps the browser from closing when idle."""
    from kpi.exports.board_pack import pictures
    from kpi.exports.images.browser import _BROWSER

    seen: list[tuple[int, int]] = []
    scope = report.resolve_scope(demo, "system")
    with pictures.drawn_early("pdf") as figures_ready:
        assert figures_ready is not None

        def ready(pack) -> None:
            seen.append((len(pack.figures), len(pack.grid_cells)))
            figures_ready(pack)

        early = collect(demo, scope, END, GENERATED, ready)
        assert early.drawing is not None, "drawing under way when collect returned"
        drawn_early = pictures.pack_pictures(early)
    assert seen == [(len(early.figures), 0)] and {"milestones", *early.kpi_blocks} & set(early.figures)
    assert len(early.grid_cells) > 400, "the grid was read after the figures were handed over"
    late = collect(demo, scope, END, GENERATED)
    assert [p.width for p in pictures.pack_pictures(late).values()] == [p.width for p in drawn_early.values()]
    assert _BROWSER._users == 0

    with (
        pytest.raises(RuntimeError, match="after the drawing started"),
        pictures.drawn_early("pptx") as figures_ready,
    ):
        failing = collect(demo, scope, END, GENERATED, figures_ready)
        assert failing.drawing is not None
        raise RuntimeError("the build failed after the drawing started")
    assert failing.drawing is None and _BROWSER._users == 0, "the browser is free to close when idle"
    with pictures.drawn_early("html") as figures_ready:
        assert figures_ready is None, "HTML draws nothing on the server"
