"""How the deck fits text to a box (kpi.exports.board_pack.slides): full size while it fits, shrunk to 90%
then 80%, then split at a line (never losing a character, never leaving a heading last) with the rest for the
next slide; tables paged by their rows' heights. LibreOffice's rendering of a whole deck is checked in
tests/exports/test_pack_hostile_text.py."""

from __future__ import annotations

from pptx.util import Inches

from kpi.exports.board_pack import slides
from kpi.exports.board_pack.slides import CONTINUED, Para, _fit, _height, _line_starts

WIDTH, HEIGHT = Inches(4), Inches(2)


def _filler(characters: int) -> str:
    return " ".join(f"w{n:03d}" for n in range(characters // 5 + 1))[:characters]


def _size_needed(scale: float) -> int:
    """Characters of one paragraph at 11 pt that just fit the box at `scale`."""
    chars = 10
    while _height([Para(_filler(chars + 10), size=11 * scale)], WIDTH) <= HEIGHT - 2 * slides.INSET_Y:
        chars += 10
    return chars


def test_text_that_fits_keeps_its_size_and_just_more_shrinks():
    fits = _size_needed(1.0)
    kept, rest = _fit([Para(_filler(fits), size=11)], WIDTH, HEIGHT)
    assert rest == [] and kept[0].size == 11
    shrunk, rest = _fit([Para(_filler(fits + 40), size=11)], WIDTH, HEIGHT)
    assert rest == [] and shrunk[0].size == 11 * 0.9


def test_text_beyond_the_smallest_size_is_split_at_a_line_and_nothing_is_lost():
    body = _filler(_size_needed(0.8) + 200)
    taken, rest = _fit([Para("Heading", True, 12, heading=True), Para(body, size=11)], WIDTH, HEIGHT)
    assert taken[-1].text == CONTINUED and rest, "the box says the text goes on"
    first, second = taken[1].text, rest[0].text
    assert body.startswith(first) and body.endswith(second)
    assert f"{first} {second}" == body, "split at a space: every character kept"
    assert rest[0].size == 11, "the rest starts again at full size"


def test_a_heading_never_ends_a_box():
    block = _filler(_size_needed(0.8) - 30)
    paras = [Para(block, size=11), Para("Actions", True, 12, heading=True), Para(_filler(900), size=11)]
    taken, rest = _fit(paras, WIDTH, HEIGHT)
    assert not any(p.heading for p in taken[-2:]), [p.text[:10] for p in taken]
    assert rest[0].heading or taken[-2].text in paras[2].text


def test_lines_break_at_spaces_and_inside_words_longer_than_a_line():
    assert _line_starts("aaaa bbbb cccc", 8) == [0, 5, 10]
    assert _line_starts("aaaa bbbb cccc", 9) == [0, 10], "a space may end a full line"
    assert _line_starts("x" * 25, 10) == [0, 10, 20]
    assert _line_starts("one\ntwo", 10) == [0, 4], "a line break starts a line"


def test_tables_page_by_height_and_cut_a_row_taller_than_a_slide():
    from pptx import Presentation

    prs = Presentation()
    prs.slide_width, prs.slide_height = slides.WIDE, slides.HIGH
    rows = [[f"M{n}", _filler(160)] for n in range(40)] + [["huge", _filler(20_000)]]
    slides._paged_table(prs, "Milestones", ["Code", "Notes"], rows, [2.0, 4.0], 10)
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) > 2 and titles[0] == f"Milestones (1 of {len(titles)})"
    tables = [shape.table for s in prs.slides for shape in s.shapes if shape.has_table]
    assert sum(len(t.rows) - 1 for t in tables) == 41, "every row, once"
    assert all(t.cell(0, 1).text == "Notes" for t in tables), "the header on every slide"
    assert tables[-1].cell(len(tables[-1].rows) - 1, 1).text.endswith(" …"), "the huge row cut"
    few = [[f"M{n}", "short"] for n in range(3)]
    one = Presentation()
    slides._paged_table(one, "Milestones", ["Code", "Notes"], few, [2.0, 4.0], 10)
    assert [s.shapes.title.text for s in one.slides] == ["Milestones"]
