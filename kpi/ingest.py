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
  content and extension together. A file that is neither, or is too big, is a problem, not an exception.
- **Validation** (`validate_table`): every problem in the file is reported at once, each with the row as
  Excel numbers it (header = row 1), the column, what is wrong (quoting the value) and how to fix it.
  Nothing is written while there is any problem.
- **Periods**: `2025-03`, `2025-03-01`, `01/03/2025` (day first, UK style), `Mar 2025`, `March 2025`.
  Any day maps to its month. A month after the current month is a problem.
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
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from kpi.auth import User, require_lead
from kpi.db import session_scope
from kpi.export import csv_bytes
from kpi.models import RATIO_SCALE, ImportBatch, Observation, ReplacedObservation

Progress = Callable[[float, str], None]

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
SOURCES: tuple[str, ...] = ("upload", "cli", "nhs_workforce")
DEMO_SOURCE = "demo"
# A ratio row may also give its value; it must then agree with 100 * numerator / denominator this closely.
VALUE_TOLERANCE = 0.5
# An XLSX file is a zip; refuse one that would unpack to more than this many times the size limit.
MAX_UNPACK_RATIO = 10
_WRITE_CHUNK = 10_000

_o = Observation.__table__
_b = ImportBatch.__table__
_r = ReplacedObservation.__table__


# --- problems and notices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something in the file that stops the import. `row` is the row number as Excel shows it (the
    header is row 1, the first data row is row 2); None for a problem with the whole file."""

    row: int | None
    column: str | None
    message: str
    fix: str
    # What is wrong without this row's values ("The period is not a month the importer can read."), for
    # counting problems by kind; the message itself when empty.
    kind: str = field(default="", compare=False)

    @property
    def kind_text(self) -> str:
        return self.kind or self.message


@dataclass(frozen=True)
class ProblemKind:
    """How many problems of one kind (column and what is wrong) the file has, and how many are listed."""

    column: str | None
    kind: str
    count: int
    listed: int


class ProblemLog:
    """The first `limit` problems in file order, and a count of every problem by kind. Past the limit a
    problem is only counted: callers count a whole mask of rows and build Problem objects for the first
    `limit` rows only, so memory stays bounded however many rows are bad."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.total = 0
        self._kept: list[Problem] = []
        self._counts: dict[tuple[str | None, str], int] = {}

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def count(self, column: str | None, kind: str, number: int = 1) -> None:
        """Count problems without keeping them (add the kept ones with `keep`)."""
        if number:
            self._counts[(column, kind)] = self._counts.get((column, kind), 0) + number
            self.total += number

    def keep(self, problem: Problem) -> None:
        """Keep a problem already counted; only the first `limit` in file order survive."""
        self._kept.append(problem)
        if len(self._kept) >= 2 * self.limit:
            self._kept = _sorted_problems(self._kept)[: self.limit]

    def add(self, problem: Problem) -> None:
        """Count and keep one problem."""
        self.count(problem.column, problem.kind_text)
        self.keep(problem)

    def extend(self, problems: Iterable[Problem] | ProblemLog | None) -> None:
        if isinstance(problems, ProblemLog):
            for key, number in problems._counts.items():
                self.count(*key, number)
            for problem in problems._kept:
                self.keep(problem)
            return
        for problem in problems or ():
            self.add(problem)

    @property
    def problems(self) -> list[Problem]:
        """The kept problems, at most `limit`, in file order."""
        self._kept = _sorted_problems(self._kept)[: self.limit]
        return list(self._kept)

    @property
    def not_listed(self) -> int:
        return self.total - len(self.problems)

    def kinds(self) -> list[ProblemKind]:
        """Every kind of problem with its count, most frequent first."""
        listed: dict[tuple[str | None, str], int] = {}
        for problem in self.problems:
            key = (problem.column, problem.kind_text)
            listed[key] = listed.get(key, 0) + 1
        order = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
        return [
            ProblemKind(column, kind, number, listed.get((column, kind), 0))
            for (column, kind), number in sorted(
                self._counts.items(), key=lambda i: (-i[1], order.get(i[0][0] or "", len(order)), i[0][1])
            )
        ]


def more_problems_text(not_listed: int, kinds: Iterable[ProblemKind] = ()) -> str:
    """The line under a capped list: "… and 998,765 more problems of the same kinds: fix these and upload
    again." ("" when every problem is listed)."""
    if not_listed <= 0:
        return ""
    same = all(k.listed for k in kinds)
    noun = "problem" if not_listed == 1 else "problems"
    what = "of the same kinds" if same else "(every kind is counted in the table of problems by kind)"
    return f"… and {not_listed:,} more {noun} {what}: fix these and upload again."


@dataclass(frozen=True)
class Notice:
    """Something the user should know that does not stop the import (a merged trust code mapped to
    its successor, an encoding guessed). `rows` lists every row concerned; `row` is the first."""

    row: int | None
    message: str
    rows: tuple[int, ...] = ()


def _sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    order = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
    return sorted(
        problems,
        key=lambda p: (p.row is not None, p.row or 0, order.get(p.column or "", len(order)), p.message),
    )


def problems_frame(problems: Iterable[Problem], *, not_listed: int = 0) -> pd.DataFrame:
    """The problems as a table with the columns the user sees: row, column, problem, how to fix; with
    `not_listed`, a last row saying how many more problems the file has."""
    rows = [
        {
            "row": "" if p.row is None else str(p.row),
            "column": p.column or "",
            "problem": p.message,
            "how to fix": p.fix,
        }
        for p in problems
    ]
    if not_listed > 0:
        noun = "problem" if not_listed == 1 else "problems"
        rows.append(
            {
                "row": "",
                "column": "",
                "problem": f"… and {not_listed:,} more {noun} not listed here.",
                "how to fix": "Fix these and upload again.",
            }
        )
    return pd.DataFrame(rows, columns=["row", "column", "problem", "how to fix"], dtype=object)


def problems_csv(problems: Iterable[Problem], *, not_listed: int = 0) -> bytes:
    """The problems as an Excel-safe CSV (UTF-8 with BOM, formula-looking cells neutralised); with
    `not_listed`, a last line saying how many more problems the file has."""
    return csv_bytes(problems_frame(problems, not_listed=not_listed))


def problem_kinds_frame(kinds: Iterable[ProblemKind]) -> pd.DataFrame:
    """Problems by kind: column, what is wrong, how many in the file, how many listed."""
    rows = [
        {"column": k.column or "", "problem": k.kind, "in the file": k.count, "listed": k.listed}
        for k in kinds
    ]
    return pd.DataFrame(rows, columns=["column", "problem", "in the file", "listed"])


def _quote(value: object, limit: int = 60) -> str:
    text_value = str(value)
    if len(text_value) > limit:
        text_value = text_value[: limit - 1] + "…"
    return f'"{text_value}"'


