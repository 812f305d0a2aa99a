"""Published figures beside submitted ones, and a record of every board pack sent (issue 30).

published_figures: the AHP FTE per trust, profession and month of the NHS Workforce Statistics staff-role
file, kept beside the trusts' own submissions for the reconciliation (kpi.ingest.reconciliation); each row belongs
to the import batch that loaded it, so undoing the import takes it back. send_records: who was sent which
board pack (scope, format, month), when, with which Message-ID (kpi.exports.send), so that a month is not sent
twice to the same recipient by accident.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kpi_code", sa.String(length=32), nullable=False),
        sa.Column("trust_code", sa.String(length=8), nullable=False),
        sa.Column("profession_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name="fk_published_figures_batch_id_import_batches"
        ),
        sa.ForeignKeyConstraint(
            ["kpi_code"], ["kpi_definitions.code"], name="fk_published_figures_kpi_code_kpi_definitions"
        ),
        sa.ForeignKeyConstraint(
            ["trust_code"], ["trusts.ods_code"], name="fk_published_figures_trust_code_trusts"
        ),
        sa.ForeignKeyConstraint(
            ["profession_code"], ["professions.code"], name="fk_published_figures_profession_code_professions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_published_figures"),
        sa.UniqueConstraint(
            "batch_id",
            "period",
            "trust_code",
            "profession_code",
            name="uq_published_figures_batch_id_period_trust_code_profession_code",
        ),
    )
    op.create_index("ix_published_figures_batch_id", "published_figures", ["batch_id"])
    op.create_index("ix_published_figures_period", "published_figures", ["period", "kpi_code"])
    op.create_table(
        "send_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("resent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_send_records"),
    )
    op.create_index("ix_send_records_key", "send_records", ["recipient", "scope", "fmt", "period"])


def downgrade() -> None:
    op.drop_index("ix_send_records_key", table_name="send_records")
    op.drop_table("send_records")
    op.drop_index("ix_published_figures_period", table_name="published_figures")
    op.drop_index("ix_published_figures_batch_id", table_name="published_figures")
    op.drop_table("published_figures")
