"""`python -m kpi settings import FILE.csv`: the lead's chart settings and annotations from a file, all or
nothing (kpi.notes.settings_file). Exit 0 when written; 2 with one line per refused row and nothing
written."""

from __future__ import annotations

import argparse
import sys

from kpi.cli.common import PROG, CommandError, cli_user, migrated_engine, read_file, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imported = actions.add_parser(
        "import",
        help="load chart settings and annotations from a CSV file (kpi_code,scope,kind,month,value,text)",
        description="Load chart settings (target, baseline, ghost, recalculation) and annotations from a CSV "
        "file with the columns kpi_code, scope, kind, month, value, text. All or nothing: a file with any "
        "refused row writes nothing.",
    )
    imported.add_argument("path", metavar="FILE.csv", help="the settings file")


def run(args: argparse.Namespace) -> int:
    from kpi.notes.settings_file import SettingsFileError, import_settings

    data = read_file(args.path)
    engine = migrated_engine()
    try:
        written, refusals = import_settings(engine, cli_user(), data)
    except SettingsFileError as exc:
        raise CommandError(f"{PROG} settings import: {args.path}: {exc}", code=2) from None
    if refusals:
        for refusal in refusals:
            say(refusal.line(), file=sys.stderr)
        say(
            f"error: {len(refusals)} row{'s' if len(refusals) != 1 else ''} refused; nothing was written.",
            file=sys.stderr,
        )
        return 2
    say(
        f"Wrote {written} row{'s' if written != 1 else ''} (chart settings and annotations) from {args.path}."
    )
    return 0
