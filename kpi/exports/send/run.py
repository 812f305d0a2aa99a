"""Sending the board packs of a configuration: for each recipient, resolve the scope and month, refuse a
provisional month (unless allowed) and a month already sent to them (unless resending), build the pack
(once per scope, month and format), and deliver it or, in a dry run, write the message and its
attachment to a folder. One recipient's failure never stops the others; every outcome is returned."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from kpi.exports.board_pack import (
    ReportError,
    Scope,
    report_file_name,
    resolve_scope,
    scope_filter,
    scope_months,
)
from kpi.exports.board_pack.collect import Pack, collect, kpi_exceptions
from kpi.exports.board_pack.pictures import drawn_early
from kpi.exports.board_pack.render import render_pack
from kpi.exports.images import ImageExportError, ImageExportUnavailable
from kpi.exports.send import message, records
from kpi.exports.send.config import Recipient, SendConfig
from kpi.exports.send.smtp import Connection, DeliveryError
from kpi.figures import provisional, queries
from kpi.words.formats import month_label, uk_time
from kpi.words.text import redact_secrets

Status = Literal["sent", "written", "skipped", "refused", "failed"]
FAILED: tuple[Status, ...] = ("refused", "failed")


@dataclass(frozen=True)
class Outcome:
    recipient: Recipient
    status: Status
    line: str  # what happened, in one line
    message_id: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class _Built:
    """Packs built in this run: collected per scope and month, rendered per format."""

    packs: dict[tuple[str, dt.date], Pack] = field(default_factory=dict)
    files: dict[tuple[str, dt.date, str], bytes] = field(default_factory=dict)


def provisional_kpis(engine: Engine, scope: Scope, period: dt.date) -> list[str]:
    """'Vacancy rate: 2 of 15 trusts reported' for each KPI whose month is provisional for the scope."""
    series = queries.kpi_series(scope_filter(scope, period, period), scope.level, engine)
    rows = series[(series["scope_code"] == scope.series_code) & provisional.flags(series)]
    names = queries.kpi_catalogue(engine).set_index("code")["name"]
    return [
        f"{names.get(code, code)}: {provisional.reported_words(reported, expected)}"
        for code, reported, expected in rows.sort_values("kpi_code")[
            ["kpi_code", "contributors", "expected"]
        ].itertuples(index=False, name=None)
    ]


def _exception_lines(pack: Pack) -> list[str]:
    return [f"{row['name']}: {row['reasons']}" for row in kpi_exceptions(pack)]


def _what(recipient: Recipient, scope: Scope | None, period: dt.date | None) -> str:
    scope_text = scope.short if scope else recipient.scope
    month = f", {month_label(period)}" if period else ""
    return f"{recipient.email} ({scope_text}, {recipient.fmt.upper()}{month})"


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80]


def send_packs(
    engine: Engine,
    config: SendConfig,
    *,
    period_end: dt.date | None = None,
    allow_provisional: bool = False,
    resend: bool = False,
    dry_run: Path | None = None,
    now: dt.datetime | None = None,
    connection: Connection | None = None,
) -> list[Outcome]:
    """Send (or in a dry run, write) each recipient's pack; the outcomes in the configuration's order."""
    moment = now or dt.datetime.now(dt.UTC)
    smtp = connection or Connection(config.smtp)
    built = _Built()
    outcomes = []
    try:
        for number, recipient in enumerate(config.recipients, start=1):
            outcomes.append(
                _one(
                    engine,
                    config,
                    recipient,
                    number,
                    built,
                    smtp,
                    moment,
                    period_end=period_end,
                    allow_provisional=allow_provisional,
                    resend=resend,
                    dry_run=dry_run,
                )
            )
    finally:
        smtp.close()
    return outcomes


def _one(
    engine: Engine, config: SendConfig, recipient: Recipient, number: int, built: _Built, smtp: Connection,
    now: dt.datetime, *, period_end: dt.date | None, allow_provisional: bool, resend: bool,
    dry_run: Path | None,
) -> Outcome:  # fmt: skip
    scope: Scope | None = None
    period = period_end
    try:
        scope = resolve_scope(engine, recipient.scope)
        if period is None:
            months = scope_months(engine, scope)
            if not months:
                raise ReportError(f"There is no KPI data for {scope.short} ({scope.code}) in the database.")
            period = months[-1]
        what = _what(recipient, scope, period)
        if not resend and (
            when := records.sent_before(engine, recipient.email, scope.code, recipient.fmt, period)
        ):
            return Outcome(
                recipient, "skipped",
                f"skipped {what}: already sent on {uk_time(when):%d/%m/%Y %H:%M}; use --resend to send it "
                "again",
            )  # fmt: skip
        pending = provisional_kpis(engine, scope, period)
        if pending and not allow_provisional:
            return Outcome(
                recipient, "refused",
                f"not sent {what}: {month_label(period)} is provisional for {scope.short} "
                f"({'; '.join(pending[:3])}{'; …' if len(pending) > 3 else ''}); send it with "
                "--allow-provisional, or choose a complete month with --period-end",
            )  # fmt: skip
        pack, data = _built(engine, built, scope, period, recipient.fmt, now)
        text = message.body(
            scope, period, recipient.fmt, _exception_lines(pack), dashboard_url=config.dashboard_url,
            synthetic=pack.synthetic, provisional=pending,
        )  # fmt: skip
        file_name = report_file_name(scope.code, period, recipient.fmt)
        email = message.build_message(
            sender=config.smtp.sender, to=recipient.email, scope=scope, period=period, fmt=recipient.fmt,
            data=data, file_name=file_name, text=text, synthetic=pack.synthetic, now=now,
        )  # fmt: skip
        message_id = str(email["Message-ID"])
        if dry_run is not None:
            stem = f"{number:02d}_{_safe_name(recipient.email)}"
            (dry_run / f"{stem}.eml").write_bytes(email.as_bytes())
            (dry_run / f"{stem}_{file_name}").write_bytes(data)
            return Outcome(
                recipient, "written", f"written {what} to {dry_run / stem}.eml (not sent)", message_id
            )
        smtp.send(email)
        records.record_sent(
            engine, recipient.email, scope.code, recipient.fmt, period, message_id,
            provisional=bool(pending), resent=resend, sent_at=now,
        )  # fmt: skip
        return Outcome(recipient, "sent", f"sent {what}, message {message_id}", message_id)
    except (ReportError, ImageExportUnavailable, ImageExportError, DeliveryError) as exc:
        problem = str(exc)
    except SQLAlchemyError as exc:
        problem = f"database error: {str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}"
    except OSError as exc:
        problem = f"cannot write {getattr(exc, 'filename', None) or 'the file'}: {exc.strerror or exc}"
    line = f"failed {_what(recipient, scope, period)}: {problem}"
    return Outcome(recipient, "failed", redact_secrets(line, config.smtp.password))


def _built(
    engine: Engine, built: _Built, scope: Scope, period: dt.date, fmt: str, now: dt.datetime
) -> tuple[Pack, bytes]:
    key = (scope.code, period)
    with drawn_early(fmt) as figures_ready:  # the charts drawn while the grid is read
        if key not in built.packs:
            built.packs[key] = collect(engine, scope, period, now, figures_ready)
        pack = built.packs[key]
        if (*key, fmt) not in built.files:
            built.files[(*key, fmt)] = render_pack(pack, fmt)  # type: ignore[arg-type]
    return pack, built.files[(*key, fmt)]


__all__ = ["Outcome", "provisional_kpis", "send_packs"]
