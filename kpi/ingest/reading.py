"""Reading a file (`read_table`): CSV (UTF-8 with or without a byte-order mark, else Windows-1252, which
is what Excel writes) or XLSX (the first sheet), every cell as text, within the size limits. The file type
is decided by content and extension together. A file that is neither, or is too big, is a problem, not an
exception."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import pandas as pd

from kpi.ingest.constants import MAX_BYTES, MAX_COLUMNS, MAX_UNPACK_RATIO, TEMPLATE_COLUMNS
from kpi.ingest.problems import Notice, Problem, ProblemLog, quote


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


def cell_text(value: Any) -> str:
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


_TOO_MANY_CELLS = "The row has more cells than the header."


def _fit_row(
    row_no: int, cells: list[str], width: int, file_type: str, log: ProblemLog, misaligned: set[int]
) -> list[str]:
    """The row cut or padded to the header's width. A row with values beyond the header is a problem
    (kept for the first rows, past the cap only counted) and is remembered in `misaligned`."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    extra = [c for c in cells[width:] if c.strip()]
    if extra and len(misaligned) >= log.limit:  # past the cap: count, do not keep
        log.count(None, _TOO_MANY_CELLS)
        misaligned.add(row_no)
    elif extra:
        log.add(
            Problem(
                row_no,
                None,
                f"Row {row_no} has {len(cells)} cells but the header has {width}; the extra values "
                f"start with {quote(extra[0])}.",
                "Delete whatever is to the right of the last column."
                if file_type == "xlsx"
                else 'Check for a comma inside a value: write 1,234.5 in quotes ("1,234.5") or as '
                "1234.5, and remove any extra cells.",
                _TOO_MANY_CELLS,
            )
        )
        misaligned.add(row_no)
    return cells[:width]


