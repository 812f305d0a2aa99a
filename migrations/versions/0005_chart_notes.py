"""The board's notes on its charts: annotations (dated events on a KPI's charts), chart settings (a
baseline, ghost points, recalculation months and date-bounded targets, each with its reason), decisions on
suggested recalculations, commentary (what the chart tells us, issues, actions, risks, owner) and the
history of edits to annotations and commentary.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = sa.DateTime(timezone=True)


def _kpi(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["kpi_code"], ["kpi_definitions.code"], name=op.f(f"fk_{table}_kpi_code_kpi_definitions")
    )


def upgrade() -> None:
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=32), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=True),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("removed_at", STAMP, nullable=True),
        sa.Column("removed_by", sa.String(length=255), nullable=True),
        _kpi("annotations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotations")),
    )
    op.create_index(op.f("ix_annotations_kpi_code"), "annotations", ["kpi_code"], unique=False)
    op.create_table(
        "chart_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=32), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("removed_at", STAMP, nullable=True),
        sa.Column("removed_by", sa.String(length=255), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('baseline', 'ghost', 'recalculation', 'target')", name=op.f("ck_chart_settings_kind")
        ),
        _kpi("chart_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_settings")),
    )
    op.create_index(op.f("ix_chart_settings_kpi_code"), "chart_settings", ["kpi_code"], unique=False)
    op.create_table(
        "recalculation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=32), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", STAMP, nullable=False),
        sa.Column("decided_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accepted', 'dismissed')", name=op.f("ck_recalculation_decisions_decision")
        ),
        _kpi("recalculation_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalculation_decisions")),
        sa.UniqueConstraint(
            "kpi_code",
            "scope_code",
            "period",
            name=op.f("uq_recalculation_decisions_kpi_code_scope_code_period"),
        ),
    )
    op.create_table(
        "commentaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(length=32), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("tells", sa.Text(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'final')", name=op.f("ck_commentaries_status")),
        _kpi("commentaries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commentaries")),
        sa.UniqueConstraint(
            "kpi_code", "scope_code", "period", name=op.f("uq_commentaries_kpi_code_scope_code_period")
        ),
    )
    op.create_table(
        "record_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", STAMP, nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_changes")),
    )
    op.create_index("ix_record_changes_record", "record_changes", ["record_type", "record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_changes_record", table_name="record_changes")
    op.drop_table("record_changes")
    op.drop_table("commentaries")
    op.drop_table("recalculation_decisions")
    op.drop_index(op.f("ix_chart_settings_kpi_code"), table_name="chart_settings")
    op.drop_table("chart_settings")
    op.drop_index(op.f("ix_annotations_kpi_code"), table_name="annotations")
    op.drop_table("annotations")
