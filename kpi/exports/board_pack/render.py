"""Render a board pack as a PDF (A4, for printing and papers), as one self-contained HTML file, or (through
kpi.exports.board_pack.slides) as a PowerPoint deck.

Contents, in order: a cover; the exceptions (KPIs with a concern or a target failed or at risk, with
their commentary; milestones at risk) and the Making Data Count icon summary; one section per workstream
with each KPI's SPC chart, its one-sentence reading, its annotations and its commentary; the milestone
timeline and table with what changed since the last pack; and the KPI definitions. The HTML and PDF
come from one template (template.html, beside this module), and all three formats from one context
(`pack_context`):

- HTML: plotly.js inlined once in the head, one interactive chart per KPI with a stable div id, icons as
  data URIs, no reference to the network or to other files;
- PDF: the same document with the charts as SVG images (kaleido), printed by headless Chromium
  (Page.printToPDF) in the warm browser of kpi.exports.images: A4, "Page x of y" in the footer, fonts
  embedded, icons and statuses always named in words so greyscale print loses nothing;
- PowerPoint: the same context laid out as slides, with the charts and icons as PNG pictures.

The PDF and the deck take their charts from kpi.exports.board_pack.pictures: each chart drawn once per pack
(SVG for the PDF, the same picture as PNG for the deck), so making both formats of one pack draws it once.

The pack is a function of its inputs (the database, scope, month, format and `generated_at`): nothing
reads the clock except the default `generated_at`, and "what changed" means milestone updates recorded on
or after the first day of the pack's last month.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from sqlalchemy import Engine

from kpi.charts import file_stem, plotly_config
from kpi.exports import images
from kpi.exports.board_pack import pictures
from kpi.exports.board_pack.collect import (
    PROGRAMME,
    Pack,
    collect,
    kpi_exceptions,
    milestones_at_risk,
    moment_label,
)
from kpi.exports.board_pack.grid_section import PDF_COLUMNS, grid_parts
from kpi.exports.board_pack.pictures import pack_pictures
from kpi.exports.board_pack.scope import FORMATS, Format, ReportError, pack_month, resolve_scope
from kpi.notes.commentary import review_summary
from kpi.programme.milestones import FIELD_LABELS
from kpi.words.formats import direction_words, month_label, uk_date, uk_time

TEMPLATE = "template.html"
# The HTML pack's charts laid out again on a phone (title wrapped under the toolbar, the plot the width).
NARROW_CHARTS_JS = Path(__file__).resolve().parent / "narrow_charts.js"
Progress = Callable[[float, str], object]  # (fraction done, what it is doing); its return is ignored

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


# --- tables -------------------------------------------------------------------------------------------


def _milestone_rows(pack: Pack) -> list[dict[str, str]]:
    rows = []
    for m in pack.milestones.itertuples():
        rag = str(m.rag or "").lower()
        # Date columns hold Timestamps (NaT where missing); text columns str, or None where blank.
        rows.append(
            {
                "code": cast(str, m.code),
                "title": cast(str, m.title),
                "workstream": cast(str, m.workstream_name),
                "owner": cast(str | None, m.owner_role) or "–",
                "baseline": uk_date(cast(pd.Timestamp, m.baseline_due)),
                "forecast": uk_date(cast(pd.Timestamp, m.forecast_due)),
                "completed": uk_date(cast(pd.Timestamp, m.completed_on)),
                "status": str(m.status).capitalize(),
                "rag": rag.capitalize() or "–",
                "rag_class": rag if rag in RAG_CLASSES else "none",
                "notes": cast(str | None, m.notes) or "",
            }
        )
    return rows


def _change_value(field_name: str, value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return "–"
    text = str(value)
    if field_name in ("forecast_due", "completed_on", "baseline_due"):
        try:
            return uk_date(dt.date.fromisoformat(text[:10]))
        except ValueError:
            return text
    return text


def _change_rows(pack: Pack) -> list[dict[str, str]]:
    history = pack.history
    if history.empty:
        return []
    cutoff = pd.Timestamp(pack.period_end, tz="UTC")
    changed = pd.to_datetime(history["changed_at"], utc=True)
    recent = history.assign(changed_utc=changed)[changed >= cutoff].sort_values(["changed_utc", "id"])
    titles = dict(zip(pack.milestones["code"], pack.milestones["title"], strict=True))
    rows = []
    for change in recent.itertuples():
        field_name = cast(str, change.field)
        milestone_code = cast(str, change.milestone_code)
        label = FIELD_LABELS.get(field_name, field_name.replace("_", " "))
        rows.append(
            {
                "date": f"{uk_time(cast(pd.Timestamp, change.changed_utc).to_pydatetime()):%d/%m/%Y}",
                "milestone": f"{milestone_code}: {_short(titles.get(milestone_code, ''))}",
                "field": label[0].upper() + label[1:],
                "old": _change_value(field_name, change.old_value),
                "new": _change_value(field_name, change.new_value),
                "by": cast(str, change.changed_by),
            }
        )
    return rows


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _definition_rows(pack: Pack) -> list[dict[str, str]]:
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
                "direction": direction_words(kpi.improvement) or kpi.improvement,
                "target": pack.kpi_blocks[kpi.code]["target"],
                "rollup": ROLLUP_WORDS.get(kpi.rollup, kpi.rollup),
                "source": kpi.source,
                "frequency": kpi.frequency.capitalize(),
            }
        )
    return rows


def _data_as_at(status: Any) -> str:
    text = f"{month_label(status.last_period)} (the latest month in the database)"
    if status.last_import_at:
        text += f"; last import {moment_label(status.last_import_at)}"
    return text


# --- charts in each format ------------------------------------------------------------------------------


MILESTONES_ALT = "Programme milestones: baseline against forecast"


def chart_alt(pack: Pack, key: str) -> str:
    """A chart's text alternative: the KPI's reading, the plan chart's sentences or the timeline's."""
    blocks = [*pack.plan.get("professions", []), *([pack.plan["flows"]] if pack.plan.get("flows") else [])]
    plan = {block["key"]: block["alt"] for block in blocks}
    return pack.kpi_blocks.get(key, {}).get("alt") or plan.get(key) or MILESTONES_ALT


def _html_charts(pack: Pack) -> dict[str, Any]:
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
        alt = chart_alt(pack, key)
        markup[key] = Markup('<div role="figure" aria-label="{}">{}</div>').format(alt, Markup(div))
    return markup


def _pdf_charts(pack: Pack, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Each chart's SVG (drawn once per pack: kpi.exports.board_pack.pictures) as an <img>."""
    markup = {}
    for key, picture in pack_pictures(pack, progress).items():
        alt = chart_alt(pack, key)
        markup[key] = Markup('<img src="{}" alt="{}" width="{}" height="{}">').format(
            images.svg_uri(picture.svg), alt, picture.width, picture.height
        )
    return markup


