"""Commentary is reviewed, and a reviewed month is locked (issue 29).

commentaries gain `version` (1 when written, one more at every change), and `reviewed_version`,
`reviewed_by` and `reviewed_at`: the version the lead marked as reviewed, who and when. A commentary is
reviewed while `reviewed_version` equals `version`; a later change makes a new version that needs review
again, and the history (record_changes) keeps every version's text and every review.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commentaries") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("reviewed_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commentaries") as batch:
        for column in ("reviewed_at", "reviewed_by", "reviewed_version", "version"):
            batch.drop_column(column)
