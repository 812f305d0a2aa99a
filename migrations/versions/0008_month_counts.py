"""Completeness computed once per write: rollup_month_counts holds, per KPI, scope (the system or a
collaborative) and month, the trusts expected to report and how many did (kpi.figures.rollups, rules in
kpi.figures.completeness), so that a page's provisional months and the freshness of each KPI are a look-up.
The roll-up state is reset so that the first read after the upgrade fills it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_month_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=40), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=True),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("system_figure", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_month_counts")),
    )
    op.create_index("ix_rollup_month_counts_kpi_period", "rollup_month_counts", ["kpi_code", "period"])
    op.execute("UPDATE rollup_state SET fingerprint = '' WHERE id = 1")


def downgrade() -> None:
    op.drop_index("ix_rollup_month_counts_kpi_period", table_name="rollup_month_counts")
    op.drop_table("rollup_month_counts")
