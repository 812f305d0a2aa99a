"""`python -m kpi export summary|series|matrix|reconciliation`: the files the app downloads, for analysts
and scheduled jobs.

- `summary --scope SCOPE [--period-end YYYY-MM] --out FILE.csv`: the Making Data Count summary CSV (the
  Overview's), every KPI's reading for the scope;
- `series --scope SCOPE --kpi CODE [--from YYYY-MM] [--to YYYY-MM] --out FILE.csv`: an SPC chart's CSV,
  the chart itself in columns (mean, limits, point type, segment, target in force);
- `matrix --scope SCOPE [--period-end YYYY-MM] --out FILE.csv|FILE.xlsx`: the board's grid (the KPI grid
  page's CSV, or its XLSX when the file is named .xlsx), one row per KPI and organisation (the scope's
  trusts, its collaboratives and the system), with the icons as codes and in words, provisional, stale
  and reviewed, needing attention first;
- `reconciliation --period YYYY-MM --out FILE.csv`: the trusts' submitted AHP FTE against NHS Workforce
  Statistics' published figure, by trust and profession, for one month (the Data submissions page's CSV).
Every other export is CSV; an --out named otherwise is refused rather than written as CSV.
Without a period each KPI has its own default (its latest 36 complete months), as the app has; with one
(--period-end: the 36 months ending then; --from/--to) every KPI has that period."""

from __future__ import annotations

import argparse

import pandas as pd

from kpi.cli.common import PROG, CommandError, migrated_engine, month_argument, say, writable_out, write_out
from kpi.words.text import clean_code

SCOPE_HELP = "system (or C&M), CMAST, MHLDC or a trust's ODS code (such as RBS)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="WHAT", required=True)
    summary = actions.add_parser(
        "summary", help="the Making Data Count summary CSV of a scope", description=__doc__
    )
    summary.add_argument("--scope", required=True, help=SCOPE_HELP)
    summary.add_argument(
        "--period-end", type=month_argument, metavar="YYYY-MM", help="the last month of a 36-month period"
    )
    summary.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")
    matrix = actions.add_parser(
        "matrix", help="the board's grid of a scope: every KPI for every organisation", description=__doc__
    )
    matrix.add_argument("--scope", required=True, help=SCOPE_HELP)
    matrix.add_argument(
        "--period-end", type=month_argument, metavar="YYYY-MM", help="the last month of a 36-month period"
    )
    matrix.add_argument(
        "--out", required=True, metavar="FILE.csv|FILE.xlsx", help="the CSV or Excel (.xlsx) file to write"
    )
    recon = actions.add_parser(
        "reconciliation",
        help="submitted AHP FTE against the published NHS Workforce Statistics, by trust and profession",
        description=__doc__,
    )
    recon.add_argument("--period", required=True, type=month_argument, metavar="YYYY-MM", help="the month")
    recon.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")
    series = actions.add_parser("series", help="one KPI's SPC chart as CSV", description=__doc__)
    series.add_argument("--scope", required=True, help=SCOPE_HELP)
    series.add_argument("--kpi", required=True, metavar="CODE", help="a KPI code, such as VACANCY_RATE")
    series.add_argument("--from", dest="period_from", type=month_argument, metavar="YYYY-MM")
    series.add_argument("--to", dest="period_to", type=month_argument, metavar="YYYY-MM")
    series.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")


def _scope(engine, text: str) -> str:
    """The scope code a --scope names (the one resolver of the board pack and the exports)."""
    from kpi.exports.board_pack.scope import ReportError, resolve_scope

    try:
        return resolve_scope(engine, text).series_code
    except ReportError as exc:
        raise CommandError(f"{PROG} export: {exc}", code=2) from None


def reading_scope_name(readings) -> str:
    """The scope's name as the app's files give it ('C&M system', 'CMAST', 'Alder Hey')."""
    return next(iter(readings.values())).scope_name


def _provenance(engine, args: argparse.Namespace, scope: str, scope_name: str, synthetic: bool, source: str):
    """The provenance columns the app writes into the same file: scope, filters (all AHPs, all trusts,
    both collaboratives), the period (the sidebar's default, or the one given), data as at, synthetic."""
    import dataclasses

    from kpi.exports import tables as export
    from kpi.figures import queries
    from kpi.reading import DEFAULT_MONTHS
    from kpi.selection import filters, labels
    from kpi.words.formats import month_key
    from kpi.words.months import add_months

    status = queries.data_status(engine)
    months = (
        tuple(d.date() for d in pd.date_range(status.first_period, status.last_period, freq="MS"))
        if status.first_period and status.last_period
        else ()
    )
    selection = filters.default_selection(filters.FilterChoices(months, (), (), {}, ()))
    if getattr(args, "period_end", None) is not None:
        first = add_months(args.period_end, -(DEFAULT_MONTHS - 1))
        selection = dataclasses.replace(
            selection, period_from=first, period_to=args.period_end, default_period=False
        )
    if getattr(args, "period_from", None) or getattr(args, "period_to", None):
        selection = dataclasses.replace(
            selection, period_from=args.period_from, period_to=args.period_to, default_period=False
        )
    trusts = queries.trusts(engine)
    if scope in set(trusts["ods_code"]) and args.action == "series":  # an SPC chart of a chosen trust
        selection = dataclasses.replace(selection, trusts=(scope,))
    names = dict(zip(trusts["ods_code"], trusts["short_name"], strict=True))
    return export.Provenance(
        scope=scope_name,
        filters=labels.describe(selection, trust_names=names),
        source=source,
        data_as_at=month_key(status.last_period) if status.last_period else "",
        synthetic=synthetic,
    )


