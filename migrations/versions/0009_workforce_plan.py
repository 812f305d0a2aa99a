"""The workforce plan (issue 16): the lead's edits of the plan's assumptions, each with the value before
and after, the reason, who and when (never deleted: the newest row per key is in force), and the
scenarios the lead saves (a unique name, a JSON object of parameter changes, the professions it applies
to, who and when). The shipped assumptions and scenarios stay in data/reference/ as CSV.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plan_assumption_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profession_code", sa.String(length=16), nullable=False),
        sa.Column("parameter", sa.String(length=40), nullable=False),
        sa.Column("year", sa.String(length=8), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", STAMP, nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["profession_code"],
            ["professions.code"],
            name=op.f("fk_plan_assumption_changes_profession_code_professions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_assumption_changes")),
    )
    op.create_index(
        "ix_plan_assumption_changes_key",
        "plan_assumption_changes",
        ["profession_code", "parameter", "year"],
    )
    op.create_table(
        "plan_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("professions", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_plan_scenarios_name")),
    )


def downgrade() -> None:
    op.drop_table("plan_scenarios")
    op.drop_index("ix_plan_assumption_changes_key", table_name="plan_assumption_changes")
    op.drop_table("plan_assumption_changes")
