"""The rules a file must keep, each a small named check.

File checks look at the header. Row checks look at every row: each is a `RowCheck` whose rule function
(named after the rule: `period_is_in_the_future`, `rate_has_numerator_but_no_denominator`, …) marks the
rows that break it, with the column, the kind of problem (for counting), the message quoting the row's
value and how to fix it. `kpi.ingest.validation` runs them in the order of its table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpi.ingest.cells import PERIOD_FORMATS_TEXT, number_fix, number_value
from kpi.ingest.constants import REQUIRED_COLUMNS, TEMPLATE_COLUMNS, VALUE_TOLERANCE
from kpi.ingest.lookups import normalise_name
from kpi.ingest.problems import Problem, quote
from kpi.ingest.rows import Rows
from kpi.reference.membership import ICB_CODE, ICB_NAME
from kpi.store.models import RATIO_SCALE
from kpi.words.text import clean_code

Message = Callable[[Rows, Any], str]


@dataclass(frozen=True)
class RowCheck:
    """One rule for rows. `broken(rows)` is a mask of the rows that break it; `message` and `fix` (text,
    or a function of the rows and one row) say what is wrong and what to do. With `only_with_column`,
    the check runs only when the file has that column (its absence is a file problem)."""

    name: str
    column: str | None
    kind: str
    broken: Callable[[Rows], pd.Series]
    message: Message
    fix: Message | str
    only_with_column: str | None = None


def row_check(
    column: str | None,
    kind: str,
    message: Message,
    fix: Message | str,
    *,
    only_with_column: str | None = None,
) -> Callable[[Callable[[Rows], pd.Series]], RowCheck]:
    """Make the decorated rule function (its name says the rule) into a RowCheck."""

    def make(rule: Callable[[Rows], pd.Series]) -> RowCheck:
        return RowCheck(rule.__name__, column, kind, rule, message, fix, only_with_column)

    return make


def suggest(value: str, options: Iterable[str]) -> str:
    """' Did you mean SIP_FTE?' for a close match, else ''."""
    match = difflib.get_close_matches(value, list(options), n=1, cutoff=0.75)
    return f" Did you mean {match[0]}?" if match else ""


def column_key(name: str) -> str:
    """A heading as a template column name: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


# --- file checks -----------------------------------------------------------------------------------------


def columns_are_known_and_unique(header: list[str]) -> tuple[dict[str, str], list[Problem]]:
    """(columns, problems): the template columns found (name -> heading in the file), and a problem for
    each heading that is not a template column or repeats one."""
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    for name in header:
        key = column_key(name)
        if key in TEMPLATE_COLUMNS and key not in columns:
            columns[key] = name
        elif key in TEMPLATE_COLUMNS:
            problems.append(
                Problem(
                    1,
                    name,
                    f"The column {quote(key)} appears more than once.",
                    "Keep one column of each name and delete the other.",
                )
            )
        else:
            hint = suggest(key, TEMPLATE_COLUMNS)
            if ";" in name:
                hint = " The file looks semicolon-separated; the importer needs commas."
            problems.append(
                Problem(
                    1,
                    name,
                    f"Unknown column {quote(name)}.{hint}",
                    f"Delete the column or rename it to one of: {', '.join(TEMPLATE_COLUMNS)}.",
                )
            )
    return columns, problems


def required_columns_are_present(columns: dict[str, str]) -> list[Problem]:
    return [
        Problem(
            None,
            required,
            f"The file has no {quote(required)} column.",
            f"Add a column headed {required} (see the template).",
        )
        for required in REQUIRED_COLUMNS
        if required not in columns
    ]


def some_number_column_is_present(columns: dict[str, str]) -> list[Problem]:
    if {"value", "numerator", "denominator"} & set(columns):
        return []
    return [
        Problem(
            None,
            "value",
            "The file has no value column, and no numerator and denominator columns.",
            "Add a value column for count KPIs and numerator and denominator columns for rate KPIs "
            "(see the template).",
        )
    ]


NO_DATA_ROWS = Problem(
    None, None, "The file has a header row but no data rows.", "Add one row per figure under the header row."
)


