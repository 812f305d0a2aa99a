"""KPI completeness and freshness: how many months after a month's end its figures are normally
available (lag_months), and the share of expected trusts that must have reported for a month to count as
complete (complete_share). See kpi/figures/completeness.py for the rule.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalogue's publication lags, so that a database upgraded before its reference data is reloaded
# does not call national statistics stale a month after the month ends (the reference loader sets
# every KPI from kpis.csv anyway). KPIs not listed (trust returns, programme records) lag 1 month.
LAGS = {
    # NHS Workforce Statistics (published about three months after the month)
    "SIP_FTE": 3, "SIP_HC": 3, "SUPPORT_FTE": 3, "LEAVER_RATE": 3, "BME_SHARE": 3,
    # NHS Sickness Absence Rates (about four months)
    "SICKNESS_RATE": 4,
}  # fmt: skip
DEFAULT_LAG = 1

COLUMNS = (
    ("lag_months", "INTEGER", "0", sa.Integer()),
    ("complete_share", "FLOAT", "1.0", sa.Float()),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, sql_type, default, column_type in COLUMNS:
        if sqlite:
            # ALTER TABLE ... ADD COLUMN, not a batch copy of the table (as in 0002).
            op.execute(f"ALTER TABLE kpi_definitions ADD COLUMN {name} {sql_type} DEFAULT {default} NOT NULL")
        else:
            op.add_column(
                "kpi_definitions", sa.Column(name, column_type, server_default=default, nullable=False)
            )
    kpis = sa.table("kpi_definitions", sa.column("code", sa.String), sa.column("lag_months", sa.Integer))
    op.execute(kpis.update().values(lag_months=DEFAULT_LAG))
    for code, lag in LAGS.items():
        op.execute(kpis.update().where(kpis.c.code == code).values(lag_months=lag))


def downgrade() -> None:
    for name, *_ in reversed(COLUMNS):
        # SQLite 3.35 or later drops a plain column in place.
        op.execute(f"ALTER TABLE kpi_definitions DROP COLUMN {name}")
