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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'ahp_workforce.db'}"
ENV_VAR = "KPI_DATABASE_URL"


class DatabaseError(Exception):
    """A database problem explained in one line a user can act on."""


def _secrets_url() -> str | None:
    for folder in (Path.cwd(), PROJECT_ROOT, Path.home()):
        secrets = folder / ".streamlit" / "secrets.toml"
        if secrets.is_file():
            try:
                data = tomllib.loads(secrets.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise DatabaseError(f"Cannot read {secrets}: {exc}") from exc
            url = data.get("connections", {}).get("kpi", {}).get("url")
            if url:
                return str(url)
    return None


def database_url() -> str:
    """The configured database URL (environment, then secrets, then the SQLite default)."""
    return os.environ.get(ENV_VAR) or _secrets_url() or DEFAULT_DATABASE_URL


def describe_url(url: str) -> str:
    """The URL without its password, safe to show to a user."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(malformed URL)"


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
    url = url or database_url()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"The database URL {url!r} is malformed; expected e.g. sqlite:///data/ahp_workforce.db "
            "or postgresql+psycopg://user@host:5432/dbname"
        ) from exc
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
            f"The database URL {describe_url(url)} names a database driver that is not installed: {exc}"
        ) from exc
    return engine


def check_connection(engine: Engine) -> None:
    """Open and close one connection; DatabaseError with a one-line reason if that fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"Cannot connect to {describe_url(str(engine.url))}: {reason}") from exc


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