# --- periods ---------------------------------------------------------------------------------------------


@row_check(
    "period",
    "The period is empty.",
    lambda rows, r: "The period is empty.",
    f"Give the month the figure is for, e.g. {PERIOD_FORMATS_TEXT}.",
    only_with_column="period",
)
def period_is_empty(rows: Rows) -> pd.Series:
    return ~rows.has["period"]


@row_check(
    "period",
    "The period is not a month the importer can read.",
    lambda rows, r: f"The period {quote(r.period)} is not a month the importer can read.",
    f"Write the month as {PERIOD_FORMATS_TEXT}.",
    only_with_column="period",
)
def period_is_not_a_month(rows: Rows) -> pd.Series:
    return rows.bad_period


@row_check(
    "period",
    "The period is in the future.",
    lambda rows, r: f"The period {quote(r.period)} is in the future (after {rows.this_month:%B %Y}).",
    "Check the year and month; figures can only be loaded for the current month or earlier.",
    only_with_column="period",
)
def period_is_in_the_future(rows: Rows) -> pd.Series:
    return rows.future


# --- codes -----------------------------------------------------------------------------------------------


@row_check(
    "kpi_code",
    "The KPI code is empty.",
    lambda rows, r: "The KPI code is empty.",
    "Give the KPI code, e.g. SIP_FTE; the Guide sheet of the template lists them all.",
    only_with_column="kpi_code",
)
def kpi_code_is_empty(rows: Rows) -> pd.Series:
    return ~rows.has["kpi_code"]


@row_check(
    "kpi_code",
    "Unknown KPI code.",
    lambda rows, r: f"Unknown KPI code {quote(r.kpi_code)}.{suggest(r.kpi_code.upper(), rows.ref.kpis)}",
    "Use one of the KPI codes on the Guide sheet of the template (e.g. SIP_FTE, VACANCY_RATE).",
    only_with_column="kpi_code",
)
def kpi_code_is_unknown(rows: Rows) -> pd.Series:
    return rows.has["kpi_code"] & ~rows.known_kpi


@row_check(
    "trust_code",
    "Unknown trust code.",
    lambda rows, r: (
        f"{quote(r.trust_code)} is {ICB_NAME}, not a trust: the ICB's own staff are in no trust or system "
        "total."
        if clean_code(r.trust_code) == ICB_CODE
        else f"Unknown trust code {quote(r.trust_code)}.{suggest(r.trust_code.upper(), rows.ref.trusts)}"
    ),
    "Use the trust's ODS code (e.g. REM), or leave trust_code empty for a system-level figure.",
)
def trust_code_is_unknown(rows: Rows) -> pd.Series:
    return rows.has["trust_code"] & ~rows.known_trust


@row_check(
    "trust_code",
    "A KPI collected for the whole system only is given a trust.",
    lambda rows, r: (
        f"{r.kpi_code.upper()} is collected for the whole system only, not by trust "
        f"(trust_code is {quote(r.trust_code)})."
    ),
    "Leave trust_code empty for this KPI.",
)
def system_only_kpi_is_given_a_trust(rows: Rows) -> pd.Series:
    return rows.has["trust_code"] & rows.known_trust & (rows.grain == "system")


@row_check(
    "profession",
    "A KPI not collected by profession is given a profession.",
    lambda rows, r: (
        f"{r.kpi_code.upper()} is not collected by profession, but the row gives the profession "
        f"{quote(r.profession)}."
    ),
    "Leave profession empty for this KPI (it is a figure for all AHPs).",
)
def kpi_not_by_profession_is_given_a_profession(rows: Rows) -> pd.Series:
    return rows.not_by_profession


@row_check(
    "profession",
    "Unknown profession.",
    lambda rows, r: (
        f"Unknown profession {quote(r.profession)}."
        f"{suggest(normalise_name(r.profession), rows.ref.professions)}"
    ),
    "Use a profession code (e.g. PHYSIO), its name (e.g. Physiotherapists) or a known alias; leave "
    "it empty for all AHPs.",
)
def profession_is_unknown(rows: Rows) -> pd.Series:
    return rows.has["profession"] & rows.profession.isna() & ~rows.not_by_profession