# --- the document ---------------------------------------------------------------------------------------


def pack_context(pack: Pack, mode: str, chart_markup: dict[str, Any]) -> dict[str, Any]:
    """What the pack says, ready to lay out: the template's variables, and the deck's input (mode
    "pptx", no chart markup)."""
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
            "provisional_note": row.provisional_note,
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
        "generated_label": moment_label(pack.generated_at),
        "synthetic": pack.synthetic,
        "synthetic_detail": (
            "The figures in this pack are generated for demonstration; they are not real trust data and "
            "must not be used for decisions."
            if pack.status.all_synthetic
            else "Some figures in this pack are generated for demonstration, not real trust data."
        ),
        "review_line": review_summary(pack.commentary),
        "grid": grid_parts(pack, None if mode == "html" else PDF_COLUMNS),
        "exceptions": kpi_exceptions(pack),
        "milestones_at_risk": milestones_at_risk(pack),
        "summary": summary,
        "workstreams": workstreams,
        "plan": {
            **pack.plan,
            "professions": [
                {**block, "chart": chart_markup.get(block["key"])}
                for block in pack.plan.get("professions", [])
            ],
            "flows_chart": chart_markup.get("plan-flows"),
        },
        "milestone_chart": chart_markup.get("milestones"),
        "milestones": _milestone_rows(pack),
        "changes": _change_rows(pack),
        "changes_since": f"{pack.period_end:%d/%m/%Y}",
        "definitions": _definition_rows(pack),
        "plotly_js": "",
        "narrow_charts_js": "",
    }
    if mode == "html":
        context["plotly_js"] = Markup(get_plotlyjs())
        context["narrow_charts_js"] = Markup(NARROW_CHARTS_JS.read_text(encoding="utf-8"))
    return context


