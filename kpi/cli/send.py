"""`python -m kpi send --config FILE.toml [--period-end YYYY-MM] [--dry-run DIR] [--allow-provisional]
[--resend] [--only-on-working-day N]`: e-mail each recipient their board pack (kpi.exports.send).

One line per recipient (sent, written, skipped, refused or failed); failures on stderr. Exit 0 when
nothing failed, 1 when any recipient was refused or failed (the others are still sent), 2 for a bad
configuration or argument. The SMTP password (KPI_SMTP_PASSWORD) is redacted from every line."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from kpi.cli.common import PROG, CommandError, migrated_engine, month_argument, say
from kpi.words.text import redact_secrets


def _working_day(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 20:
        raise argparse.ArgumentTypeError(f"expected a working day from 1 to 20, got {text!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", required=True, metavar="FILE.toml", help="the SMTP server and the recipients"
    )
    parser.add_argument(
        "--period-end",
        type=month_argument,
        metavar="YYYY-MM",
        help="the packs' month (default: each scope's latest month with data)",
    )
    parser.add_argument(
        "--dry-run",
        metavar="DIR",
        help="write each message (.eml) and its attachment to DIR instead of sending",
    )
    parser.add_argument(
        "--allow-provisional",
        action="store_true",
        help="send a month even where it is provisional for a scope",
    )
    parser.add_argument(
        "--resend", action="store_true", help="send again to recipients already sent the same month"
    )
    parser.add_argument(
        "--only-on-working-day",
        type=_working_day,
        metavar="N",
        help="do nothing unless today (UK) is the N-th working day of the month in England, e.g. 10",
    )


def _say(text: str, password: str | None, *, error: bool = False) -> None:
    say(redact_secrets(text, password), file=sys.stderr if error else None)


def run(args: argparse.Namespace) -> int:
    from kpi.exports.send.config import PASSWORD_VAR, ConfigError, read_config
    from kpi.exports.send.workdays import CalendarError, is_nth_working_day, nth_working_day
    from kpi.words.formats import uk_time

    password = os.environ.get(PASSWORD_VAR)
    if args.only_on_working_day:
        today = uk_time(dt.datetime.now(dt.UTC)).date()
        try:
            day = nth_working_day(today.year, today.month, args.only_on_working_day)
        except CalendarError as exc:
            raise CommandError(str(exc)) from None
        if not is_nth_working_day(today, args.only_on_working_day):
            say(
                f"Today ({today:%d/%m/%Y}) is not working day {args.only_on_working_day} of the month "
                f"(that is {day:%d/%m/%Y}); nothing sent."
            )
            return 0
    try:
        config = read_config(args.config)
    except ConfigError as exc:
        raise CommandError(f"{PROG} send: {redact_secrets(exc, password)}", code=2) from None
    dry_run = Path(args.dry_run) if args.dry_run else None
    if dry_run is not None and (not dry_run.is_dir() or not os.access(dry_run, os.W_OK)):
        raise CommandError(
            f"{PROG} send: --dry-run {args.dry_run} is not a folder that can be written", code=2
        )
    engine = migrated_engine()
    from kpi.exports.send.run import send_packs

    outcomes = send_packs(
        engine,
        config,
        period_end=args.period_end,
        allow_provisional=args.allow_provisional,
        resend=args.resend,
        dry_run=dry_run,
    )
    for outcome in outcomes:
        _say(outcome.line, password, error=outcome.failed)
    failed = [o for o in outcomes if o.failed]
    counts = {status: sum(o.status == status for o in outcomes) for status in ("sent", "written", "skipped")}
    summary = (
        f"{counts['sent']} sent, {counts['written']} written (dry run), {counts['skipped']} skipped "
        f"(already sent), {len(failed)} not sent, of {len(outcomes)} recipient(s)."
    )
    _say(summary if not failed else f"error: {summary}", password, error=bool(failed))
    return 1 if failed else 0
