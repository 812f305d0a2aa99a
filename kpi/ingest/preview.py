"""The preview of an import (`prepare_import`, `prepare_table`): read, validate and plan, writing
nothing, so that the user sees every problem, notice and change before deciding."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from kpi.figures import completeness, rollups
from kpi.ingest import explain, tables
from kpi.ingest.constants import MAX_BYTES, MAX_PROBLEMS, Progress, no_progress
from kpi.ingest.lookups import load_reference_data
from kpi.ingest.planning import PLAN_COLUMNS, Plan, plan
from kpi.ingest.problems import Notice, Problem, ProblemKind, ProblemLog, capped_notices, more_problems_text
from kpi.ingest.reading import read_table
from kpi.ingest.validation import empty_records, validate_table
from kpi.reference import membership
from kpi.words.months import add_months

_b = tables.batches


@dataclass
class ImportPreview:
    """Everything the user needs to decide, and everything `apply_import` needs to write, without
    reading the file again."""

    file_name: str
    sha256: str
    source: str
    file_type: str | None
    rows_in_file: int
    problems: list[Problem]
    notices: list[Notice]
    records: pd.DataFrame
    plan: Plan | None
    excluded: dict[str, int] = field(default_factory=dict)
    batch_notes: str = ""
    # `problems` holds the first MAX_PROBLEMS in file order; these count them all (None: problems is all).
    problems_total: int | None = None
    problem_kinds: list[ProblemKind] = field(default_factory=list)
    # What the headline will make of each KPI and month in the file once imported: one line per month
    # that stays provisional (too few expected trusts), or one line saying every month is complete
    # (kpi.figures.completeness). Also among the notices.
    completeness: list[str] = field(default_factory=list)
    # A publication's own figures, kept beside the submissions (kpi.ingest.adapters.mapped, PUBLISHED_COLUMNS:
    # kpi_code, period, trust_code, profession_code, value); empty for every other file.
    published: pd.DataFrame = field(default_factory=pd.DataFrame)
    published_new: int = 0  # how many of them are new or differ from the published figures in force

    def __post_init__(self) -> None:
        """Notices and completeness lines capped as problems are (MAX_PROBLEMS kept, the rest counted)."""
        self.notices = capped_notices(self.notices)
        if (more := len(self.completeness) - MAX_PROBLEMS) > 0:
            self.completeness = [*self.completeness[:MAX_PROBLEMS], f"… and {more:,} more months like these."]

    @property
    def problem_count(self) -> int:
        """Every problem in the file, listed or not."""
        return len(self.problems) if self.problems_total is None else self.problems_total

    @property
    def problems_not_listed(self) -> int:
        return self.problem_count - len(self.problems)

    def kinds(self) -> list[ProblemKind]:
        """Every kind of problem with its count, most frequent first."""
        if self.problem_kinds:
            return list(self.problem_kinds)
        log = ProblemLog()
        log.extend(self.problems)
        return log.kinds()

    def more_problems(self) -> str:
        """'… and 998,765 more problems of the same kinds: fix these and upload again.' ('' if none)."""
        return more_problems_text(self.problems_not_listed, self.kinds())

    @property
    def ok(self) -> bool:
        """True when the file has no problems and can be imported."""
        return not self.problems and self.plan is not None

    @property
    def rows_added(self) -> int:
        return len(self.plan.added) if self.plan else 0

    @property
    def rows_changed(self) -> int:
        return len(self.plan.changed) if self.plan else 0

    @property
    def rows_skipped(self) -> int:
        return self.plan.skipped if self.plan else 0

    @property
    def has_changes(self) -> bool:
        """True when importing would overwrite figures already in the database (needs `replace`)."""
        return self.rows_changed > 0

    @property
    def table(self) -> pd.DataFrame:
        """The added and changed rows, with the old figures of changed rows, in file order."""
        if not self.plan:
            return pd.DataFrame(columns=PLAN_COLUMNS)
        frames = [f for f in (self.plan.added, self.plan.changed) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=PLAN_COLUMNS)
        frame = pd.concat(frames, ignore_index=True).reindex(columns=PLAN_COLUMNS)
        frame["trust_code"] = frame["trust_code"].replace("", None)
        frame["profession_code"] = frame["profession_code"].replace("", None)
        return frame.sort_values("row", kind="stable", ignore_index=True)

    def summary(self) -> str:
        if self.problems:
            count = self.problem_count
            return f"{count:,} problem{'s' if count != 1 else ''} found; nothing can be imported until fixed."
        published = (
            f" Published figures kept beside the submissions: {len(self.published):,}."
            if not self.published.empty
            else ""
        )
        return (
            f"{self.rows_in_file:,} rows read. Figures: {self.rows_added:,} new, {self.rows_changed:,} would "
            f"change, {self.rows_skipped:,} already in the database with the same values.{published}"
        )


@dataclass(frozen=True)
class ImportResult:
    applied: bool
    message: str
    batch_id: int | None = None
    rows_added: int = 0
    rows_changed: int = 0
    rows_skipped: int = 0
    demo_rows_removed: int = 0
    replanned: bool = False


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refused_preview(
    file_name: str,
    sha256: str,
    source: str,
    file_type: str | None,
    rows_in_file: int,
    problems: Iterable[Problem] | ProblemLog,
    notices: list[Notice],
    excluded: dict[str, int] | None = None,
    batch_notes: str = "",
) -> ImportPreview:
    """The preview of a file that cannot be imported: the first MAX_PROBLEMS problems and the counts of
    all of them, and no table (nothing else of the file is kept)."""
    log = problems if isinstance(problems, ProblemLog) else ProblemLog()
    if not isinstance(problems, ProblemLog):
        log.extend(problems)
    return ImportPreview(
        file_name, sha256, source, file_type, rows_in_file, log.problems, list(notices), empty_records(),
        None, dict(excluded or {}), batch_notes, log.total, log.kinds(),
    )  # fmt: skip


def prepare_import(
    engine: Engine,
    file_name: str,
    data: bytes,
    *,
    source: str = "upload",
    max_bytes: int = MAX_BYTES,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Read, validate and plan a template file. Writes nothing; needs no particular role."""
    report = progress or no_progress
    report(0.0, "Reading the file")
    read = read_table(file_name, data, max_bytes=max_bytes)
    sha = file_sha256(data)
    if read.table is None:
        return refused_preview(file_name, sha, source, read.file_type, 0, read.log, read.notices)
    return prepare_table(
        engine,
        file_name,
        sha,
        read.table,
        source=source,
        file_type=read.file_type,
        read_problems=read.log,
        notices=read.notices,
        today=today,
        progress=report,
    )


