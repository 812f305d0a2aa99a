"""The board pack as a PowerPoint deck (python-pptx), from the same pack and the same page context as
the HTML and PDF (`render.pack_context`): nothing is read twice.

Slides, in order: a title slide (with the synthetic-data notice where it applies); the exceptions (KPIs
with a concern or a target failed or at risk, with their commentary; milestones at risk); the Making
Data Count summary as a real table with the icons as pictures; one slide per KPI with its SPC chart as
a PNG, its icons, reading, annotations and commentary; the milestone timeline and table. Every picture
carries alt text (`descr`), every slide a title and a footer (saying SYNTHETIC DEMO DATA where it
applies). Charts are the pack's pictures (kpi.exports.board_pack.pictures: drawn once, shared with the PDF,
as PNG here) and icons their SVGs drawn as PNG, in the warm Chromium of kpi.exports.images; user text goes in
as plain text runs, so nothing in it is markup, through `kpi.words.text.xml_safe`, so no character in it can
stop the deck.

Text is fitted to its box, never left to run over the footer or off the slide: it keeps its size while
it fits (an estimate of its wrapped lines in Arial, over- rather than under-estimated), shrinks to 90%
then 80%, and what still does not fit goes on to slides of its own ("… (continued)"), split at a line,
never after a heading. Tables are paged by their rows' estimated heights, the header on each slide.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kpi.exports import images
from kpi.exports.board_pack.collect import Pack
from kpi.exports.board_pack.pictures import pack_pictures
from kpi.words.text import xml_safe

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.4)
BODY_TOP = Inches(1.15)
FOOTER_TOP = Inches(7.05)
BODY_BOTTOM = FOOTER_TOP - Inches(0.05)  # nothing of a slide's body comes lower than this
ICON_PX = 64
SHORT = 240  # characters of commentary in the exceptions table; the KPI's own slide has it all
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


def draw_images(pack: Pack, context: dict[str, Any], progress: Drawn) -> dict[str, bytes]:
    """Every chart (by key) and every icon used (by data URI) as PNG bytes: the charts are the pack's
    pictures (kpi.exports.board_pack.pictures, drawn once and shared with the PDF), the icons their SVGs put
    on a canvas, ICON_PX at twice the size. Raises ImageExportUnavailable without a browser,
    ImageExportError when it fails."""
    charts = {key: picture.png for key, picture in pack_pictures(pack, progress).items()}
    uris = sorted({row[f"{kind}_icon"] for row in context["summary"] for kind in ("variation", "assurance")})
    with images.browser_kept():
        icons = images.rasterize([(uri, ICON_PX * 2, ICON_PX * 2) for uri in uris])
    return {**charts, **dict(zip(uris, icons, strict=True))}


# --- text and shapes --------------------------------------------------------------------------------------

FONT = "Arial"  # Liberation Sans where Arial is missing: the same widths, so the fitting below holds
SCALES = (1.0, 0.9, 0.8)  # text shrinks to at most 80% of its size before it goes on to another slide
EM = {False: 0.55, True: 0.6}  # average width of an Arial character in ems, over- rather than under-estimated
LINE_HEIGHT = 1.2  # a line of text, in ems (single spacing)
SPACE_AFTER = 0.3  # after each paragraph, in ems
INSET_X, INSET_Y = Inches(0.1), Inches(0.05)  # a text box's own margins (python-pptx's defaults)
CONTINUED = "Continued on the next slide."


@dataclass(frozen=True)
class Para:
    """One paragraph of a text box: its text (kept as given; `xml_safe` when written), weight, size in
    points and colour. A heading is kept with the paragraph after it when text moves to another slide."""

    text: str
    bold: bool = False
    size: float = 12
    color: RGBColor = INK
    heading: bool = False

    def at(self, scale: float) -> Para:
        return replace(self, size=self.size * scale)


def _per_line(width: int, size: float, bold: bool) -> int:
    """Characters of a line in a box `width` EMU wide (less its margins) at `size` points."""
    return max(1, int((width - 2 * INSET_X) / Pt(size * EM[bold])))


def _line_starts(text: str, per_line: int) -> list[int]:
    """Where each line of `text` starts when it wraps at `per_line` characters: at a space where there is
    one, inside a word longer than a line where there is not; a line break starts a line."""
    starts: list[int] = []
    offset = 0
    for part in text.split("\n"):
        position = 0
        starts.append(offset)
        while len(part) - position > per_line:
            cut = part.rfind(" ", position + 1, position + per_line + 1)
            position = cut + 1 if cut > position else position + per_line
            starts.append(offset + position)
        offset += len(part) + 1
    return starts


def _para_height(para: Para, width: int) -> int:
    """The EMU height `para` takes in a box `width` wide: its wrapped lines and the space after."""
    lines = len(_line_starts(para.text, _per_line(width, para.size, para.bold)))
    return int(Pt(para.size * (lines * LINE_HEIGHT + SPACE_AFTER)))


def _height(paras: list[Para], width: int) -> int:
    return sum(_para_height(para, width) for para in paras)


def _fit(paras: list[Para], width: int, height: int) -> tuple[list[Para], list[Para]]:
    """What goes in a box `width` x `height` EMU: all of `paras` at the largest of SCALES at which they
    fit; else, at the smallest, as many whole lines as fit (then a line saying the text continues), and the
    rest, at full size, for the next slide. A heading is never left last in a box."""
    room = height - 2 * INSET_Y
    for scale in SCALES:
        scaled = [para.at(scale) for para in paras]
        if _height(scaled, width) <= room:
            return scaled, []
    scale = SCALES[-1]
    note = Para(CONTINUED, False, 10 * scale, MUTED)
    room -= _para_height(note, width)
    count = 0  # whole paragraphs taken
    for para in paras:
        need = _para_height(para.at(scale), width)
        if need > room:
            break
        room -= need
        count += 1
    taken = [para.at(scale) for para in paras[:count]]
    rest = paras[count:]
    small = rest[0].at(scale)
    lines = (room - int(Pt(small.size * SPACE_AFTER))) // int(Pt(small.size * LINE_HEIGHT))
    starts = _line_starts(small.text, _per_line(width, small.size, small.bold))
    if not small.heading and 0 < lines < len(starts):  # the lines that fit here, the rest on
        cut = starts[lines]
        taken.append(replace(small, text=small.text[:cut].rstrip()))
        rest = [replace(rest[0], text=rest[0].text[cut:].lstrip()), *rest[1:]]
    else:
        while taken and taken[-1].heading:  # a heading goes on with its text
            taken.pop()
            rest.insert(0, paras[len(taken)])
    if not taken:  # not even one line fits (a box too small): the first paragraph goes in whole
        return [small, note], rest[1:]
    return [*taken, note], rest


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
    """A text box of paragraphs, each a Para, text or (text, bold[, size[, colour]]); its text goes
    through `xml_safe`, so no character a person typed can stop the deck."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for index, paragraph in enumerate(paragraphs):
        para = paragraph if isinstance(paragraph, Para) else _style(paragraph, size, color)
        written = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = written.add_run()
        run.text = xml_safe(para.text)
        run.font.name, run.font.size, run.font.bold = FONT, Pt(para.size), para.bold
        run.font.color.rgb = para.color
        written.space_after = Pt(para.size * SPACE_AFTER)
    return frame