def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE)


def _footer(pack: Pack) -> tuple[str, str]:
    """Chromium's header and footer templates for every PDF page (inline styles only; no page fonts)."""
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
            f"{html.escape(images.SYNTHETIC_CAPTION.upper())}</div>"
        )
    else:
        header = "<div></div>"
    return header, footer


def _deck(pack: Pack, report: Progress) -> bytes:
    """The PowerPoint deck (kpi.exports.board_pack.slides), from the same context as the HTML and PDF."""
    from kpi.exports.board_pack import slides  # python-pptx is loaded only for a deck

    total = len(pack.figures)
    report(0.12, f"Drawing the charts (0 of {total})")

    def drawn(done: int, count: int) -> None:
        report(0.12 + 0.75 * done / count, f"Drawing the charts ({done} of {count})")

    deck = slides.build_deck(pack, pack_context(pack, "pptx", {}), drawn)
    report(1.0, "The board pack is ready")
    return deck


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
    with `period_end` (or from the first month with data), as PDF, HTML or PowerPoint (pptx) bytes.

    Raises ReportError (a ValueError) for an unknown scope or format or a month without data for the
    scope; for a PDF or a PowerPoint deck (pptx), kpi.exports.images.ImageExportUnavailable when there is no
    browser and ImageExportError when the browser failed. `progress(fraction, message)` is called as
    the work goes on, in the caller's thread. `generated_at` (default: now) is the only input that is
    not data."""
    report = progress or (lambda fraction, message: None)
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format {fmt!r}: use pdf, html or pptx.")
    moment = generated_at or dt.datetime.now(dt.UTC)
    month = pack_month(period_end)
    report(0.02, "Checking the scope and month")
    resolved = resolve_scope(engine, scope)
    report(0.05, "Reading the figures")
    with pictures.drawn_early(fmt) as figures_ready:  # the charts drawn while the grid is read
        return render_pack(collect(engine, resolved, month, moment, figures_ready), fmt, report)


def render_pack(pack: Pack, fmt: Format, progress: Progress | None = None) -> bytes:
    """A collected pack as PDF, HTML or PowerPoint bytes (build_report's second half, for a caller such
    as kpi.exports.send that also reads the pack: its exceptions for an e-mail's body)."""
    report = progress or (lambda fraction, message: None)
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format {fmt!r}: use pdf, html or pptx.")
    if fmt == "html":
        report(0.6, "Laying out the charts")
        document = _template().render(**pack_context(pack, "html", _html_charts(pack)))
        report(1.0, "The board pack is ready")
        return document.encode("utf-8")

    with images.browser_kept():  # one browser for all the pack's images and its PDF, then released
        return _deck(pack, report) if fmt == "pptx" else _pdf(pack, report)


def _pdf(pack: Pack, report: Progress) -> bytes:
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
    document = _template().render(**pack_context(pack, "pdf", markup))
    header, footer = _footer(pack)
    pdf = images.print_pdf(document, header_template=header, footer_template=footer)
    report(1.0, "The board pack is ready")
    return pdf


__all__ = ["FORMATS", "Format", "Progress", "build_report", "render_pack"]
