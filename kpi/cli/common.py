"""What every command of `python -m kpi` shares: printing (never a secret, never a control character),
one-line errors, month arguments, the database connection, the command line's user, input and output
files."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from kpi.store.db import DatabaseError, check_connection, get_engine, schema_is_current
from kpi.words.months import parse_month
from kpi.words.text import printable, redact_secrets, url_password

PROG = "python -m kpi"


def _configured_password() -> str | None:
    """The configured database password, however malformed the URL, so that no error line shows it."""
    from kpi.store.db import ENV_VAR, database_url

    try:
        return url_password(database_url())
    except DatabaseError:
        return url_password(os.environ.get(ENV_VAR, ""))


def say(*values: object, file=None) -> None:
    """The CLI's one way to print. Text from files and cells is in what it prints, so terminal escape
    sequences and control characters are stripped; error lines have any password redacted too."""
    text = printable(" ".join(str(value) for value in values))
    if file is sys.stderr:
        text = redact_secrets(text, _configured_password())
    print(text, file=file or sys.stdout)


class CommandError(Exception):
    """A failure to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exits 2)."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message} (see '{self.prog} --help')", code=2)


def month_argument(text: str) -> dt.date:
    """A month argument: kpi.words.months.parse_month, held to the one form the command line documents
    (YYYY-MM; other forms such as 'Oct 2026' are refused, as they always were)."""
    month = parse_month(text) if re.fullmatch(r"\d{4}-\d{1,2}", text) else None
    if month is None:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}")
    return month


def first_line(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message of a database error."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def connected_engine(*, must_exist: bool = False):
    """The configured engine after one successful connection. With `must_exist`, a SQLite file that
    is not there yet is reported instead of being created."""
    engine = get_engine()
    path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if must_exist and path and path != ":memory:" and not Path(path).exists():
        raise CommandError(f"There is no database at {path}; run '{PROG} init' to create it.")
    check_connection(engine)
    return engine


def cli_user():
    """Who the command line acts as. Running it needs direct access to the database, so its operator
    acts as the workforce lead; the batch records the account and machine."""
    import getpass
    import socket

    from kpi.access.auth import User

    return User(email=f"{getpass.getuser()}@{socket.gethostname()}", name="command line", role="lead")


def read_file(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{PROG}: no such file: {path}", code=2)
    return file.read_bytes()


def writable_out(path: str, command: str = "plan") -> Path:
    """The --out file, refused (exit 2) when it cannot be written: no such folder, a folder, read-only."""
    out = Path(path)
    problem = (
        "it is a folder"
        if out.is_dir()
        else "no such folder"
        if not out.parent.is_dir()
        else "the folder is read-only"
        if not os.access(out.parent, os.W_OK)
        else "the file is read-only"
        if out.exists() and not os.access(out, os.W_OK)
        else ""
    )
    if problem:
        raise CommandError(f"{PROG} {command}: cannot write --out {path}: {problem}", code=2)
    return out


def migrated_engine():
    """The configured engine, refused in one line when the database is missing or not migrated."""
    engine = connected_engine(must_exist=True)
    if not schema_is_current(engine):
        raise CommandError(f"The database is empty or not migrated; run '{PROG} init' first.")
    return engine


def write_out(out: Path, data: bytes, command: str) -> None:
    """Write a command's --out file, a failure in one line (exit 2)."""
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CommandError(
            f"{PROG} {command}: cannot write --out {out}: {exc.strerror or exc}", code=2
        ) from None
