"""Making Data Count colours (domain README section 7): points, variation and assurance icons.

NHS England's own MDC colours, except where a colour that carries meaning falls below 3:1 against the
white the charts are drawn on (WCAG 2.2, 1.4.11 non-text contrast): those are darkened, keeping their
hue, only as far as 3:1 needs (tests/charts/test_chart_colours.py checks every one).
"""

from __future__ import annotations

# Making Data Count colours (domain README section 7).
COLOUR_COMMON_CAUSE = "#949494"  # grey: MDC #A6A6A6 (2.43:1) darkened to 3.03:1
COLOUR_IMPROVEMENT = "#009FD9"  # blue: MDC #00B0F0 (2.48:1) darkened to 3.02:1
COLOUR_CONCERN = "#E46C0A"  # orange, 3.26:1 as it is
COLOUR_NEITHER = "#490092"  # purple, 12.36:1
COLOUR_TARGET = "#DE1B1B"  # red, 4.91:1
COLOUR_MEAN = "#000000"  # black
# A letter drawn in the concern colour is text, which needs 4.5:1: the same orange, darker (4.51:1).
COLOUR_CONCERN_TEXT = "#BE5A08"

POINT_TYPE_COLOURS: dict[str, str] = {
    "common_cause": COLOUR_COMMON_CAUSE,
    "improvement": COLOUR_IMPROVEMENT,
    "concern": COLOUR_CONCERN,
    "neither": COLOUR_NEITHER,
    "ghost": COLOUR_COMMON_CAUSE,  # drawn hollow: left out of the limits and the rules
}

VARIATION_COLOURS: dict[str, str] = {
    "common_cause": COLOUR_COMMON_CAUSE,
    "improvement_high": COLOUR_IMPROVEMENT,
    "improvement_low": COLOUR_IMPROVEMENT,
    "concern_high": COLOUR_CONCERN,
    "concern_low": COLOUR_CONCERN,
    "neither_high": COLOUR_NEITHER,
    "neither_low": COLOUR_NEITHER,
}

ASSURANCE_COLOURS: dict[str, str] = {
    "pass": COLOUR_IMPROVEMENT,
    "fail": COLOUR_CONCERN,
    "hit_or_miss": COLOUR_COMMON_CAUSE,
}
