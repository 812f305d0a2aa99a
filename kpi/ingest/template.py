"""The import template: the CSV and Excel files users fill in (header and three example rows; the
workbook adds a Guide sheet) and the same guide as Markdown for the app and the README."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from kpi.ingest.constants import TEMPLATE_COLUMNS
from kpi.ingest.reading import cell_text
from kpi.words.months import PERIOD_FORMATS_TEXT

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
    from kpi.reference.load import read_reference_csv

    return {
        name: read_reference_csv(name) for name in ("kpis", "trusts", "professions", "profession_aliases")
    }


def template_csv() -> bytes:
    """The import template as CSV: a header row and three example rows (a count KPI by trust and
    profession, a rate KPI, and a system-level figure)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for example in TEMPLATE_EXAMPLES:
        writer.writerow(["" if example[c] is None else cell_text(example[c]) for c in TEMPLATE_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


_HEADING_FONT = {"bold": True, "color": "FFFFFF"}
_HEADING_FILL = "005EB8"
PERIOD_EXAMPLES: list[tuple[str, str]] = [
    ("2025-03", "March 2025"),
    ("2025-03-01", "March 2025 (any day of the month)"),
    ("01/03/2025", "March 2025 (day first, UK style)"),
    ("Mar 2025", "March 2025"),
    ("March 2025", "March 2025"),
]


def template_xlsx() -> bytes:
    """The import template as an Excel workbook: the Data sheet (header and three example rows) and a
    Guide sheet explaining each column, the accepted period formats and the codes."""
    from openpyxl import Workbook

    workbook = Workbook()
    _data_sheet(workbook.active)
    _guide_sheet(workbook.create_sheet("Guide"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_sheet(data: Any) -> None:
    """The Data sheet: the header and the example rows, the code columns formatted as text."""
    from openpyxl.styles import Font, PatternFill

    data.title = "Data"
    data.append(list(TEMPLATE_COLUMNS))
    for example in TEMPLATE_EXAMPLES:
        data.append([example[c] for c in TEMPLATE_COLUMNS])
    for cell in data[1]:
        cell.font, cell.fill = Font(**_HEADING_FONT), PatternFill("solid", fgColor=_HEADING_FILL)
    for row in data.iter_rows(min_row=2, max_col=4):
        for cell in row:
            cell.number_format = "@"  # text: Excel must not turn 2025-03 into a date
    for letter, width in zip("ABCDEFG", (12, 12, 28, 22, 12, 12, 12), strict=True):
        data.column_dimensions[letter].width = width
    data.freeze_panes = "A2"


def _guide_sheet(guide: Any) -> None:
    """The Guide sheet: the rules, the columns, the period formats and the codes."""
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(**_HEADING_FONT)
    fill = PatternFill("solid", fgColor=_HEADING_FILL)
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
    table(["you write", "means"], PERIOD_EXAMPLES)
    reference = _reference_rows()
    heading("KPI codes")
    table(
        ["kpi_code", "name", "type", "by profession", "numerator", "denominator"], _kpi_guide_rows(reference)
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


def _kpi_guide_rows(reference: dict[str, list[dict[str, Any]]]) -> list[tuple[Any, ...]]:
    return [
        (
            k["code"],
            k["name"],
            "ratio (give numerator and denominator)" if k["rollup"] == "ratio" else "sum (give value)",
            {"trust_profession": "yes", "trust": "no", "system": "no (system level only)"}[k["grain"]],
            k["numerator"],
            k["denominator"],
        )
        for k in reference["kpis"]
    ]


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
