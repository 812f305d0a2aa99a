"""Command line: `python -m kpi <command>`. Run `python -m kpi --help` for the list.

Every failure a user can cause (a bad URL, an unreachable database, a bad argument) prints one line
saying what is wrong and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from kpi.access.auth import PermissionDenied
from kpi.cli import export as cli_export
from kpi.cli import plan as cli_plan
from kpi.cli import send as cli_send
from kpi.cli import settings as cli_settings
from kpi.cli.common import (
    PROG,
    CommandError,
    OneLineParser,
    cli_user,
    connected_engine,
    first_line,
    month_argument,
    read_file,
    say,
)
from kpi.reference.load import ReferenceDataError
from kpi.store.db import DatabaseError, describe_url, schema_is_current


def cmd_init(args: argparse.Namespace) -> int:
    from kpi.reference.load import load_reference
    from kpi.store.db import migrate

    started = time.perf_counter()
    engine = connected_engine()
    migrate(engine)
    counts = load_reference(engine)
    say(f"Database {describe_url(str(engine.url))} is at the latest schema.")
    say(
        f"Reference data loaded: {counts.trusts} organisations, {counts.collaboratives} collaboratives, "
        f"{counts.memberships} memberships, {counts.successions} mergers, {counts.professions} professions "
        f"and {counts.profession_groups} combined group(s) ({counts.aliases} aliases), {counts.workstreams} "
        f"workstreams, {counts.kpis} KPIs, "
        f"{counts.milestones} milestones ({time.perf_counter() - started:.1f} s)."
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kpi.seed.bootstrap import prepare_database
    from kpi.seed.demo import DEMO_SEED, last_complete_month, load_demo

    started = time.perf_counter()
    engine = connected_engine()
    prepare_database(engine, with_demo=False)
    end = args.end or last_complete_month()
    try:
        result = load_demo(engine, end=end, seed=args.seed if args.seed is not None else DEMO_SEED)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    say(
        f"Loaded {result.observations:,} SYNTHETIC demo observations "
        f"({result.first_period:%b %Y} to {result.last_period:%b %Y}) as batch {result.batch_id} "
        f"in {time.perf_counter() - started:.1f} s."
    )
    if args.rows:
        from kpi.seed.demo_scale import add_benchmark_rows

        added = add_benchmark_rows(engine, args.rows, end, DEMO_SEED)
        say(
            f"Added {added:,} SYNTHETIC benchmark observations (trusts ZB000...), about {args.rows:,} "
            f"in all ({time.perf_counter() - started:.1f} s)."
        )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from kpi.figures import queries

    engine = connected_engine(must_exist=True)
    if not schema_is_current(engine):
        raise CommandError(
            f"The database {describe_url(str(engine.url))} is empty or not migrated; run '{PROG} init'."
        )
    counts = queries.table_counts(engine)
    roles = queries.trust_role_counts(engine)
    status = queries.data_status(engine)
    synthetic = (
        "all synthetic demo data"
        if status.all_synthetic
        else f"{queries.observation_counts(engine).synthetic:,} synthetic"
        if status.any_synthetic
        else "no synthetic data"
    )
    say(f"Database:        {describe_url(str(engine.url))}")
    say(
        f"Trusts:          {roles.get('member', 0)} member trusts, {roles.get('partner', 0)} system partner, "
        f"{roles.get('predecessor', 0)} predecessor (merged) trusts"
    )
    say(f"Collaboratives:  {counts['collaboratives']} ({counts['memberships']} memberships)")
    groups = int((queries.professions(engine)["combines"].fillna("") != "").sum())
    say(
        f"Professions:     {counts['professions'] - groups} and {groups} combined group(s) "
        f"({counts['profession_aliases']} aliases)"
    )
    say(f"Workstreams:     {counts['workstreams']}")
    say(f"KPIs:            {counts['kpi_definitions']}")
    say(f"Milestones:      {counts['milestones']} ({counts['milestone_updates']} updates in history)")
    say(f"Observations:    {counts['observations']:,} ({synthetic})")
    say(f"Import batches:  {counts['import_batches']}")
    if status.last_period:
        say(
            f"Data as at:      {status.last_period:%b %Y} (from {status.first_period:%b %Y}); "
            f"last import {status.last_import_at:%d/%m/%Y %H:%M}"
            if status.last_import_at
            else f"Data as at:      {status.last_period:%b %Y}"
        )
    else:
        say("Data as at:      no observations yet")
    return 0


def _import(args: argparse.Namespace, prepare) -> int:
    """Validate, then (unless --dry-run) import: exit 0 when imported or valid, 1 on any problem."""
    from kpi import ingest

    data = read_file(args.path)
    engine = connected_engine(must_exist=True)
    if not schema_is_current(engine):
        raise CommandError(f"The database is empty or not migrated; run '{PROG} init' first.")
    preview = prepare(engine, Path(args.path).name, data)
    for notice in preview.notices:
        where = f"row {notice.row}: " if notice.row else ""
        say(f"note: {where}{notice.message}")
    if preview.problems:
        for problem in preview.problems:
            row = f"row {problem.row}" if problem.row else "file"
            column = f", column {problem.column}" if problem.column else ""
            say(f"{row}{column}: {problem.message} {problem.fix}".rstrip(), file=sys.stderr)
        if more := preview.more_problems():
            # Past the first ingest.MAX_PROBLEMS: one line with the count, then the count of each kind.
            say(more, file=sys.stderr)
            for kind in preview.kinds():
                column = f"column {kind.column}: " if kind.column else ""
                say(f"  {kind.count:>9,} x {column}{kind.kind} ({kind.listed:,} listed)", file=sys.stderr)
        say(f"error: {preview.summary()}", file=sys.stderr)
        return 1
    say(preview.summary())
    if args.dry_run:
        say("Dry run: the file is valid; nothing was written.")
        return 0
    if preview.has_changes and not args.replace:
        say(
            f"error: {preview.rows_changed:,} figures already in the database would change; nothing was "
            "written. Check them, then rerun with --replace.",
            file=sys.stderr,
        )
        return 1
    result = ingest.apply_import(engine, cli_user(), preview, replace=args.replace, source=preview.source)
    say(result.message)
    return 0 if result.applied or result.rows_added + result.rows_changed == 0 else 1


def cmd_import(args: argparse.Namespace) -> int:
    from kpi.ingest.dispatch import prepare_file

    return _import(args, lambda engine, name, data: prepare_file(engine, name, data, channel="cli"))


def cmd_undo(args: argparse.Namespace) -> int:
    from kpi import ingest

    engine = connected_engine(must_exist=True)
    try:
        result = ingest.undo_batch(engine, cli_user(), args.batch_id)
    except ingest.UndoRefused as exc:
        raise CommandError(str(exc)) from None
    say(result.message)
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    from kpi.figures import queries

    engine = connected_engine(must_exist=True)
    history = queries.import_batches(engine)
    if history.empty:
        say("No imports yet.")
        return 0
    columns = [
        "id",
        "file_name",
        "source",
        "status",
        "rows_added",
        "rows_changed",
        "rows_skipped",
        "imported_by",
        "imported_at",
    ]
    table = history[columns].rename(
        columns={"rows_added": "added", "rows_changed": "changed", "rows_skipped": "same"}
    )
    table["imported_at"] = table["imported_at"].dt.strftime("%d/%m/%Y %H:%M")
    say(table.to_string(index=False))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from kpi import ingest

    data = ingest.template_xlsx() if args.out.lower().endswith(".xlsx") else ingest.template_csv()
    Path(args.out).write_bytes(data)
    say(f"Wrote the import template to {args.out}.")
    return 0


#: The board pack's formats (kpi.exports.board_pack.FORMATS, written here so that building the parser does not
#: import the board pack and its libraries; tests/cli/test_cli.py checks the two agree).
REPORT_FORMATS = ("pdf", "html", "pptx")


def add_report_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of `python -m kpi report`, added to an existing (sub)parser."""
    parser.add_argument(
        "--scope", required=True, help="system, CMAST, MHLDC or a trust's ODS code (such as RBS)"
    )
    parser.add_argument(
        "--period-end",
        type=month_argument,
        metavar="YYYY-MM",
        help="the pack's last month (default: the latest month with data for the scope)",
    )
    parser.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="pdf, html or pptx (PowerPoint) (default: from the --out file's extension, else pdf)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="file to write (default: board-pack_<scope>_<YYYY-MM>.<format> in the current folder)",
    )
    return parser