def rows_text(rows: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    more = len(rows) - limit
    return f"{shown} and {more:,} more" if more > 0 else shown


# --- reference data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KPIRules:
    code: str
    name: str
    rollup: str
    grain: str
    max_value: float | None
    unit: str
    numerator: str = ""
    denominator: str = ""

    def parts(self) -> str:
        """'numerator (Vacant FTE) and denominator (Establishment FTE)'."""
        if self.numerator and self.denominator:
            return f"numerator ({self.numerator}) and denominator ({self.denominator})"
        return "numerator and denominator"


@dataclass(frozen=True)
class ReferenceData:
    """The codes the importer checks against, read once per import."""

    kpis: dict[str, KPIRules]
    trusts: dict[str, str]  # ODS code -> name
    successions: dict[str, tuple[str, dt.date]]  # old code -> (successor, effective from)
    professions: dict[str, str]  # normalised code, name or alias -> profession code
    profession_names: dict[str, str]  # code -> name


def normalise_name(value: str) -> str:
    """Lower case with single spaces: how profession names and aliases are matched."""
    return re.sub(r"\s+", " ", value.strip().lower())


def load_reference_data(engine: Engine) -> ReferenceData:
    from kpi import queries

    catalogue = queries.kpi_catalogue(engine)
    kpis = {
        row["code"]: KPIRules(
            code=row["code"],
            name=row["name"],
            rollup=row["rollup"],
            grain=row["grain"],
            max_value=None if pd.isna(row["max_value"]) else float(row["max_value"]),
            unit=row["unit"],
            numerator=row["numerator_definition"] or "",
            denominator=row["denominator_definition"] or "",
        )
        for row in catalogue.to_dict("records")
    }
    trusts_frame = queries.trusts(engine)
    trusts = dict(zip(trusts_frame["ods_code"], trusts_frame["name"], strict=True))
    successions = {
        row["old_code"]: (row["successor_code"], pd.Timestamp(row["effective_from"]).date())
        for row in queries.successions(engine).to_dict("records")
    }
    professions_frame = queries.professions(engine)
    lookup: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in professions_frame.to_dict("records"):
        names[row["code"]] = row["name"]
        lookup[normalise_name(row["code"])] = row["code"]
        lookup[normalise_name(row["name"])] = row["code"]
    for row in queries.profession_aliases(engine).to_dict("records"):
        lookup.setdefault(normalise_name(row["alias"]), row["profession_code"])
    return ReferenceData(kpis, trusts, successions, lookup, names)


# --- periods and numbers ---------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _MIDNIGHT)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _MIDNIGHT)
_NAMED_MONTH = re.compile(r"([A-Za-z]+)\.?[ -]+(\d{4})")
PERIOD_FORMATS_TEXT = "2025-03, 2025-03-01, 01/03/2025 (day first), Mar 2025 or March 2025"


def parse_period(value: str) -> dt.date | None:
    """The first day of the month a period names, or None when it is not one of the accepted forms:
    2025-03, 2025-03-01, 01/03/2025 (day first), Mar 2025, March 2025. Any valid day maps to its month."""
    text_value = value.strip()
    year = month = None
    day = 1
    if m := _ISO_MONTH.fullmatch(text_value):
        year, month = int(m[1]), int(m[2])
    elif m := _ISO_DATE.fullmatch(text_value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _UK_DATE.fullmatch(text_value):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif (m := _NAMED_MONTH.fullmatch(text_value)) and m[1].lower() in _MONTHS:
        year, month = int(m[2]), _MONTHS[m[1].lower()]
    if year is None or month is None or year < 1900:
        return None
    try:
        dt.date(year, month, day)  # rejects 31/02/2025 and month 13
    except ValueError:
        return None
    return dt.date(year, month, 1)


def current_month(today: dt.date | None = None) -> dt.date:
    return (today or dt.date.today()).replace(day=1)


_SPACES = r"[\s\u00a0\u202f]+"
_NUMBER = r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"


def parse_numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, bad): the cells as floats (NaN where empty or bad) and a mask of the cells that are
    not empty but not a number. Thousands separators and spaces are allowed; nothing else is."""
    compact = cells.astype(str).str.replace(_SPACES, "", regex=True)
    empty = compact == ""
    looks_numeric = compact.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    numbers = pd.to_numeric(
        compact.where(looks_numeric, "").str.replace(",", "", regex=False), errors="coerce"
    ).astype(float)
    finite = np.isfinite(numbers.to_numpy())
    bad = (~empty & ~(looks_numeric & finite)).astype(bool)
    numbers = numbers.where(~bad)
    return numbers, bad


# --- reading files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRead:
    """A file read as a table of text cells. `table` has one column per header cell (as written,
    trimmed) plus `row_no`, the row number as Excel shows it; blank rows are left out. None when the
    file could not be read, with the reasons in `problems`."""

    table: pd.DataFrame | None
    problems: list[Problem]
    notices: list[Notice] = field(default_factory=list)
    file_type: str | None = None
    encoding: str | None = None
    # Every problem counted by kind (problems holds the first MAX_PROBLEMS); None when problems is all.
    problem_log: ProblemLog | None = None

    @property
    def log(self) -> ProblemLog:
        if self.problem_log is not None:
            return self.problem_log
        log = ProblemLog()
        log.extend(self.problems)
        return log


NOT_A_TABLE = "not a CSV or XLSX file"
_FIX_SAVE_AS = (
    "Save the data from Excel with File > Save As, choosing 'CSV UTF-8 (Comma delimited)' or "
    "'Excel Workbook (.xlsx)', and upload that file."
)
_OTHER_TYPES = {
    ".pdf": "a PDF document",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".xls": "an old-style Excel 97-2003 workbook",
    ".xlsb": "an Excel binary workbook",
    ".ods": "an OpenDocument spreadsheet",
    ".odt": "an OpenDocument text document",
    ".ppt": "a PowerPoint presentation",
    ".pptx": "a PowerPoint presentation",
    ".zip": "a zip archive",
    ".json": "a JSON file",
    ".xml": "an XML file",
    ".png": "an image",
    ".jpg": "an image",
    ".jpeg": "an image",
    ".gif": "an image",
}


EMPTY_FILE = Problem(
    None, None, "The file is empty.", "Fill in the template: a header row, then one row per figure."
)


def _not_a_table(what: str) -> TableRead:
    return TableRead(
        None, [Problem(None, None, f"The file is {NOT_A_TABLE}: it looks like {what}.", _FIX_SAVE_AS)]
    )


def read_table(file_name: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> TableRead:
    """Read a CSV or XLSX file into a table of text cells. Never raises for a bad file: the problems
    come back in the result."""
    size_mb = len(data) / (1024 * 1024)
    if len(data) > max_bytes:
        return TableRead(
            None,
            [
                Problem(
                    None,
                    None,
                    f"The file is {size_mb:.1f} MB, over the {max_bytes / (1024 * 1024):.0f} MB limit "
                    f"({len(data):,} bytes; the limit is {max_bytes:,}).",
                    "Split the data into smaller files (for example one per KPI or per quarter) and import "
                    "each in turn.",
                )
            ],
        )
    if not data.strip():
        return TableRead(None, [EMPTY_FILE])
    extension = PurePath(file_name or "").suffix.lower()
    if extension in _OTHER_TYPES:
        return _not_a_table(f"{_OTHER_TYPES[extension]} ({extension})")
    if data.startswith(b"%PDF"):
        return _not_a_table("a PDF document")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _not_a_table("an old-style Excel 97-2003 (.xls) or Word (.doc) file")
    if data.startswith(b"PK\x03\x04") or zipfile.is_zipfile(io.BytesIO(data)):
        return _read_xlsx(data, max_bytes)
    if extension in (".xlsx", ".xlsm"):
        return _not_a_table(f"text or another format named {extension}, not an Excel workbook")
    return _read_csv(data)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _table_from_rows(
    rows: Iterable[tuple[int, list[str]]], file_type: str, encoding: str | None
) -> TableRead:
    """Build the table from (row number, cells) pairs: the first non-blank row is the header."""
    header: list[str] | None = None
    header_row = 0
    records: list[list[str]] = []
    numbers: list[int] = []
    misaligned: set[int] = set()
    log = ProblemLog()
    too_many_cells = "The row has more cells than the header."
    for row_no, cells in rows:
        cells = ["" if c is None else str(c) for c in cells]
        if header is None:
            if any(c.strip() for c in cells):
                header = [c.replace("\ufeff", "").strip() for c in cells]
                header_row = row_no
            continue
        if not any(c.strip() for c in cells):
            continue
        width = len(header)
        if len(cells) > width:
            extra = [c for c in cells[width:] if c.strip()]
            if extra and len(misaligned) >= log.limit:  # past the cap: count, do not keep
                log.count(None, too_many_cells)
                misaligned.add(row_no)
            elif extra:
                log.add(
                    Problem(
                        row_no,
                        None,
                        f"Row {row_no} has {len(cells)} cells but the header has {width}; the extra values "
                        f"start with {_quote(extra[0])}.",
                        "Delete whatever is to the right of the last column."
                        if file_type == "xlsx"
                        else 'Check for a comma inside a value: write 1,234.5 in quotes ("1,234.5") or as '
                        "1234.5, and remove any extra cells.",
                        too_many_cells,
                    )
                )
                misaligned.add(row_no)
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        records.append(cells)
        numbers.append(row_no)
    if header is None:
        return TableRead(None, [EMPTY_FILE], file_type=file_type, encoding=encoding)
    # Trailing header cells that are blank, with nothing under them, are Excel noise: drop them.
    while header and not header[-1] and all(not r[len(header) - 1].strip() for r in records):
        header.pop()
        records = [r[: len(header)] for r in records]
    names: list[str] = []
    for index, name in enumerate(header):
        if not name:
            name = f"(column {_column_letter(index)}, no heading)"
        elif name == "row_no":  # the name the table uses for row numbers
            name = f"row_no (column {_column_letter(index)})"
        names.append(name)
    table = pd.DataFrame(records, columns=range(len(names)), dtype=object) if records else None
    if table is None:
        table = pd.DataFrame({i: pd.Series(dtype=object) for i in range(len(names))})
    table.columns = names if len(set(names)) == len(names) else _deduplicated(names)
    table = table.fillna("").astype(str)
    table["row_no"] = pd.Series(numbers, dtype="int64", index=table.index)
    table.attrs["header_row"] = header_row
    table.attrs["misaligned_rows"] = misaligned  # already reported; their cells are not checked again
    table.attrs["header"] = names
    return TableRead(table, log.problems, file_type=file_type, encoding=encoding, problem_log=log)


def _deduplicated(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_csv(data: bytes) -> TableRead:
    if b"\x00" in data[:65536]:
        return _not_a_table("a binary file (it contains NUL bytes)")
    notices: list[Notice] = []
    try:
        decoded, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            decoded, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return _not_a_table("a binary file (its bytes are not text in UTF-8 or Windows-1252)")
        notices.append(
            Notice(
                None,
                "The file is not UTF-8, so it was read as Windows-1252 (what Excel's plain 'CSV' writes).",
            )
        )
    control = sum(1 for ch in decoded[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if control > 0.01 * min(len(decoded), 65536):
        return _not_a_table("a binary file (it contains control characters)")
    delimiter = ","
    # Excel's "sep=;" first line names the delimiter; Excel hides it, so the header is still row 1.
    if hint := re.match(r"sep=(.)\r?\n", decoded):
        delimiter, decoded = hint[1], decoded[hint.end() :]
    try:
        # Rows are read as the table is built, so the file is never held as a list of rows as well.
        reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
        result = _table_from_rows(enumerate(reader, start=1), "csv", encoding)
    except csv.Error as exc:
        return TableRead(
            None,
            [Problem(None, None, f"The file is {NOT_A_TABLE} that can be read: {exc}.", _FIX_SAVE_AS)],
        )
    return TableRead(result.table, result.problems, notices, "csv", encoding, result.problem_log)


def _read_xlsx(data: bytes, max_bytes: int) -> TableRead:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return _not_a_table("a damaged zip or Excel file")
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return _not_a_table("a Word document")
        if "ppt/presentation.xml" in names:
            return _not_a_table("a PowerPoint presentation")
        if "content.xml" in names:
            return _not_a_table("an OpenDocument file")
        return _not_a_table("a zip archive, not an Excel workbook")
    if unpacked > MAX_UNPACK_RATIO * max_bytes:
        return TableRead(
            None,
            [
                Problem(
                    None,
                    None,
                    f"The workbook unpacks to {unpacked / (1024 * 1024):.0f} MB, over the size limit.",
                    "Split the data into smaller files and import each in turn.",
                )
            ],
        )
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged workbook
        return _not_a_table(f"a damaged Excel workbook ({type(exc).__name__})")
    try:
        if not workbook.worksheets:
            return TableRead(None, [Problem(None, None, "The workbook has no sheets.", _FIX_SAVE_AS)])
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = (
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        )
        result = _table_from_rows(rows, "xlsx", None)
        notices = []
        if len(workbook.worksheets) > 1:
            notices.append(Notice(None, f"Only the first sheet, {sheet.title!r}, was read."))
    finally:
        workbook.close()
    return TableRead(result.table, result.problems, notices, "xlsx", None, result.problem_log)


# --- validation ------------------------------------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


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


def map_successors(
    trust: pd.Series, period: pd.Series, rows: pd.Series, ref: ReferenceData
) -> tuple[pd.Series, list[Notice]]:
    """Trust codes with old codes of merged trusts replaced by the successor from the merger date on,
    and one notice per old code that was mapped."""
    mapped = trust.copy()
    notices: list[Notice] = []
    for old, (successor, since) in sorted(ref.successions.items()):
        hit = (trust == old) & period.map(
            lambda p, since=since: isinstance(p, dt.date) and p >= since
        ).astype(bool)
        if hit.any():
            mapped = mapped.where(~hit, successor)
            hit_rows = sorted(int(r) for r in rows[hit])
            notices.append(
                Notice(
                    hit_rows[0],
                    f"{old} ({ref.trusts.get(old, old)}) merged into {successor} "
                    f"({ref.trusts.get(successor, successor)}) on {since:%d/%m/%Y}: "
                    f"{len(hit_rows):,} row(s) for {since:%b %Y} onwards count under {successor} "
                    f"(rows {rows_text(hit_rows)}).",
                    tuple(hit_rows),
                )
            )
    return mapped, notices


def _suggest(value: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(value, list(options), n=1, cutoff=0.75)
    return f" Did you mean {match[0]}?" if match else ""


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
    report = progress or (lambda _f, _m: None)
    log = ProblemLog()
    notices: list[Notice] = []
    header = [c for c in table.columns if c != "row_no"]

    # Header: unknown, duplicate and missing columns.
    columns: dict[str, str] = {}
    for name in header:
        key = _column_key(name)
        if key in TEMPLATE_COLUMNS and key not in columns:
            columns[key] = name
        elif key in TEMPLATE_COLUMNS:
            log.add(
                Problem(
                    1,
                    name,
                    f"The column {_quote(key)} appears more than once.",
                    "Keep one column of each name and delete the other.",
                )
            )
        else:
            hint = _suggest(key, TEMPLATE_COLUMNS)
            if ";" in name:
                hint = " The file looks semicolon-separated; the importer needs commas."
            log.add(
                Problem(
                    1,
                    name,
                    f"Unknown column {_quote(name)}.{hint}",
                    f"Delete the column or rename it to one of: {', '.join(TEMPLATE_COLUMNS)}.",
                )
            )
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            log.add(
                Problem(
                    None,
                    required,
                    f"The file has no {_quote(required)} column.",
                    f"Add a column headed {required} (see the template).",
                )
            )
    if not ({"value", "numerator", "denominator"} & set(columns)):
        log.add(
            Problem(
                None,
                "value",
                "The file has no value column, and no numerator and denominator columns.",
                "Add a value column for count KPIs and numerator and denominator columns for rate KPIs "
                "(see the template).",
            )
        )

    work = pd.DataFrame({"row_no": table["row_no"].astype("int64")})
    for column in TEMPLATE_COLUMNS:
        source = columns.get(column)
        work[column] = table[source].astype(str).str.strip() if source else ""
    rows_in_file = len(work)
    misaligned = table.attrs.get("misaligned_rows") or set()
    if misaligned:
        work = work[~work["row_no"].isin(misaligned)]
    if rows_in_file == 0:
        log.add(
            Problem(
                None,
                None,
                "The file has a header row but no data rows.",
                "Add one row per figure under the header row.",
            )
        )
        return Validated(empty_records(), log.problems, notices, 0, log)
    report(0.1, f"Checking {rows_in_file:,} rows")

    def flag(
        mask: pd.Series,
        column: str | None,
        message: Callable[[Any], str],
        fix: Callable[[Any], str] | str,
        *,
        kind: str,
    ) -> None:
        """Count every row of `mask` as a problem of this kind; build the messages of the first
        MAX_PROBLEMS rows only (no later row of this kind can be among the first MAX_PROBLEMS)."""
        positions = np.flatnonzero(mask.to_numpy(dtype=bool))
        if not len(positions):
            return
        log.count(column, kind, len(positions))
        for item in work.iloc[positions[: log.limit]].itertuples(index=False):
            log.keep(
                Problem(int(item.row_no), column, message(item), fix(item) if callable(fix) else fix, kind)
            )

    has = {c: work[c] != "" for c in TEMPLATE_COLUMNS}

    # Periods (each distinct text parsed once).
    period_map = {value: parse_period(value) for value in work["period"].unique()}
    period = work["period"].map(period_map)
    work["_period"] = period
    bad_period = has["period"] & period.isna()
    this_month = current_month(today)
    future = period.map(lambda p: isinstance(p, dt.date) and p > this_month).astype(bool)
    if "period" in columns:
        flag(
            ~has["period"],
            "period",
            lambda r: "The period is empty.",
            f"Give the month the figure is for, e.g. {PERIOD_FORMATS_TEXT}.",
            kind="The period is empty.",
        )
        flag(
            bad_period,
            "period",
            lambda r: f"The period {_quote(r.period)} is not a month the importer can read.",
            f"Write the month as {PERIOD_FORMATS_TEXT}.",
            kind="The period is not a month the importer can read.",
        )
        flag(
            future,
            "period",
            lambda r: f"The period {_quote(r.period)} is in the future (after {this_month:%B %Y}).",
            "Check the year and month; figures can only be loaded for the current month or earlier.",
            kind="The period is in the future.",
        )
    report(0.25, "Checking codes")

    # KPI codes.
    kpi = work["kpi_code"].str.upper()
    known_kpi = kpi.isin(ref.kpis.keys())
    work["_kpi"] = kpi.where(known_kpi, "")
    rules = work["_kpi"].map(lambda c: ref.kpis.get(c))
    rollup = rules.map(lambda r: r.rollup if r else "")
    grain = rules.map(lambda r: r.grain if r else "")
    max_value = rules.map(lambda r: r.max_value if r and r.max_value is not None else np.nan).astype(float)
    if "kpi_code" in columns:
        flag(
            ~has["kpi_code"],
            "kpi_code",
            lambda r: "The KPI code is empty.",
            "Give the KPI code, e.g. SIP_FTE; the Guide sheet of the template lists them all.",
            kind="The KPI code is empty.",
        )
        flag(
            has["kpi_code"] & ~known_kpi,
            "kpi_code",
            lambda r: f"Unknown KPI code {_quote(r.kpi_code)}.{_suggest(r.kpi_code.upper(), ref.kpis)}",
            "Use one of the KPI codes on the Guide sheet of the template (e.g. SIP_FTE, VACANCY_RATE).",
            kind="Unknown KPI code.",
        )

    # Trust codes, then merged codes mapped to their successor.
    trust = work["trust_code"].str.upper()
    known_trust = trust.isin(ref.trusts.keys())
    flag(
        has["trust_code"] & ~known_trust,
        "trust_code",
        lambda r: f"Unknown trust code {_quote(r.trust_code)}.{_suggest(r.trust_code.upper(), ref.trusts)}",
        "Use the trust's ODS code (e.g. REM), or leave trust_code empty for a system-level figure.",
        kind="Unknown trust code.",
    )
    system_grain = has["trust_code"] & known_trust & (grain == "system")
    flag(
        system_grain,
        "trust_code",
        lambda r: (
            f"{r.kpi_code.upper()} is collected for the whole system only, not by trust "
            f"(trust_code is {_quote(r.trust_code)})."
        ),
        "Leave trust_code empty for this KPI.",
        kind="A KPI collected for the whole system only is given a trust.",
    )
    good_period = period.where(~(bad_period | future), None)
    mapped_trust, merge_notices = map_successors(
        trust.where(known_trust, ""), good_period, work["row_no"], ref
    )
    work["_trust"] = mapped_trust

    # Professions: code, name or alias, any case.
    profession_map = {v: ref.professions.get(normalise_name(v)) for v in work["profession"].unique() if v}
    profession = work["profession"].map(lambda v: profession_map.get(v) if v else None)
    work["_profession"] = profession
    not_by_profession = has["profession"] & known_kpi & (grain != "trust_profession")
    flag(
        not_by_profession,
        "profession",
        lambda r: (
            f"{r.kpi_code.upper()} is not collected by profession, but the row gives the profession "
            f"{_quote(r.profession)}."
        ),
        "Leave profession empty for this KPI (it is a figure for all AHPs).",
        kind="A KPI not collected by profession is given a profession.",
    )
    flag(
        has["profession"] & profession.isna() & ~not_by_profession,
        "profession",
        lambda r: (
            f"Unknown profession {_quote(r.profession)}."
            f"{_suggest(normalise_name(r.profession), ref.professions)}"
        ),
        "Use a profession code (e.g. PHYSIO), its name (e.g. Physiotherapists) or a known alias; leave "
        "it empty for all AHPs.",
        kind="Unknown profession.",
    )
    report(0.45, "Checking numbers")

    # Numbers.
    numbers: dict[str, pd.Series] = {}
    bad_number: dict[str, pd.Series] = {}
    for column in NUMBER_COLUMNS:
        numbers[column], bad_number[column] = parse_numbers(work[column])
        flag(
            bad_number[column],
            column,
            lambda r, column=column: f"The {column} {_quote(getattr(r, column))} is not a number.",
            lambda r, column=column: _number_fix(getattr(r, column)),
            kind=f"The {column} is not a number.",
        )
        negative = numbers[column] < 0
        flag(
            negative,
            column,
            lambda r, column=column: f"The {column} {_quote(getattr(r, column))} is negative.",
            "Figures cannot be below zero; check the sign and the column.",
            kind=f"The {column} is negative.",
        )
        bad_number[column] = bad_number[column] | negative
    value, numerator, denominator = numbers["value"], numbers["numerator"], numbers["denominator"]
    usable = {c: has[c] & ~bad_number[c] for c in NUMBER_COLUMNS}

    # Rules that depend on the kind of KPI.
    # (Without any number column the file-level problem says it all; no row-by-row repeats.)
    has_number_columns = bool(set(NUMBER_COLUMNS) & set(columns))
    is_ratio = known_kpi & (rollup == "ratio") & has_number_columns
    is_sum = known_kpi & (rollup == "sum") & has_number_columns
    flag(
        is_ratio & has["value"] & ~has["numerator"] & ~has["denominator"],
        "value",
        lambda r: (
            f"{r.kpi_code.upper()} is a rate: it needs a numerator and a denominator, not just a value "
            f"({_quote(r.value)})."
        ),
        lambda r: (
            f"Give the {ref.kpis[r.kpi_code.upper()].parts()} and leave value empty; the rate is "
            "worked out from them."
        ),
        kind="A rate KPI is given a value instead of a numerator and denominator.",
    )
    flag(
        is_ratio & ~has["value"] & ~has["numerator"] & ~has["denominator"],
        "numerator",
        lambda r: f"{r.kpi_code.upper()} is a rate, but the row has no numerator and no denominator.",
        lambda r: f"Give the {ref.kpis[r.kpi_code.upper()].parts()}.",
        kind="A rate KPI has no numerator and no denominator.",
    )
    flag(
        is_ratio & has["numerator"] & ~has["denominator"],
        "denominator",
        lambda r: f"{r.kpi_code.upper()} is a rate: the numerator is given but the denominator is missing.",
        lambda r: f"Give both: the {ref.kpis[r.kpi_code.upper()].parts()}.",
        kind="A rate KPI has a numerator but no denominator.",
    )
    flag(
        is_ratio & ~has["numerator"] & has["denominator"],
        "numerator",
        lambda r: f"{r.kpi_code.upper()} is a rate: the denominator is given but the numerator is missing.",
        lambda r: f"Give both: the {ref.kpis[r.kpi_code.upper()].parts()}.",
        kind="A rate KPI has a denominator but no numerator.",
    )
    zero = is_ratio & usable["denominator"] & (denominator == 0)
    flag(
        zero,
        "denominator",
        lambda r: f"The denominator is zero ({_quote(r.denominator)}), so the rate cannot be worked out.",
        "If there was nothing to measure this month, leave the row out; otherwise correct the denominator.",
        kind="The denominator is zero.",
    )
    both = is_ratio & usable["numerator"] & usable["denominator"] & ~zero
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = RATIO_SCALE * numerator / denominator
    over_hundred = both & (numerator > denominator) & (max_value == RATIO_SCALE)
    flag(
        over_hundred,
        "numerator",
        lambda r: (
            f"The numerator {_quote(r.numerator)} is larger than the denominator {_quote(r.denominator)}"
            ", which would make a percentage above 100."
        ),
        "Check that numerator and denominator are not swapped and are counted the same way.",
        kind="The numerator is larger than the denominator.",
    )
    over_max_ratio = both & ~over_hundred & max_value.notna() & (derived > max_value)
    flag(
        over_max_ratio,
        "numerator",
        lambda r: (
            f"The rate {RATIO_SCALE * _num(r.numerator) / _num(r.denominator):.1f} worked out from "
            f"{_quote(r.numerator)} / {_quote(r.denominator)} is above the maximum for {r.kpi_code.upper()}."
        ),
        "Check the numerator and denominator.",
        kind="The rate is above the maximum for its KPI.",
    )
    mismatch = both & usable["value"] & ((value - derived).abs() > VALUE_TOLERANCE) & ~over_hundred
    flag(
        mismatch,
        "value",
        lambda r: (
            f"The value {_quote(r.value)} does not match numerator / denominator "
            f"({RATIO_SCALE * _num(r.numerator) / _num(r.denominator):.2f} %)."
        ),
        "Leave value empty for rate KPIs (it is worked out), or correct it.",
        kind="The value does not match numerator / denominator.",
    )
    sum_with_parts = is_sum & (has["numerator"] | has["denominator"])
    flag(
        sum_with_parts,
        "numerator",
        lambda r: (
            f"{r.kpi_code.upper()} is a count, not a rate, so it takes a value, not a numerator "
            f"({_quote(r.numerator) if r.numerator else 'empty'}) and denominator "
            f"({_quote(r.denominator) if r.denominator else 'empty'})."
        ),
        "Put the figure in the value column and leave numerator and denominator empty.",
        kind="A count KPI is given a numerator or denominator.",
    )
    flag(
        is_sum & ~has["value"] & ~sum_with_parts,
        "value",
        lambda r: f"The value for {r.kpi_code.upper()} is empty.",
        "Give the figure in the value column, or leave the row out if there is no figure.",
        kind="The value of a count KPI is empty.",
    )
    over_max_sum = is_sum & usable["value"] & max_value.notna() & (value > max_value)
    flag(
        over_max_sum,
        "value",
        lambda r: (
            f"The value {_quote(r.value)} is above the maximum for {r.kpi_code.upper()} "
            f"({ref.kpis[r.kpi_code.upper()].max_value:g})."
        ),
        "Check the figure and its units (for example FTE, not hours).",
        kind="The value is above the maximum for its KPI.",
    )
    report(0.65, "Checking for duplicate rows")

    # Duplicates, on rows whose key is fully valid (after aliases and merged codes).
    key_ok = (
        known_kpi
        & has["period"]
        & ~bad_period
        & ~future
        & (~has["trust_code"] | known_trust)
        & (~has["profession"] | profession.notna())
    )
    keys = pd.DataFrame(
        {
            "kpi": work["_kpi"],
            "period": period.map(lambda p: p.isoformat() if isinstance(p, dt.date) else ""),
            "trust": work["_trust"],
            "profession": profession.fillna(""),
        }
    )[key_ok.to_numpy(dtype=bool)]
    if len(keys):
        duplicate = keys.duplicated(keep="first")
        if duplicate.any():
            first_row = (
                work.loc[keys.index, "row_no"].groupby([keys[c] for c in keys.columns]).transform("first")
            )
            duplicates = keys.index[duplicate.to_numpy()]
            duplicate_kind = "Duplicate: the same KPI, month, trust and profession as an earlier row."
            log.count(None, duplicate_kind, len(duplicates))
            for index in duplicates[: log.limit]:
                log.keep(
                    Problem(
                        int(work.at[index, "row_no"]),
                        None,
                        f"Duplicate: the same KPI ({keys.at[index, 'kpi']}), month, trust "
                        f"({keys.at[index, 'trust'] or 'system level'}) and profession "
                        f"({keys.at[index, 'profession'] or 'all AHPs'}) as row {int(first_row[index])}.",
                        f"Keep one of the two rows (row {int(first_row[index])} or this one).",
                        duplicate_kind,
                    )
                )

    if log:
        return Validated(empty_records(), log.problems, notices, rows_in_file, log)

    notices.extend(merge_notices)
    records = pd.DataFrame(
        {
            "row": work["row_no"].astype("int64"),
            "kpi_code": work["_kpi"].astype(object),
            "period": period.astype(object),
            "trust_code": work["_trust"].astype(object),
            "profession_code": profession.fillna("").astype(object),
            "value": value.where(~is_ratio, derived).astype(float),
            "numerator": numerator.where(is_ratio).astype(float),
            "denominator": denominator.where(is_ratio).astype(float),
        }
    ).reset_index(drop=True)
    report(0.7, "Rows checked")
    return Validated(records, [], notices, rows_in_file)


def _num(text_value: str) -> float:
    return float(re.sub(_SPACES, "", text_value).replace(",", ""))


def _number_fix(text_value: str) -> str:
    if "%" in text_value:
        return "Give the count as a number without %; for a rate, give numerator and denominator."
    if re.search(r"[£$€]", text_value):
        return "Write the amount without a currency sign, e.g. 1200 or 1,200."
    if re.fullmatch(r"[\d\s]+,\d{1,2}", text_value.strip()):
        return "Use a full stop for decimals (12.5, not 12,5); commas only separate thousands (1,234.5)."
    return (
        "Write a plain number such as 12, 12.5 or 1,234.5 (no text); leave the cell empty if there is none."
    )


# --- planning --------------------------------------------------------------------------------------------

PLAN_COLUMNS = [
    "row",
    "action",
    "kpi_code",
    "period",
    "trust_code",
    "profession_code",
    "value",
    "numerator",
    "denominator",
    "old_value",
    "old_numerator",
    "old_denominator",
    "old_batch_id",
    "old_synthetic",
]


@dataclass
class Plan:
    """What importing the records would do to the database."""

    added: pd.DataFrame
    changed: pd.DataFrame  # with id, old_value, old_numerator, old_denominator, old_batch_id, old_synthetic
    skipped: int
    synthetic_replaced: int
    synthetic_in_database: int
    fingerprint: tuple


def _key(kpi: pd.Series, period_iso: pd.Series, trust: pd.Series, profession: pd.Series) -> pd.Series:
    return (
        kpi.astype(str)
        + "|"
        + period_iso.astype(str)
        + "|"
        + trust.astype(str)
        + "|"
        + profession.astype(str)
    )


def _fingerprint(conn: Connection, *, exclude_batch: int | None = None) -> tuple:
    """Changes whenever a batch is written, undone or removed, or an observation added or deleted."""
    batches = select(
        func.coalesce(func.max(_b.c.id), 0), func.sum(case((_b.c.status == "undone", 1), else_=0))
    )
    if exclude_batch is not None:
        batches = batches.where(_b.c.id != exclude_batch)
    max_batch, undone = conn.execute(batches).one()
    count, max_id = conn.execute(select(func.count(), func.coalesce(func.max(_o.c.id), 0))).one()
    return (int(max_batch), int(undone or 0), int(count), int(max_id))


def _existing(conn: Connection, records: pd.DataFrame) -> pd.DataFrame:
    kpis = sorted(set(records["kpi_code"]))
    query = (
        select(
            _o.c.id,
            _o.c.kpi_code,
            _o.c.trust_code,
            _o.c.profession_code,
            _o.c.period,
            _o.c.value,
            _o.c.numerator,
            _o.c.denominator,
            _o.c.batch_id,
            _b.c.is_synthetic,
        )
        .join(_b, _b.c.id == _o.c.batch_id)
        .where(
            _o.c.kpi_code.in_(kpis),
            _o.c.period >= min(records["period"]),
            _o.c.period <= max(records["period"]),
        )
    )
    result = conn.execute(query)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        return frame
    frame["key"] = _key(
        frame["kpi_code"],
        pd.to_datetime(frame["period"]).dt.strftime("%Y-%m-%d"),
        frame["trust_code"].fillna(""),
        frame["profession_code"].fillna(""),
    )
    return frame


def _same(new: pd.Series, old: pd.Series) -> np.ndarray:
    a, b = new.to_numpy(dtype=float), old.to_numpy(dtype=float)
    both_missing = np.isnan(a) & np.isnan(b)
    close = np.isclose(np.nan_to_num(a), np.nan_to_num(b), rtol=1e-9, atol=1e-9) & (
        np.isnan(a) == np.isnan(b)
    )
    return both_missing | close


def plan(conn: Connection, records: pd.DataFrame, *, exclude_batch: int | None = None) -> Plan:
    """Compare the records with the database: added, changed (with the old figures) and skipped."""
    fingerprint = _fingerprint(conn, exclude_batch=exclude_batch)
    synthetic_total = conn.execute(
        select(func.count()).select_from(_o.join(_b, _b.c.id == _o.c.batch_id)).where(_b.c.is_synthetic)
    ).scalar_one()
    if records.empty:
        empty = pd.DataFrame(columns=PLAN_COLUMNS)
        return Plan(empty, empty, 0, 0, int(synthetic_total), fingerprint)
    new = records.copy()
    new["key"] = _key(
        new["kpi_code"],
        new["period"].map(lambda p: p.isoformat()),
        new["trust_code"],
        new["profession_code"],
    )
    existing = _existing(conn, records)
    if existing.empty:
        added = new.drop(columns="key").assign(action="add")
        changed = pd.DataFrame(columns=[*PLAN_COLUMNS, "id"])
        return Plan(added, changed, 0, 0, int(synthetic_total), fingerprint)
    old = existing.rename(
        columns={
            "value": "old_value",
            "numerator": "old_numerator",
            "denominator": "old_denominator",
            "batch_id": "old_batch_id",
            "is_synthetic": "old_synthetic",
        }
    )[["key", "id", "old_value", "old_numerator", "old_denominator", "old_batch_id", "old_synthetic"]]
    merged = new.merge(old, on="key", how="left", validate="one_to_one")
    found = merged["id"].notna().to_numpy()
    is_ratio = merged["denominator"].notna().to_numpy()
    same_ratio = _same(merged["numerator"], merged["old_numerator"]) & _same(
        merged["denominator"], merged["old_denominator"]
    )
    same_sum = _same(merged["value"], merged["old_value"]) & np.isnan(
        merged["old_numerator"].to_numpy(dtype=float)
    )
    same = np.where(is_ratio, same_ratio, same_sum)
    added = merged[~found].drop(columns=["key", "id", *old.columns[2:]]).assign(action="add")
    changed = merged[found & ~same].drop(columns="key").assign(action="change")
    changed["id"] = changed["id"].astype("int64")
    changed["old_batch_id"] = changed["old_batch_id"].astype("int64")
    changed["old_synthetic"] = changed["old_synthetic"].astype(bool)
    skipped = int((found & same).sum())
    return Plan(
        added.reset_index(drop=True),
        changed.reset_index(drop=True),
        skipped,
        int(changed["old_synthetic"].sum()),
        int(synthetic_total),
        fingerprint,
    )


# --- preview and apply -----------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """Everything the user needs to decide, and everything `apply_import` needs to write, without
    reading the file again."""

    file_name: str
    sha256: str
    source: str
    file_type: str | None
    rows_in_file: int
    problems: list[Problem]
    notices: list[Notice]
    records: pd.DataFrame
    plan: Plan | None
    excluded: dict[str, int] = field(default_factory=dict)
    batch_notes: str = ""
    # `problems` holds the first MAX_PROBLEMS in file order; these count them all (None: problems is all).
    problems_total: int | None = None
    problem_kinds: list[ProblemKind] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        """Every problem in the file, listed or not."""
        return len(self.problems) if self.problems_total is None else self.problems_total

    @property
    def problems_not_listed(self) -> int:
        return self.problem_count - len(self.problems)

    def kinds(self) -> list[ProblemKind]:
        """Every kind of problem with its count, most frequent first."""
        if self.problem_kinds:
            return list(self.problem_kinds)
        log = ProblemLog()
        log.extend(self.problems)
        return log.kinds()

    def more_problems(self) -> str:
        """'… and 998,765 more problems of the same kinds: fix these and upload again.' ('' if none)."""
        return more_problems_text(self.problems_not_listed, self.kinds())

    @property
    def ok(self) -> bool:
        """True when the file has no problems and can be imported."""
        return not self.problems and self.plan is not None

    @property
    def rows_added(self) -> int:
        return len(self.plan.added) if self.plan else 0

    @property
    def rows_changed(self) -> int:
        return len(self.plan.changed) if self.plan else 0

    @property
    def rows_skipped(self) -> int:
        return self.plan.skipped if self.plan else 0

    @property
    def has_changes(self) -> bool:
        """True when importing would overwrite figures already in the database (needs `replace`)."""
        return self.rows_changed > 0

    @property
    def table(self) -> pd.DataFrame:
        """The added and changed rows, with the old figures of changed rows, in file order."""
        if not self.plan:
            return pd.DataFrame(columns=PLAN_COLUMNS)
        frames = [f for f in (self.plan.added, self.plan.changed) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=PLAN_COLUMNS)
        frame = pd.concat(frames, ignore_index=True).reindex(columns=PLAN_COLUMNS)
        frame["trust_code"] = frame["trust_code"].replace("", None)
        frame["profession_code"] = frame["profession_code"].replace("", None)
        return frame.sort_values("row", kind="stable", ignore_index=True)

    def summary(self) -> str:
        if self.problems:
            count = self.problem_count
            return f"{count:,} problem{'s' if count != 1 else ''} found; nothing can be imported until fixed."
        return (
            f"{self.rows_in_file:,} rows read. Figures: {self.rows_added:,} new, {self.rows_changed:,} would "
            f"change, {self.rows_skipped:,} already in the database with the same values."
        )


@dataclass(frozen=True)
class ImportResult:
    applied: bool
    message: str
    batch_id: int | None = None
    rows_added: int = 0
    rows_changed: int = 0
    rows_skipped: int = 0
    demo_rows_removed: int = 0
    replanned: bool = False


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _no_progress(_fraction: float, _message: str) -> None:
    return None


def refused_preview(
    file_name: str,
    sha256: str,
    source: str,
    file_type: str | None,
    rows_in_file: int,
    problems: Iterable[Problem] | ProblemLog,
    notices: list[Notice],
    excluded: dict[str, int] | None = None,
    batch_notes: str = "",
) -> ImportPreview:
    """The preview of a file that cannot be imported: the first MAX_PROBLEMS problems and the counts of
    all of them, and no table (nothing else of the file is kept)."""
    log = problems if isinstance(problems, ProblemLog) else ProblemLog()
    if not isinstance(problems, ProblemLog):
        log.extend(problems)
    return ImportPreview(
        file_name, sha256, source, file_type, rows_in_file, log.problems, list(notices), empty_records(),
        None, dict(excluded or {}), batch_notes, log.total, log.kinds(),
    )  # fmt: skip


def prepare_import(
    engine: Engine,
    file_name: str,
    data: bytes,
    *,
    source: str = "upload",
    max_bytes: int = MAX_BYTES,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Read, validate and plan a template file. Writes nothing; needs no particular role."""
    report = progress or _no_progress
    report(0.0, "Reading the file")
    read = read_table(file_name, data, max_bytes=max_bytes)
    sha = file_sha256(data)
    if read.table is None:
        return refused_preview(file_name, sha, source, read.file_type, 0, read.log, read.notices)
    return prepare_table(
        engine,
        file_name,
        sha,
        read.table,
        source=source,
        file_type=read.file_type,
        read_problems=read.log,
        notices=read.notices,
        today=today,
        progress=report,
    )


def prepare_table(
    engine: Engine,
    file_name: str,
    sha256: str,
    table: pd.DataFrame,
    *,
    source: str,
    file_type: str | None = None,
    read_problems: list[Problem] | ProblemLog | None = None,
    notices: list[Notice] | None = None,
    rows_in_file: int | None = None,
    excluded: dict[str, int] | None = None,
    batch_notes: str = "",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Validate and plan a template-shaped table (text cells, `row_no` column). Shared by the
    template import and the adapters for other sources."""
    report = progress or _no_progress
    ref = load_reference_data(engine)
    validated = validate_table(table, ref, today=today, progress=lambda f, m: report(0.05 + 0.6 * f, m))
    problems = ProblemLog()
    problems.extend(read_problems)
    problems.extend(validated.problem_log or validated.problems)
    all_notices = [*(notices or []), *validated.notices]
    count = validated.rows_in_file if rows_in_file is None else rows_in_file
    if problems:
        report(1.0, "Problems found")
        return refused_preview(
            file_name, sha256, source, file_type, count, problems, all_notices, excluded, batch_notes
        )
    report(0.7, "Comparing with the database")
    with engine.connect() as conn:
        the_plan = plan(conn, validated.records)
        earlier = conn.execute(
            select(_b.c.id, _b.c.imported_at, _b.c.imported_by)
            .where(_b.c.sha256 == sha256, _b.c.status == "applied")
            .order_by(_b.c.id.desc())
        ).first()
    if earlier is not None:
        all_notices.append(
            Notice(
                None,
                f"This exact file was imported before (import {earlier.id}, by {earlier.imported_by}"
                + (f" on {earlier.imported_at:%d/%m/%Y %H:%M}" if earlier.imported_at else "")
                + ").",
            )
        )
    if the_plan.synthetic_in_database:
        all_notices.append(
            Notice(
                None,
                f"The database holds {the_plan.synthetic_in_database:,} SYNTHETIC demo figures. "
                f"{the_plan.synthetic_replaced:,} of them have the same KPI, month, trust and profession as "
                "rows in this file and will be replaced by your figures (counted as changed). The other demo "
                "figures stay, labelled synthetic, and any total that includes one is labelled synthetic. "
                "To load real data alone, choose to remove the demo data when importing.",
            )
        )
    report(1.0, "Ready to import")
    return ImportPreview(
        file_name, sha256, source, file_type, count, [], all_notices, validated.records, the_plan,
        dict(excluded or {}), batch_notes,
    )  # fmt: skip


class _Abort(Exception):
    """Leave the transaction without writing (rolls back) and return this result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.message)
        self.result = result


def _lock_for_writing(conn: Connection) -> None:
    """Serialise imports and undos. PostgreSQL: a table lock that blocks other writers but not readers.
    SQLite takes its single write lock at the first write, which callers make their first statement."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE observations, import_batches IN SHARE ROW EXCLUSIVE MODE"))


def _none_if_nan(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    out = frame[columns].astype(object).where(frame[columns].notna(), None).to_dict("records")
    for record in out:
        for column in ("trust_code", "profession_code"):
            if column in record and record[column] == "":
                record[column] = None
    return out


# Sets one stored figure in place (by id) to new values and the batch they come from: used by an import
# replacing figures and by an undo putting them back.
_SET_FIGURE = (
    update(_o)
    .where(_o.c.id == bindparam("b_id"))
    .values(
        value=bindparam("b_value"),
        numerator=bindparam("b_numerator"),
        denominator=bindparam("b_denominator"),
        batch_id=bindparam("b_batch"),
    )
)


def _write_in_chunks(
    conn: Connection,
    statement: Any,
    rows: list[dict[str, Any]],
    step: Callable[[int, str], None] | None = None,
    message: str = "",
) -> None:
    """Execute `statement` for `rows` in chunks, reporting progress after each when `step` is given."""
    for start in range(0, len(rows), _WRITE_CHUNK):
        chunk = rows[start : start + _WRITE_CHUNK]
        conn.execute(statement, chunk)
        if step:
            step(len(chunk), message)


def apply_import(
    engine: Engine,
    user: User,
    preview: ImportPreview,
    *,
    replace: bool,
    source: str | None = None,
    remove_demo: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write a previewed import in one transaction (all or nothing). Only the workforce lead may.

    With changes to existing figures and `replace` False, nothing is written and the result says how
    many figures would change. When nothing would change, nothing is written either. If the database
    changed since the preview, the plan is recomputed inside the transaction first."""
    require_lead(user, "import data")
    report = progress or _no_progress
    source = source or preview.source
    if not preview.ok:
        return ImportResult(False, f"Nothing was imported: {preview.summary()}")
    try:
        with session_scope(engine) as session:
            conn = session.connection()
            _lock_for_writing(conn)
            report(0.0, "Starting the import")
            now = dt.datetime.now(dt.UTC)
            # The first write: on SQLite it takes the database's write lock before anything is read.
            batch_id = conn.execute(
                insert(_b).returning(_b.c.id),
                {
                    "file_name": preview.file_name[:255],
                    "sha256": preview.sha256,
                    "source": source[:32],
                    "is_synthetic": False,
                    "rows_in_file": preview.rows_in_file,
                    "rows_added": 0,
                    "rows_changed": 0,
                    "rows_skipped": 0,
                    "imported_by": user.label[:255],
                    "imported_at": now,
                    "status": "applied",
                    "notes": preview.batch_notes,
                },
            ).scalar_one()
            the_plan = preview.plan
            assert the_plan is not None
            replanned = False
            if _fingerprint(conn, exclude_batch=batch_id) != the_plan.fingerprint:
                report(0.05, "The database changed since the preview; comparing again")
                the_plan = plan(conn, preview.records, exclude_batch=batch_id)
                replanned = True
            added, changed = the_plan.added, the_plan.changed
            again = " (compared again: the database changed since the preview)" if replanned else ""
            if changed.shape[0] and not replace:
                raise _Abort(
                    ImportResult(
                        False,
                        f"Nothing was imported: {len(changed):,} figure(s) already in the database would "
                        f"change{again}. Review them and choose to replace, or remove those rows.",
                        rows_added=len(added),
                        rows_changed=len(changed),
                        rows_skipped=the_plan.skipped,
                        replanned=replanned,
                    )
                )
            demo_rows = the_plan.synthetic_in_database - the_plan.synthetic_replaced if remove_demo else 0
            if added.empty and changed.empty and not demo_rows:
                raise _Abort(
                    ImportResult(
                        False,
                        f"Nothing to import: all {the_plan.skipped:,} figures are already in the database "
                        f"with the same values{again}.",
                        rows_skipped=the_plan.skipped,
                        replanned=replanned,
                    )
                )
            total = len(added) + 2 * len(changed) + (1 if demo_rows else 0)
            done = 0

            def step(count: int, message: str) -> None:
                nonlocal done
                done += count
                report(0.1 + 0.85 * done / max(total, 1), message)

            if not changed.empty:
                saved = changed.assign(
                    batch_id=batch_id,
                    previous_batch_id=changed["old_batch_id"],
                    value=changed["old_value"],
                    numerator=changed["old_numerator"],
                    denominator=changed["old_denominator"],
                )
                replaced_rows = _records(
                    saved,
                    [
                        "batch_id",
                        "kpi_code",
                        "trust_code",
                        "profession_code",
                        "period",
                        "value",
                        "numerator",
                        "denominator",
                        "previous_batch_id",
                    ],
                )
                _write_in_chunks(conn, insert(_r), replaced_rows, step, "Saving the figures being replaced")
                updates = [
                    {
                        "b_id": int(row["id"]),
                        "b_value": _none_if_nan(row["value"]),
                        "b_numerator": _none_if_nan(row["numerator"]),
                        "b_denominator": _none_if_nan(row["denominator"]),
                        "b_batch": batch_id,
                    }
                    for row in changed[["id", "value", "numerator", "denominator"]].to_dict("records")
                ]
                _write_in_chunks(conn, _SET_FIGURE, updates, step, "Updating changed figures")
            if not added.empty:
                new_rows = _records(
                    added.assign(batch_id=batch_id),
                    [
                        "kpi_code",
                        "trust_code",
                        "profession_code",
                        "period",
                        "value",
                        "numerator",
                        "denominator",
                        "batch_id",
                    ],
                )
                _write_in_chunks(conn, insert(_o), new_rows, step, "Adding new figures")
            removed = 0
            if remove_demo:
                removed = _remove_demo_rows(conn, batch_id)
                step(1, "Removing the synthetic demo figures")
            notes = preview.batch_notes
            if removed:
                notes = (notes + "\n" if notes else "") + f"Removed {removed:,} synthetic demo figures."
            conn.execute(
                update(_b)
                .where(_b.c.id == batch_id)
                .values(
                    rows_added=len(added),
                    rows_changed=len(changed),
                    rows_skipped=the_plan.skipped,
                    notes=notes,
                )
            )
            report(1.0, "Import complete")
            message = (
                f"Imported {preview.file_name} as import {batch_id}: {len(added):,} new, {len(changed):,} "
                f"changed, {the_plan.skipped:,} unchanged"
                + (f"; {removed:,} synthetic demo figures removed" if removed else "")
                + f"{again}."
            )
            return ImportResult(
                True,
                message,
                batch_id=batch_id,
                rows_added=len(added),
                rows_changed=len(changed),
                rows_skipped=the_plan.skipped,
                demo_rows_removed=removed,
                replanned=replanned,
            )
    except _Abort as abort:
        return abort.result
    except IntegrityError:
        return ImportResult(
            False,
            "Nothing was imported: someone else changed the same figures at the same moment. "
            "Check the file again and retry.",
        )


def _remove_demo_rows(conn: Connection, batch_id: int) -> int:
    """Move every remaining synthetic figure into replaced_observations (for undo) and delete it."""
    synthetic_batches = select(_b.c.id).where(_b.c.is_synthetic)
    columns = ["kpi_code", "trust_code", "profession_code", "period", "value", "numerator", "denominator"]
    conn.execute(
        insert(_r).from_select(
            ["batch_id", *columns, "previous_batch_id"],
            select(
                literal(batch_id, Integer),
                *[_o.c[c] for c in columns],
                _o.c.batch_id,
            ).where(_o.c.batch_id.in_(synthetic_batches)),
        )
    )
    return conn.execute(delete(_o).where(_o.c.batch_id.in_(synthetic_batches))).rowcount or 0


# --- undo ------------------------------------------------------------------------------------------------


class UndoRefused(ValueError):
    """An import cannot be undone; the message says why and what to do."""


@dataclass(frozen=True)
class UndoResult:
    batch_id: int
    rows_restored: int
    rows_deleted: int
    message: str


def undo_batch(engine: Engine, user: User, batch_id: int, *, progress: Progress | None = None) -> UndoResult:
    """Undo an import: put back every figure it replaced or removed, delete the figures it added, and
    mark it undone. Only the workforce lead may. Refused (UndoRefused) for the demo batch, a batch
    already undone, or when a later import still applied changed some of the same figures."""
    require_lead(user, "undo an import")
    report = progress or _no_progress
    report(0.0, "Checking the import")
    with session_scope(engine) as session:
        conn = session.connection()
        _lock_for_writing(conn)
        now = dt.datetime.now(dt.UTC)
        # The first write (takes SQLite's write lock): mark undone only if it may be.
        marked = conn.execute(
            update(_b)
            .where(
                _b.c.id == batch_id,
                _b.c.status == "applied",
                _b.c.is_synthetic.is_(False),
                _b.c.source != DEMO_SOURCE,
            )
            .values(status="undone", undone_by=user.label[:255], undone_at=now)
        ).rowcount
        if marked != 1:
            _refuse_undo(conn, batch_id)
        batch = conn.execute(select(_b).where(_b.c.id == batch_id)).one()
        later = conn.execute(
            select(_r.c.batch_id, _b.c.file_name, func.count())
            .join(_b, _b.c.id == _r.c.batch_id)
            .where(_r.c.previous_batch_id == batch_id, _r.c.batch_id != batch_id, _b.c.status == "applied")
            .group_by(_r.c.batch_id, _b.c.file_name)
            .order_by(_r.c.batch_id.desc())
        ).all()
        if later:
            newest = later[0]
            raise UndoRefused(
                f"Import {batch_id} ({batch.file_name}) cannot be undone: a later import, {newest[0]} "
                f"({newest[1]}), changed {newest[2]:,} of its figures. Undo import {newest[0]} first"
                + (
                    f" (and then imports {', '.join(str(r[0]) for r in later[1:])})."
                    if len(later) > 1
                    else "."
                )
            )
        result = conn.execute(select(_r).where(_r.c.batch_id == batch_id))
        replaced = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        restored = 0
        report(0.3, "Restoring replaced figures")
        if not replaced.empty:
            missing_batches = set(replaced["previous_batch_id"].astype(int)) - set(
                conn.execute(
                    select(_b.c.id).where(
                        _b.c.id.in_(replaced["previous_batch_id"].astype(int).unique().tolist())
                    )
                ).scalars()
            )
            if missing_batches:
                raise UndoRefused(
                    f"Import {batch_id} cannot be undone: the import(s) it replaced figures from "
                    f"({', '.join(str(b) for b in sorted(missing_batches))}) no longer exist."
                )
            replaced["key"] = _key(
                replaced["kpi_code"],
                pd.to_datetime(replaced["period"]).dt.strftime("%Y-%m-%d"),
                replaced["trust_code"].fillna(""),
                replaced["profession_code"].fillna(""),
            )
            replaced["period"] = pd.to_datetime(replaced["period"]).dt.date
            current = _existing(conn, replaced)
            lookup = (
                current.set_index("key")[["id", "batch_id"]]
                if not current.empty
                else pd.DataFrame(columns=["id", "batch_id"])
            ).rename(columns={"id": "current_id", "batch_id": "current_batch"})
            joined = replaced.join(lookup, on="key")
            taken = joined["current_batch"].notna() & (joined["current_batch"] != batch_id)
            if taken.any():
                others = sorted({int(b) for b in joined.loc[taken, "current_batch"]})
                raise UndoRefused(
                    f"Import {batch_id} ({batch.file_name}) cannot be undone: {int(taken.sum()):,} of the "
                    f"figures it replaced have since been loaded again by import(s) "
                    f"{', '.join(map(str, others))}. Undo those first."
                )
            in_place = joined[joined["current_batch"].notna()]
            reinsert = joined[joined["current_batch"].isna()]
            updates = [
                {
                    "b_id": int(row["current_id"]),
                    "b_value": _none_if_nan(row["value"]),
                    "b_numerator": _none_if_nan(row["numerator"]),
                    "b_denominator": _none_if_nan(row["denominator"]),
                    "b_batch": int(row["previous_batch_id"]),
                }
                for row in in_place[
                    ["current_id", "value", "numerator", "denominator", "previous_batch_id"]
                ].to_dict("records")
            ]
            _write_in_chunks(conn, _SET_FIGURE, updates)
            restored += len(updates)
        report(0.6, "Deleting added figures")
        deleted = conn.execute(delete(_o).where(_o.c.batch_id == batch_id)).rowcount or 0
        if not replaced.empty and not reinsert.empty:
            rows = _records(
                reinsert.assign(batch_id=reinsert["previous_batch_id"].astype(int)),
                [
                    "kpi_code",
                    "trust_code",
                    "profession_code",
                    "period",
                    "value",
                    "numerator",
                    "denominator",
                    "batch_id",
                ],
            )
            for row in rows:
                row["batch_id"] = int(row["batch_id"])
            _write_in_chunks(conn, insert(_o), rows)
            restored += len(rows)
        report(1.0, "Undone")
        return UndoResult(
            batch_id,
            restored,
            deleted,
            f"Import {batch_id} ({batch.file_name}) undone: {restored:,} earlier figures restored, "
            f"{deleted:,} added figures removed.",
        )


def _refuse_undo(conn: Connection, batch_id: int) -> None:
    batch = conn.execute(select(_b).where(_b.c.id == batch_id)).first()
    if batch is None:
        raise UndoRefused(f"There is no import {batch_id}.")
    if batch.status == "undone":
        when = f" on {batch.undone_at:%d/%m/%Y %H:%M}" if batch.undone_at else ""
        raise UndoRefused(
            f"Import {batch_id} ({batch.file_name}) was already undone{when} by {batch.undone_by}."
        )
    raise UndoRefused(
        f"Import {batch_id} is the synthetic demo data, which cannot be undone. Import real data over it "
        "(optionally removing the demo data), or use a separate database."
    )


# --- the template ----------------------------------------------------------------------------------------

TEMPLATE_EXAMPLES: list[dict[str, Any]] = [
    {
        "period": "2025-03",
        "trust_code": "REM",
        "profession": "Physiotherapists",
        "kpi_code": "SIP_FTE",
        "value": 312.4,
        "numerator": None,
        "denominator": None,
    },
    {
        "period": "2025-03",
        "trust_code": "REM",
        "profession": "Physiotherapists",
        "kpi_code": "VACANCY_RATE",
        "value": None,
        "numerator": 24.6,
        "denominator": 337.0,
    },
    {
        "period": "2025-03",
        "trust_code": None,
        "profession": None,
        "kpi_code": "FUNDING_SECURED",
        "value": 25000,
        "numerator": None,
        "denominator": None,
    },
]

COLUMN_GUIDE: list[tuple[str, str, str]] = [
    (
        "period",
        "yes",
        f"The month the figure is for. Accepted: {PERIOD_FORMATS_TEXT}. Any day stands for its month. "
        "Not later than the current month.",
    ),
    (
        "trust_code",
        "no",
        "The trust's ODS code, e.g. REM. Leave empty for a figure for the whole of Cheshire and "
        "Merseyside (system level). Old codes of merged trusts (e.g. RVY) are accepted and loaded under the "
        "successor from the merger date.",
    ),
    (
        "profession",
        "no",
        "The profession's code (e.g. PHYSIO), name (e.g. Physiotherapists) or another common name "
        "(e.g. Chiropodists/Podiatrists), any case. Leave empty for all AHPs. Only for KPIs collected by "
        "profession.",
    ),
    ("kpi_code", "yes", "The KPI code, e.g. SIP_FTE (see the list of KPI codes)."),
    (
        "value",
        "count KPIs",
        "The figure for a count KPI (type 'sum'). Leave empty for rate KPIs: their value is worked out "
        "(if you fill it in, it must match 100 x numerator / denominator to within 0.5).",
    ),
    (
        "numerator",
        "rate KPIs",
        "For a rate KPI (type 'ratio'): the count on top, e.g. vacant FTE. Not more than the denominator.",
    ),
    (
        "denominator",
        "rate KPIs",
        "For a rate KPI: the count underneath, e.g. establishment FTE. Not zero. The rate is "
        "100 x numerator / denominator.",
    ),
]

RULES_GUIDE: list[str] = [
    "One row per figure: one KPI, one month, one trust (or the system) and one profession (or all AHPs).",
    "Numbers: digits with an optional decimal point; thousands separators (1,234.5) and spaces are fine. "
    "No £, %, words or negative numbers.",
    "Every problem in the file is listed at once, with its row and how to fix it; nothing is loaded until "
    "the file has no problems.",
    "A row that is already in the database with the same figures is skipped, so loading a file twice "
    "changes nothing. A row that would change a stored figure is shown first, and is only loaded when "
    "you choose to replace.",
    "Every import can be undone from the import history, latest first.",
]


def _reference_rows() -> dict[str, list[dict[str, Any]]]:
    from kpi.reference import read_reference_csv

    return {
        name: read_reference_csv(name) for name in ("kpis", "trusts", "professions", "profession_aliases")
    }


def template_frame() -> pd.DataFrame:
    """The template's header and example rows."""
    return pd.DataFrame(TEMPLATE_EXAMPLES, columns=list(TEMPLATE_COLUMNS))


def template_csv() -> bytes:
    """The import template as CSV: a header row and three example rows (a count KPI by trust and
    profession, a rate KPI, and a system-level figure)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for example in TEMPLATE_EXAMPLES:
        writer.writerow(["" if example[c] is None else _cell_text(example[c]) for c in TEMPLATE_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The import template as an Excel workbook: the Data sheet (header and three example rows) and a
    Guide sheet explaining each column, the accepted period formats and the codes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="005EB8")
    workbook = Workbook()
    data = workbook.active
    data.title = "Data"
    data.append(list(TEMPLATE_COLUMNS))
    for example in TEMPLATE_EXAMPLES:
        data.append([example[c] for c in TEMPLATE_COLUMNS])
    for cell in data[1]:
        cell.font, cell.fill = bold, fill
    for row in data.iter_rows(min_row=2, max_col=4):
        for cell in row:
            cell.number_format = "@"  # text: Excel must not turn 2025-03 into a date
    for letter, width in zip("ABCDEFG", (12, 12, 28, 22, 12, 12, 12), strict=True):
        data.column_dimensions[letter].width = width
    data.freeze_panes = "A2"

    guide = workbook.create_sheet("Guide")
    wrap = Alignment(wrap_text=True, vertical="top")

    def heading(title: str) -> None:
        guide.append([])
        guide.append([title])
        guide.cell(guide.max_row, 1).font = Font(bold=True, size=13)

    def table(header: list[str], rows: Iterable[Iterable[Any]]) -> None:
        guide.append(header)
        for cell in guide[guide.max_row]:
            cell.font, cell.fill = bold, fill
        for row in rows:
            guide.append(list(row))
            for cell in guide[guide.max_row]:
                cell.alignment = wrap

    guide.append(["How to fill in the C&M AHP workforce data template"])
    guide.cell(1, 1).font = Font(bold=True, size=14)
    for rule in RULES_GUIDE:
        guide.append([rule])
    heading("Columns")
    table(["column", "required", "what to put"], COLUMN_GUIDE)
    heading("Accepted period formats")
    table(
        ["you write", "means"],
        [
            ("2025-03", "March 2025"),
            ("2025-03-01", "March 2025 (any day of the month)"),
            ("01/03/2025", "March 2025 (day first, UK style)"),
            ("Mar 2025", "March 2025"),
            ("March 2025", "March 2025"),
        ],
    )
    reference = _reference_rows()
    heading("KPI codes")
    table(
        ["kpi_code", "name", "type", "by profession", "numerator", "denominator"],
        [
            (
                k["code"],
                k["name"],
                "ratio (give numerator and denominator)" if k["rollup"] == "ratio" else "sum (give value)",
                {"trust_profession": "yes", "trust": "no", "system": "no (system level only)"}[k["grain"]],
                k["numerator"],
                k["denominator"],
            )
            for k in reference["kpis"]
        ],
    )
    heading("Trust codes")
    table(
        ["trust_code", "name", "notes"], [(t["ods_code"], t["name"], t["notes"]) for t in reference["trusts"]]
    )
    heading("Professions")
    aliases: dict[str, list[str]] = {}
    for alias in reference["profession_aliases"]:
        aliases.setdefault(alias["profession_code"], []).append(alias["alias"])
    table(
        ["code", "name", "also accepted"],
        [(p["code"], p["name"], "; ".join(aliases.get(p["code"], []))) for p in reference["professions"]],
    )
    for letter, width in zip("ABCDEF", (24, 48, 40, 22, 36, 36), strict=True):
        guide.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_guide() -> str:
    """How to fill in the template, as Markdown (for the README and the app)."""
    reference = _reference_rows()
    lines = [
        "### The monthly data template",
        "",
        f"Columns, in any order: `{'`, `'.join(TEMPLATE_COLUMNS)}`. Save as CSV (UTF-8) or Excel (.xlsx, "
        "first sheet), up to 20 MB.",
        "",
        *[f"- {rule}" for rule in RULES_GUIDE],
        "",
        "| column | required | what to put |",
        "|---|---|---|",
        *[f"| `{name}` | {required} | {text_value} |" for name, required, text_value in COLUMN_GUIDE],
        "",
        f"**Periods**: {PERIOD_FORMATS_TEXT}. Any day stands for its month.",
        "",
        "**KPI codes**",
        "",
        "| code | name | type | by profession |",
        "|---|---|---|---|",
        *[
            f"| `{k['code']}` | {k['name']} | "
            + ("rate: numerator / denominator" if k["rollup"] == "ratio" else "count: value")
            + f" | {'yes' if k['grain'] == 'trust_profession' else 'no'} |"
            for k in reference["kpis"]
        ],
        "",
        "**Trust codes**: "
        + ", ".join(f"`{t['ods_code']}` {t['short_name']}" for t in reference["trusts"])
        + ". Empty = the whole system.",
        "",
        "**Professions** (code, name or alias): "
        + ", ".join(f"`{p['code']}` {p['name']}" for p in reference["professions"])
        + ". Empty = all AHPs.",
        "",
    ]
    return "\n".join(lines)


__all__ = [
    "MAX_BYTES",
    "MAX_PROBLEMS",
    "SOURCES",
    "TEMPLATE_COLUMNS",
    "ImportPreview",
    "ImportResult",
    "Notice",
    "Problem",
    "ProblemKind",
    "ProblemLog",
    "TableRead",
    "UndoRefused",
    "UndoResult",
    "apply_import",
    "parse_numbers",
    "parse_period",
    "prepare_import",
    "prepare_table",
    "problems_csv",
    "read_table",
    "template_csv",
    "template_guide",
    "template_xlsx",
    "undo_batch",
    "validate_table",
]
