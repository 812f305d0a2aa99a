"""The system counts every C&M trust of its time (issue 24, items 5 and 11).

- trusts gain `in_system`, `system_from`, `system_to` and `system_source`: the months a trust's own figures
  count in the C&M system total, whatever the collaboratives (an empty start: not known, counted from the
  start of the data), and where that comes from.
- memberships gain `source`, and `valid_from` may be empty: a start date that no source gives is said to be
  unknown instead of invented. The unsourced 2021-04-01 every membership carried becomes empty.
- professions gain `combines`: a combined group a source does not split (NHS Workforce Statistics'
  "Art/Music/Drama Therapist" is the arts therapists, all three professions), stored as the group `ARTS`
  rather than as art therapists. Figures a staff-role import stored as ART move to ARTS.
- The stability index (a 12-month window) accumulates like the rolling leaver rate: read as a trend.

A database upgraded before its reference data is reloaded gets the same facts as the shipped CSV files
(the reference loader sets every trust, membership and profession from them anyway).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:00:00.000000
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM_RANGE = "system_to IS NULL OR system_from IS NULL OR system_to >= system_from"
# Predecessors in the system until the day before their (confirmed) merger; members throughout. Calderstones
# (RJX, Lancashire before its acquisition) and NWAS (RX7, a system partner) stay outside.
IN_SYSTEM_UNTIL = {
    "RVY": dt.date(2023, 6, 30),
    "RTV": dt.date(2021, 5, 31),
    "RQ6": dt.date(2019, 9, 30),
    "RY1": dt.date(2018, 3, 31),
}
UNSOURCED_START = dt.date(2021, 4, 1)
STAFF_ROLE_SOURCE = "nhs_workforce_staff_role"
ARTS = {
    "code": "ARTS",
    "name": "Arts therapists (art, music and drama, not split)",
    "regulator": "HCPC",
    "sort_order": 15,
    "combines": "ART MUSIC DRAMA",
}

_trusts = sa.table(
    "trusts",
    sa.column("ods_code", sa.String),
    sa.column("role", sa.String),
    sa.column("in_system", sa.Boolean),
    sa.column("system_to", sa.Date),
)
_memberships = sa.table("memberships", sa.column("valid_from", sa.Date))
_professions = sa.table(
    "professions",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("regulator", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("combines", sa.String),
)
_aliases = sa.table("profession_aliases", sa.column("profession_code", sa.String))
_kpis = sa.table("kpi_definitions", sa.column("code", sa.String), sa.column("accumulation", sa.String))
_batches = sa.table("import_batches", sa.column("id", sa.Integer), sa.column("source", sa.String))


def _memberships_table(*, revision_0010: bool) -> sa.Table:
    """The memberships table as revisions 0001 and 0003 left it (or as this revision leaves it), for
    SQLite's copy of the table: SQLite cannot change a column's nullability in place, and reflection
    would lose the check constraints."""
    return sa.Table(
        "memberships",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_code", sa.String(length=8), nullable=False),
        sa.Column("collaborative_code", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=revision_0010),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        # 0003 added the status check with the column (so that downgrading 0003 can drop them together).
        sa.Column(
            "status",
            sa.String(length=10),
            sa.CheckConstraint("status IN ('confirmed', 'planned')", name="ck_memberships_status"),
            server_default="confirmed",
            nullable=False,
        ),
        *([sa.Column("source", sa.Text(), server_default="", nullable=False)] if revision_0010 else []),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_memberships_valid_range"),
        sa.ForeignKeyConstraint(
            ["collaborative_code"],
            ["collaboratives.code"],
            name="fk_memberships_collaborative_code_collaboratives",
        ),
        sa.ForeignKeyConstraint(["trust_code"], ["trusts.ods_code"], name="fk_memberships_trust_code_trusts"),
        sa.PrimaryKeyConstraint("id", name="pk_memberships"),
        sa.UniqueConstraint(
            "trust_code",
            "collaborative_code",
            "valid_from",
            name="uq_memberships_trust_code_collaborative_code_valid_from",
        ),
        sa.Index("ix_memberships_collaborative_code", "collaborative_code"),
        sa.Index("ix_memberships_trust_code", "trust_code"),
    )


def _staff_role_batches() -> sa.Select:
    return sa.select(_batches.c.id).where(_batches.c.source == STAFF_ROLE_SOURCE)


def _move_profession(table: str, old: str, new: str) -> None:
    """Figures of staff-role imports stored under profession `old` move to `new` (observations and the
    figures those imports replaced, which undo puts back under the same key)."""
    rows = sa.table(table, sa.column("profession_code", sa.String), sa.column("batch_id", sa.Integer))
    op.execute(
        rows.update()
        .where(rows.c.profession_code == old, rows.c.batch_id.in_(_staff_role_batches()))
        .values(profession_code=new)
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Trusts: plain ADD COLUMN (a copy of the table would fail: observations and memberships refer to it).
    op.add_column("trusts", sa.Column("in_system", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("trusts", sa.Column("system_from", sa.Date(), nullable=True))
    if sqlite:
        op.execute(
            f"ALTER TABLE trusts ADD COLUMN system_to DATE CONSTRAINT ck_trusts_system_range CHECK ({SYSTEM_RANGE})"
        )
    else:
        op.add_column("trusts", sa.Column("system_to", sa.Date(), nullable=True))
        op.create_check_constraint(op.f("ck_trusts_system_range"), "trusts", SYSTEM_RANGE)
    op.add_column("trusts", sa.Column("system_source", sa.Text(), server_default="", nullable=False))
    op.execute(_trusts.update().where(_trusts.c.role == "member").values(in_system=True))
    for code, until in IN_SYSTEM_UNTIL.items():
        op.execute(_trusts.update().where(_trusts.c.ods_code == code).values(in_system=True, system_to=until))

    # Memberships: a start may be unknown, and each says where it comes from.
    if sqlite:
        with op.batch_alter_table(
            "memberships", recreate="always", copy_from=_memberships_table(revision_0010=False)
        ) as batch:
            batch.alter_column("valid_from", existing_type=sa.Date(), nullable=True)
            batch.add_column(sa.Column("source", sa.Text(), server_default="", nullable=False))
    else:
        op.alter_column("memberships", "valid_from", existing_type=sa.Date(), nullable=True)
        op.add_column("memberships", sa.Column("source", sa.Text(), server_default="", nullable=False))
    op.execute(
        _memberships.update().where(_memberships.c.valid_from == UNSOURCED_START).values(valid_from=None)
    )

    op.execute(
        _kpis.update().where(_kpis.c.code == "STABILITY_INDEX").values(accumulation="rolling_12_months")
    )

    # Professions: combined groups, and the arts therapists stored as the group.
    op.add_column(
        "professions", sa.Column("combines", sa.String(length=60), server_default="", nullable=False)
    )
    has_art = sa.select(sa.func.count()).select_from(_professions).where(_professions.c.code == "ART")
    if op.get_bind().execute(has_art).scalar_one():
        op.execute(_professions.insert().values(**ARTS))
        _move_profession("observations", "ART", "ARTS")
        _move_profession("replaced_observations", "ART", "ARTS")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(_kpis.update().where(_kpis.c.code == "STABILITY_INDEX").values(accumulation="monthly"))
    _move_profession("observations", "ARTS", "ART")
    _move_profession("replaced_observations", "ARTS", "ART")
    op.execute(_aliases.delete().where(_aliases.c.profession_code == ARTS["code"]))
    op.execute(_professions.delete().where(_professions.c.code == ARTS["code"]))
    op.drop_column("professions", "combines")

    op.execute(
        _memberships.update().where(_memberships.c.valid_from.is_(None)).values(valid_from=UNSOURCED_START)
    )
    if sqlite:
        with op.batch_alter_table(
            "memberships", recreate="always", copy_from=_memberships_table(revision_0010=True)
        ) as batch:
            batch.drop_column("source")
            batch.alter_column("valid_from", existing_type=sa.Date(), nullable=False)
    else:
        op.drop_column("memberships", "source")
        op.alter_column("memberships", "valid_from", existing_type=sa.Date(), nullable=False)

    op.drop_column("trusts", "system_source")
    if sqlite:
        # The check constraint belongs to the column and goes with it (SQLite 3.35 or later).
        op.execute("ALTER TABLE trusts DROP COLUMN system_to")
    else:
        op.drop_constraint(op.f("ck_trusts_system_range"), "trusts", type_="check")
        op.drop_column("trusts", "system_to")
    op.drop_column("trusts", "system_from")
    op.drop_column("trusts", "in_system")