def _workstream_names(engine) -> dict[str, str]:
    from kpi.figures import queries

    frame = queries.workstreams(engine)
    return dict(zip(frame["code"], frame["name"], strict=True))


def run(args: argparse.Namespace) -> int:
    from kpi.exports import tables as export
    from kpi.reading import DEFAULT_MONTHS, Window, chosen_window
    from kpi.reading.load import catalogue, chart_annotations, grid_for, readings_for
    from kpi.words.months import add_months

    out = writable_out(args.out, f"export {args.action}")
    excel = out.suffix.lower() == ".xlsx"
    if out.suffix.lower() not in (".csv", ".xlsx") or (excel and args.action != "matrix"):
        kinds = "a .csv or .xlsx file" if args.action == "matrix" else "a .csv file"
        raise CommandError(f"{PROG} export {args.action}: --out {args.out} must name {kinds}.", code=2)
    engine = migrated_engine()
    if args.action == "reconciliation":
        return _reconciliation(engine, args.period, out)
    scope = _scope(engine, args.scope)
    if args.action in ("summary", "matrix"):
        window: Window | None = None
        if args.period_end is not None:
            window = chosen_window(add_months(args.period_end, -(DEFAULT_MONTHS - 1)), args.period_end)
        readings = readings_for(engine, scope, window=window)
        synthetic = any(reading.synthetic for reading in readings.values())
        if args.action == "summary":
            table = export.summary_table(readings.values())
        else:
            columns, cells = grid_for(engine, scope, window=window)
            table = export.grid_table(cells, catalogue(engine), columns, _workstream_names(engine))
            synthetic = any(cell.reading.synthetic for cell in cells.values())
    else:
        if args.period_from and args.period_to and args.period_from > args.period_to:
            raise CommandError(f"{PROG} export series: --from is after --to.", code=2)
        window = None
        if args.period_from or args.period_to:
            window = chosen_window(args.period_from, args.period_to)
        code = clean_code(args.kpi)
        readings = readings_for(engine, scope, window=window)
        if code not in readings:
            raise CommandError(f"{PROG} export series: there is no KPI with the code {args.kpi!r}.", code=2)
        reading = readings[code]
        table = export.spc_chart_table(
            reading, {scope: reading.scope_name}, chart_annotations(engine, reading)
        )
        synthetic = reading.synthetic
    source = readings[clean_code(args.kpi)].kpi.source if args.action == "series" else ""
    provenance = _provenance(engine, args, scope, reading_scope_name(readings), synthetic, source)
    if excel:
        words = provenance.filters
        title = f"KPIs by organisation, {provenance.scope}"
        title = words.titled(f"{title}, {words.period}") if words else title  # the page's own title
        data = export.grid_xlsx(table, title, provenance=provenance)
    else:
        data = export.csv_bytes(table, provenance=provenance)
    write_out(out, data, f"export {args.action}")
    rows = len(table)
    marked = " SYNTHETIC demo data." if synthetic else ""
    say(f"Wrote {rows:,} row{'s' if rows != 1 else ''} for {scope} to {out}.{marked}")
    return 0


def _reconciliation(engine, period, out) -> int:
    """Write the reconciliation CSV of one month; say how many rows and how many are flagged."""
    from kpi.ingest import reconciliation
    from kpi.words.formats import month_label

    frame = reconciliation.reconciliation(engine, period)
    write_out(out, reconciliation.reconciliation_csv(frame), "export reconciliation")
    flagged = reconciliation.flagged_count(frame)
    published = int(frame["published"].notna().sum()) if not frame.empty else 0
    marked = " SYNTHETIC demo data." if not frame.empty and frame["synthetic"].any() else ""
    note = "" if published else " No published figures for that month: import the staff-role file first."
    say(
        f"Wrote {len(frame):,} row{'s' if len(frame) != 1 else ''} for {month_label(period)} to {out}: "
        f"{flagged:,} differ by {reconciliation.TOLERANCE_WORDS}.{note}{marked}"
    )
    return 0
