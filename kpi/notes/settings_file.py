"""The lead's chart settings and annotations from a CSV file, all or nothing: how a lead loads the year's
targets in one go (`python -m kpi settings import FILE.csv`, and the upload in a chart's settings panel).

Columns (any case, spaces or underscores): `kpi_code, scope, kind, month, value, text`.
- `kind`: target (value = the target, from `month` on), baseline (value = the number of months the limits
  are fixed on; no month), ghost (month), recalculation (month), annotation (month; text = the note);
- `scope`: a trust code, a collaborative code or C&M (an annotation may say `all` for every scope);
- `text`: the reason shown in the chart's reading (the note, for an annotation).
Every row is checked the way the app checks one setting, including whether it would change the chart
(kpi.notes.chart_settings.setting_problem); a file with any problem writes nothing and lists one line per
refused row (its row number as a spreadsheet shows it, and why)."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi.access.auth import User, require_lead
from kpi.notes import annotations as kpi_annotations
from kpi.notes import chart_settings
from kpi.notes.common import NoteError, check_kpi, check_scope, clean_text, month_of, now
from kpi.store.db import session_scope
from kpi.store.models import Annotation
from kpi.words.frames import records
from kpi.words.months import parse_month
from kpi.words.text import clean_code

COLUMNS = ("kpi_code", "scope", "kind", "month", "value", "text")
KINDS = ("target", "baseline", "ghost", "recalculation", "annotation")
EVERY_SCOPE = "ALL"


@dataclass(frozen=True)
class SettingRow:
    """One checked row, ready to write."""

    row: int  # as a spreadsheet numbers it (the header is row 1)
    kpi_code: str
    scope: str | None  # None: an annotation on every scope
    kind: str
    month: dt.date | None
    value: float | None
    text: str


@dataclass(frozen=True)
class Refusal:
    row: int
    message: str

    def line(self) -> str:
        return f"row {self.row}: {self.message}"


class SettingsFileError(ValueError):
    """The file as a whole cannot be read (not a CSV, wrong columns)."""


def read_rows(data: bytes) -> pd.DataFrame:
    """The file's rows as text, its headers matched to COLUMNS (any case, spaces or underscores)."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SettingsFileError(
            f"The file is not a readable UTF-8 CSV file ({type(exc).__name__})."
        ) from None
    names = {
        column: "_".join(str(column).strip().lower().replace("_", " ").split()) for column in frame.columns
    }
    frame = frame.rename(columns=names)
    missing = [column for column in COLUMNS if column not in frame.columns]
    extra = [column for column in frame.columns if column not in COLUMNS]
    if missing or extra:
        said = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not expected {', '.join(map(str, extra))}" if extra else "",
            )
            if part
        )
        raise SettingsFileError(f"The columns must be {', '.join(COLUMNS)} ({said}).")
    return frame[list(COLUMNS)]


def _number(text: str, what: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise NoteError("value", f"The value {text!r} is not a number ({what}).") from None
    if math.isnan(value) or math.isinf(value):
        raise NoteError("value", f"The value {text!r} is not a number ({what}).")
    return value


def _month(text: str, kind: str) -> dt.date:
    month = parse_month(text)
    if month is None:
        raise NoteError("month", f"The month {text!r} is not a month like 2026-04 (a {kind} needs one).")
    return month


def _checked(engine: Engine, number: int, raw: dict[str, str]) -> SettingRow:
    """One row checked as the app checks a setting or an annotation (NoteError says why not)."""
    kind = raw["kind"].strip().lower()
    if kind not in KINDS:
        raise NoteError("kind", f"The kind {raw['kind']!r} is not one of {', '.join(KINDS)}.")
    scope_text = clean_code(raw["scope"])
    with session_scope(engine) as s:
        code = check_kpi(s, raw["kpi_code"].strip())
        scope = None if (kind == "annotation" and scope_text == EVERY_SCOPE) else check_scope(s, scope_text)
    month = None if kind == "baseline" else month_of("month", _month(raw["month"].strip(), kind))
    value: float | None = None
    if kind == "target":
        value = _number(raw["value"].strip(), "the target")
    if kind == "baseline":
        points = _number(raw["value"].strip(), "the number of months")
        if not points.is_integer():
            raise NoteError("value", f"A baseline is a whole number of months, not {raw['value']!r}.")
        value = points
    limit = kpi_annotations.TEXT_LIMIT if kind == "annotation" else chart_settings.REASON_LIMIT
    text = clean_text("note" if kind == "annotation" else "reason", raw["text"], limit)
    if kind != "annotation":
        fields = chart_settings.kind_fields(kind, month, None if value is None else int(value), value)
        assert scope is not None
        chart_settings.refuse_without_effect(engine, code, scope, kind, fields)
        chart_settings.refuse_repeat(engine, code, scope, kind, fields)
    return SettingRow(number, code, scope, kind, month, value, text)


def check_file(engine: Engine, data: bytes) -> tuple[list[SettingRow], list[Refusal]]:
    """Every row checked: (rows to write, refusals). Two rows setting the same thing are refused too."""
    frame = read_rows(data)
    if frame.empty:
        raise SettingsFileError("The file has a header but no rows.")
    rows: list[SettingRow] = []
    refusals: list[Refusal] = []
    seen: dict[tuple, int] = {}
    for offset, raw in enumerate(records(frame)):
        number = offset + 2
        try:
            row = _checked(engine, number, raw)
        except NoteError as exc:
            refusals.append(Refusal(number, str(exc)))
            continue
        key = (row.kpi_code, row.scope, row.kind, row.month if row.kind != "baseline" else None)
        if row.kind != "annotation" and key in seen:
            refusals.append(Refusal(number, f"It sets the same {row.kind} as row {seen[key]}."))
            continue
        seen[key] = number
        rows.append(row)
    return rows, refusals


def apply_rows(engine: Engine, user: User, rows: list[SettingRow]) -> int:
    """Write every row in one transaction (all or nothing); returns how many were written."""
    require_lead(user, "change a chart's settings")
    with session_scope(engine) as s:
        for row in rows:
            if row.kind == "annotation":
                s.add(
                    Annotation(
                        kpi_code=row.kpi_code,
                        scope_code=row.scope,
                        period=row.month,
                        text=row.text,
                        created_at=now(),
                        created_by=user.email,
                    )
                )
                continue
            assert row.scope is not None
            points = int(row.value) if row.kind == "baseline" and row.value is not None else None
            fields = chart_settings.kind_fields(row.kind, row.month, points, row.value)
            chart_settings.new_setting(s, user, row.kpi_code, row.scope, row.kind, row.text, fields)
    return len(rows)


def import_settings(engine: Engine, user: User, data: bytes) -> tuple[int, list[Refusal]]:
    """Check the file and, when no row is refused, write it: (rows written, refusals)."""
    require_lead(user, "change a chart's settings")
    rows, refusals = check_file(engine, data)
    if refusals:
        return 0, refusals
    return apply_rows(engine, user, rows), []


__all__ = ["COLUMNS", "KINDS", "Refusal", "SettingRow", "SettingsFileError", "check_file", "import_settings"]
