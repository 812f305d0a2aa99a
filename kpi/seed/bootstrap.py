"""Prepare a database for use: migrate it to the latest schema, load the reference data when it is
missing, and (local mode, first run) load the demo data into a database with no observations.

This sits above kpi.store.db, kpi.reference and kpi.seed.demo, so that kpi.store.db imports nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from kpi.reference import load as reference
from kpi.seed import demo
from kpi.store.db import check_connection, migrate, schema_is_current, session_scope
from kpi.store.models import KPIDefinition, Observation


@dataclass(frozen=True)
class PreparedDatabase:
    """What :func:`prepare_database` did."""

    migrated: bool
    reference_loaded: bool
    demo_rows: int


def prepare_database(engine: Engine, *, with_demo: bool = True) -> PreparedDatabase:
    """Make the database usable: migrate to head, load reference data if missing, and load the demo
    data into a database that has no observations at all (first run of the app, `with_demo`)."""
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


__all__ = ["PreparedDatabase", "prepare_database"]
