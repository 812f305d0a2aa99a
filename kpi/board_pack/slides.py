"""The board pack as a PowerPoint deck (python-pptx), from the same pack and the same page context as
the HTML and PDF (`render.pack_context`): nothing is read twice.

Slides, in order: a title slide (with the synthetic-data notice where it applies); the exceptions (KPIs
with a concern or a target failed or at risk, with their commentary; milestones at risk); the Making
Data Count summary as a real table with the icons as pictures; one slide per KPI with its SPC chart as
a PNG, its icons, reading, annotations and commentary; the milestone timeline and table. Every picture
carries alt text (`descr`), every slide a title and a footer (saying SYNTHETIC DEMO DATA where it
applies). Charts and icons are drawn as PNG by kaleido in the warm Chromium of kpi.images, as for the
PDF; user text goes in as plain text runs, so nothing in it is markup.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kpi import images
from kpi.board_pack.collect import Pack

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.4)
BODY_TOP = Inches(1.15)
FOOTER_TOP = Inches(7.05)
CHART_PX = 1000  # CSS pixels the milestone timeline is drawn at (PNG at twice that), the slide's width
KPI_CHART_PX = 840  # a KPI chart, narrower: at 8.3 in wide its 420 px height fills the slide's body
ICON_PX = 64
SHORT = 240  # characters of commentary in the exceptions table; the KPI's own slide has it all
LONG_COMMENTARY = 1100  # more than this goes on a slide of its own
NHS_BLUE, DARK_BLUE, INK, MUTED = (
    RGBColor(0x00, 0x5E, 0xB8),
    RGBColor(0x00, 0x30, 0x87),
    RGBColor(0x21, 0x2B, 0x32),
    RGBColor(0x42, 0x55, 0x63),
)
DARK_RED, WHITE = RGBColor(0x8A, 0x15, 0x38), RGBColor(0xFF, 0xFF, 0xFF)
Drawn = Callable[[int, int], None]
TITLE_ONLY = 5  # the default template's "Title Only" layout: a real title for screen readers


# --- images ---------------------------------------------------------------------------------------------


def _icon_figure(uri: str) -> go.Figure:
    """A figure that is only the icon (an SVG data URI), so kaleido draws it as a PNG."""
    figure = go.Figure()
    figure.add_layout_image(
        source=uri, xref="paper", yref="paper", x=0, y=1, sizex=1, sizey=1, xanchor="left", yanchor="top"
    )
    figure.update_layout(
        width=ICON_PX,
        height=ICON_PX,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def draw_images(pack: Pack, context: dict[str, Any], progress: Drawn) -> dict[str, bytes]:
    """Every chart (by key) and every icon used (by data URI) as PNG bytes. Raises
    ImageExportUnavailable without a browser, ImageExportError when it fails."""
    ok, reason = images.images_available()
    if not ok:
        raise images.ImageExportUnavailable(reason)
    images.start_browser()
    keys = [k for k in pack.figures if k != "milestones"]
    charts = images.render_figures(
        [pack.figures[k] for k in keys], "png", width=KPI_CHART_PX, scale=2, progress=progress
    )
    if "milestones" in pack.figures:
        keys.append("milestones")
        charts += images.render_figures([pack.figures["milestones"]], "png", width=CHART_PX, scale=2)
    uris = sorted({row[f"{kind}_icon"] for row in context["summary"] for kind in ("variation", "assurance")})
    icons = images.render_figures([_icon_figure(uri) for uri in uris], "png", width=ICON_PX, scale=2)
    return {**dict(zip(keys, charts, strict=True)), **dict(zip(uris, icons, strict=True))}


# --- text and shapes --------------------------------------------------------------------------------------


def _text_box(
    slide: Any,
    left: int,
    top: int,
    width: int,
    height: int,
    paragraphs: list[Any],
    size: float = 12,
    color: RGBColor = INK,
) -> Any:
    """A text box of paragraphs; each is text or (text, bold[, size[, colour]])."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for index, paragraph in enumerate(paragraphs):
        text, bold, p_size, p_color = _style(paragraph, size, color)
        para = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(p_size), bold, p_color
        para.space_after = Pt(p_size * 0.3)
    return frame