# --- numbers ---------------------------------------------------------------------------------------------


def number_is_not_a_number(column: str) -> RowCheck:
    """The `column` cell is given but is not a number (rule: `value_is_not_a_number`, …)."""

    def rule(rows: Rows) -> pd.Series:
        return rows.not_a_number(column)

    return RowCheck(
        f"{column}_is_not_a_number",
        column,
        f"The {column} is not a number.",
        rule,
        lambda rows, r: f"The {column} {quote(getattr(r, column))} is not a number.",
        lambda rows, r: number_fix(getattr(r, column)),
    )


def number_is_negative(column: str) -> RowCheck:
    """The `column` cell is a number below zero (rule: `value_is_negative`, …)."""

    def rule(rows: Rows) -> pd.Series:
        return rows.negative(column)

    return RowCheck(
        f"{column}_is_negative",
        column,
        f"The {column} is negative.",
        rule,
        lambda rows, r: f"The {column} {quote(getattr(r, column))} is negative.",
        "Figures cannot be below zero; check the sign and the column.",
    )


value_is_not_a_number = number_is_not_a_number("value")
value_is_negative = number_is_negative("value")
numerator_is_not_a_number = number_is_not_a_number("numerator")
numerator_is_negative = number_is_negative("numerator")
denominator_is_not_a_number = number_is_not_a_number("denominator")
denominator_is_negative = number_is_negative("denominator")


# --- rate KPIs -------------------------------------------------------------------------------------------


def _parts(rows: Rows, r: Any) -> str:
    return rows.ref.kpis[r.kpi_code.upper()].parts()


def _rate_text(r: Any) -> float:
    return RATIO_SCALE * number_value(r.numerator) / number_value(r.denominator)


@row_check(
    "value",
    "A rate KPI is given a value instead of a numerator and denominator.",
    lambda rows, r: (
        f"{r.kpi_code.upper()} is a rate: it needs a numerator and a denominator, not just a value "
        f"({quote(r.value)})."
    ),
    lambda rows, r: f"Give the {_parts(rows, r)} and leave value empty; the rate is worked out from them.",
)
def rate_is_given_only_a_value(rows: Rows) -> pd.Series:
    has = rows.has
    return rows.is_ratio & has["value"] & ~has["numerator"] & ~has["denominator"]


@row_check(
    "numerator",
    "A rate KPI has no numerator and no denominator.",
    lambda rows, r: f"{r.kpi_code.upper()} is a rate, but the row has no numerator and no denominator.",
    lambda rows, r: f"Give the {_parts(rows, r)}.",
)
def rate_has_no_numerator_and_no_denominator(rows: Rows) -> pd.Series:
    has = rows.has
    return rows.is_ratio & ~has["value"] & ~has["numerator"] & ~has["denominator"]


@row_check(
    "denominator",
    "A rate KPI has a numerator but no denominator.",
    lambda rows, r: f"{r.kpi_code.upper()} is a rate: the numerator is given but the denominator is missing.",
    lambda rows, r: f"Give both: the {_parts(rows, r)}.",
)
def rate_has_numerator_but_no_denominator(rows: Rows) -> pd.Series:
    return rows.is_ratio & rows.has["numerator"] & ~rows.has["denominator"]


@row_check(
    "numerator",
    "A rate KPI has a denominator but no numerator.",
    lambda rows, r: f"{r.kpi_code.upper()} is a rate: the denominator is given but the numerator is missing.",
    lambda rows, r: f"Give both: the {_parts(rows, r)}.",
)
def rate_has_denominator_but_no_numerator(rows: Rows) -> pd.Series:
    return rows.is_ratio & ~rows.has["numerator"] & rows.has["denominator"]


@row_check(
    "denominator",
    "The denominator is zero.",
    lambda rows, r: f"The denominator is zero ({quote(r.denominator)}), so the rate cannot be worked out.",
    "If there was nothing to measure this month, leave the row out; otherwise correct the denominator.",
)
def denominator_is_zero(rows: Rows) -> pd.Series:
    return rows.zero_denominator


