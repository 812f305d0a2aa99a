"""The e-mail that carries a board pack: a short plain-text body (the month, the scope, the exceptions one
line each, the dashboard's link if configured, and SYNTHETIC when the figures are) and the pack attached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from kpi.exports.board_pack import Scope
from kpi.words.formats import month_label
from kpi.words.text import printable

MIME_TYPES = {
    "pdf": ("application", "pdf"),
    "html": ("text", "html"),
    "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
}
FORMAT_WORDS = {"pdf": "PDF", "html": "web page (HTML)", "pptx": "PowerPoint deck"}
PROGRAMME = "Cheshire and Merseyside AHP workforce programme"


def subject(scope: Scope, period: dt.date, synthetic: bool) -> str:
    marked = " [SYNTHETIC DEMO DATA]" if synthetic else ""
    return f"AHP workforce board pack: {scope.short}, {month_label(period)}{marked}"


def body(
    scope: Scope,
    period: dt.date,
    fmt: str,
    exceptions: Sequence[str],
    *,
    dashboard_url: str = "",
    synthetic: bool = False,
    provisional: Sequence[str] = (),
) -> str:
    lines = [f"The {PROGRAMME} board pack for {scope.name}, {month_label(period)}, is attached as a "
             f"{FORMAT_WORDS[fmt]}."]  # fmt: skip
    if synthetic:
        lines += ["", "SYNTHETIC DEMO DATA: the figures in this pack are synthetic, not real."]
    if provisional:
        lines += ["", f"{month_label(period)} is provisional for some KPIs (sent as asked):"]
        lines += [f"- {line}" for line in provisional]
    lines += ["", "Exceptions (the KPIs to look at first):" if exceptions else "No exceptions this month."]
    lines += [f"- {printable(line)}" for line in exceptions]
    if dashboard_url:
        lines += ["", f"Dashboard: {dashboard_url}"]
    lines += ["", "Sent by the AHP workforce dashboard (python -m kpi send)."]
    return "\n".join(lines) + "\n"


def build_message(
    *,
    sender: str,
    to: str,
    scope: Scope,
    period: dt.date,
    fmt: str,
    data: bytes,
    file_name: str,
    text: str,
    synthetic: bool,
    now: dt.datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(scope, period, synthetic)
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message.set_content(text)
    maintype, subtype = MIME_TYPES[fmt]
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=file_name)
    return message


__all__ = ["body", "build_message", "subject"]
