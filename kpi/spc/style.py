"""Making Data Count colours (domain README section 7): points, variation and assurance icons."""

from __future__ import annotations

# Making Data Count colours (domain README section 7).
COLOUR_COMMON_CAUSE = "#A6A6A6"  # grey
COLOUR_IMPROVEMENT = "#00B0F0"  # blue
COLOUR_CONCERN = "#E46C0A"  # orange
COLOUR_NEITHER = "#490092"  # purple
COLOUR_TARGET = "#DE1B1B"  # red
COLOUR_MEAN = "#000000"  # black

POINT_TYPE_COLOURS: dict[str, str] = {
    "common_cause": COLOUR_COMMON_CAUSE,
    "improvement": COLOUR_IMPROVEMENT,
    "concern": COLOUR_CONCERN,
    "neither": COLOUR_NEITHER,
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