@row_check(
    "numerator",
    "The numerator is larger than the denominator.",
    lambda rows, r: (
        f"The numerator {quote(r.numerator)} is larger than the denominator {quote(r.denominator)}"
        ", which would make a percentage above 100."
    ),
    "Check that numerator and denominator are not swapped and are counted the same way.",
)
def percentage_numerator_exceeds_denominator(rows: Rows) -> pd.Series:
    return rows.numerator_over_denominator


@row_check(
    "numerator",
    "The rate is above the maximum for its KPI.",
    lambda rows, r: (
        f"The rate {_rate_text(r):.1f} worked out from "
        f"{quote(r.numerator)} / {quote(r.denominator)} is above the maximum for {r.kpi_code.upper()}."
    ),
    "Check the numerator and denominator.",
)
def rate_is_above_the_kpi_maximum(rows: Rows) -> pd.Series:
    return (
        rows.both_parts
        & ~rows.numerator_over_denominator
        & rows.max_value.notna()
        & (rows.rate > rows.max_value)
    )


@row_check(
    "value",
    "The value does not match numerator / denominator.",
    lambda rows, r: (
        f"The value {quote(r.value)} does not match numerator / denominator ({_rate_text(r):.2f} %)."
    ),
    "Leave value empty for rate KPIs (it is worked out), or correct it.",
)
def rate_value_disagrees_with_its_parts(rows: Rows) -> pd.Series:
    off = (rows.number("value") - rows.rate).abs() > VALUE_TOLERANCE
    return rows.both_parts & rows.usable("value") & off & ~rows.numerator_over_denominator


# --- count KPIs ------------------------------------------------------------------------------------------


@row_check(
    "numerator",
    "A count KPI is given a numerator or denominator.",
    lambda rows, r: (
        f"{r.kpi_code.upper()} is a count, not a rate, so it takes a value, not a numerator "
        f"({quote(r.numerator) if r.numerator else 'empty'}) and denominator "
        f"({quote(r.denominator) if r.denominator else 'empty'})."
    ),
    "Put the figure in the value column and leave numerator and denominator empty.",
)
def count_is_given_numerator_or_denominator(rows: Rows) -> pd.Series:
    return rows.count_with_parts


@row_check(
    "value",
    "The value of a count KPI is empty.",
    lambda rows, r: f"The value for {r.kpi_code.upper()} is empty.",
    "Give the figure in the value column, or leave the row out if there is no figure.",
)
def count_value_is_empty(rows: Rows) -> pd.Series:
    return rows.is_sum & ~rows.has["value"] & ~rows.count_with_parts


@row_check(
    "value",
    "The value is above the maximum for its KPI.",
    lambda rows, r: (
        f"The value {quote(r.value)} is above the maximum for {r.kpi_code.upper()} "
        f"({rows.ref.kpis[r.kpi_code.upper()].max_value:g})."
    ),
    "Check the figure and its units (for example FTE, not hours).",
)
def count_value_is_above_the_kpi_maximum(rows: Rows) -> pd.Series:
    max_value = rows.max_value
    return rows.is_sum & rows.usable("value") & max_value.notna() & (rows.number("value") > max_value)


# --- duplicates ------------------------------------------------------------------------------------------


def _duplicate_message(rows: Rows, r: Any) -> str:
    key = rows.keys.loc[r.Index]
    return (
        f"Duplicate: the same KPI ({key['kpi']}), month, trust ({key['trust'] or 'system level'}) and "
        f"profession ({key['profession'] or 'all AHPs'}) as row {int(rows.first_row[r.Index])}."
    )


@row_check(
    None,
    "Duplicate: the same KPI, month, trust and profession as an earlier row.",
    _duplicate_message,
    lambda rows, r: f"Keep one of the two rows (row {int(rows.first_row[r.Index])} or this one).",
)
def row_repeats_an_earlier_key(rows: Rows) -> pd.Series:
    """The same KPI, month, trust (after aliases and merged codes) and profession as an earlier row;
    only rows whose key is fully valid are compared."""
    return rows.duplicate
