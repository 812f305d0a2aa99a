"""Tests for kpi.spc.icons: MDC variation and assurance icons as accessible SVG."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from kpi.spc import (
    ASSURANCE_CODES,
    ASSURANCE_LABELS,
    COLOUR_COMMON_CAUSE,
    COLOUR_CONCERN,
    COLOUR_IMPROVEMENT,
    COLOUR_NEITHER,
    VARIATION_CODES,
    VARIATION_LABELS,
    xmr,
)
from kpi.spc.icons import (
    ASSURANCE_LETTERS,
    VARIATION_LETTERS,
    assurance_icon_data_uri,
    assurance_icon_svg,
    icon_data_uri,
    variation_icon_data_uri,
    variation_icon_svg,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return root


def title_of(root: ET.Element) -> str:
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    return title.text or ""


def visible_text(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("code", [*VARIATION_CODES, None])
def test_variation_icon_is_valid_accessible_svg(code):
    root = parse(variation_icon_svg(code))
    assert root.get("role") == "img"
    assert root.get("aria-label") == VARIATION_LABELS[code]
    assert title_of(root) == VARIATION_LABELS[code]
    assert next(iter(root)).tag == f"{SVG_NS}title"  # title first, so it is the accessible name
    assert visible_text(root) == [VARIATION_LETTERS[code]]
    assert root.get("width") == "40" and root.get("height") == "40"


@pytest.mark.parametrize("code", [*ASSURANCE_CODES, None])
def test_assurance_icon_is_valid_accessible_svg(code):
    root = parse(assurance_icon_svg(code))
    assert root.get("role") == "img"
    assert title_of(root) == ASSURANCE_LABELS[code]
    assert visible_text(root) == [ASSURANCE_LETTERS[code]]


def test_visible_letters():
    codes = ("common_cause", "improvement_high", "concern_low", "neither_high")
    assert [VARIATION_LETTERS[c] for c in codes] == ["~", "H", "L", "H"]
    assert [ASSURANCE_LETTERS[c] for c in ("pass", "fail", "hit_or_miss")] == ["P", "F", "?"]


@pytest.mark.parametrize(
    ("code", "colour"),
    [
        ("common_cause", COLOUR_COMMON_CAUSE),
        ("improvement_high", COLOUR_IMPROVEMENT),
        ("improvement_low", COLOUR_IMPROVEMENT),
        ("concern_high", COLOUR_CONCERN),
        ("concern_low", COLOUR_CONCERN),
        ("neither_high", COLOUR_NEITHER),
        ("neither_low", COLOUR_NEITHER),
    ],
)
def test_variation_icon_colours(code, colour):
    assert colour in variation_icon_svg(code)


def test_assurance_icon_colours():
    assert COLOUR_IMPROVEMENT in assurance_icon_svg("pass")
    assert COLOUR_CONCERN in assurance_icon_svg("fail")
    assert COLOUR_COMMON_CAUSE in assurance_icon_svg("hit_or_miss")


def test_improvement_and_concern_differ_in_shape_not_only_colour():
    # improvement: solid disc; concern: white disc with a ring; neither: dashed ring
    def outer(code):
        return parse(variation_icon_svg(code)).find(f"{SVG_NS}circle")

    assert outer("improvement_high").get("fill") == COLOUR_IMPROVEMENT
    assert outer("concern_high").get("fill") == "#FFFFFF"
    assert outer("concern_high").get("stroke-dasharray") is None
    assert outer("neither_high").get("stroke-dasharray") is not None


def test_icons_are_all_different():
    svgs = [variation_icon_svg(c) for c in VARIATION_CODES] + [variation_icon_svg(None)]
    assert len(set(svgs)) == len(svgs)
    svgs = [assurance_icon_svg(c) for c in ASSURANCE_CODES] + [assurance_icon_svg(None)]
    assert len(set(svgs)) == len(svgs)


def test_size_parameter():
    root = parse(variation_icon_svg("concern_low", size=24))
    assert root.get("width") == "24" and root.get("height") == "24"
    assert root.get("viewBox") == "0 0 100 100"
    assert parse(assurance_icon_svg("pass", size=32.5)).get("width") == "32.5"


@pytest.mark.parametrize("bad", ["improvement", "HIGH", "", "pass"])
def test_unknown_variation_code_raises(bad):
    with pytest.raises(ValueError, match="unknown variation code"):
        variation_icon_svg(bad)


@pytest.mark.parametrize("bad", ["passed", "common_cause"])
def test_unknown_assurance_code_raises(bad):
    with pytest.raises(ValueError, match="unknown assurance code"):
        assurance_icon_svg(bad)


@pytest.mark.parametrize("size", [0, -5, "40", True])
def test_bad_size_raises(size):
    with pytest.raises(ValueError):
        variation_icon_svg("common_cause", size=size)


def test_icon_data_uri_round_trips():
    svg = variation_icon_svg("improvement_high")
    uri = icon_data_uri(svg)
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).decode("utf-8") == svg
    assert variation_icon_data_uri("improvement_high") == uri
    assert assurance_icon_data_uri("fail") == icon_data_uri(assurance_icon_svg("fail"))


def test_data_uri_of_non_ascii_svg():
    svg = variation_icon_svg(None)  # contains an en dash
    uri = icon_data_uri(svg)
    assert base64.b64decode(uri.split(",", 1)[1]).decode("utf-8") == svg


def test_icons_for_a_computed_result():
    r = xmr([float(v) for v in range(1, 17)], target=20)
    assert r.variation == "improvement_high" and r.assurance == "fail"
    assert title_of(parse(variation_icon_svg(r.variation))) == "Special cause improvement (high)"
    assert title_of(parse(assurance_icon_svg(r.assurance))) == "Consistently failing target"
    run = xmr([1.0, 2.0, 3.0])
    assert title_of(parse(variation_icon_svg(run.variation))).startswith("No variation icon")


def test_the_key_names_every_icon_with_its_letter_and_meaning():
    from kpi.spc.icons import icon_key

    rows = icon_key()
    assert [(r["kind"], r["letter"]) for r in rows] == [
        ("Variation", "~"), ("Variation", "H"), ("Variation", "L"), ("Variation", "H"), ("Variation", "L"),
        ("Variation", "H"), ("Variation", "L"), ("Assurance", "P"), ("Assurance", "F"), ("Assurance", "?"),
    ]  # fmt: skip
    assert rows[3]["name"] == "Special cause concern (high)"
    assert "lower is better" in rows[3]["meaning"]
    assert all(r["icon"].startswith("data:image/svg+xml;base64,") for r in rows)
