"""What a board pack covers: its scope (system, collaborative or trust), its months and its file name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast, get_args

from sqlalchemy import Engine

from kpi.charts import file_stem
from kpi.figures import queries
from kpi.figures.scopes import SYSTEM_ALIASES, named_scope, trust_label
from kpi.words.months import parse_month
from kpi.words.text import clean_code

Format = Literal["pdf", "html", "pptx"]
FORMATS: tuple[Format, ...] = get_args(Format)


class ReportError(ValueError):
    """The pack cannot be built for these inputs; the message is one line naming what is wrong."""


def pack_format(text: str) -> Format:
    """The pack format `text` names (pdf, html or pptx); ReportError for anything else."""
    for fmt in get_args(Format):
        if text == fmt:
            return fmt
    raise ReportError(f"Unknown format {text!r}: use {', '.join(FORMATS)}.")


@dataclass(frozen=True)
class Scope:
    """What the pack covers: `code` as the user gives it (system, CMAST, MHLDC or an ODS code)."""

    code: str
    level: queries.Level
    series_code: str  # scope_code in kpi_series ("C&M" for the system)
    name: str  # full name, for the cover
    short: str  # short name, for chart titles and the footer


def resolve_scope(engine: Engine, scope: str) -> Scope:
    """The scope named by `scope` (case-insensitive): "system", a collaborative code or an ODS code."""
    text = (scope or "").strip()
    collaboratives = queries.collaboratives(engine)
    trusts = queries.trusts(engine)
    named = named_scope(text, collaboratives["code"], trusts["ods_code"])
    if named is not None and named[1] == "system":
        return Scope(
            "system",
            "system",
            queries.SYSTEM_CODE,
            f"{queries.SYSTEM_NAME} system (all member trusts, each counted once)",
            "C&M system",
        )
    for row in collaboratives.itertuples():
        code = cast(str, row.code)
        if named == (code, "collaborative"):
            return Scope(code, "collaborative", code, f"{row.name} ({code})", code)
    for row in trusts.itertuples():
        ods_code = cast(str, row.ods_code)
        if named == (ods_code, "trust"):
            label = trust_label(str(row.name), str(row.ods_code), str(row.role))
            return Scope(ods_code, "trust", ods_code, label, cast(str, row.short_name))
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise ReportError(
        f"Unknown scope {shown!r}: use system, {', '.join(collaboratives['code'])} or a trust's ODS code "
        "(such as RBS)."
    )


def scope_filter(scope: Scope, start: dt.date | None = None, end: dt.date | None = None) -> queries.KPIFilter:
    """The query filter of a scope's figures, from `start` to `end`."""
    return queries.KPIFilter(
        period_from=start,
        period_to=end,
        collaboratives=(scope.code,) if scope.level == "collaborative" else None,
        trusts=(scope.code,) if scope.level == "trust" else None,
    )


def scope_months(engine: Engine, scope: str | Scope) -> list[dt.date]:
    """The months with any KPI data for the scope, oldest first (the choices of 'period end')."""
    resolved = scope if isinstance(scope, Scope) else resolve_scope(engine, scope)
    series = queries.kpi_series(scope_filter(resolved), resolved.level, engine)
    series = series[series["scope_code"] == resolved.series_code]
    return sorted({stamp.date() for stamp in series["period"]})


def pack_month(value: dt.date | str) -> dt.date:
    """The pack's last month from a date or month text (kpi.words.months.parse_month; ReportError
    otherwise)."""
    if isinstance(value, str):
        month = parse_month(value)
        if month is None:
            raise ReportError(f"The period end {value!r} is not a month; write it as YYYY-MM.")
        return month
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ReportError(f"The period end {value!r} is not a month; write it as YYYY-MM.")
    return value.replace(day=1)


def report_file_name(scope: str, period_end: dt.date | str, fmt: str) -> str:
    """'board-pack_CMAST_2026-10.pdf'."""
    code = "system" if clean_code(scope) in SYSTEM_ALIASES else clean_code(scope)
    return f"{file_stem('board-pack', code, pack_month(period_end))}.{fmt}"