def prepare_table(
    engine: Engine,
    file_name: str,
    sha256: str,
    table: pd.DataFrame,
    *,
    source: str,
    file_type: str | None = None,
    read_problems: list[Problem] | ProblemLog | None = None,
    notices: list[Notice] | None = None,
    rows_in_file: int | None = None,
    excluded: dict[str, int] | None = None,
    batch_notes: str = "",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Validate and plan a template-shaped table (text cells, `row_no` column). Shared by the
    template import and the adapters for other sources."""
    report = progress or no_progress
    ref = load_reference_data(engine)
    validated = validate_table(table, ref, today=today, progress=lambda f, m: report(0.05 + 0.6 * f, m))
    problems = ProblemLog()
    problems.extend(read_problems)
    problems.extend(validated.problem_log or validated.problems)
    all_notices = [*(notices or []), *validated.notices]
    count = validated.rows_in_file if rows_in_file is None else rows_in_file
    if problems:
        report(1.0, "Problems found")
        return refused_preview(
            file_name, sha256, source, file_type, count, problems, all_notices, excluded, batch_notes
        )
    report(0.7, "Comparing with the database")
    all_notices.extend(explain.group_notices(validated.records, ref))
    with engine.connect() as conn:
        the_plan = plan(conn, validated.records)
        if beside := explain.all_ahp_beside_professions(conn, validated.records, ref):
            all_notices.append(beside)
            batch_notes = (batch_notes + " " if batch_notes else "") + beside.message
        earlier = conn.execute(
            select(_b.c.id, _b.c.imported_at, _b.c.imported_by)
            .where(_b.c.sha256 == sha256, _b.c.status == "applied")
            .order_by(_b.c.id.desc())
        ).first()
    all_notices.extend(_earlier_import_notice(earlier))
    all_notices.extend(_demo_data_notice(the_plan))
    outlook = import_outlook(engine, validated.records)
    all_notices.extend(Notice(None, line) for line in outlook)
    report(1.0, "Ready to import")
    return ImportPreview(
        file_name, sha256, source, file_type, count, [], all_notices, validated.records, the_plan,
        dict(excluded or {}), batch_notes, completeness=outlook,
    )  # fmt: skip


def _earlier_import_notice(earlier: Any) -> list[Notice]:
    """'This exact file was imported before (…)' when an applied batch has the same file hash."""
    if earlier is None:
        return []
    return [
        Notice(
            None,
            f"This exact file was imported before (import {earlier.id}, by {earlier.imported_by}"
            + (f" on {earlier.imported_at:%d/%m/%Y %H:%M}" if earlier.imported_at else "")
            + ").",
        )
    ]


def _demo_data_notice(the_plan: Plan) -> list[Notice]:
    """How many synthetic demo figures the database holds and how many of them the file replaces."""
    if not the_plan.synthetic_in_database:
        return []
    return [
        Notice(
            None,
            f"The database holds {the_plan.synthetic_in_database:,} SYNTHETIC demo figures. "
            f"{the_plan.synthetic_replaced:,} of them have the same KPI, month, trust and profession as "
            "rows in this file and will be replaced by your figures (counted as changed). The other demo "
            "figures stay, labelled synthetic, and any total that includes one is labelled synthetic. "
            "To load real data alone, choose to remove the demo data when importing.",
        )
    ]


def import_outlook(engine: Engine, records: pd.DataFrame) -> list[str]:
    """kpi.figures.completeness.outlook for an import's validated records (kpi_code, trust_code ('' for the
    system, already mapped to successors), period as dates)."""
    if records.empty:
        return []
    incoming = records[["kpi_code", "trust_code", "period"]].drop_duplicates()
    incoming = incoming.assign(
        trust_code=incoming["trust_code"].replace("", None), period=pd.to_datetime(incoming["period"])
    )
    kpis = sorted(incoming["kpi_code"].unique())
    # An import changes who is expected in its months and the WINDOW months after them, no others: only
    # those months are counted again, from their reports and the WINDOW months before them; the rest
    # keep their stored counts. Memory and time then follow the file, not the database's history.
    window = completeness.WINDOW
    first = incoming["period"].min().date()
    last = add_months(incoming["period"].max().date(), window)
    existing = rollups.reporters(engine, kpis, add_months(first, -window), last)
    stored = rollups.stored_counts(engine, "system", kpis)
    unchanged = stored[(stored["period"] < pd.Timestamp(first)) | (stored["period"] > pd.Timestamp(last))]
    return completeness.outlook(
        existing, incoming, membership.spans(engine), completeness.kpi_rules(engine), unchanged
    )
