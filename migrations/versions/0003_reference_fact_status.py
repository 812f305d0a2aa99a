"""Reference facts as they stand: a merger (trust_successions) or membership change has a status,
confirmed or planned. Only confirmed ones apply in the roll-ups; planned ones are kept as notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("memberships", "trust_successions")
CHECK = "status IN ('confirmed', 'planned')"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            # ALTER TABLE ... ADD COLUMN, not a batch copy of the table (as in 0002).
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN status VARCHAR(10) DEFAULT 'confirmed' NOT NULL "
                f"CONSTRAINT ck_{table}_status CHECK ({CHECK})"
            )
        else:
            op.add_column(
                table,
                sa.Column("status", sa.String(length=10), server_default="confirmed", nullable=False),
            )
            op.create_check_constraint(op.f(f"ck_{table}_status"), table, CHECK)
    # Bridgewater's merger into Warrington and Halton has no confirmed date: planned, not applied, so a
    # database upgraded before its reference data is reloaded stops rolling RY2 into RWW. (The reference
    # loader sets every status and RY2's open-ended membership from the CSV files anyway.)
    successions = sa.table(
        "trust_successions", sa.column("old_code", sa.String), sa.column("status", sa.String)
    )
    op.execute(successions.update().where(successions.c.old_code == "RY2").values(status="planned"))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(TABLES):
        if sqlite:
            # The check constraint belongs to the column and goes with it (SQLite 3.35 or later).
            op.execute(f"ALTER TABLE {table} DROP COLUMN status")
        else:
            op.drop_constraint(op.f(f"ck_{table}_status"), table, type_="check")
            op.drop_column(table, "status")