def _style(paragraph: Any, size: float, color: RGBColor) -> Para:
    """A paragraph given as text or a shorter tuple (text, bold, size, colour); the rest default."""
    given: tuple[Any, ...] = (paragraph,) if isinstance(paragraph, str) else tuple(paragraph)
    full: tuple[Any, ...] = given + (None, False, size, color)[len(given) :]
    return Para(str(full[0]), bool(full[1]), float(full[2]), full[3])


def _flow(
    prs: Any,
    slide: Any,
    box: tuple[int, int, int, int],
    paras: list[Any],
    title: str,
) -> None:
    """`paras` in the box (left, top, width, height) of `slide`, shrunk to fit; what still does not fit
    goes on as many slides titled "`title` (continued)" as it needs, across the slide's body."""
    paras = [p if isinstance(p, Para) else _style(p, 12, INK) for p in paras]
    left, top, width, height = box
    while True:
        fitted, paras = _fit(paras, width, height)
        _text_box(slide, left, top, width, height, fitted)
        if not paras:
            return
        slide = _slide(prs, f"{title} (continued)")
        left, top, width, height = MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_BOTTOM - BODY_TOP


def _picture(slide: Any, data: bytes, left: int, top: int, width: int, alt: str) -> Any:
    """A PNG with its alt text (the picture's cNvPr descr)."""
    picture = slide.shapes.add_picture(io.BytesIO(data), left, top, width=width)
    picture._element.nvPicPr.cNvPr.set("descr", xml_safe(alt))
    return picture


