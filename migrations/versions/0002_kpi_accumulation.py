"""KPI accumulation: whether a KPI's monthly figure stands alone (monthly) or accumulates (a 12-month
rolling or year-to-date figure). Only monthly figures are read with the Making Data Count SPC rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalogue's accumulating KPIs, so that a database upgraded before its reference data is reloaded
# does not read them with SPC rules (the reference loader sets every KPI from kpis.csv anyway).
ACCUMULATING = {"LEAVER_RATE": "rolling_12_months", "FUNDING_UTILISED": "year_to_date"}


CHECK = "accumulation IN ('monthly', 'rolling_12_months', 'year_to_date')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE ... ADD COLUMN, not a batch copy of the table: dropping the old kpi_definitions
        # fails with foreign keys on once observations refer to it.
        op.execute(
            "ALTER TABLE kpi_definitions ADD COLUMN accumulation VARCHAR(20) DEFAULT 'monthly' NOT NULL "
            f"CONSTRAINT ck_kpi_definitions_accumulation CHECK ({CHECK})"
        )
    else:
        op.add_column(
            "kpi_definitions",
            sa.Column("accumulation", sa.String(length=20), server_default="monthly", nullable=False),
        )
        op.create_check_constraint(op.f("ck_kpi_definitions_accumulation"), "kpi_definitions", CHECK)
    kpis = sa.table("kpi_definitions", sa.column("code", sa.String), sa.column("accumulation", sa.String))
    for code, accumulation in ACCUMULATING.items():
        op.execute(kpis.update().where(kpis.c.code == code).values(accumulation=accumulation))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The check constraint belongs to the column and goes with it (SQLite 3.35 or later).
        op.execute("ALTER TABLE kpi_definitions DROP COLUMN accumulation")
        return
    op.drop_constraint(op.f("ck_kpi_definitions_accumulation"), "kpi_definitions", type_="check")
    op.drop_column("kpi_definitions", "accumulation")
