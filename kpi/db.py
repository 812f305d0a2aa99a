"""Engine and sessions from one setting, KPI_DATABASE_URL. Nothing else opens connections.

The URL comes from the environment variable KPI_DATABASE_URL, else from `[connections.kpi] url` in
`.streamlit/secrets.toml`, else the embedded SQLite default `data/ahp_workforce.db` in the project.
`prepare_database` creates and migrates an empty database and loads reference (and demo) data, so the
app works on a fresh clone without any set-up step.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from kpi.text import redact_secrets, redact_url, url_password

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'ahp_workforce.db'}"
ENV_VAR = "KPI_DATABASE_URL"


# What a visitor of the app is told (the details, redacted, go to the server log and the CLI).
UNREACHABLE = "The database server could not be reached."
MISCONFIGURED = "The dashboard's database setting is not valid."
NO_DRIVER = "The dashboard's database driver is not installed."
SETTINGS_UNREADABLE = "The dashboard's settings file could not be read."


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


@functools.lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed if the block succeeds, rolled back if it raises."""
    factory = _session_factory(engine or get_engine())
    with factory() as session, session.begin():
        yield session


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


@dataclass(frozen=True)
class PreparedDatabase:
    migrated: bool
    reference_loaded: bool
    demo_rows: int


def prepare_database(engine: Engine | None = None, *, with_demo: bool = True) -> PreparedDatabase:
    """Make the database usable: migrate to head, load reference data if missing, and load the demo
    data into a database that has no observations at all (first run of the app)."""
    from kpi import demo, reference
    from kpi.models import KPIDefinition, Observation

    engine = engine or get_engine()
    check_connection(engine)
    migrated = False
    if not schema_is_current(engine):
        migrate(engine)
        migrated = True
    with session_scope(engine) as session:
        needs_reference = not session.scalar(select(func.count()).select_from(KPIDefinition))
    if needs_reference:
        reference.load_reference(engine)
    demo_rows = 0
    if with_demo:
        with session_scope(engine) as session:
            empty = not session.scalar(select(func.count()).select_from(Observation))
        if empty:
            demo_rows = demo.load_demo(engine).observations
    return PreparedDatabase(migrated=migrated, reference_loaded=needs_reference, demo_rows=demo_rows)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
