"""The board pack: one document per scope and month, as a PDF (A4, for printing and papers) or as a single
self-contained HTML file (interactive charts, opens offline).

Contents, in order: a cover; the Making Data Count icon summary; one section per workstream with each
KPI's SPC chart and its one-sentence reading; the milestone timeline and table with what changed since
the last pack; and the KPI definitions. Both formats come from one template (report_template.html):

- HTML: plotly.js inlined once in the head, one interactive chart per KPI with a stable div id, icons as
  data URIs, no reference to the network or to other files;
- PDF: the same document with the charts as SVG images (kaleido), printed by headless Chromium
  (Page.printToPDF) in the warm browser of kpi.images: A4, "Page x of y" in the footer, fonts embedded,
  icons and statuses always named in words so greyscale print loses nothing.

The pack is a function of its inputs (the database, scope, month, format and `generated_at`): nothing
reads the clock except the default `generated_at`, and "what changed" means milestone updates recorded on
or after the first day of the pack's last month.

The command line entry (`python -m kpi report ...`) is `add_report_arguments` / `add_report_parser` and
`cmd_report`. Heavy libraries (pandas, plotly, Jinja2) are imported inside the functions that use them,
so that importing this module for the command line's argument parser costs nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go
    from sqlalchemy import Engine

    from kpi.formats import KPI

Format = Literal["pdf", "html"]
FORMATS: tuple[str, ...] = ("pdf", "html")
PROGRAMME = "Cheshire and Merseyside AHP workforce programme"
MONTHS = 36
TEMPLATE = "report_template.html"
PDF_CHART_WIDTH = 900  # CSS pixels the SVG charts are drawn at; the page shows them about 0.75x
UK_TIME = "Europe/London"
Progress = Callable[[float, str], None]

DIRECTION_WORDS = {
    "up": "Higher is better",
    "down": "Lower is better",
    "neither": "Neither direction is better",
}
UNIT_WORDS = {
    "%": "Per cent (%)",
    "GBP": "Pounds (£)",
    "FTE": "Full-time equivalent (FTE)",
    "people": "People (headcount)",
    "weeks": "Weeks",
}
ROLLUP_WORDS = {
    "ratio": "Ratio: the sum of numerators over the sum of denominators",
    "sum": "Sum: trusts' figures added together",
}
RAG_CLASSES = {"red", "amber", "green", "blue"}


class ReportError(ValueError):
    """The pack cannot be built for these inputs; the message is one line naming what is wrong."""


@dataclass(frozen=True)
class Scope:
    """What the pack covers: `code` as the user gives it (system, CMAST, MHLDC or an ODS code)."""

    code: str
    level: str  # "system", "collaborative" or "trust"
    series_code: str  # scope_code in kpi_series ("C&M" for the system)
    name: str  # full name, for the cover
    short: str  # short name, for chart titles and the footer


# --- inputs ------------------------------------------------------------------------------------------


def resolve_scope(engine: Engine, scope: str) -> Scope:
    """The scope named by `scope` (case-insensitive): "system", a collaborative code or an ODS code."""
    from kpi import queries

    text = (scope or "").strip()
    if text.lower() in ("system", "c&m", "cm", queries.SYSTEM_CODE.lower()):
        return Scope(
            "system",
            "system",
            queries.SYSTEM_CODE,
            f"{queries.SYSTEM_NAME} system (all member trusts, each counted once)",
            "C&M system",
        )
    collaboratives = queries.collaboratives(engine)
    for row in collaboratives.itertuples():
        if text.upper() == row.code:
            return Scope(row.code, "collaborative", row.code, f"{row.name} ({row.code})", row.code)
    trusts = queries.trusts(engine)
    for row in trusts.itertuples():
        if text.upper() == row.ods_code:
            role = {"partner": ", system partner", "predecessor": ", merged"}.get(row.role, "")
            return Scope(
                row.ods_code, "trust", row.ods_code, f"{row.name} ({row.ods_code}{role})", row.short_name
            )
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise ReportError(
        f"Unknown scope {shown!r}: use system, {', '.join(collaboratives['code'])} or a trust's ODS code "
        "(such as RBS)."
    )


def _filter(scope: Scope, start: dt.date | None = None, end: dt.date | None = None):
    from kpi.queries import KPIFilter

    return KPIFilter(
        period_from=start,
        period_to=end,
        collaboratives=(scope.code,) if scope.level == "collaborative" else None,
        trusts=(scope.code,) if scope.level == "trust" else None,
    )


def scope_months(engine: Engine, scope: str | Scope) -> list[dt.date]:
    """The months with any KPI data for the scope, oldest first (the choices of 'period end')."""
    from kpi import queries

    resolved = scope if isinstance(scope, Scope) else resolve_scope(engine, scope)
    series = queries.kpi_series(_filter(resolved), resolved.level, engine)
    series = series[series["scope_code"] == resolved.series_code]
    return sorted({stamp.date() for stamp in series["period"]})


def _month(value: dt.date | str) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError:
            raise ReportError(f"The period end {value!r} is not a month; write it as YYYY-MM.") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ReportError(f"The period end {value!r} is not a month; write it as YYYY-MM.")
    return value.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def report_file_name(scope: str, period_end: dt.date | str, fmt: str) -> str:
    """'board-pack_CMAST_2026-10.pdf'."""
    from kpi.charts import file_stem

    code = "system" if scope.strip().lower() in ("system", "c&m") else scope.strip().upper()
    return f"{file_stem('board-pack', code, _month(period_end))}.{fmt}"


def _uk_time(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(UK_TIME))
    except Exception:  # no time zone database: say UTC
        return moment.astimezone(dt.UTC)


def _moment_label(moment: dt.datetime) -> str:
    local = _uk_time(moment)
    return f"{local:%d/%m/%Y %H:%M} {local.tzname() or ''}".strip()


# --- the pack's content --------------------------------------------------------------------------------


@dataclass
class _Pack:
    scope: Scope
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    kpis: dict[str, KPI]
    series: pd.DataFrame
    summary: pd.DataFrame
    rebase: dict[str, list]
    workstreams: pd.DataFrame
    milestones: pd.DataFrame
    history: pd.DataFrame
    status: Any
    synthetic: bool
    figures: dict[str, go.Figure] = field(default_factory=dict)  # chart key -> figure
    kpi_blocks: dict[str, dict[str, Any]] = field(default_factory=dict)


def _collect(engine: Engine, scope: Scope, period_end: dt.date, generated_at: dt.datetime) -> _Pack:
    """Read everything the pack shows and check that there is something to show."""
    import pandas as pd

    from kpi import mdc, queries
    from kpi.formats import KPI, month_label

    status = queries.data_status(engine)
    if not status.last_period:
        raise ReportError("The database holds no KPI data yet; load data before building a board pack.")
    start = _add_months(period_end, -(MONTHS - 1))
    series = queries.kpi_series(_filter(scope, start, period_end), scope.level, engine)
    series = series[series["scope_code"] == scope.series_code].reset_index(drop=True)
    if series.empty or not (series["period"] == pd.Timestamp(period_end)).any():
        months = scope_months(engine, scope)
        if not months:
            raise ReportError(f"There is no KPI data for {scope.short} ({scope.code}) in the database.")
        raise ReportError(
            f"No data for {scope.short} in {month_label(period_end)}: choose a month from "
            f"{month_label(months[0])} to {month_label(months[-1])} with data."
        )
    catalogue = queries.kpi_catalogue(engine)
    kpis = {row["code"]: KPI.from_row(row) for row in catalogue.to_dict("records")}
    rebase_frame = queries.rebase_points(engine)
    rebase = {code: list(group["period"]) for code, group in rebase_frame.groupby("kpi_code")}
    summary = mdc.icon_summary(series, kpis, scope.series_code, rebase)
    milestones = queries.milestones(engine)
    history = queries.milestone_history(engine)
    synthetic = bool(series["synthetic"].any()) or bool(milestones["is_synthetic"].astype(bool).any())
    pack = _Pack(
        scope=scope,
        period_start=series["period"].min().date(),
        period_end=period_end,
        generated_at=generated_at,
        kpis=kpis,
        series=series,
        summary=summary,
        rebase=rebase,
        workstreams=queries.workstreams(engine),
        milestones=milestones,
        history=history,
        status=status,
        synthetic=synthetic,
    )
    _build_figures(pack)
    return pack


def _build_figures(pack: _Pack) -> None:
    """One SPC figure per KPI with at least two months (as on the dashboard), and the milestone timeline.
    The reading is printed as text beside each chart, so the chart does not repeat it."""
    from kpi import charts, mdc
    from kpi.formats import format_value, month_label

    summary = pack.summary.set_index("kpi_code")
    for code, kpi in pack.kpis.items():
        data = pack.series[pack.series["kpi_code"] == code]
        row = summary.loc[code]
        block: dict[str, Any] = {
            "code": code,
            "name": kpi.name,
            "workstream": kpi.workstream_code,
            "latest": row["latest"],
            "month": row["month"],
            "target": row["target"],
            "direction": DIRECTION_WORDS.get(kpi.improvement, ""),
            "reading": row["reading"],
            "variation_label": row["variation_label"],
            "variation_icon": row["variation_icon"],
            "assurance_label": row["assurance_label"],
            "assurance_icon": row["assurance_icon"],
            "notes": [],
            "message": "",
        }
        pack.kpi_blocks[code] = block
        if data.empty:
            if kpi.grain == "system" and pack.scope.level != "system":
                block["message"] = (
                    f"Collected for the system as a whole only, so there is no figure for {pack.scope.short}."
                )
            else:
                block["message"] = (
                    f"No data for {pack.scope.short} from {month_label(pack.period_start)} to "
                    f"{month_label(pack.period_end)}."
                )
            continue
        if len(data) == 1:
            only = data.iloc[0]
            block["message"] = (
                f"Only one month of data ({month_label(only['period'])}: "
                f"{format_value(only['value'], kpi.unit, kpi.decimals)}); an SPC chart needs at least two."
            )
            continue
        result, dates = mdc.kpi_spc(data, kpi, pack.rebase.get(code))
        figure = charts.spc_figure(result, dates, kpi, pack.scope.short, reading="")
        figure.layout.annotations = [a for a in figure.layout.annotations if a.text]
        figure.update_layout(margin={"t": 64})
        block["notes"] = list(result.notes)
        block["alt"] = (
            f"{'SPC' if kpi.is_monthly else 'Trend'} chart of {kpi.name} for {pack.scope.short}, "
            f"{month_label(pack.period_start)} to {month_label(pack.period_end)}. {row['reading']}"
        )
        pack.figures[code] = figure
    today = _uk_time(pack.generated_at).date()
    pack.figures["milestones"] = charts.milestone_timeline(pack.milestones, today)


def _milestone_rows(pack: _Pack) -> list[dict[str, str]]:
    from kpi.formats import uk_date

    rows = []
    for m in pack.milestones.itertuples():
        rag = str(m.rag or "").lower()
        rows.append(
            {
                "code": m.code,
                "title": m.title,
                "workstream": m.workstream_name,
                "owner": m.owner_role or "–",
                "baseline": uk_date(m.baseline_due),
                "forecast": uk_date(m.forecast_due),
                "completed": uk_date(m.completed_on),
                "status": str(m.status).capitalize(),
                "rag": rag.capitalize() or "–",
                "rag_class": rag if rag in RAG_CLASSES else "none",
                "notes": m.notes or "",
            }
        )
    return rows


def _change_value(field_name: str, value: object) -> str:
    from kpi.formats import uk_date

    if value is None or (isinstance(value, float) and value != value) or value == "":
        return "–"
    text = str(value)
    if field_name in ("forecast_due", "completed_on", "baseline_due"):
        try:
            return uk_date(dt.date.fromisoformat(text[:10]))
        except ValueError:
            return text
    return text


def _change_rows(pack: _Pack) -> list[dict[str, str]]:
    import pandas as pd

    from kpi.milestones import FIELD_LABELS

    history = pack.history
    if history.empty:
        return []
    cutoff = pd.Timestamp(pack.period_end, tz="UTC")
    changed = pd.to_datetime(history["changed_at"], utc=True)
    recent = history.assign(changed_utc=changed)[changed >= cutoff].sort_values(["changed_utc", "id"])
    titles = dict(zip(pack.milestones["code"], pack.milestones["title"], strict=True))
    rows = []
    for change in recent.itertuples():
        label = FIELD_LABELS.get(change.field, change.field.replace("_", " "))
        rows.append(
            {
                "date": f"{_uk_time(change.changed_utc.to_pydatetime()):%d/%m/%Y}",
                "milestone": f"{change.milestone_code}: {_short(titles.get(change.milestone_code, ''))}",
                "field": label[0].upper() + label[1:],
                "old": _change_value(change.field, change.old_value),
                "new": _change_value(change.field, change.new_value),
                "by": change.changed_by,
            }
        )
    return rows


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _definition_rows(pack: _Pack) -> list[dict[str, str]]:
    from kpi.formats import format_target

    names = dict(zip(pack.workstreams["code"], pack.workstreams["name"], strict=True))
    rows = []
    for kpi in pack.kpis.values():
        rows.append(
            {
                "code": kpi.code,
                "name": kpi.name,
                "workstream": names.get(kpi.workstream_code, kpi.workstream_code),
                "definition": kpi.definition,
                "numerator": kpi.numerator_definition if kpi.rollup == "ratio" else "",
                "denominator": kpi.denominator_definition if kpi.rollup == "ratio" else "",
                "unit": UNIT_WORDS.get(kpi.unit, kpi.unit),
                "direction": DIRECTION_WORDS.get(kpi.improvement, kpi.improvement),
                "target": format_target(kpi.target, kpi.unit),
                "rollup": ROLLUP_WORDS.get(kpi.rollup, kpi.rollup),
                "source": kpi.source,
                "frequency": kpi.frequency.capitalize(),
            }
        )
    return rows


def _data_as_at(status) -> str:
    from kpi.formats import month_label

    text = f"{month_label(status.last_period)} (the latest month in the database)"
    if status.last_import_at:
        text += f"; last import {_moment_label(status.last_import_at)}"
    return text


# --- charts in each format ------------------------------------------------------------------------------


def _html_charts(pack: _Pack) -> dict[str, Any]:
    from markupsafe import Markup

    from kpi.charts import file_stem, plotly_config

    markup = {}
    for key, figure in pack.figures.items():
        config = {**plotly_config(file_stem(key, pack.scope.code, pack.period_end)), "responsive": True}
        div = figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{key}",
            config=config,
            default_height=f"{figure.layout.height or 420}px",
        )
        alt = pack.kpi_blocks.get(key, {}).get("alt") or "Programme milestones: baseline against forecast"
        markup[key] = Markup('<div role="figure" aria-label="{}">{}</div>').format(alt, Markup(div))
    return markup


def _pdf_charts(pack: _Pack, progress: Callable[[int, int], None]) -> dict[str, Any]:
    import base64

    from markupsafe import Markup

    from kpi import images

    keys = list(pack.figures)
    svgs = images.render_figures(
        [pack.figures[k] for k in keys], "svg", width=PDF_CHART_WIDTH, scale=1, progress=progress
    )
    markup = {}
    for key, svg in zip(keys, svgs, strict=True):
        figure = pack.figures[key]
        alt = pack.kpi_blocks.get(key, {}).get("alt") or "Programme milestones: baseline against forecast"
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        markup[key] = Markup('<img src="{}" alt="{}" width="{}" height="{}">').format(
            uri, alt, PDF_CHART_WIDTH, int(figure.layout.height or 420)
        )
    return markup


# --- the document ---------------------------------------------------------------------------------------


def _context(pack: _Pack, mode: str, chart_markup: dict[str, Any]) -> dict[str, Any]:
    from markupsafe import Markup

    from kpi.formats import month_label

    summary = [
        {
            "code": row.kpi_code,
            "kpi": row.kpi,
            "latest": row.latest,
            "month": row.month,
            "target": row.target,
            "variation_icon": row.variation_icon,
            "variation_label": row.variation_label,
            "assurance_icon": row.assurance_icon,
            "assurance_label": row.assurance_label,
            "reading": row.reading,
        }
        for row in pack.summary.itertuples()
    ]
    workstreams = []
    for ws in pack.workstreams.itertuples():
        blocks = []
        for code, kpi in pack.kpis.items():
            if kpi.workstream_code != ws.code:
                continue
            block = dict(pack.kpi_blocks[code])
            block["chart"] = chart_markup.get(code)
            blocks.append(block)
        if blocks:
            workstreams.append(
                {"code": ws.code, "name": ws.name, "description": ws.description, "kpis": blocks}
            )
    period_label = f"{month_label(pack.period_start)} to {month_label(pack.period_end)}"
    months = (
        (pack.period_end.year - pack.period_start.year) * 12
        + pack.period_end.month
        - pack.period_start.month
        + 1
    )
    context = {
        "mode": mode,
        "title": f"Board pack: {pack.scope.short}, {month_label(pack.period_end)} – {PROGRAMME}",
        "programme": PROGRAMME,
        "scope": pack.scope,
        "period_label": period_label,
        "period_end_label": month_label(pack.period_end),
        "months": months,
        "data_as_at": _data_as_at(pack.status),
        "generated_label": _moment_label(pack.generated_at),
        "synthetic": pack.synthetic,
        "synthetic_detail": (
            "The figures in this pack are generated for demonstration; they are not real trust data and "
            "must not be used for decisions."
            if pack.status.all_synthetic
            else "Some figures in this pack are generated for demonstration, not real trust data."
        ),
        "summary": summary,
        "workstreams": workstreams,
        "milestone_chart": chart_markup.get("milestones"),
        "milestones": _milestone_rows(pack),
        "changes": _change_rows(pack),
        "changes_since": f"{pack.period_end:%d/%m/%Y}",
        "definitions": _definition_rows(pack),
        "plotly_js": "",
    }
    if mode == "html":
        from plotly.offline import get_plotlyjs

        context["plotly_js"] = Markup(get_plotlyjs())
    return context


def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE)


def _footer(pack: _Pack) -> tuple[str, str]:
    """Chromium's header and footer templates for every PDF page (inline styles only; no page fonts)."""
    from kpi.formats import month_label
    from kpi.images import SYNTHETIC_CAPTION

    style = (
        "font-family: Arial, 'Liberation Sans', Helvetica, sans-serif; font-size: 7.5pt; color: #425563; "
        "width: 100%; margin: 0 14mm; display: flex; justify-content: space-between; "
        "-webkit-print-color-adjust: exact;"
    )
    left = html.escape(f"{PROGRAMME} · Board pack · {pack.scope.short} · {month_label(pack.period_end)}")
    footer = (
        f'<div style="{style}"><span>{left}</span>'
        '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
    )
    if pack.synthetic:
        header = (
            "<div style=\"font-family: Arial, 'Liberation Sans', sans-serif; font-size: 7.5pt; width: 100%; "
            'margin: 0 14mm; text-align: center; font-weight: bold; color: #8A1538;">'
            f"{html.escape(SYNTHETIC_CAPTION.upper())}</div>"
        )
    else:
        header = "<div></div>"
    return header, footer


