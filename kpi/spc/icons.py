"""Making Data Count summary icons as small, self-contained SVG strings.

Pure functions, no Streamlit or plotting imports. Every icon is a circle in the NHS England MDC
style, carries ``role="img"``, an ``aria-label`` and a ``<title>`` with the plain-English label (its
text alternative), and shows a visible letter so that meaning never depends on colour alone:

* variation: "H"/"L" for a high/low signal, "~" for common cause. Improvement icons are solid discs,
  concern icons are rings and "neither" icons are dashed rings, so they differ in shape as well as colour;
* assurance: "P" (consistently passing), "F" (consistently failing), "?" (hit and miss);
* ``None`` gives a neutral dashed placeholder with "–" (no icon).

``icon_data_uri`` turns an SVG into a base64 data URI for ``st.column_config.ImageColumn`` or ``<img>``.

Colours (kpi.spc.style): NHS England's MDC colours, the blue and grey darkened to 3:1 on white (WCAG
1.4.11), letters at least 4.5:1 against what is behind them (the orange letters a darker orange), and
the red target line edged in white on the solid blue disc.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape, quoteattr

from kpi.spc import (
    ASSURANCE_CODES,
    ASSURANCE_LABELS,
    COLOUR_COMMON_CAUSE,
    COLOUR_CONCERN,
    COLOUR_CONCERN_TEXT,
    COLOUR_IMPROVEMENT,
    COLOUR_NEITHER,
    COLOUR_TARGET,
    VARIATION_CODES,
    VARIATION_LABELS,
)

__all__ = [
    "ASSURANCE_LETTERS",
    "VARIATION_LETTERS",
    "assurance_icon_data_uri",
    "assurance_icon_svg",
    "icon_data_uri",
    "variation_icon_data_uri",
    "variation_icon_svg",
]

#: Visible text inside each variation icon.
VARIATION_LETTERS: dict[str | None, str] = {
    "common_cause": "~",
    "improvement_high": "H",
    "improvement_low": "L",
    "concern_high": "H",
    "concern_low": "L",
    "neither_high": "H",
    "neither_low": "L",
    None: "–",
}

#: Visible text inside each assurance icon.
ASSURANCE_LETTERS: dict[str | None, str] = {"pass": "P", "fail": "F", "hit_or_miss": "?", None: "–"}

_INK = "#212B32"  # NHS text colour: letters on the solid improvement disc (4.78:1) and on white (14.4:1)
_GREY_INK = "#425563"  # NHS dark grey: letters on white where the MDC grey is too light for text
_WHITE = "#FFFFFF"
_PLACEHOLDER = "#768692"  # NHS mid grey

# Seven dots of a small run chart, x positions in a 100 x 100 view box.
_DOT_X = (23, 32, 41, 50, 59, 68, 77)


def _check_size(size: int | float) -> float:
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not size > 0:
        raise ValueError(f"size must be a positive number of pixels, not {size!r}")
    return float(size)


def _svg(size: float, label: str, body: str) -> str:
    dim = f"{size:g}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{dim}" height="{dim}" viewBox="0 0 100 100" '
        f'role="img" aria-label={quoteattr(label)} focusable="false">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _text(letter: str, y: float, colour: str, font_size: int = 34) -> str:
    return (
        f'<text x="50" y="{y:g}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="{font_size}" font-weight="bold" fill="{colour}">{escape(letter)}</text>'
    )


def _dots(ys: tuple[float, ...], colours: tuple[str, ...], line_colour: str) -> str:
    points = " ".join(f"{x},{y:g}" for x, y in zip(_DOT_X, ys, strict=True))
    out = [f'<polyline points="{points}" fill="none" stroke="{line_colour}" stroke-width="2"/>']
    for x, y, colour in zip(_DOT_X, ys, colours, strict=True):
        out.append(f'<circle cx="{x}" cy="{y:g}" r="4.5" fill="{colour}"/>')
    return "".join(out)


def _disc(fill: str, stroke: str, *, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="9 5"' if dashed else ""
    return f'<circle cx="50" cy="50" r="45" fill="{fill}" stroke="{stroke}" stroke-width="6"{dash}/>'


def variation_icon_svg(code: str | None, size: int | float = 40) -> str:
    """SVG of the MDC variation icon for a variation code (see ``kpi.spc.VARIATION_CODES``).

    ``None`` gives a neutral "no icon" placeholder. Raises ValueError for an unknown code.
    """
    px = _check_size(size)
    if code is not None and code not in VARIATION_CODES:
        raise ValueError(f"unknown variation code {code!r}; expected one of {', '.join(VARIATION_CODES)}")
    label = VARIATION_LABELS[code]
    letter = VARIATION_LETTERS[code]
    if code is None:
        body = _disc(_WHITE, _PLACEHOLDER, dashed=True) + _text(letter, 62, _GREY_INK)
        return _svg(px, label, body)
    if code == "common_cause":
        grey = (COLOUR_COMMON_CAUSE,) * 7
        body = (
            _disc(_WHITE, COLOUR_COMMON_CAUSE)
            + _dots((44, 36, 46, 38, 45, 37, 43), grey, COLOUR_COMMON_CAUSE)
            + _text(letter, 82, _GREY_INK, 30)
        )
        return _svg(px, label, body)

    kind, side = code.rsplit("_", 1)
    high = side == "high"
    # Dots: four ordinary points, then three special points moving away (up for high, down for low).
    ys = (44, 38, 44, 38, 32, 28, 25) if high else (56, 62, 56, 62, 68, 72, 75)
    letter_y = 82 if high else 42
    if kind == "improvement":
        colour = COLOUR_IMPROVEMENT
        body = (
            _disc(colour, colour)
            + _dots(ys, (_WHITE,) * 4 + (_INK,) * 3, _WHITE)
            + _text(letter, letter_y, _INK)
        )
    else:
        colour = COLOUR_CONCERN if kind == "concern" else COLOUR_NEITHER
        ink = COLOUR_CONCERN_TEXT if kind == "concern" else COLOUR_NEITHER  # letters need 4.5:1
        body = (
            _disc(_WHITE, colour, dashed=kind == "neither")
            + _dots(ys, (COLOUR_COMMON_CAUSE,) * 4 + (colour,) * 3, COLOUR_COMMON_CAUSE)
            + _text(letter, letter_y, ink)
        )
    return _svg(px, label, body)


def assurance_icon_svg(code: str | None, size: int | float = 40) -> str:
    """SVG of the MDC assurance icon for "pass", "fail", "hit_or_miss"; ``None`` gives a placeholder.

    Raises ValueError for an unknown code.
    """
    px = _check_size(size)
    if code is not None and code not in ASSURANCE_CODES:
        raise ValueError(f"unknown assurance code {code!r}; expected one of {', '.join(ASSURANCE_CODES)}")
    label = ASSURANCE_LABELS[code]
    letter = ASSURANCE_LETTERS[code]
    if code is None:
        body = _disc(_WHITE, _PLACEHOLDER, dashed=True) + _text(letter, 62, _GREY_INK)
        return _svg(px, label, body)
    target_line = f'<line x1="22" y1="72" x2="78" y2="72" stroke="{COLOUR_TARGET}" stroke-width="4"/>'
    if code == "pass":
        # On the solid blue disc the red line would be 1.6:1: a white edge keeps it 4.9:1 (WCAG 1.4.11).
        edge = f'<line x1="22" y1="72" x2="78" y2="72" stroke="{_WHITE}" stroke-width="9"/>'
        body = (
            _disc(COLOUR_IMPROVEMENT, COLOUR_IMPROVEMENT) + _text(letter, 60, _INK, 44) + edge + target_line
        )
    elif code == "fail":
        body = _disc(_WHITE, COLOUR_CONCERN) + _text(letter, 60, COLOUR_CONCERN_TEXT, 44) + target_line
    else:
        body = _disc(_WHITE, COLOUR_COMMON_CAUSE) + _text(letter, 60, _GREY_INK, 44) + target_line
    return _svg(px, label, body)


def icon_data_uri(svg: str) -> str:
    """Base64 ``data:image/svg+xml`` URI of an SVG string (for ImageColumn or an HTML ``<img>``)."""
    if not isinstance(svg, str):
        raise ValueError("svg must be a string")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def variation_icon_data_uri(code: str | None, size: int | float = 40) -> str:
    """Shortcut: data URI of :func:`variation_icon_svg`."""
    return icon_data_uri(variation_icon_svg(code, size))


def assurance_icon_data_uri(code: str | None, size: int | float = 40) -> str:
    """Shortcut: data URI of :func:`assurance_icon_svg`."""
    return icon_data_uri(assurance_icon_svg(code, size))


#: What each icon means, in the order a board reads them (for the "How to read these charts" key).
_VARIATION_MEANINGS = {
    "common_cause": "The latest month is within ordinary, common cause variation: no signal.",
    "improvement_high": "A special cause signal of improvement: unusually high, and higher is better.",
    "improvement_low": "A special cause signal of improvement: unusually low, and lower is better.",
    "concern_high": "A special cause signal of concern: unusually high, and lower is better.",
    "concern_low": "A special cause signal of concern: unusually low, and higher is better.",
    "neither_high": "Unusually high, for a KPI where neither direction is better.",
    "neither_low": "Unusually low, for a KPI where neither direction is better.",
}
_ASSURANCE_MEANINGS = {
    "pass": "The target lies outside the process limits on the good side: it will be met every month.",
    "fail": "The target lies outside the process limits on the bad side: it will be missed every month "
    "unless the process changes.",
    "hit_or_miss": "The target lies between the process limits: some months will meet it, some will not.",
}
#: The marks on an SPC chart, in words (points differ by shape as well as colour).
CHART_MARKS = (
    ("Grey circles", "Common cause points: ordinary month-to-month variation."),
    ("Blue diamonds", "Special cause improvement: a point beyond a limit, a run of 7 on one side of the "
     "mean, a trend of 7 rising or falling, or 2 of 3 near a limit, in the better direction."),
    ("Orange squares", "Special cause concern: the same rules, in the worse direction."),
    ("Purple triangles", "Special cause where neither direction is better."),
    ("Solid black line", "The mean."),
    ("Dashed grey lines", "The process limits (mean ± 2.66 × the average moving range): where nearly all "
     "months fall while nothing changes."),
    ("Red line", "The target."),
    ("Run chart, no icons", "Fewer than 15 months, or a 12-month rolling or year-to-date figure: shown "
     "without the rules, and the chart says why."),
)  # fmt: skip


def icon_key(size: int = 32) -> list[dict[str, str]]:
    """Every variation and assurance icon with its letter, name and meaning: the key a board reads once."""
    rows = [
        {
            "icon": variation_icon_data_uri(code, size),
            "kind": "Variation",
            "letter": VARIATION_LETTERS[code],
            "name": VARIATION_LABELS[code],
            "meaning": meaning,
        }
        for code, meaning in _VARIATION_MEANINGS.items()
    ]
    rows += [
        {
            "icon": assurance_icon_data_uri(code, size),
            "kind": "Assurance",
            "letter": ASSURANCE_LETTERS[code],
            "name": ASSURANCE_LABELS[code],
            "meaning": meaning,
        }
        for code, meaning in _ASSURANCE_MEANINGS.items()
    ]
    return rows