TITLE_SIZES = (26, 22, 18)  # points: the largest at which the title stays on its one line


def _slide(prs: Any, title: str) -> Any:
    """A slide with its title in the title placeholder, across the top, on one line."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(0.75)
    shape.text_frame.text = xml_safe(title)
    size = next(
        (s for s in TITLE_SIZES if len(_line_starts(title, _per_line(shape.width, s, True))) == 1), 18
    )
    para = shape.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    font = para.runs[0].font
    font.name, font.size, font.bold, font.color.rgb = FONT, Pt(size), True, DARK_BLUE
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


def _short(text: str, limit: int = SHORT, where: str = "on its slide") -> str:
    """`text`, or its first words up to `limit` characters saying where the rest is."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + f"… (in full {where})"


# --- the slides -------------------------------------------------------------------------------------------


def title_slide(prs: Any, context: dict[str, Any]) -> None:
    """The programme, the scope and month, what the data are as at, and the synthetic notice."""
    slide = _slide(prs, f"Board pack: {context['scope'].short}, {context['period_end_label']}")
    band = slide.shapes.add_shape(1, 0, Inches(1.15), WIDE, Inches(0.9))  # 1: a rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = NHS_BLUE
    band.line.fill.background()
    band.text_frame.text = xml_safe(f"NHS Cheshire and Merseyside · {context['programme']}")
    band.text_frame.paragraphs[0].runs[0].font.size = Pt(20)
    band.text_frame.paragraphs[0].runs[0].font.color.rgb = WHITE
    facts = [
        ("Scope", context["scope"].name),
        ("Period", f"{context['period_label']} ({context['months']} months)"),
        ("Data as at", context["data_as_at"]),
        ("Generated at", context["generated_label"]),
        ("Commentary", context["review_line"]),
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
            run.text = xml_safe(text)
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), True, DARK_RED


EXCEPTION_WIDTHS = [2.6, 2.0, 3.1, 2.6, 2.23]  # inches: KPI, why, what the chart tells us, actions, owner
EXCEPTIONS_PER_SLIDE = 5


def exception_slides(prs: Any, context: dict[str, Any]) -> None:
    """The KPIs with a concern or a target failed or at risk, up to five to a slide (fewer where their
    text is long), with what the chart tells us, the actions and the owner; then the milestones at risk."""
    rows = context["exceptions"]
    header = ["KPI", "Why it is here", "What the chart tells us", "Actions", "Owner and status"]
    table = []
    for e in rows:
        c, texts = e["commentary"], dict(e["commentary"]["sections"])
        table.append(
            [
                f"{e['name']}\n{e['latest']} ({e['month']}); target {e['target'] or 'none set'}",
                e["reasons"],
                _short(texts.get("What the chart tells us", ""))
                or (_short(f"{c['draft_label']}: {c['draft']}") if c["draft"] else "")
                or f"No commentary for {context['period_end_label']} yet.",
                _short(texts.get("Actions", "")),
                "\n".join(
                    part for part in (c["owner"] or "Owner not named", c["status"], c["review"]) if part
                )
                if not c["empty"]
                else "",
            ]
        )
    if not table:
        slide = _slide(prs, "Exceptions: KPIs")
        _text_box(
            slide,
            MARGIN,
            BODY_TOP,
            Inches(10),
            Inches(1),
            [
                "No KPI shows a concern, is failing or at risk of failing its target, has a stale or "
                "provisional month, or has commentary waiting for review."
            ],
            size=16,
        )
    else:
        _paged_table(prs, "Exceptions: KPIs", header, table, EXCEPTION_WIDTHS, 11, EXCEPTIONS_PER_SLIDE)
    at_risk = context["milestones_at_risk"]
    if not at_risk:
        slide = _slide(prs, "Exceptions: milestones at risk")
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
    rows = [[f"{m['code']} {m['title']}", m["reasons"], m["status"], m["owner"]] for m in at_risk]
    _paged_table(prs, "Exceptions: milestones at risk", ["Milestone", "Why it is here", "Status", "Owner"],
                 rows, [4.6, 4.4, 1.5, 2.03], 12)  # fmt: skip


CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.1), Inches(0.03)


def _table(
    slide: Any, rows: list[list[str]], widths: list[float], size: float = 10, top: int = BODY_TOP
) -> Any:
    """A real PowerPoint table: a header row and text cells (plain text, never markup, through
    `xml_safe`)."""
    shape = slide.shapes.add_table(len(rows), len(widths), MARGIN, top, Inches(sum(widths)), Inches(0.3))
    table = shape.table
    for index, width in enumerate(widths):
        table.columns[index].width = Inches(width)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = xml_safe(text)
            cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.name, run.font.size = FONT, Pt(size)
    return table


def _cell_height(text: str, width_in: float, size: float, bold: bool = False) -> int:
    """The EMU height of a table cell holding `text` in a column `width_in` inches wide."""
    lines = len(_line_starts(text, _per_line(Inches(width_in), size, bold)))
    return int(Pt(size * lines * LINE_HEIGHT)) + 2 * CELL_MARGIN_Y


def _paged_table(
    prs: Any, title: str, header: list[str], rows: list[list[str]], widths: list[float], size: float,
    most: int | None = None,
) -> None:  # fmt: skip
    """The rows as tables under `title`, over as many slides as they need (the later ones titled "(2 of
    3)"), each holding the rows whose estimated heights fit above the footer (at most `most`), with the
    header row repeated. A row taller than a whole slide has its longest cells cut to fit."""
    room = BODY_BOTTOM - BODY_TOP

    def height(row: list[str], bold: bool = False) -> int:
        return max(_cell_height(text, width, size, bold) for text, width in zip(row, widths, strict=True))

    head = height(header, True)
    pages: list[list[list[str]]] = [[]]
    used = head
    for row in rows:
        row = _cut_to_fit(row, widths, size, room - head)
        need = height(row)
        if pages[-1] and (used + need > room or (most and len(pages[-1]) >= most)):
            pages.append([])
            used = head
        pages[-1].append(row)
        used += need
    for number, page in enumerate(pages, 1):
        part = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
        _table(_slide(prs, f"{title}{part}"), [header, *page], widths, size=size)


