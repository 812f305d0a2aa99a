"""The schema in one place: SQLAlchemy 2 typed ORM models.

Reference tables (collaboratives, trusts, professions, workstreams, KPI definitions, milestones) are
loaded from `data/reference/*.csv` by `kpi.reference`. Observations are the monthly KPI figures; every
observation belongs to the import batch that wrote it, and the batch says whether it is synthetic.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so that Alembic migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The catalogue's domain values: each a Literal type (kpi.reference.catalogue.KPI's fields) and the tuple of
# its values (the tables' CHECK constraints and the reference loader), one written from the other.
Improvement = Literal["up", "down", "neither"]
Rollup = Literal["sum", "ratio"]
ConflictRule = Literal["concern", "improvement"]
Grain = Literal["trust_profession", "trust", "system"]
# How a KPI's monthly figure accumulates: "monthly" figures stand alone and are read with SPC rules;
# 12-month rolling and year-to-date figures are autocorrelated by construction and shown as trends.
Accumulation = Literal["monthly", "rolling_12_months", "year_to_date"]
IMPROVEMENT_DIRECTIONS: tuple[Improvement, ...] = get_args(Improvement)
ROLLUP_RULES: tuple[Rollup, ...] = get_args(Rollup)
CONFLICT_RULES: tuple[ConflictRule, ...] = get_args(ConflictRule)
GRAINS: tuple[Grain, ...] = get_args(Grain)
ACCUMULATIONS: tuple[Accumulation, ...] = get_args(Accumulation)
TRUST_ROLES = ("member", "partner", "predecessor")
MILESTONE_STATUSES = ("not started", "on track", "at risk", "off track", "complete")
RAG_RATINGS = ("red", "amber", "green", "blue")
BATCH_STATUSES = ("applied", "undone")
# A merger or membership change as the facts stand: only confirmed ones apply in the roll-ups; planned
# ones are kept as notes.
FACT_STATUSES = ("confirmed", "planned")
# Ratio KPIs are percentages: value = RATIO_SCALE * numerator / denominator.
RATIO_SCALE = 100.0


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Collaborative(Base):
    __tablename__ = "collaboratives"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    memberships: Mapped[list[Membership]] = relationship(back_populates="collaborative")


class Trust(Base):
    """An NHS organisation by ODS code: a collaborative member, a system partner or a predecessor.

    `in_system`, `system_from` and `system_to` say for which months the trust's own figures count in the
    C&M system total (kpi.reference.membership): while it provided C&M services, whatever the collaboratives.
    An empty `system_from` means the start is not known, so it counts from the start of the data; an
    empty `system_to`, still (or until its merger, from which its figures count under its successor).
    `system_source` says where those facts come from."""

    __tablename__ = "trusts"
    __table_args__ = (
        _one_of("role", TRUST_ROLES, "role"),
        CheckConstraint(
            "system_to IS NULL OR system_from IS NULL OR system_to >= system_from", name="system_range"
        ),
    )

    ods_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    trust_type: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(16), default="member")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Outside the system unless the reference data says otherwise (a trust added without the facts
    # never joins a total by accident).
    in_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    system_from: Mapped[dt.date | None] = mapped_column(Date)
    system_to: Mapped[dt.date | None] = mapped_column(Date)
    system_source: Mapped[str] = mapped_column(Text, default="", server_default="")

    memberships: Mapped[list[Membership]] = relationship(back_populates="trust")


class Membership(Base):
    """A trust's membership of a collaborative over a date range (many-to-many). An empty `valid_from`
    means the start is not known, so the collaborative counts the trust from the start of the data;
    `source` says where the membership and its dates come from."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("trust_code", "collaborative_code", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        _one_of("status", FACT_STATUSES, "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trust_code: Mapped[str] = mapped_column(ForeignKey("trusts.ods_code"), index=True)
    collaborative_code: Mapped[str] = mapped_column(ForeignKey("collaboratives.code"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="confirmed", server_default="confirmed")
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")

    trust: Mapped[Trust] = relationship(back_populates="memberships")
    collaborative: Mapped[Collaborative] = relationship(back_populates="memberships")


class Succession(Base):
    """A merger: data under `old_code` belongs to `successor_code` from `effective_from` on (once
    confirmed; a planned merger is a note)."""

    __tablename__ = "trust_successions"
    __table_args__ = (_one_of("status", FACT_STATUSES, "status"),)

    old_code: Mapped[str] = mapped_column(ForeignKey("trusts.ods_code"), primary_key=True)
    successor_code: Mapped[str] = mapped_column(ForeignKey("trusts.ods_code"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="confirmed", server_default="confirmed")
    notes: Mapped[str] = mapped_column(Text, default="")


class Profession(Base):
    """One of the allied health professions, or a combined group of them that a source does not split
    (`combines` lists its professions' codes, space-separated; empty for a profession): NHS Workforce
    Statistics' "Art/Music/Drama Therapist" is the arts therapists, stored as the group, never as one of
    the three."""

    __tablename__ = "professions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    regulator: Mapped[str] = mapped_column(String(16))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    combines: Mapped[str] = mapped_column(String(60), default="", server_default="")

    aliases: Mapped[list[ProfessionAlias]] = relationship(back_populates="profession")


class ProfessionAlias(Base):
    """Another name a source uses for a profession ("Chiropodists/Podiatrists")."""

    __tablename__ = "profession_aliases"

    alias: Mapped[str] = mapped_column(String(100), primary_key=True)
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"), index=True)

    profession: Mapped[Profession] = relationship(back_populates="aliases")


class Workstream(Base):
    __tablename__ = "workstreams"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class KPIDefinition(Base):
    """One KPI of the catalogue, with what the statistics and the importer need to know about it."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (
        _one_of("improvement", IMPROVEMENT_DIRECTIONS, "improvement"),
        _one_of("rollup", ROLLUP_RULES, "rollup"),
        _one_of("conflict_rule", CONFLICT_RULES, "conflict_rule"),
        _one_of("grain", GRAINS, "grain"),
        _one_of("accumulation", ACCUMULATIONS, "accumulation"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    workstream_code: Mapped[str] = mapped_column(ForeignKey("workstreams.code"), index=True)
    unit: Mapped[str] = mapped_column(String(16))
    improvement: Mapped[str] = mapped_column(String(8))
    target: Mapped[float | None] = mapped_column(Float)
    rollup: Mapped[str] = mapped_column(String(8))
    numerator_definition: Mapped[str] = mapped_column(Text, default="")
    denominator_definition: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(16), default="monthly")
    conflict_rule: Mapped[str] = mapped_column(String(16), default="concern")
    grain: Mapped[str] = mapped_column(String(20), default="trust")
    accumulation: Mapped[str] = mapped_column(String(20), default="monthly", server_default="monthly")
    decimals: Mapped[int] = mapped_column(Integer, default=1)
    max_value: Mapped[float | None] = mapped_column(Float)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Months after a month's end before its figures are normally available (the publication lag), and
    # the share of expected trusts that must have reported for a month to count as complete
    # (kpi/figures/completeness.py).
    lag_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    complete_share: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")

    rebase_points: Mapped[list[KPIRebasePoint]] = relationship(
        back_populates="kpi", order_by="KPIRebasePoint.period"
    )


class KPIRebasePoint(Base):
    """A month from which SPC limits are recalculated for a KPI (a known change in the process)."""

    __tablename__ = "kpi_rebase_points"

    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"), primary_key=True)
    period: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    kpi: Mapped[KPIDefinition] = relationship(back_populates="rebase_points")


class ImportBatch(Base):
    """One load of data: who, when, from which file, what it did. Synthetic data is marked here."""

    __tablename__ = "import_batches"
    __table_args__ = (_one_of("status", BATCH_STATUSES, "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_in_file: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("CURRENT_TIMESTAMP")
    )
    status: Mapped[str] = mapped_column(String(16), default="applied")
    undone_by: Mapped[str | None] = mapped_column(String(255))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")


class Observation(Base):
    """A KPI figure for one month: for a trust (or the system when trust is null) and a profession
    (or all AHPs when profession is null). Ratio KPIs keep numerator and denominator so that every
    roll-up can be sum(numerator) / sum(denominator)."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"))
    trust_code: Mapped[str | None] = mapped_column(ForeignKey("trusts.ods_code"))
    profession_code: Mapped[str | None] = mapped_column(ForeignKey("professions.code"))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)


