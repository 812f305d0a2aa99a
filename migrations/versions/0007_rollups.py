"""Roll-ups computed once per write: rollup_trust_months holds each KPI, trust (after mergers) and
month with professions combined, plus system-level figures where no trust reported; rollup_state the
fingerprint of the figures it was computed from (kpi.figures.rollups). Filled at the first read or write after
the upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_trust_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=40), nullable=False),
        sa.Column("rollup", sa.String(length=10), nullable=False),
        sa.Column("trust_code", sa.String(length=10), nullable=True),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("synthetic", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_trust_months")),
    )
    op.create_index("ix_rollup_trust_months_kpi_period", "rollup_trust_months", ["kpi_code", "period"])
    op.create_index("ix_rollup_trust_months_trust_period", "rollup_trust_months", ["trust_code", "period"])
    state = op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    op.bulk_insert(state, [{"id": 1, "fingerprint": ""}])


def downgrade() -> None:
    op.drop_table("rollup_state")
    op.drop_index("ix_rollup_trust_months_trust_period", table_name="rollup_trust_months")
    op.drop_index("ix_rollup_trust_months_kpi_period", table_name="rollup_trust_months")
    op.drop_table("rollup_trust_months")