def _column_names(header: list[str]) -> list[str]:
    """The header as column names: a blank heading named after its column letter, and `row_no` (the
    name the table uses for row numbers) renamed."""
    names: list[str] = []
    for index, name in enumerate(header):
        if not name:
            name = f"(column {_column_letter(index)}, no heading)"
        elif name == "row_no":
            name = f"row_no (column {_column_letter(index)})"
        names.append(name)
    return names


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
    for row_no, row in rows:
        cells = ["" if c is None else str(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            if (width := _header_width(cells)) > MAX_COLUMNS:
                problem = too_wide(width, [c.strip() for c in cells[:SHOWN_HEADINGS]], one_line=False)
                return TableRead(None, [problem], file_type=file_type, encoding=encoding)
            header = [c.replace("\ufeff", "").strip() for c in cells]
            header_row = row_no
            continue
        records.append(_fit_row(row_no, cells, len(header), file_type, log, misaligned))
        numbers.append(row_no)
    if header is None:
        return TableRead(None, [EMPTY_FILE], file_type=file_type, encoding=encoding)
    # Trailing header cells that are blank, with nothing under them, are Excel noise: drop them.
    while header and not header[-1] and all(not r[len(header) - 1].strip() for r in records):
        header.pop()
        records = [r[: len(header)] for r in records]
    names = _column_names(header)
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


TOO_WIDE = "The header has more columns than the importer reads."
SHOWN_HEADINGS = 8


def too_wide(cells: int, first: list[str], *, one_line: bool, about: bool = False) -> Problem:
    """The problem of a header of `cells` columns (over MAX_COLUMNS), showing its first headings; a file
    that is one line is most likely a CSV whose line breaks were lost."""
    shown = ", ".join(quote(c, 30) for c in first[:SHOWN_HEADINGS]) + (
        ", …" if cells > SHOWN_HEADINGS else ""
    )
    fix = (
        "The whole file is one line: its line breaks have probably been lost (for example in a copy through "
        "a tool that joins lines). Save it again from Excel with File > Save As, 'CSV UTF-8 (Comma "
        "delimited)', and upload that file."
        if one_line
        else f"Keep only the template's columns ({', '.join(TEMPLATE_COLUMNS)}), or the published file's own "
        "columns, and delete the others."
    )
    return Problem(
        1,
        None,
        f"The first row has {'about ' if about else ''}{cells:,} columns; the importer reads at most "
        f"{MAX_COLUMNS}. It starts: {shown}.",
        fix,
        TOO_WIDE,
    )


def _header_width(cells: list[str]) -> int:
    """Columns up to the last heading that is not blank (trailing blank cells are Excel noise)."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


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


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SAVE_AS_UTF8 = (
    "In Excel, save it with File > Save As, choosing 'CSV UTF-8 (Comma delimited)', and upload that file."
)


def _utf16(data: bytes) -> str | None:
    """'utf-16' (with a byte-order mark: Excel's "Unicode Text"), 'utf-16-le' or 'utf-16-be' (without
    one, when the text's every other byte is NUL), or None: not UTF-16."""
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    head = data[:4096]
    if len(head) < 4:
        return None
    for order, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros) and head.count(0) <= 0.6 * len(head):
            return order
    return None


def _decoded_utf16(data: bytes, codec: str) -> tuple[str | None, Problem | None]:
    """UTF-16 text decoded, or the problem naming the encoding and how to save the file as UTF-8."""
    try:
        return data.decode(codec).removeprefix("\ufeff"), None
    except UnicodeDecodeError:
        return None, Problem(
            None,
            None,
            "The file looks like UTF-16 text (Excel's 'Unicode Text'), but it cannot be read as UTF-16: it "
            "may be damaged or cut short.",
            _SAVE_AS_UTF8,
        )


def _delimiter(text: str) -> str:
    """A tab when the first line has more tabs than commas (Excel's "Unicode Text" and "Text (Tab
    delimited)"), else a comma."""
    end = text.find("\n")
    line = text[: end if end >= 0 else 4096]
    return "\t" if line.count("\t") > line.count(",") else ","


def _read_csv(data: bytes) -> TableRead:
    notices: list[Notice] = []
    if codec := _utf16(data):
        decoded_utf16, problem = _decoded_utf16(data, codec)
        if decoded_utf16 is None:
            return TableRead(None, [problem] if problem else [], file_type="csv", encoding=codec)
        notices.append(Notice(None, "The file is UTF-16 text (Excel's 'Unicode Text'); it was read as such."))
        return _read_text(decoded_utf16, "utf-16", notices)
    if b"\x00" in data[:65536]:
        return _not_a_table("a binary file (it contains NUL bytes)")
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
    return _read_text(decoded, encoding, notices)


def _read_text(decoded: str, encoding: str, notices: list[Notice]) -> TableRead:
    """The decoded text of a CSV or tab-separated file as a table."""
    control = sum(1 for ch in decoded[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if control > 0.01 * min(len(decoded), 65536):
        return _not_a_table("a binary file (it contains control characters)")
    delimiter = _delimiter(decoded)
    # Excel's "sep=;" first line names the delimiter; Excel hides it, so the header is still row 1.
    if hint := re.match(r"sep=(.)\r?\n", decoded):
        delimiter, decoded = hint[1], decoded[hint.end() :]
    elif delimiter == "\t":
        notices.append(Notice(None, "The file is tab-separated; it was read with tabs between the columns."))
    if problem := _wide_first_line(decoded, delimiter):
        return TableRead(None, [problem], notices, "csv", encoding)
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


def _wide_first_line(text: str, delimiter: str) -> Problem | None:
    """The too-wide problem when the first line holds more than MAX_COLUMNS cells, found by counting
    delimiters (no cell is made), so a 16 MB line costs a scan, not two million strings. Quotes may hide
    delimiters inside a heading: the count is then "about"."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    last = end
    while last > start and text[last - 1] in f"{delimiter} \r\t":
        last -= 1  # trailing empty cells
    cells = text.count(delimiter, start, last) + 1
    if cells <= MAX_COLUMNS:
        return None
    first = next(csv.reader([text[start : min(last, start + 4000)]], delimiter=delimiter), [])
    quoted = '"' in text[start : min(last, start + 1_000_000)]
    one_line = not text[end:].strip()
    return too_wide(cells, [c.strip() for c in first], one_line=one_line, about=quoted)


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
            (number, [cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        )
        result = _table_from_rows(rows, "xlsx", None)
        notices = []
        if len(workbook.worksheets) > 1:
            notices.append(Notice(None, f"Only the first sheet, {sheet.title!r}, was read."))
    finally:
        workbook.close()
    return TableRead(result.table, result.problems, notices, "xlsx", None, result.problem_log)