# One figure per (KPI, trust or system, profession or all AHPs, month). NULLs are distinct in a plain
# unique constraint, so the key coalesces them to ''. Leading with (kpi_code, period) also serves the
# period-range reads of every query.
Index(
    "uq_observations_key",
    Observation.kpi_code,
    Observation.period,
    func.coalesce(Observation.trust_code, ""),
    func.coalesce(Observation.profession_code, ""),
    unique=True,
)
Index("ix_observations_trust_period", Observation.trust_code, Observation.period)


class ReplacedObservation(Base):
    """What an import replaced, so that undoing the import can put it back."""

    __tablename__ = "replaced_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    kpi_code: Mapped[str] = mapped_column(String(32))
    trust_code: Mapped[str | None] = mapped_column(String(8))
    profession_code: Mapped[str | None] = mapped_column(String(16))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    previous_batch_id: Mapped[int] = mapped_column(Integer)


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        _one_of("status", MILESTONE_STATUSES, "status"),
        _one_of("rag", RAG_RATINGS, "rag"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    workstream_code: Mapped[str] = mapped_column(ForeignKey("workstreams.code"))
    baseline_due: Mapped[dt.date] = mapped_column(Date)
    forecast_due: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="not started")
    rag: Mapped[str] = mapped_column(String(8), default="green")
    owner_role: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(255))

    updates: Mapped[list[MilestoneUpdate]] = relationship(
        back_populates="milestone", order_by="MilestoneUpdate.id"
    )