def _report_format(args: argparse.Namespace) -> Literal["pdf", "html", "pptx"]:
    """--format, else the --out file's suffix, else PDF."""
    chosen = getattr(args, "format", None)
    out = getattr(args, "out", None)
    if not chosen and out:
        chosen = Path(out).suffix.lower().lstrip(".")
    if chosen == "html":
        return "html"
    return "pptx" if chosen == "pptx" else "pdf"


def cmd_report(args: argparse.Namespace) -> int:
    """Build the board pack and write it. Any failure is one line on stderr and exit status 1."""
    from kpi.exports import board_pack
    from kpi.exports.images import ImageExportError, ImageExportUnavailable

    started = time.perf_counter()
    try:
        engine = connected_engine(must_exist=True)
        if not schema_is_current(engine):
            raise board_pack.ReportError(
                f"The database {describe_url(str(engine.url))} is empty or not migrated; run '{PROG} init'."
            )
        fmt = _report_format(args)
        scope = board_pack.resolve_scope(engine, args.scope)
        period_end = getattr(args, "period_end", None)
        if period_end is None:
            months = board_pack.scope_months(engine, scope)
            if not months:
                raise board_pack.ReportError(
                    f"There is no KPI data for {scope.short} ({scope.code}) in the database."
                )
            period_end = months[-1]
        out = Path(getattr(args, "out", None) or board_pack.report_file_name(scope.code, period_end, fmt))
        if not out.parent.is_dir():
            raise OSError(2, "no such folder", str(out))
        data = board_pack.build_report(engine, scope=scope.code, period_end=period_end, fmt=fmt)
        out.write_bytes(data)
    except (
        CommandError,
        board_pack.ReportError,
        ImageExportUnavailable,
        ImageExportError,
        DatabaseError,
    ) as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        say(f"error: database error: {first_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        say(
            f"error: cannot write {getattr(exc, 'filename', None) or 'the file'}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    say(
        f"Wrote the {fmt.upper()} board pack for {scope.short} ending {period_end:%b %Y} to {out} "
        f"({len(data) / 1_000_000:.1f} MB, {time.perf_counter() - started:.1f} s)."
    )
    return 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "init": (cmd_init, "create or migrate the database and load the reference data"),
    "demo": (cmd_demo, "load a seeded SYNTHETIC demo history (replaces earlier demo data)"),
    "info": (cmd_info, "show row counts and the data-as-at date"),
    "import": (
        cmd_import,
        "validate and import a data file (CSV or XLSX): the template or a published layout in data/sources/, "
        "recognised from its headers",
    ),
    "undo": (cmd_undo, "undo an import batch, restoring what it replaced"),
    "batches": (cmd_batches, "list the import batches"),
    "template": (cmd_template, "write the import template (CSV, or XLSX with a guide sheet)"),
    "report": (
        cmd_report,
        "build the board pack for a scope and month (PDF, self-contained HTML or PowerPoint)",
    ),
    "plan": (lambda args: cli_plan.run(args), cli_plan.HELP),
    "settings": (
        lambda args: cli_settings.run(args),
        "chart settings: 'settings import FILE.csv' loads targets, baselines, ghosts, recalculations and "
        "annotations, all or nothing",
    ),
    "send": (
        lambda args: cli_send.run(args),
        "e-mail each recipient of a configuration (TOML) their board pack (scope and format) by SMTP; "
        "see the README's 'Sending the board pack'",
    ),
    "export": (
        lambda args: cli_export.run(args),
        "write the app's CSV files: 'export summary' (Making Data Count summary of a scope), 'export "
        "series' (one KPI's SPC chart), 'export matrix' (the board's grid: every KPI for every "
        "organisation), 'export reconciliation' (submitted AHP FTE against the published figures)",
    ),
}


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description="C&M AHP workforce KPI dashboard: database and data tools. The database is "
        "KPI_DATABASE_URL (default: the SQLite file data/ahp_workforce.db).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == "import":
            command.add_argument("path", metavar="PATH", help="the file to import (.csv or .xlsx)")
            command.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
            command.add_argument(
                "--replace", action="store_true", help="replace figures already in the database that differ"
            )
        if name == "undo":
            command.add_argument("batch_id", metavar="BATCH_ID", type=int, help="the batch number to undo")
        if name == "template":
            command.add_argument("--out", required=True, help="file to write: .csv or .xlsx")
        if name == "report":
            add_report_arguments(command)
        if name == "plan":
            cli_plan.add_arguments(command)
        if name == "settings":
            cli_settings.add_arguments(command)
        if name == "export":
            cli_export.add_arguments(command)
        if name == "send":
            cli_send.add_arguments(command)
        if name == "demo":
            command.add_argument(
                "--end", type=month_argument, help="last month, YYYY-MM (default: last complete month)"
            )
            command.add_argument("--seed", type=int, help="random seed (default: the fixed demo seed)")
            command.add_argument(
                "--rows",
                type=_positive_count,
                help="grow the database to about this many observations with SYNTHETIC benchmark trusts "
                "(ZB000...), for benchmarks; e.g. 1000000",
            )
    return parser


def _positive_count(text: str) -> int:
    try:
        count = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, e.g. 1000000") from None
    if not 0 < count <= 50_000_000:
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and 50,000,000")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return 2
        return COMMANDS[args.command][0](args)
    except CommandError as exc:
        say(f"error: {exc}" if exc.code != 2 else str(exc), file=sys.stderr)
        return exc.code
    except PermissionDenied as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 1
    except (DatabaseError, ReferenceDataError) as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        say(f"error: database error: {first_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
