"""Engine and sessions from one setting, KPI_DATABASE_URL. Nothing else opens connections.

The URL comes from the environment variable KPI_DATABASE_URL, else from `[connections.kpi] url` in
`.streamlit/secrets.toml`, else the embedded SQLite default `data/ahp_workforce.db` in the project.
kpi.seed.bootstrap.prepare_database creates and migrates an empty database and loads reference (and demo)
data, so the app works on a fresh clone without any set-up step; this module imports nothing above it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import re
import sqlite3
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from kpi.words.text import redact_secrets, redact_url, url_password

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'ahp_workforce.db'}"
ENV_VAR = "KPI_DATABASE_URL"


# What a visitor of the app is told (the details, redacted, go to the server log and the CLI).
UNREACHABLE = "The database server could not be reached."
MISCONFIGURED = "The dashboard's database setting is not valid."
NO_DRIVER = "The dashboard's database driver is not installed."
SETTINGS_UNREADABLE = "The dashboard's settings file could not be read."

logger = logging.getLogger("kpi.store.db")


class _SecondErrorInPipeline(logging.Filter):
    """psycopg logs "error ignored terminating <psycopg.Pipeline [BAD] ...>: ..." at WARNING when a
    connection dies in the middle of a batch of statements (executemany runs them in a pipeline): the
    second error of the same failure, whose first is raised and told to the user in one line. Left as
    it is, Python prints it to stderr, beside the CLI's one line and in the app's server log. It is
    kept, at DEBUG, for whoever turns that on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith("error ignored terminating"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("psycopg").addFilter(_SecondErrorInPipeline())


class DatabaseError(Exception):
    """A database problem explained in one line a user can act on. The message never holds a password:
    it is redacted here, with the password of `url` (however malformed) removed wherever it appears.
    `public` is the sentence for a visitor of the app, naming no server, user or database."""

    def __init__(self, message: str, *, public: str = UNREACHABLE, url: object = None) -> None:
        secrets = [url_password(url)] if url is not None else []
        password = getattr(url, "password", None)  # a parsed URL knows its decoded password
        super().__init__(redact_secrets(message, *secrets, password))
        self.public = public


def _secrets_url() -> str | None:
    for folder in (Path.cwd(), PROJECT_ROOT, Path.home()):
        secrets = folder / ".streamlit" / "secrets.toml"
        if secrets.is_file():
            try:
                data = tomllib.loads(secrets.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise DatabaseError(f"Cannot read {secrets}: {exc}", public=SETTINGS_UNREADABLE) from None
            url = data.get("connections", {}).get("kpi", {}).get("url")
            if url:
                return str(url)
    return None


def database_url() -> str:
    """The configured database URL (environment, then secrets, then the SQLite default), without
    surrounding white space."""
    return (os.environ.get(ENV_VAR) or "").strip() or (_secrets_url() or "").strip() or DEFAULT_DATABASE_URL


def describe_url(url: object) -> str:
    """The URL without its password (however malformed), safe to show to the operator."""
    return redact_url(url)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _file_id(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device and inode), or None when there is none."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _missing_file(path: Path) -> str:
    return f"The database file {path.name} is missing."


def _guard_sqlite_file(engine: Engine, path: Path) -> None:
    """Once the database file exists, never create it again, and never go on using a deleted one.

    SQLite creates an empty database when it opens a file that is not there, and a connection already
    open to a deleted file goes on reading (and writing) the deleted copy without a word. So after the
    file has existed, connections open it read-write without creating it (an error if it is missing),
    and every checkout checks that the file at the path is still the one the connection opened."""
    seen = {"file": path.exists()}

    def connect(dialect, _record, cargs, cparams):
        if not seen["file"]:
            return None  # the first connection of a fresh clone creates the file, as SQLite does
        if not path.exists():
            raise sqlite3.OperationalError(_missing_file(path))
        uri = f"file:{urllib.request.pathname2url(str(path))}?mode=rw"
        return dialect.loaded_dbapi.connect(uri, **{**cparams, "uri": True})

    def opened(_dbapi_connection, record) -> None:
        seen["file"] = True
        record.info["kpi_sqlite_file"] = _file_id(path)

    def checkout(_dbapi_connection, record, _proxy) -> None:
        current = _file_id(path)
        if current is None or current != record.info.get("kpi_sqlite_file"):
            # The pool drops this connection and opens a new one, which fails if the file is missing.
            raise DisconnectionError(f"The database file {path.name} is missing or was replaced")

    event.listen(engine, "do_connect", connect)
    event.listen(engine, "connect", opened)
    event.listen(engine, "checkout", checkout)


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine on a plain file path (None for other databases, for an
    in-memory database and for SQLite URI file names)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(url.database).resolve()


@functools.lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process. Raises DatabaseError for a malformed URL."""
    url = (url or database_url()).strip()
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError) as exc:
        # Not the parser's words: they quote the URL, or a piece of it, password and all.
        why = " (its port is not a number)" if isinstance(exc, ValueError) else ""
        raise DatabaseError(
            f"The database URL {redact_url(url)} is malformed{why}; expected e.g. "
            "sqlite:///data/ahp_workforce.db or postgresql+psycopg://user@host:5432/dbname",
            public=MISCONFIGURED,
            url=url,
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            if (path := sqlite_file(engine)) is not None:
                _guard_sqlite_file(engine, path)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"The database URL {redact_url(url)} names a database driver that is not installed: {exc}",
            public=NO_DRIVER,
            url=url,
        ) from None
    except (ArgumentError, ValueError, TypeError):
        raise DatabaseError(
            f"The database URL {redact_url(url)} has a setting the driver cannot use.",
            public=MISCONFIGURED,
            url=url,
        ) from None
    return engine


def check_connection(engine: Engine) -> None:
    """Open and close one connection; DatabaseError with a one-line reason if that fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = (str(exc.orig).strip().splitlines() or [""])[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"Cannot connect to {redact_url(engine.url)}: {reason}", public=UNREACHABLE, url=engine.url
        ) from None


# --- is the database there? --------------------------------------------------------------------------

HEALTH_TTL_SECONDS = 5.0  # one check per process in this time, however many people are viewing
HEALTH_CONNECT_TIMEOUT = 3  # seconds a check waits for a server that does not answer (psycopg's minimum is 2)


@dataclass(frozen=True)
class Health:
    """The answer of one health check. `public` names no server, user, port or database (a visitor may
    read it); `detail` is redacted, for the server log. `last_ok` is when the database last answered
    (UTC), None if it never has in this process. `recovered` is true for the first check that finds the
    database answering again after it did not (the caller may refresh what it cached meanwhile)."""

    ok: bool
    public: str = ""
    detail: str = ""
    last_ok: dt.datetime | None = None
    recovered: bool = False
    checked: float = 0.0  # time.monotonic() of the check


_health: dict[str, Health] = {}
_health_locks: dict[str, threading.Lock] = {}
_health_registry = threading.Lock()


@functools.lru_cache(maxsize=8)
def _probe_engine(engine: Engine) -> Engine:
    """For a server database: an engine without a pool and with a short connect timeout, so a check
    neither waits on nor disturbs the app's pooled connections."""
    return create_engine(
        engine.url, poolclass=NullPool, connect_args={"connect_timeout": HEALTH_CONNECT_TIMEOUT}
    )


def check_database(engine: Engine) -> None:
    """One cheap check that the database answers (`SELECT 1`; for a SQLite file, first that the file is
    still there). DatabaseError with a public sentence and a redacted detail if not."""
    path = sqlite_file(engine)
    if path is not None:
        if not path.exists():
            raise DatabaseError(f"The database file {path} is missing.", public=_missing_file(path))
        probe = engine
    elif engine.url.get_backend_name() == "postgresql":
        probe = _probe_engine(engine)
    else:
        probe = engine
    try:
        check_connection(probe)
    except DatabaseError:
        raise
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"Cannot use {redact_url(engine.url)}: {type(exc).__name__}: {exc}",
            public=_missing_file(path) if path is not None and not path.exists() else UNREACHABLE,
            url=engine.url,
        ) from None


def database_health(engine: Engine, *, max_age: float | None = None) -> Health:
    """Whether the database answers, checked at most once per HEALTH_TTL_SECONDS (or `max_age`) per
    database in this process: concurrent callers wait for the one check under way and share its answer.
    Never raises for a database fault. A change either way is logged once (redacted)."""
    key = engine.url.render_as_string(hide_password=False)
    ttl = HEALTH_TTL_SECONDS if max_age is None else max_age
    with _health_registry:
        lock = _health_locks.setdefault(key, threading.Lock())
    with lock:
        previous = _health.get(key)
        if previous is not None and time.monotonic() - previous.checked < ttl:
            return dataclasses.replace(previous, recovered=False) if previous.recovered else previous
        last_ok = previous.last_ok if previous is not None else None
        try:
            check_database(engine)
        except DatabaseError as exc:
            health = Health(
                False, public=exc.public, detail=str(exc), last_ok=last_ok, checked=time.monotonic()
            )
            if previous is None or previous.ok:
                logger.warning("The database cannot be reached: %s", health.detail)
        else:
            recovered = previous is not None and not previous.ok
            health = Health(
                True, last_ok=dt.datetime.now(dt.UTC), recovered=recovered, checked=time.monotonic()
            )
            if recovered:
                logger.warning("The database answers again: %s", redact_url(engine.url))
        _health[key] = health
        return health


def forget_health() -> None:
    """Drop every remembered check (tests; the next call checks again)."""
    with _health_registry:
        _health.clear()


@functools.lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_WROTE = "kpi_wrote"  # set on a connection's info by a write since session_scope began its transaction
_BUMP_DATA_VERSION = text("UPDATE data_version SET version = version + 1 WHERE id = 1")
_READ_DATA_VERSION = text("SELECT version FROM data_version WHERE id = 1")


_WROTE_FIGURES = "kpi_wrote_figures"  # ... to a table the roll-ups are computed from (kpi.figures.rollups)
_TOUCHED = "kpi_touched"  # ... and the (KPI, month) pairs it declared it changed (kpi.figures.rollups.touch)
_FIGURE_TABLES = re.compile(
    r"\b(observations|import_batches|trust_successions|memberships|trusts)\b", re.IGNORECASE
)


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    """Mark the connection as having written (an INSERT, UPDATE or DELETE, ORM or Core alike), and
    whether the write touched the figures the roll-ups are computed from."""
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        conn.info[_WROTE] = True
        if _FIGURE_TABLES.search(statement.split(" WHERE ", 1)[0][:200]):
            conn.info[_WROTE_FIGURES] = True


FigureWriteHook = Callable[[Connection, set[tuple[str, dt.date]] | None], None]
_FIGURE_WRITE_HOOKS: list[FigureWriteHook] = []


def on_figure_write(hook: FigureWriteHook) -> None:
    """Run `hook(connection, touched)` in the transaction of every session_scope write that touched the
    figures, before the commit: kpi.figures.rollups registers its refresh here when it is imported, so this
    module needs nothing above it. A write made before anything registered (nothing that reads the
    roll-ups imported yet) leaves them stale, and kpi.figures.rollups.ensure_fresh recomputes them before the
    next read: late, never wrong."""
    if hook not in _FIGURE_WRITE_HOOKS:
        _FIGURE_WRITE_HOOKS.append(hook)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed if the block succeeds, rolled back if it raises.

    Every write in the app and the command line goes through here, so here is where the data version
    goes up: when the block wrote anything, the `data_version` row is bumped in the same transaction,
    just before the commit (a rollback undoes both). One rule instead of a call in each write function
    (imports, undo, demo loads, milestones, annotations, chart settings, decisions, commentary), so a new
    write cannot forget it."""
    factory = _session_factory(engine or get_engine())
    with factory() as session, session.begin():
        connection = session.connection()
        connection.info.pop(_WROTE, None)
        connection.info.pop(_WROTE_FIGURES, None)
        connection.info.pop(_TOUCHED, None)
        yield session
        session.flush()
        touched = connection.info.pop(_TOUCHED, None)
        wrote_figures = connection.info.pop(_WROTE_FIGURES, False)
        if connection.info.pop(_WROTE, False):
            connection.execute(_BUMP_DATA_VERSION)
        if wrote_figures:
            # The roll-ups follow the figures in the same transaction (after the version's last bump,
            # which they record): the KPIs and months the write declared (kpi.figures.rollups.touch), or all.
            for follow in _FIGURE_WRITE_HOOKS:
                follow(connection, touched)


def data_version(engine: Engine) -> int:
    """A number that changes whenever a write that pages show is committed anywhere (this process,
    another server process, the command line): one primary-key read, to check on every run."""
    with engine.connect() as conn:
        return int(conn.execute(_READ_DATA_VERSION).scalar_one())


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (creating it in an empty database)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
