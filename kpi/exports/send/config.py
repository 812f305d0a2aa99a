"""The send configuration (a TOML file): the SMTP server and the recipients, each with a scope and a
format. The SMTP user and password are never in the file: they come from the environment
(KPI_SMTP_USER, KPI_SMTP_PASSWORD). Every mistake is a ConfigError naming the key (and the recipient's
number) and what to write instead; unknown keys are refused, so a typo is never silently ignored.

    [smtp]
    host = "smtp.example.nhs.uk"   # required
    port = 587                     # required
    starttls = true                # default true; false only for a relay on the same host
    from = "ahp-dashboard@nhs.net" # required
    timeout = 60                   # seconds, optional

    [dashboard]
    url = "https://ahp-dashboard.example.nhs.uk"   # optional: the link in each message

    [[recipient]]
    email = "board.member@nhs.net"
    scope = "system"               # system, CMAST, MHLDC or a trust's ODS code
    format = "pdf"                 # pdf, html or pptx (default pdf)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

USER_VAR = "KPI_SMTP_USER"
PASSWORD_VAR = "KPI_SMTP_PASSWORD"  # the variable's name, not a password
FORMATS = ("pdf", "html", "pptx")
_EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")
_SMTP_KEYS = {"host", "port", "starttls", "from", "timeout"}
_SECRET_KEYS = {"user", "username", "password", "pass", "secret"}
_RECIPIENT_KEYS = {"email", "scope", "format"}


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key and what to do."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = True
    timeout: float = 60.0

    @property
    def user(self) -> str | None:
        return os.environ.get(USER_VAR) or None

    @property
    def password(self) -> str | None:
        return os.environ.get(PASSWORD_VAR) or None


@dataclass(frozen=True)
class Recipient:
    email: str
    scope: str
    fmt: str


@dataclass(frozen=True)
class SendConfig:
    smtp: SmtpSettings
    recipients: tuple[Recipient, ...]
    dashboard_url: str = ""


def read_config(path: str | Path) -> SendConfig:
    """The configuration in `path`, or ConfigError saying what is wrong."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"There is no configuration file {file}.")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file.name} is not valid TOML: {exc}.") from None
    return parse_config(raw, file.name)


def parse_config(raw: dict, name: str = "the configuration") -> SendConfig:
    unknown = sorted(set(raw) - {"smtp", "recipient", "dashboard"})
    if unknown:
        raise ConfigError(
            f"{name}: unknown section or key {unknown[0]!r}; use [smtp], [dashboard], [[recipient]]."
        )
    smtp = _smtp(raw.get("smtp"), name)
    recipients = _recipients(raw.get("recipient"), name)
    return SendConfig(smtp, recipients, _dashboard(raw.get("dashboard"), name))


def _smtp(table: object, name: str) -> SmtpSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: the [smtp] section is missing; it needs host, port and from.")
    if secret := sorted(set(table) & _SECRET_KEYS):
        raise ConfigError(
            f"{name}: [smtp] {secret[0]} must not be in the file; set {USER_VAR} and {PASSWORD_VAR} in the "
            "environment of the job instead."
        )
    if unknown := sorted(set(table) - _SMTP_KEYS):
        raise ConfigError(
            f"{name}: [smtp] has an unknown key {unknown[0]!r}; the keys are {', '.join(sorted(_SMTP_KEYS))}."
        )
    for key in ("host", "port", "from"):
        if key not in table:
            raise ConfigError(f"{name}: [smtp] {key} is required.")
    host, port, sender = table["host"], table["port"], table["from"]
    if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host.strip()):
        raise ConfigError(f'{name}: [smtp] host must be a server name, such as "smtp.example.nhs.uk".')
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError(f"{name}: [smtp] port must be a whole number from 1 to 65535, such as 587.")
    if not isinstance(sender, str) or not _EMAIL.fullmatch(sender.strip()):
        raise ConfigError(f'{name}: [smtp] from must be an e-mail address, such as "ahp-dashboard@nhs.net".')
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        raise ConfigError(f"{name}: [smtp] starttls must be true or false (without quotes).")
    timeout = table.get("timeout", 60)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 600:
        raise ConfigError(f"{name}: [smtp] timeout must be a number of seconds from 1 to 600.")
    return SmtpSettings(host.strip(), port, sender.strip(), starttls, float(timeout))


def _recipients(tables: object, name: str) -> tuple[Recipient, ...]:
    if not tables:
        raise ConfigError(f"{name}: there is no [[recipient]]; add one with email, scope and format.")
    if not isinstance(tables, list):
        raise ConfigError(f"{name}: write each recipient as a [[recipient]] table (two brackets).")
    recipients = []
    for number, table in enumerate(tables, start=1):
        where = f"{name}: recipient {number}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: write it as a [[recipient]] table with email, scope and format.")
        if unknown := sorted(set(table) - _RECIPIENT_KEYS):
            raise ConfigError(
                f"{where} has an unknown key {unknown[0]!r}; the keys are email, scope and format."
            )
        email, scope, fmt = table.get("email"), table.get("scope"), table.get("format", "pdf")
        if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
            raise ConfigError(f'{where}: email must be an e-mail address, such as "board.member@nhs.net".')
        if not isinstance(scope, str) or not scope.strip():
            raise ConfigError(
                f"{where} ({email}): scope is required: system, CMAST, MHLDC or a trust's ODS code."
            )
        if not isinstance(fmt, str) or fmt.strip().lower() not in FORMATS:
            raise ConfigError(f"{where} ({email}): format must be pdf, html or pptx.")
        recipients.append(Recipient(email.strip(), scope.strip(), fmt.strip().lower()))
    return tuple(recipients)


def _dashboard(table: object, name: str) -> str:
    if table is None:
        return ""
    if not isinstance(table, dict) or set(table) - {"url"}:
        raise ConfigError(f"{name}: [dashboard] has one key, url.")
    url = table.get("url", "")
    if not isinstance(url, str) or (url and not re.fullmatch(r"https?://\S+", url.strip())):
        raise ConfigError(f"{name}: [dashboard] url must start with https:// (or http://).")
    return url.strip()


__all__ = [
    "PASSWORD_VAR",
    "USER_VAR",
    "ConfigError",
    "Recipient",
    "SendConfig",
    "SmtpSettings",
    "parse_config",
    "read_config",
]
