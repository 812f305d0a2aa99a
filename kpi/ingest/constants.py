"""The shape of an import: the template's columns, the limits on a file, the sources of a batch."""

from __future__ import annotations

from collections.abc import Callable

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "period",
    "trust_code",
    "profession",
    "kpi_code",
    "value",
    "numerator",
    "denominator",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("period", "kpi_code")
NUMBER_COLUMNS: tuple[str, ...] = ("value", "numerator", "denominator")
MAX_BYTES = 20 * 1024 * 1024
# The problems kept and shown for one file: the first MAX_PROBLEMS in file order. Past it problems are only
# counted (by kind), so a file of a million bad rows costs a bounded amount of memory and screen.
MAX_PROBLEMS = 1_000
# The widest header the importer reads: the template has 7 columns and the widest published layout 13. A
# file wider than this (a CSV whose line breaks were lost is one row of millions of cells) is refused
# before anything else is done with it, so no file costs more than its header's first cells.
MAX_COLUMNS = 200
# How a template file arrived (a published layout's batch carries its source definition's id instead).
SOURCES: tuple[str, ...] = ("upload", "cli")
# A ratio row may also give its value; it must then agree with 100 * numerator / denominator this closely.
VALUE_TOLERANCE = 0.5
# An XLSX file is a zip; refuse one that would unpack to more than this many times the size limit.
MAX_UNPACK_RATIO = 10

# Reports how far an import has got: (fraction done, what it is doing); what it returns is ignored
# (st.progress's bar.progress returns the element).
Progress = Callable[[float, str], object]


def no_progress(_fraction: float, _message: str) -> None:
    return None