def _cut_to_fit(row: list[str], widths: list[float], size: float, room: int) -> list[str]:
    """A row whose cells fit in `room` EMU of height: each cell cut, at a word, to the lines that fit."""
    lines = max(1, (room - 2 * CELL_MARGIN_Y) // int(Pt(size * LINE_HEIGHT)))
    cut = []
    for text, width in zip(row, widths, strict=True):
        starts = _line_starts(text, _per_line(Inches(width), size, False))
        cut.append(text if len(starts) <= lines else text[: starts[lines - 1]].rstrip() + " …")
    return cut


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


GRID_KPI_WIDTH = 2.6  # inches: the KPI column of the grid's slides; the organisations share the rest


def grid_slides(prs: Any, context: dict[str, Any]) -> None:
    """The board's grid as real tables: each part's organisations (six to a slide) for every KPI, needing
    attention first, each cell the figure, the icons in words and its marks."""
    room = (WIDE - 2 * MARGIN) / Inches(1) - GRID_KPI_WIDTH
    for part in context["grid"]:
        widths = [GRID_KPI_WIDTH] + [room / len(part["columns"])] * len(part["columns"])
        rows = [[row["name"], *(_grid_cell(cell) for cell in row["cells"])] for row in part["rows"]]
        _paged_table(prs, part["title"], ["KPI", *part["columns"]], rows, widths, 8)


def _grid_cell(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "–"
    return "\n".join(part for part in (cell["value"], cell["words"], cell["marks"]) if part)


CHART_WIDTH = Inches(8.3)
PANEL_LEFT = MARGIN + CHART_WIDTH + Inches(0.25)
PANEL_WIDTH = WIDE - PANEL_LEFT - MARGIN


def _commentary_paragraphs(commentary: dict[str, Any], month: str) -> list[Para]:
    """The commentary under the board's headings, its status (a carried-over draft says so), owner and
    review; without the month's own, the draft made from the data, said to be one."""
    paragraphs = []
    if commentary["draft"]:
        paragraphs += [
            Para(f"What the chart tells us, {month}: {commentary['draft_label']}", True, 11, DARK_RED),
            Para(commentary["draft"], False, 11, INK),
        ]
    if commentary["empty"]:
        return paragraphs or [Para(f"No commentary for {month} yet.", False, 11, MUTED)]
    paragraphs += [
        Para(
            f"Commentary, {month}: {commentary['status']}",
            True,
            11,
            DARK_RED if commentary["carried_over"] else MUTED,
        ),
        Para(f"Owner: {commentary['owner'] or 'not named'}", False, 11, MUTED),
    ]
    if commentary["review"]:
        paragraphs.append(Para(commentary["review"], False, 11, MUTED))
    for heading, text in commentary["sections"]:
        paragraphs += [Para(heading, True, 12, DARK_BLUE, heading=True), Para(text, False, 11, INK)]
    return paragraphs


def kpi_slides(prs: Any, block: dict[str, Any], context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """One KPI: facts, the SPC chart (alt text: the reading), the icons, the reading and annotations
    under the chart, and the commentary beside it. Text that does not fit its box, even shrunk, goes on
    to slides of its own: the reading and notes first, then the commentary (all of it, when it does not
    fit beside the chart)."""
    slide = _slide(prs, block["name"])
    facts = f"Latest: {block['latest']} ({block['month']}) · Target: {block['target'] or 'none set'}"
    facts += f" · {block['direction']}" if block["direction"] else ""
    _text_box(slide, MARGIN, Inches(0.95), WIDE - 2 * MARGIN, Inches(0.35), [facts], size=12, color=MUTED)
    top = Inches(1.4)
    if block["code"] in pictures:
        chart = _picture(slide, pictures[block["code"]], MARGIN, top, CHART_WIDTH, block["alt"])
        under = [Para(block["reading"], True, 11)]
        under += [Para(f"{a['number']}. {a['month']}: {a['text']}", False, 10) for a in block["annotations"]]
        under += [Para(note, False, 9, MUTED) for note in block["notes"]]
        below = chart.top + chart.height + Inches(0.1)
        box = (MARGIN, below, CHART_WIDTH, BODY_BOTTOM - below)
        _flow(prs, slide, box, under, f"{block['name']}: reading and notes")
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
    month = context["period_end_label"]
    paragraphs = _commentary_paragraphs(block["commentary"], month)
    panel = (PANEL_LEFT, y + Inches(0.1), PANEL_WIDTH, BODY_BOTTOM - y - Inches(0.1))
    fitted, rest = _fit(paragraphs, panel[2], panel[3])
    if not rest:
        _text_box(slide, *panel, fitted)
        return
    _text_box(slide, *panel[:3], Inches(0.5), [(f"Commentary for {month}: on the next slide.", True, 12)])
    more = _slide(prs, f"{block['name']}: commentary")
    body = (MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_BOTTOM - BODY_TOP)
    _flow(prs, more, body, paragraphs, f"{block['name']}: commentary")


PLAN_WIDTHS = [3.0, 2.6, 1.35, 1.75, 1.45, 1.1, 1.28]  # inches: the plan's scenario comparison


def plan_slides(prs: Any, context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """The workforce plan: how the band was made and how it did in the backtest (over slides as it
    needs), the waterfall of the flows, one slide per profession with the widest gap (its fan chart, alt
    text its sentences, and the sentences beside it), then the scenarios compared at the horizon as a
    table."""
    plan = context["plan"]
    if plan["message"]:
        slide = _slide(prs, "Workforce plan")
        _text_box(
            slide, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, Inches(1), [(plan["message"], False, 14, MUTED)]
        )
        return
    heading = "Workforce plan: how the band was made and how it did against the past"
    body = (MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_BOTTOM - BODY_TOP)
    _flow(prs, _slide(prs, heading), body, [Para(line, False, 12) for line in plan["method"]], heading)
    flows = plan.get("flows")
    if flows:
        heading = f"Workforce plan: {flows['name']}"
        slide = _slide(prs, heading)
        if flows["key"] in pictures:
            _picture(slide, pictures[flows["key"]], MARGIN, Inches(1.4), CHART_WIDTH, flows["alt"])
        lines = [Para(sentence, False, 12) for sentence in flows["sentences"]]
        _flow(prs, slide, (PANEL_LEFT, Inches(1.4), PANEL_WIDTH, BODY_BOTTOM - Inches(1.4)), lines, heading)
    for block in plan["professions"]:
        title = f"Workforce plan: {block['name']}, {plan['start']} to {plan['end']}"
        slide = _slide(prs, title)
        if block["key"] in pictures:
            _picture(slide, pictures[block["key"]], MARGIN, Inches(1.4), CHART_WIDTH, block["alt"])
        lines = [Para(sentence, index == 0, 12) for index, sentence in enumerate(block["sentences"])]
        _flow(prs, slide, (PANEL_LEFT, Inches(1.4), PANEL_WIDTH, BODY_BOTTOM - Inches(1.4)), lines, title)
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
    _paged_table(
        prs, f"Workforce plan: the scenarios compared at {plan['end']}", header, rows, PLAN_WIDTHS, 11
    )


MILESTONE_WIDTHS = [3.9, 1.7, 1.05, 1.05, 1.05, 0.9, 0.7, 2.18]


def milestone_slides(prs: Any, context: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """The milestone timeline as a picture, then the milestones as a table (over slides as it needs)."""
    slide = _slide(prs, "Programme milestones: baseline against forecast")
    alt = "Programme milestones: baseline against forecast"
    chart = _picture(slide, pictures["milestones"], MARGIN, BODY_TOP, WIDE - 2 * MARGIN, alt)
    if chart.height > FOOTER_TOP - BODY_TOP:  # a tall timeline: fit it by height instead
        ratio = (FOOTER_TOP - BODY_TOP) / chart.height
        chart.width, chart.height = Emu(int(chart.width * ratio)), Emu(int(chart.height * ratio))
    header = ["Milestone", "Owner", "Baseline", "Forecast", "Completed", "Status", "RAG", "Notes"]
    rows = [
        [
            f"{m['code']} {m['title']}",
            m["owner"],
            m["baseline"],
            m["forecast"],
            m["completed"],
            m["status"],
            m["rag"],
            _short(m["notes"], 160, "in the PDF and HTML packs"),
        ]
        for m in context["milestones"]
    ]
    _paged_table(prs, "Programme milestones", header, rows, MILESTONE_WIDTHS, 10)


def build_deck(pack: Pack, context: dict[str, Any], progress: Drawn) -> bytes:
    """The deck as .pptx bytes: pictures first (the slow part), then the slides, then the footers."""
    pictures = draw_images(pack, context, progress)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    title_slide(prs, context)
    exception_slides(prs, context)
    grid_slides(prs, context)
    summary_slide(prs, context, pictures)
    for workstream in context["workstreams"]:
        for block in workstream["kpis"]:
            kpi_slides(prs, block, context, pictures)
    plan_slides(prs, context, pictures)
    milestone_slides(prs, context, pictures)
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, 1):
        _footer(slide, context, number, total)
    prs.core_properties.title = xml_safe(
        f"Board pack: {context['scope'].short}, {context['period_end_label']}"
    )
    prs.core_properties.author = xml_safe(context["programme"])
    made = pack.generated_at.astimezone(dt.UTC).replace(tzinfo=None)
    prs.core_properties.created = prs.core_properties.modified = made
    prs.core_properties.last_modified_by = xml_safe(context["programme"])
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


__all__ = ["build_deck", "draw_images"]