def _style(paragraph: Any, size: float, color: RGBColor) -> tuple[str, bool, float, RGBColor]:
    """(text, bold, size, colour) of a paragraph given as text or a shorter tuple; the rest default."""
    given: tuple[Any, ...] = (paragraph,) if isinstance(paragraph, str) else tuple(paragraph)
    full: tuple[Any, ...] = given + (None, False, size, color)[len(given) :]
    return str(full[0]), bool(full[1]), float(full[2]), full[3]


def _picture(slide: Any, data: bytes, left: int, top: int, width: int, alt: str) -> Any:
    """A PNG with its alt text (the picture's cNvPr descr)."""
    picture = slide.shapes.add_picture(io.BytesIO(data), left, top, width=width)
    picture._element.nvPicPr.cNvPr.set("descr", alt)
    return picture


def _slide(prs: Any, title: str) -> Any:
    """A slide with its title in the title placeholder, across the top."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(0.75)
    shape.text_frame.text = title
    para = shape.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    para.runs[0].font.size, para.runs[0].font.bold = Pt(26), True
    para.runs[0].font.color.rgb = DARK_BLUE
    shape.text_frame.vertical_anchor = MSO_ANCHOR.TOP
    return slide


def _footer(slide: Any, context: dict[str, Any], number: int, total: int) -> None:
    """Programme, scope and month on the left; SYNTHETIC DEMO DATA (where it applies) and the slide
    number on the right."""
    left = f"{context['programme']} · Board pack · {context['scope'].short} · {context['period_end_label']}"
    width = (WIDE - 2 * MARGIN) // 2
    _text_box(slide, MARGIN, FOOTER_TOP, width, Inches(0.35), [left], size=9, color=MUTED)
    right = f"Slide {number} of {total}"
    if context["synthetic"]:
        right = f"SYNTHETIC DEMO DATA · {right}"
    frame = _text_box(slide, MARGIN + width, FOOTER_TOP, width, Inches(0.35), [(right, True)], 9, DARK_RED)
    frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def _short(text: str, limit: int = SHORT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "… (in full on its slide)"


# --- the slides -------------------------------------------------------------------------------------------


def title_slide(prs: Any, context: dict[str, Any]) -> None:
    """The programme, the scope and month, what the data are as at, and the synthetic notice."""
    slide = _slide(prs, f"Board pack: {context['scope'].short}, {context['period_end_label']}")
    band = slide.shapes.add_shape(1, 0, Inches(1.15), WIDE, Inches(0.9))  # 1: a rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = NHS_BLUE
    band.line.fill.background()
    band.text_frame.text = f"NHS Cheshire and Merseyside · {context['programme']}"
    band.text_frame.paragraphs[0].runs[0].font.size = Pt(20)
    band.text_frame.paragraphs[0].runs[0].font.color.rgb = WHITE
    facts = [
        ("Scope", context["scope"].name),
        ("Period", f"{context['period_label']} ({context['months']} months)"),
        ("Data as at", context["data_as_at"]),
        ("Generated at", context["generated_label"]),
    ]
    _text_box(
        slide, MARGIN, Inches(2.3), WIDE - 2 * MARGIN, Inches(2.0), [f"{k}: {v}" for k, v in facts], size=16
    )
    if context["synthetic"]:
        box = slide.shapes.add_textbox(MARGIN, Inches(4.5), WIDE - 2 * MARGIN, Inches(1.3))
        box.line.color.rgb, box.line.width = DARK_RED, Pt(3)
        frame = box.text_frame
        frame.word_wrap = True
        for index, (text, size) in enumerate(
            (("SYNTHETIC DEMO DATA", 28), (context["synthetic_detail"], 16))
        ):
            para = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = text
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), True, DARK_RED


def exception_slides(prs: Any, context: dict[str, Any]) -> None:
    """The KPIs with a concern or a target failed or at risk, five to a slide, with what the chart tells
    us, the actions and the owner; then the milestones at risk."""
    rows = context["exceptions"]
    chunks = [rows[i : i + 5] for i in range(0, len(rows), 5)] or [[]]
    for number, chunk in enumerate(chunks, 1):
        part = f" ({number} of {len(chunks)})" if len(chunks) > 1 else ""
        slide = _slide(prs, f"Exceptions: KPIs{part}")
        if not chunk:
            _text_box(
                slide,
                MARGIN,
                BODY_TOP,
                Inches(10),
                Inches(1),
                ["No KPI shows a concern or is failing, or at risk of failing, its target."],
                size=16,
            )
            continue
        table = [["KPI", "Why it is here", "What the chart tells us", "Actions", "Owner and status"]]
        for e in chunk:
            c, texts = e["commentary"], dict(e["commentary"]["sections"])
            table.append(
                [
                    f"{e['name']}\n{e['latest']} ({e['month']}); target {e['target'] or 'none set'}",
                    e["reasons"],
                    _short(texts.get("What the chart tells us", ""))
                    or f"No commentary for {context['period_end_label']} yet.",
                    _short(texts.get("Actions", "")),
                    f"{c['owner'] or 'Owner not named'}\n{c['status']}" if not c["empty"] else "",
                ]
            )
        _table(slide, table, [2.6, 2.0, 3.1, 2.6, 2.23], size=11)
    at_risk = context["milestones_at_risk"]
    slide = _slide(prs, "Exceptions: milestones at risk")
    if not at_risk:
        _text_box(
            slide,
            MARGIN,
            BODY_TOP,
            Inches(10),
            Inches(1),
            ["No milestone is red or amber or forecast after its baseline."],
            size=16,
        )
        return
    table = [["Milestone", "Why it is here", "Status", "Owner"]]
    table += [[f"{m['code']} {m['title']}", m["reasons"], m["status"], m["owner"]] for m in at_risk]
    _table(slide, table, [4.6, 4.4, 1.5, 2.03], size=12)


def _table(
    slide: Any, rows: list[list[str]], widths: list[float], size: float = 10, top: int = BODY_TOP
) -> Any:
    """A real PowerPoint table: a header row and text cells (plain text, never markup)."""
    shape = slide.shapes.add_table(len(rows), len(widths), MARGIN, top, Inches(sum(widths)), Inches(0.3))
    table = shape.table
    for index, width in enumerate(widths):
        table.columns[index].width = Inches(width)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(size)
    return table


SUMMARY_WIDTHS = [3.45, 1.8, 0.85, 3.35, 3.08]  # inches: KPI, latest, target, variation, assurance
SUMMARY_SIZES = (8, 7.5, 7, 6.5)  # points: the largest whose rows fit above the footer
ICON = Inches(0.18)
CELL_PAD = 0.07  # inches of cell margin, top and bottom together


def _lines(text: str, width_in: float, size: float) -> int:
    """Lines a cell's text wraps to, over- rather than under-estimated (Arial: at most about 0.55 em a
    character on average), so that the icons drawn over the table stay in their rows."""
    per_line = max(1, int(width_in * 72 / (size * 0.55)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _row_heights(rows: list[list[str]], size: float) -> list[float]:
    """Each row's height in inches at `size` points (the icon columns lose the icon's room)."""
    line = size * 1.2 / 72
    heights = []
    for r, cells in enumerate(rows):
        room = [w - (0.32 if c >= 3 and r else 0.2) for c, w in enumerate(SUMMARY_WIDTHS)]
        lines = max(_lines(text, room[c], size) for c, text in enumerate(cells))
        heights.append(max(lines * line + CELL_PAD, ICON / Inches(1) + 0.05))
    return heights


def _summary_cells(row: dict[str, Any]) -> list[str]:
    latest = row["latest"] if row["month"] in ("", "–") else f"{row['latest']} ({row['month']})"
    return [row["kpi"], latest, row["target"] or "–", row["variation_label"], row["assurance_label"]]


def summary_slide(prs: Any, context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """The Making Data Count summary: one table row per KPI (concerns first), with each variation and
    assurance icon as a picture, with alt text, at the left of its cell. The row heights are set (from
    an over-estimate of the wrapping), so the pictures stay in their rows."""
    slide = _slide(prs, f"Making Data Count summary: {context['scope'].short}")
    rows = [["KPI", "Latest", "Target", "Variation", "Assurance"]]
    rows += [_summary_cells(row) for row in context["summary"]]
    room = (FOOTER_TOP - BODY_TOP) / Inches(1)
    size = next((s for s in SUMMARY_SIZES if sum(_row_heights(rows, s)) <= room), SUMMARY_SIZES[-1])
    heights = _row_heights(rows, size)
    table = _table(slide, rows, SUMMARY_WIDTHS, size=size)
    for r, height in enumerate(heights):
        table.rows[r].height = Inches(height)
        for c in (3, 4):
            table.cell(r, c).margin_left = ICON + Inches(0.12) if r else table.cell(r, c).margin_left
    top = BODY_TOP + Inches(heights[0])
    for row, height in zip(context["summary"], heights[1:], strict=True):
        for c, kind in ((3, "variation"), (4, "assurance")):
            x = MARGIN + Inches(sum(SUMMARY_WIDTHS[:c]) + 0.05)
            _picture(slide, pictures[row[f"{kind}_icon"]], x, top + Inches(0.025), ICON, row[f"{kind}_label"])
        top += Inches(height)


CHART_WIDTH = Inches(8.3)
PANEL_LEFT = MARGIN + CHART_WIDTH + Inches(0.25)
PANEL_WIDTH = WIDE - PANEL_LEFT - MARGIN


def _commentary_paragraphs(commentary: dict[str, Any], month: str) -> list[Any]:
    """The commentary under the board's headings, its status (a carried-over draft says so) and owner."""
    if commentary["empty"]:
        return [(f"No commentary for {month} yet.", False, 11, MUTED)]
    paragraphs: list[Any] = [
        (
            f"Commentary, {month}: {commentary['status']}",
            True,
            11,
            DARK_RED if commentary["carried_over"] else MUTED,
        ),
        (f"Owner: {commentary['owner'] or 'not named'}", False, 11, MUTED),
    ]
    for heading, text in commentary["sections"]:
        paragraphs += [(heading, True, 12, DARK_BLUE), (text, False, 11, INK)]
    return paragraphs