def build_report(
    engine: Engine,
    *,
    scope: str,
    period_end: dt.date | str,
    fmt: Format,
    progress: Progress | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The board pack for `scope` ("system", "CMAST", "MHLDC" or an ODS code) over the 36 months ending
    with `period_end` (or from the first month with data), as PDF or HTML bytes.

    Raises ReportError (a ValueError) for an unknown scope or format or a month without data for the
    scope; for a PDF, kpi.images.ImageExportUnavailable when there is no browser and ImageExportError
    when the browser failed. `progress(fraction, message)` is called as the work goes on, in the
    caller's thread. `generated_at` (default: now) is the only input that is not data."""
    report = progress or (lambda fraction, message: None)
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format {fmt!r}: use pdf or html.")
    moment = generated_at or dt.datetime.now(dt.UTC)
    month = _month(period_end)
    report(0.02, "Checking the scope and month")
    resolved = resolve_scope(engine, scope)
    report(0.05, "Reading the figures")
    pack = _collect(engine, resolved, month, moment)
    if fmt == "html":
        report(0.6, "Laying out the charts")
        document = _template().render(**_context(pack, "html", _html_charts(pack)))
        report(1.0, "The board pack is ready")
        return document.encode("utf-8")

    from kpi import images

    ok, reason = images.images_available()
    if not ok:
        raise images.ImageExportUnavailable(reason)
    report(0.12, "Starting the browser")
    images.start_browser()
    total = len(pack.figures)
    report(0.15, f"Drawing the charts (0 of {total})")

    def drawn(done: int, count: int) -> None:
        report(0.15 + 0.7 * done / count, f"Drawing the charts ({done} of {count})")

    markup = _pdf_charts(pack, drawn)
    report(0.87, "Printing the PDF")
    document = _template().render(**_context(pack, "pdf", markup))
    header, footer = _footer(pack)
    pdf = images.print_pdf(document, header_template=header, footer_template=footer)
    report(1.0, "The board pack is ready")
    return pdf


# --- command line -----------------------------------------------------------------------------------------


def _month_argument(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}") from None


def add_report_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of `python -m kpi report`, added to an existing (sub)parser."""
    parser.add_argument(
        "--scope", required=True, help="system, CMAST, MHLDC or a trust's ODS code (such as RBS)"
    )
    parser.add_argument(
        "--period-end",
        type=_month_argument,
        metavar="YYYY-MM",
        help="the pack's last month (default: the latest month with data for the scope)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="pdf or html (default: from the --out file's extension, else pdf)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="file to write (default: board-pack_<scope>_<YYYY-MM>.<format> in the current folder)",
    )
    return parser


REPORT_HELP = "build the board pack for a scope and month, as PDF or self-contained HTML"


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    """`report` as a sub-command of an argparse parser; runs cmd_report."""
    parser = subparsers.add_parser("report", help=REPORT_HELP, description=REPORT_HELP)
    add_report_arguments(parser)
    parser.set_defaults(func=cmd_report)
    return parser


def _format_for(args: argparse.Namespace) -> str:
    if getattr(args, "format", None):
        return args.format
    out = getattr(args, "out", None)
    if out and Path(out).suffix.lower().lstrip(".") in FORMATS:
        return Path(out).suffix.lower().lstrip(".")
    return "pdf"


def cmd_report(args: argparse.Namespace) -> int:
    """Build the pack and write it. Any failure is one line on stderr and exit status 1."""
    from sqlalchemy.exc import SQLAlchemyError

    from kpi.db import DatabaseError, check_connection, describe_url, get_engine, schema_is_current
    from kpi.images import ImageExportError, ImageExportUnavailable

    started = time.perf_counter()
    try:
        engine = get_engine()
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        if database and database != ":memory:" and not Path(database).exists():
            raise ReportError(f"There is no database at {database}; run 'python -m kpi init' to create it.")
        check_connection(engine)
        if not schema_is_current(engine):
            raise ReportError(
                f"The database {describe_url(str(engine.url))} is empty or not migrated; run "
                "'python -m kpi init'."
            )
        fmt = _format_for(args)
        scope = resolve_scope(engine, args.scope)
        period_end = getattr(args, "period_end", None)
        if period_end is None:
            months = scope_months(engine, scope)
            if not months:
                raise ReportError(f"There is no KPI data for {scope.short} ({scope.code}) in the database.")
            period_end = months[-1]
        out = Path(getattr(args, "out", None) or report_file_name(scope.code, period_end, fmt))
        if not out.parent.is_dir():
            raise OSError(2, "no such folder", str(out))
        data = build_report(engine, scope=scope.code, period_end=period_end, fmt=fmt)
        out.write_bytes(data)
    except (ReportError, ImageExportUnavailable, ImageExportError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: database error: {reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"error: cannot write {getattr(exc, 'filename', None) or 'the file'}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    size = len(data) / 1_000_000
    print(
        f"Wrote the {fmt.upper()} board pack for {scope.short} ending {period_end:%b %Y} to {out} "
        f"({size:.1f} MB, {time.perf_counter() - started:.1f} s)."
    )
    return 0


__all__ = [
    "FORMATS",
    "MONTHS",
    "PROGRAMME",
    "ReportError",
    "Scope",
    "add_report_arguments",
    "add_report_parser",
    "build_report",
    "cmd_report",
    "report_file_name",
    "resolve_scope",
    "scope_months",
]