class MilestoneUpdate(Base):
    """One field changed on a milestone: who, when, old and new value."""

    __tablename__ = "milestone_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_code: Mapped[str] = mapped_column(ForeignKey("milestones.code"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(255))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    milestone: Mapped[Milestone] = relationship(back_populates="updates")


# --- the board's notes on its charts (issue 14): annotations, chart settings, commentary ---------------

CHART_SETTING_KINDS = ("baseline", "ghost", "recalculation", "target")
DECISIONS = ("accepted", "dismissed")
COMMENTARY_STATUSES = ("draft", "final")


class Annotation(Base):
    """A dated event on a KPI's charts ('Recruitment drive launched'), for one scope or (scope None) all.
    Removing one keeps the row (removed_at, removed_by); every edit is a `RecordChange`."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"), index=True)
    scope_code: Mapped[str | None] = mapped_column(String(16))
    period: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(255))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(255))


class ChartSetting(Base):
    """A lead's setting for one KPI and scope's SPC chart, with its reason: a baseline (`points`), a ghost
    point, a recalculation month (`period`) or a target from a month (`period`, `value`). Removing one
    keeps the row with who, when and why."""

    __tablename__ = "chart_settings"
    __table_args__ = (_one_of("kind", CHART_SETTING_KINDS, "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"), index=True)
    scope_code: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[dt.date | None] = mapped_column(Date)
    points: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(255))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(255))
    removed_reason: Mapped[str | None] = mapped_column(Text)


class RecalculationDecision(Base):
    """What the lead decided about a suggested recalculation month: accepted (a recalculation setting
    follows) or dismissed, with who, when and why, so the suggestion is not made again."""

    __tablename__ = "recalculation_decisions"
    __table_args__ = (
        _one_of("decision", DECISIONS, "decision"),
        UniqueConstraint("kpi_code", "scope_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"))
    scope_code: Mapped[str] = mapped_column(String(16))
    period: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(255))


class Commentary(Base):
    """The narrative of an integrated performance report for one KPI, scope and month: what the chart
    tells us, issues, actions, mitigations and risks, with an owner. Every edit is a `RecordChange`; the
    lead's review marks a version, and a reviewed version is locked (kpi.notes.commentary)."""

    __tablename__ = "commentaries"
    __table_args__ = (
        _one_of("status", COMMENTARY_STATUSES, "status"),
        UniqueConstraint("kpi_code", "scope_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"))
    scope_code: Mapped[str] = mapped_column(String(16))
    period: Mapped[dt.date] = mapped_column(Date)
    tells: Mapped[str] = mapped_column(Text, default="")
    issues: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(8), default="draft")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(255))
    # Sign-off: 1 when written, one more at every change; reviewed while reviewed_version == version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reviewed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RecordChange(Base):
    """One field changed on an annotation or a commentary: which record, who, when, old and new value."""

    __tablename__ = "record_changes"
    __table_args__ = (Index("ix_record_changes_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(255))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class DataVersion(Base):
    """One row whose number goes up with every transaction that writes (kpi.store.db.session_scope bumps it
    before committing), so a server process can tell with one primary-key read whether anything it has
    cached may be out of date: imports, undo, demo loads, milestones and the lead's chart notes alike."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class TrustMonthRollup(Base):
    """The figures every series starts from, computed once per write (kpi.figures.rollups): one row per KPI,
    trust (after mergers) and month with professions combined by the profession rule, and one per KPI
    and month of a system-level figure (trust null) where no trust reported. The membership and NWAS
    rules, which depend on what a page asks for, are applied when the series is read."""

    __tablename__ = "rollup_trust_months"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(String(40))
    rollup: Mapped[str] = mapped_column(String(10))
    trust_code: Mapped[str | None] = mapped_column(String(10))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[int] = mapped_column(Integer)


Index("ix_rollup_trust_months_kpi_period", TrustMonthRollup.kpi_code, TrustMonthRollup.period)
Index("ix_rollup_trust_months_trust_period", TrustMonthRollup.trust_code, TrustMonthRollup.period)


class MonthCount(Base):
    """Completeness computed once per write (kpi.figures.rollups, rules in kpi.figures.completeness): per
    KPI, scope
    (the system, scope_code null, or a collaborative) and month, the trusts expected to report and how
    many did, and whether the system's figure is a system-level row. Whether a month is provisional
    is decided when read, from the catalogue's complete share."""

    __tablename__ = "rollup_month_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_code: Mapped[str] = mapped_column(String(40))
    scope_code: Mapped[str | None] = mapped_column(String(16))  # as long as collaboratives.code
    period: Mapped[dt.date] = mapped_column(Date)
    expected: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer)
    system_figure: Mapped[bool] = mapped_column(Boolean)


Index("ix_rollup_month_counts_kpi_period", MonthCount.kpi_code, MonthCount.period)


class RollupState(Base):
    """One row: the fingerprint of the figures the roll-up was computed from (kpi.figures.rollups)."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))


# --- the workforce plan (issue 16): the lead's assumption edits and saved scenarios ----------------------


class PlanAssumptionChange(Base):
    """One edit by the lead of a workforce-plan assumption (kpi.plan.assumptions): a profession, a
    parameter and a financial year ('2027/28', or 'all'), the value before and after (None after: back
    to the shipped value), why, who and when. Rows are never deleted: the newest row for a key is the
    value in force, and the rows together are its history."""

    __tablename__ = "plan_assumption_changes"
    __table_args__ = (Index("ix_plan_assumption_changes_key", "profession_code", "parameter", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"))
    parameter: Mapped[str] = mapped_column(String(40))
    year: Mapped[str] = mapped_column(String(8))
    old_value: Mapped[float | None] = mapped_column(Float)
    new_value: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(255))


class PlanScenario(Base):
    """A named set of workforce-plan parameter changes the lead saved (kpi.plan.assumptions): `changes`
    is a JSON object such as {"leaver_rate_pts": -2.0}; `professions` a comma-separated list of the
    profession codes it applies to ('' for every profession). Names are unique."""

    __tablename__ = "plan_scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text)
    professions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(255))


# --- reconciliation and delivery (issue 30) ---------------------------------------------------------------


class PublishedFigure(Base):
    """A figure as a national publication gives it, kept beside what trusts submitted (never over it):
    the AHP FTE of one trust (after mergers), profession and month in the NHS Workforce Statistics
    staff-role file. `fte` is None where the publication suppressed the cell ('*'). The figure in force
    for a key is the one of the newest applied batch (kpi.ingest.reconciliation), so undoing an import brings
    back the previous one."""

    __tablename__ = "published_figures"
    __table_args__ = (
        UniqueConstraint("batch_id", "period", "trust_code", "profession_code"),
        Index("ix_published_figures_period", "period", "kpi_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    kpi_code: Mapped[str] = mapped_column(ForeignKey("kpi_definitions.code"))
    trust_code: Mapped[str] = mapped_column(ForeignKey("trusts.ods_code"))
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)


class SendRecord(Base):
    """One board pack sent by `python -m kpi send` (kpi.exports.send): to whom, which scope, format and month,
    when, and the message's Message-ID. A recipient is not sent the same scope, format and month twice
    unless the sender asks to resend."""

    __tablename__ = "send_records"
    __table_args__ = (Index("ix_send_records_key", "recipient", "scope", "fmt", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    scope: Mapped[str] = mapped_column(String(16))
    fmt: Mapped[str] = mapped_column(String(8))
    period: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str] = mapped_column(String(255))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    resent: Mapped[bool] = mapped_column(Boolean, default=False)
