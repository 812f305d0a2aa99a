"""Validation (`validate_table`): every problem in the file is reported at once, each with the row as Excel
numbers it (header = row 1), the column, what is wrong (quoting the value) and how to fix it. Nothing is
written while there is any problem.

The rules are the named checks of `kpi.ingest.checks`, run in the order of `STAGES` below: the header
first, then each stage of row checks (the progress bar says which), then duplicates.

- **Periods**: see `kpi.words.months.parse_month`. Any day maps to its month. A month after the current month
  is a problem.
- **Numbers**: digits with an optional decimal point; thousands separators ("1,234.5") and spaces are
  allowed. Anything else (£, %, words, "1,23") is rejected, never guessed. Negative numbers are rejected.
- **Merged trusts**: data under an old code (RVY) for a month on or after the merger is stored under the
  successor (RBN) and reported as a notice; before the merger the old code stays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kpi.ingest import checks
from kpi.ingest.cells import current_month
from kpi.ingest.checks import RowCheck
from kpi.ingest.constants import TEMPLATE_COLUMNS, Progress, no_progress
from kpi.ingest.lookups import ReferenceData
from kpi.ingest.problems import Notice, Problem, ProblemLog
from kpi.ingest.rows import Rows

# The row checks in the order they run, in stages: (progress fraction, progress message, checks).
STAGES: tuple[tuple[float, str, tuple[RowCheck, ...]], ...] = (
    (
        0.1,
        "Checking {rows:,} rows",
        (checks.period_is_empty, checks.period_is_not_a_month, checks.period_is_in_the_future),
    ),
    (
        0.25,
        "Checking codes",
        (
            checks.kpi_code_is_empty,
            checks.kpi_code_is_unknown,
            checks.trust_code_is_unknown,
            checks.system_only_kpi_is_given_a_trust,
            checks.kpi_not_by_profession_is_given_a_profession,
            checks.profession_is_unknown,
        ),
    ),
    (
        0.45,
        "Checking numbers",
        (
            checks.value_is_not_a_number,
            checks.value_is_negative,
            checks.numerator_is_not_a_number,
            checks.numerator_is_negative,
            checks.denominator_is_not_a_number,
            checks.denominator_is_negative,
            checks.rate_is_given_only_a_value,
            checks.rate_has_no_numerator_and_no_denominator,
            checks.rate_has_numerator_but_no_denominator,
            checks.rate_has_denominator_but_no_numerator,
            checks.denominator_is_zero,
            checks.percentage_numerator_exceeds_denominator,
            checks.rate_is_above_the_kpi_maximum,
            checks.rate_value_disagrees_with_its_parts,
            checks.count_is_given_numerator_or_denominator,
            checks.count_value_is_empty,
            checks.count_value_is_above_the_kpi_maximum,
        ),
    ),
    (0.65, "Checking for duplicate rows", (checks.row_repeats_an_earlier_key,)),
)
ROW_CHECKS: tuple[RowCheck, ...] = tuple(check for _, _, stage in STAGES for check in stage)


@dataclass
class Validated:
    """The outcome of validation: the valid rows ready to plan (when there are no problems)."""

    records: pd.DataFrame
    problems: list[Problem]  # the first MAX_PROBLEMS
    notices: list[Notice]
    rows_in_file: int
    problem_log: ProblemLog | None = None  # every problem counted by kind


RECORD_COLUMNS = [
    "row",
    "kpi_code",
    "period",
    "trust_code",
    "profession_code",
    "value",
    "numerator",
    "denominator",
]


def empty_records() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RECORD_COLUMNS})


def validate_table(
    table: pd.DataFrame,
    ref: ReferenceData,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Validated:
    """Check every row of a template-shaped table and return all problems at once; when there are
    none, `records` holds the rows ready to plan (codes resolved, merged trusts mapped, numbers
    parsed, ratio values derived)."""
    report = progress or no_progress
    log = ProblemLog()
    header = [c for c in table.columns if c != "row_no"]
    columns, problems = checks.columns_are_known_and_unique(header)
    problems += checks.required_columns_are_present(columns)
    problems += checks.some_number_column_is_present(columns)
    log.extend(problems)
    rows_in_file = len(table)
    if rows_in_file == 0:
        log.add(checks.NO_DATA_ROWS)
        return Validated(empty_records(), log.problems, [], 0, log)
    rows = Rows(_work_frame(table, columns), columns, ref, current_month(today))
    for fraction, message, stage in STAGES:
        report(fraction, message.format(rows=rows_in_file))
        for check in stage:
            if check.only_with_column is None or check.only_with_column in columns:
                run_check(check, rows, log)
    if log:
        return Validated(empty_records(), log.problems, [], rows_in_file, log)
    records = rows.records()
    report(0.7, "Rows checked")
    return Validated(records, [], list(rows.merge_notices), rows_in_file)


def _work_frame(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """`row_no` and one trimmed text column per template column ("" when the file lacks it), without
    the rows already reported for having more cells than the header."""
    work = pd.DataFrame({"row_no": table["row_no"].astype("int64")})
    for column in TEMPLATE_COLUMNS:
        source = columns.get(column)
        work[column] = table[source].astype(str).str.strip() if source else ""
    misaligned = table.attrs.get("misaligned_rows") or set()
    if misaligned:
        work = work[~work["row_no"].isin(misaligned)]
    return work


def run_check(check: RowCheck, rows: Rows, log: ProblemLog) -> None:
    """Count every row breaking the check as a problem of its kind; build the messages of the first
    MAX_PROBLEMS rows only (no later row of this kind can be among the first MAX_PROBLEMS)."""
    positions = np.flatnonzero(check.broken(rows).to_numpy(dtype=bool))
    if not len(positions):
        return
    log.count(check.column, check.kind, len(positions))
    for item in rows.work.iloc[positions[: log.limit]].itertuples(index=True):
        fix = check.fix(rows, item) if callable(check.fix) else check.fix
        log.keep(
            Problem(int(cast(int, item.row_no)), check.column, check.message(rows, item), fix, check.kind)
        )
