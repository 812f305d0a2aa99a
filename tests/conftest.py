"""Shared fixtures. Every database test runs on SQLite and, when KPI_TEST_POSTGRES_URL is set, on
PostgreSQL too: the `engine` fixture is parametrised over the backends.

Each test gets its own database, copied from a template that is migrated and holds the reference data
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests stay independent and fast.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from kpi.reference.load import load_reference
from kpi.store.db import get_engine, migrate
from kpi.store.models import ImportBatch, Observation

PG_URL = os.environ.get("KPI_TEST_POSTGRES_URL")
# No cache-warming thread per test database (kpi.ui.warm): it would read, and bring the roll-ups up to
# date, behind the tests' backs. tests/ui/test_warm.py turns it on where it is the subject.
os.environ["KPI_WARM_CACHES"] = "0"
# The app as `make run` starts it: local mode asked for (kpi/access/deployment.py). Tests of the other modes
# set or remove it themselves.
os.environ["KPI_DEPLOYMENT"] = "local"
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _pg_admin() -> Engine:
    return create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def _pg_database_url(name: str) -> str:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _fresh_engine(url: str) -> Engine:
    get_engine.cache_clear()
    return get_engine(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = _fresh_engine(f"sqlite:///{path}")
    migrate(engine)
    load_reference(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    name = f"kpi_template_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = _fresh_engine(_pg_database_url(name))
    migrate(engine)
    load_reference(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to a new, empty database (no tables) on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"kpi_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_database_url(name)
    get_engine(_pg_database_url(name)).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_template: str | None
) -> Iterator[str]:
    """A URL to a new database at the latest schema holding the reference data and nothing else."""
    if backend == "sqlite":
        path = tmp_path / "kpi.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    name = f"kpi_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = _pg_database_url(name)
    yield url
    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An engine on a per-test database with the reference data; also the configured default."""
    monkeypatch.setenv("KPI_DATABASE_URL", database_url)
    engine = _fresh_engine(database_url)
    yield engine
    engine.dispose()
    get_engine.cache_clear()


def add_observations(
    engine: Engine,
    rows: list[tuple],
    *,
    synthetic: bool = False,
    file_name: str = "fixture.csv",
) -> int:
    """Insert a batch of observations: rows of (kpi, trust or None, profession or None, 'YYYY-MM',
    value, numerator, denominator). The value of a ratio row is derived when given as None."""
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).returning(ImportBatch.id),
            {
                "file_name": file_name,
                "sha256": uuid.uuid4().hex * 2,
                "source": "test",
                "is_synthetic": synthetic,
                "rows_in_file": len(rows),
                "rows_added": len(rows),
                "rows_changed": 0,
                "rows_skipped": 0,
                "imported_by": "pytest",
                "imported_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                "status": "applied",
                "notes": "",
            },
        ).scalar_one()
        records = []
        for kpi, trust, profession, month, value, numerator, denominator in rows:
            if value is None and denominator:
                value = 100.0 * numerator / denominator
            records.append(
                {
                    "kpi_code": kpi,
                    "trust_code": trust,
                    "profession_code": profession,
                    "period": dt.date.fromisoformat(f"{month}-01"),
                    "value": value,
                    "numerator": numerator,
                    "denominator": denominator,
                    "batch_id": batch_id,
                }
            )
        conn.execute(insert(Observation), records)
    return batch_id
