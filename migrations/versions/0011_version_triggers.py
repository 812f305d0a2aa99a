"""Every write to the figures bumps the data version, whoever makes it (issue 25).

The roll-ups (kpi.figures.rollups) and every process's caches are kept fresh by the data version: a write through
kpi.store.db.session_scope bumps it, and a check before reading compares one row. A write that goes round kpi
(a script, another tool) must bump it too, or the roll-ups would be read stale: triggers on the tables the
roll-ups are computed from (observations, import batches, successions, memberships, trusts) bump it on
every INSERT, UPDATE and DELETE. This replaces the fingerprint of counts and maxima, whose count(*) over
the observations cost 0.2 s before every read at 5M observations on PostgreSQL. On PostgreSQL a trigger
fires once per statement; SQLite has only row triggers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("observations", "import_batches", "trust_successions", "memberships", "trusts")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION kpi_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_bumps_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kpi_bump_data_version()"
            )
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_bumps_data_version AFTER {event} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_data_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kpi_bump_data_version()")
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_bumps_data_version")
