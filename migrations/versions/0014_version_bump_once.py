"""On PostgreSQL the data version is bumped once per transaction, not once per statement (issue 25).

Migration 0011's statement trigger fires for every statement, and an executemany (an import's rows, the
demo load, `kpi demo --rows`) is one statement per row: every row updated the same data_version row again
in one transaction, and each update walks the row's growing chain of versions, so the cost grew with the
square of the rows (the demo's 66,710 rows: 101-225 s on PostgreSQL against 3.5 s on SQLite; 5M rows did
not finish). The trigger now bumps the version on a transaction's first write only, remembered in a
transaction-local setting (undone with the transaction or savepoint that made it). Readers only ever see
committed versions, so one bump per transaction tells them the same. SQLite's row triggers update the
row in place and are left as they are.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
FLAG = "kpi.data_version_bumped"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION kpi_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF current_setting('{FLAG}', true) IS DISTINCT FROM 'on' THEN {BUMP}; "
        f"PERFORM set_config('{FLAG}', 'on', true); END IF; RETURN NULL; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION kpi_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
