"""The codes an SPC result speaks in: variation and assurance icons, and how a figure accumulates."""

from __future__ import annotations

VARIATION_CODES = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neither_high",
    "neither_low",
)

ASSURANCE_CODES = ("pass", "fail", "hit_or_miss")

#: How a figure accumulates: only "monthly" figures (each month its own period) are read with XmR rules.
ACCUMULATIONS = ("monthly", "rolling_12_months", "year_to_date")