def _commentary_length(commentary: dict[str, Any]) -> int:
    return sum(len(text) + 60 for _, text in commentary["sections"])


def kpi_slides(prs: Any, block: dict[str, Any], context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """One KPI: facts, the SPC chart (alt text: the reading), the icons, the reading and annotations
    under the chart, and the commentary beside it (on a slide of its own when it is long)."""
    slide = _slide(prs, block["name"])
    facts = f"Latest: {block['latest']} ({block['month']}) · Target: {block['target'] or 'none set'}"
    facts += f" · {block['direction']}" if block["direction"] else ""
    _text_box(slide, MARGIN, Inches(0.95), WIDE - 2 * MARGIN, Inches(0.35), [facts], size=12, color=MUTED)
    top = Inches(1.4)
    if block["code"] in pictures:
        chart = _picture(slide, pictures[block["code"]], MARGIN, top, CHART_WIDTH, block["alt"])
        under: list[Any] = [(block["reading"], True, 11)]
        under += [(f"{a['number']}. {a['month']}: {a['text']}", False, 10) for a in block["annotations"]]
        under += [(note, False, 9, MUTED) for note in block["notes"]]
        _text_box(slide, MARGIN, chart.top + chart.height + Inches(0.1), CHART_WIDTH, Inches(1.6), under)
    else:
        _text_box(slide, MARGIN, top, CHART_WIDTH, Inches(1), [(block["message"], False, 14, MUTED)])
    y: int = top
    for kind in ("variation", "assurance"):
        if block["code"] not in pictures:
            break
        _picture(slide, pictures[block[f"{kind}_icon"]], PANEL_LEFT, y, Inches(0.5), block[f"{kind}_label"])
        _text_box(
            slide,
            PANEL_LEFT + Inches(0.6),
            y,
            PANEL_WIDTH - Inches(0.6),
            Inches(0.5),
            [block[f"{kind}_label"]],
            size=12,
        )
        lines = _lines(block[f"{kind}_label"], (PANEL_WIDTH - Inches(0.6)) / Inches(1), 12)
        y += Inches(max(0.6, lines * 0.22 + 0.12))
    commentary = block["commentary"]
    month = context["period_end_label"]
    if _commentary_length(commentary) <= LONG_COMMENTARY:
        _text_box(
            slide,
            PANEL_LEFT,
            y + Inches(0.1),
            PANEL_WIDTH,
            HIGH - y - Inches(0.6),
            _commentary_paragraphs(commentary, month),
        )
        return
    _text_box(
        slide,
        PANEL_LEFT,
        y + Inches(0.1),
        PANEL_WIDTH,
        Inches(0.5),
        [(f"Commentary for {month}: on the next slide.", True, 12)],
    )
    more = _slide(prs, f"{block['name']}: commentary")
    _text_box(
        more,
        MARGIN,
        BODY_TOP,
        WIDE - 2 * MARGIN,
        FOOTER_TOP - BODY_TOP,
        _commentary_paragraphs(commentary, month),
    )


PLAN_WIDTHS = [3.0, 2.6, 1.35, 1.75, 1.45, 1.1, 1.28]  # inches: the plan's scenario comparison
PLAN_ROWS = 16  # rows of it a slide holds above the footer at 11 pt, with names that wrap once


def plan_slides(prs: Any, context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """The workforce plan: one slide per profession with the widest gap (its fan chart, alt text its
    sentences, and the sentences beside it), then the scenarios compared at the horizon as a table."""
    plan = context["plan"]
    if plan["message"]:
        slide = _slide(prs, "Workforce plan")
        _text_box(
            slide, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, Inches(1), [(plan["message"], False, 14, MUTED)]
        )
        return
    for block in plan["professions"]:
        slide = _slide(prs, f"Workforce plan: {block['name']}, {plan['start']} to {plan['end']}")
        if block["key"] in pictures:
            _picture(slide, pictures[block["key"]], MARGIN, Inches(1.4), CHART_WIDTH, block["alt"])
        lines = [(sentence, index == 0, 12) for index, sentence in enumerate(block["sentences"])]
        _text_box(slide, PANEL_LEFT, Inches(1.4), PANEL_WIDTH, FOOTER_TOP - Inches(1.5), lines)
    header = [
        "Profession",
        "Scenario",
        "Supply (FTE)",
        "90% of runs",
        "Establishment",
        "Gap (FTE)",
        "Gap (%)",
    ]
    rows = [
        [r["profession"], r["scenario"], r["supply"], r["range"], r["establishment"], r["gap"], r["gap_pct"]]
        for r in plan["comparison"]
    ]
    for first in range(0, max(len(rows), 1), PLAN_ROWS):  # a long list of scenarios goes on over slides
        title = f"Workforce plan: the scenarios compared at {plan['end']}"
        slide = _slide(prs, title if first == 0 else f"{title} (continued)")
        _table(slide, [header, *rows[first : first + PLAN_ROWS]], PLAN_WIDTHS, size=11)


MILESTONE_WIDTHS = [3.9, 1.7, 1.05, 1.05, 1.05, 0.9, 0.7, 2.18]


def milestone_slides(prs: Any, context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """The milestone timeline as a picture, then the milestones as a table."""
    slide = _slide(prs, "Programme milestones: baseline against forecast")
    alt = "Programme milestones: baseline against forecast"
    chart = _picture(slide, pictures["milestones"], MARGIN, BODY_TOP, WIDE - 2 * MARGIN, alt)
    if chart.height > FOOTER_TOP - BODY_TOP:  # a tall timeline: fit it by height instead
        ratio = (FOOTER_TOP - BODY_TOP) / chart.height
        chart.width, chart.height = Emu(int(chart.width * ratio)), Emu(int(chart.height * ratio))
    slide = _slide(prs, "Programme milestones")
    header = ["Milestone", "Owner", "Baseline", "Forecast", "Completed", "Status", "RAG", "Notes"]
    rows = [header] + [
        [
            f"{m['code']} {m['title']}",
            m["owner"],
            m["baseline"],
            m["forecast"],
            m["completed"],
            m["status"],
            m["rag"],
            _short(m["notes"], 160),
        ]
        for m in context["milestones"]
    ]
    _table(slide, rows, MILESTONE_WIDTHS, size=10)


def build_deck(pack: Pack, context: dict[str, Any], progress: Drawn) -> bytes:
    """The deck as .pptx bytes: pictures first (the slow part), then the slides, then the footers."""
    pictures = draw_images(pack, context, progress)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    title_slide(prs, context)
    exception_slides(prs, context)
    summary_slide(prs, context, pictures)
    for workstream in context["workstreams"]:
        for block in workstream["kpis"]:
            kpi_slides(prs, block, context, pictures)
    plan_slides(prs, context, pictures)
    milestone_slides(prs, context, pictures)
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, 1):
        _footer(slide, context, number, total)
    prs.core_properties.title = f"Board pack: {context['scope'].short}, {context['period_end_label']}"
    prs.core_properties.author = context["programme"]
    made = pack.generated_at.astimezone(dt.UTC).replace(tzinfo=None)
    prs.core_properties.created = prs.core_properties.modified = made
    prs.core_properties.last_modified_by = context["programme"]
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


__all__ = ["build_deck", "draw_images"]
