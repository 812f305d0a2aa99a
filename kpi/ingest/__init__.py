"""The monthly data import: read a CSV or XLSX file, check every row, show what would change, then
write it all in one transaction or nothing at all. Every import can be undone.

The flow, shared by the command line, the app and the NHS Workforce Statistics adapter:

    preview = prepare_import(engine, "march.csv", data)          # read, validate, plan; writes nothing
    preview.problems / preview.notices / preview.table           # show the user
    result = apply_import(engine, user, preview, replace=True)   # one transaction
    undo_batch(engine, user, result.batch_id)                    # puts everything back

Rules, in the order a user meets them:

- **Reading** (`read_table`): CSV (UTF-8 with or without a byte-order mark, else Windows-1252, which is
  what Excel writes) or XLSX (the first sheet). Every cell is read as text; the file type is decided by
  content and extension together. A file that is neither, or is too big, or has a header wider than
  MAX_COLUMNS (checked first, by counting, before any cell is made), is a problem, not an exception.
- **Validation** (`validate_table`): every problem in the file is reported at once, each with the row as
  Excel numbers it (header = row 1), the column, what is wrong (quoting the value) and how to fix it.
  Nothing is written while there is any problem.
- **Periods** (`kpi.words.months.parse_month`): `2025-03`, `2025-03-01`, `01/03/2025` (day first, UK style),
  `Mar 2025`, `March 2025` (and NHS Digital's `MAR2025`, `31-Mar-2025`). Any day maps to its month. A month
  after the current month is a problem.
- **Numbers**: digits with an optional decimal point; thousands separators ("1,234.5") and spaces are
  allowed. Anything else (£, %, words, "1,23") is rejected, never guessed. Negative numbers are rejected.
- **Merged trusts**: data under an old code (RVY) for a month on or after the merger is stored under the
  successor (RBN) and reported as a notice; before the merger the old code stays.
- **Planning** (`plan`): each valid row is new (added), differs from the stored figure (changed: old and
  new are kept for the preview) or is identical (skipped). Importing the same file twice changes nothing
  and writes nothing.
- **Applying** (`apply_import`): only the workforce lead may. If any stored figure would change and
  `replace` is False, nothing is written. Otherwise one ImportBatch row is written, new rows inserted,
  changed rows updated in place (moving to the new batch) and their previous figures saved in
  `replaced_observations` for undo. The apply step re-checks the database: if anything was imported or
  undone since the preview, the plan is recomputed inside the transaction.
- **Synthetic demo data and real imports**: a real import into a database holding demo data is
  allowed, and never mixes the two up. Whether a figure is synthetic is a property of its batch, so a
  demo row replaced by a real one becomes real (and is kept in `replaced_observations` like any other
  replaced row, so undo brings the demo figure back); demo rows the file does not touch stay synthetic,
  and every total that includes one is flagged synthetic by the queries. The preview says how many
  demo rows the file replaces. With `remove_demo=True` the import also removes every remaining demo row
  in the same transaction (recorded for undo too), so that the database then holds real data only.
- **Undo** (`undo_batch`): only the lead; restores every row the batch replaced (or removed) and deletes
  the rows it added, then marks the batch undone. Refused for the demo batch, for a batch already
  undone, and when a later import that is still applied changed any of the same rows (undo that first).

The package, by job (each module says its rules in full):

    constants.py     the template's columns, size and problem limits, sources
    problems.py      Problem, Notice, ProblemLog (first MAX_PROBLEMS kept, all counted by kind), their tables
    lookups.py       the codes checked against (ReferenceData) and merged trusts mapped to successors
    cells.py         numbers in cells (and parse_period, an alias of kpi.words.months.parse_month)
    reading.py       read_table: CSV or XLSX to a table of text cells, within the size limits
    rows.py          the rows as the checks see them (each reading of the cells worked out once)
    checks.py        the named checks: one small function per rule
    validation.py    validate_table: runs the table of checks in stages
    planning.py      plan: added, changed, skipped; the database fingerprint
    preview.py       prepare_import / prepare_table and the ImportPreview they return
    writing.py       what apply and undo share (lock, records, set a figure, chunks)
    apply.py         apply_import
    undo.py          undo_batch
    template.py      the template as CSV, XLSX and Markdown guide
    sources.py       source definitions (data/sources/*.toml) and `recognise`: which source a file is
    dispatch.py      prepare_file: read, recognise, and prepare as the template or through a definition
    adapters/        mapped.py: a published layout's rows to template rows, through its definition

May import everything below it, kpi.exports included: the problems file a lead downloads is written by
the same CSV writer as every export (kpi.exports.tables), and the reconciliation with the published
figures (`reconciliation`) checks what the imports brought.
"""

from __future__ import annotations

from kpi.ingest.apply import apply_import
from kpi.ingest.cells import PERIOD_FORMATS_TEXT, current_month, parse_numbers, parse_period
from kpi.ingest.constants import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MAX_UNPACK_RATIO,
    NUMBER_COLUMNS,
    REQUIRED_COLUMNS,
    SOURCES,
    TEMPLATE_COLUMNS,
    VALUE_TOLERANCE,
    Progress,
)
from kpi.ingest.lookups import KPIRules, ReferenceData, load_reference_data, map_successors, normalise_name
from kpi.ingest.planning import PLAN_COLUMNS, Plan, plan
from kpi.ingest.preview import (
    ImportPreview,
    ImportResult,
    file_sha256,
    prepare_import,
    prepare_table,
    refused_preview,
)
from kpi.ingest.problems import (
    Notice,
    Problem,
    ProblemKind,
    ProblemLog,
    capped_notices,
    more_problems_text,
    problem_kinds_frame,
    problems_csv,
    problems_frame,
    rows_text,
)
from kpi.ingest.reading import EMPTY_FILE, NOT_A_TABLE, TableRead, read_table
from kpi.ingest.template import (
    COLUMN_GUIDE,
    RULES_GUIDE,
    TEMPLATE_EXAMPLES,
    template_csv,
    template_guide,
    template_xlsx,
)
from kpi.ingest.undo import UndoRefused, UndoResult, undo_batch
from kpi.ingest.validation import RECORD_COLUMNS, Validated, empty_records, validate_table
from kpi.store.batches import DEMO_SOURCE

__all__ = [
    "COLUMN_GUIDE",
    "DEMO_SOURCE",
    "EMPTY_FILE",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_UNPACK_RATIO",
    "NOT_A_TABLE",
    "NUMBER_COLUMNS",
    "PERIOD_FORMATS_TEXT",
    "PLAN_COLUMNS",
    "RECORD_COLUMNS",
    "REQUIRED_COLUMNS",
    "RULES_GUIDE",
    "SOURCES",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_EXAMPLES",
    "VALUE_TOLERANCE",
    "ImportPreview",
    "ImportResult",
    "KPIRules",
    "Notice",
    "Plan",
    "Problem",
    "ProblemKind",
    "ProblemLog",
    "Progress",
    "ReferenceData",
    "TableRead",
    "UndoRefused",
    "UndoResult",
    "Validated",
    "apply_import",
    "capped_notices",
    "current_month",
    "empty_records",
    "file_sha256",
    "load_reference_data",
    "map_successors",
    "more_problems_text",
    "normalise_name",
    "parse_numbers",
    "parse_period",
    "plan",
    "prepare_import",
    "prepare_table",
    "problem_kinds_frame",
    "problems_csv",
    "problems_frame",
    "read_table",
    "refused_preview",
    "rows_text",
    "template_csv",
    "template_guide",
    "template_xlsx",
    "undo_batch",
    "validate_table",
]
