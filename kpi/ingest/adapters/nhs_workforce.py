"""NHS Workforce Statistics (NHS Digital, monthly) as a data source: staff in post, FTE and headcount.

The published staff-group CSV is long: one row per month, organisation (or region, or England) and staff
group, with `DATA_MONTH, DATA_LEVEL, ORG_CODE, ORG_NAME, NHSE_REGION_CODE, NHSE_REGION_NAME,
STAFF_GROUP_1, STAFF_GROUP_2, FTE, HEADCOUNT` (column names in any case). AHPs sit inside
STAFF_GROUP_1 "Scientific, therapeutic & technical staff" with STAFF_GROUP_2 "Allied health
professionals". An optional finer column (STAFF_GROUP_3, OCCUPATION, OCCUPATION_GROUP or PROFESSION)
gives the profession, matched to ours through names and aliases ("Chiropodists/Podiatrists").

This adapter keeps the AHP rows of Cheshire and Merseyside organisations (every code in our trusts
table: members, NWAS and old codes of merged trusts, which move to their successor from the merger
date) at organisation level, and turns each into SIP_FTE (from FTE) and SIP_HC (from HEADCOUNT), by
profession when the file has a profession column. Rows of one organisation, month and profession are
added together (diagnostic and therapeutic radiographers are both Radiographers here; a merged trust's
rows join its successor's). Headcount added across sub-groups can count a person with two roles twice;
NHS Digital's own totals count them once.

No row is dropped silently: each row left out is counted under a reason (another staff group, outside
C&M, not organisation level, unknown profession, FTE or headcount not a number) and the counts come back
as notices with example rows. The result is the same preview as a template import (`kpi.ingest`), so the
same `apply_import` writes it (source "nhs_workforce") and `undo_batch` undoes it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi.ingest.cells import PERIOD_FORMATS_TEXT, parse_numbers
from kpi.ingest.constants import MAX_BYTES, Progress, no_progress
from kpi.ingest.lookups import ReferenceData, load_reference_data, map_successors, normalise_name
from kpi.ingest.preview import ImportPreview, file_sha256, prepare_table, refused_preview
from kpi.ingest.problems import Notice, Problem, ProblemLog, rows_text
from kpi.ingest.reading import read_table
from kpi.months import parse_month

SOURCE = "nhs_workforce"
FTE_KPI = "SIP_FTE"
HEADCOUNT_KPI = "SIP_HC"
REQUIRED = ("DATA_MONTH", "ORG_CODE", "STAFF_GROUP_1", "STAFF_GROUP_2", "FTE", "HEADCOUNT")
PROFESSION_COLUMNS = ("STAFF_GROUP_3", "OCCUPATION", "OCCUPATION_GROUP", "PROFESSION")
AHP_STAFF_GROUP_1 = "scientific, therapeutic and technical staff"
AHP_STAFF_GROUP_2 = "allied health professionals"
# DATA_LEVEL values that mean one organisation (anything else is a regional, ICB or national total).
ORGANISATION_LEVELS = ("organisation", "organization", "trust", "provider", "org")
# A profession cell meaning "all AHPs" rather than one profession.
ALL_AHP_WORDS = ("", "total", "all", "all ahps", "all staff", "allied health professionals", "ahp total")

REASONS = {
    "not_organisation": "not an organisation-level row (a national, regional or ICB total)",
    "other_staff_group": "not allied health professionals (another staff group)",
    "outside_cm": "an organisation outside Cheshire and Merseyside",
    "unknown_profession": "a profession the dashboard does not recognise",
    "bad_number": "FTE or headcount not a number (or negative)",
}


NOT_THIS_LAYOUT_FIX = (
    "Download the organisation-level staff group CSV from NHS Digital's NHS Workforce Statistics publication "
    "and upload it unchanged."
)
BAD_MONTH = "The month is not a date the importer can read."


def _column_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().upper())


def _words(value: str) -> str:
    return " ".join(value.replace("&", " and ").lower().split())


@dataclass
class _Sheet:
    """The file's rows as this adapter reads them, every series aligned with `table`."""

    table: pd.DataFrame
    columns: dict[str, str]  # normalised column name -> heading in the file

    def cells(self, name: str) -> pd.Series:
        if name not in self.columns:
            return pd.Series("", index=self.table.index)
        return self.table[self.columns[name]].astype(str).str.strip()

    @property
    def rows(self) -> pd.Series:
        return self.table["row_no"].astype("int64")

    @property
    def org(self) -> pd.Series:
        return self.cells("ORG_CODE").str.upper()

    @property
    def profession_text(self) -> pd.Series:
        column = next((c for c in PROFESSION_COLUMNS if c in self.columns), None)
        return self.cells(column) if column else pd.Series("", index=self.table.index)


def prepare_nhs_workforce(
    engine: Engine,
    file_name: str,
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Read an NHS Workforce Statistics staff-group CSV (or XLSX) and prepare it as an import of
    SIP_FTE and SIP_HC. Writes nothing; apply the preview with `kpi.ingest.apply_import`."""
    report = progress or no_progress
    report(0.0, "Reading the NHS Workforce Statistics file")
    sha = file_sha256(data)
    read = read_table(file_name, data, max_bytes=max_bytes)

    def failed(
        problems: list[Problem] | ProblemLog, rows: int = 0, notices: list[Notice] | None = None, **more
    ) -> ImportPreview:
        notes = read.notices if notices is None else notices
        return refused_preview(file_name, sha, SOURCE, read.file_type, rows, problems, notes, **more)

    if read.table is None:
        return failed(read.log)
    sheet = _Sheet(read.table, {_column_name(c): c for c in read.table.columns if c != "row_no"})
    if missing := [c for c in REQUIRED if c not in sheet.columns]:
        return failed([_missing_column(name) for name in missing], len(sheet.table))
    if sheet.table.empty:
        return failed(
            [Problem(None, None, "The file has a header row but no data rows.", "Check the download.")]
        )
    ref = load_reference_data(engine)
    profession = sheet.profession_text.map(lambda v: ref.professions.get(normalise_name(v)))
    report(0.2, "Sorting rows")
    reason = _reasons(sheet, ref, profession)
    notices: list[Notice] = list(read.notices)
    excluded = _left_out(sheet, reason, notices)
    kept = reason == ""
    report(0.4, "Combining rows")
    period = sheet.cells("DATA_MONTH").where(kept, "").map(_month_map(sheet, kept))
    if (kept & period.isna()).any():
        problems = ProblemLog()
        problems.extend(read.log)
        _bad_months(sheet, kept & period.isna(), problems)
        return failed(problems, len(sheet.table))
    grouped = _combined(sheet, ref, kept, period, profession, notices)
    template = _as_template(grouped)
    summary = f"NHS Workforce Statistics: {int(kept.sum()):,} of {len(sheet.table):,} rows used"
    if excluded:
        summary += "; left out: " + "; ".join(f"{count:,} {label}" for label, count in excluded.items())
    notices.insert(0, Notice(None, summary + "."))
    if template.empty:
        return failed(
            [
                Problem(
                    None, None,
                    "No row of the file is an AHP figure for a Cheshire and Merseyside organisation.",
                    "Check that this is the organisation-level staff group file, including C&M trusts.",
                )
            ],
            len(sheet.table), notices, excluded=excluded, batch_notes=summary,
        )  # fmt: skip
    return prepare_table(
        engine,
        file_name,
        sha,
        template,
        source=SOURCE,
        file_type=read.file_type,
        read_problems=read.log,
        notices=notices,
        rows_in_file=len(sheet.table),
        excluded=excluded,
        batch_notes=summary + ".",
        today=today,
        progress=lambda f, m: report(0.5 + 0.5 * f, m),
    )


def _missing_column(name: str) -> Problem:
    return Problem(
        None,
        name,
        f"The file has no {name} column, so it is not the NHS Workforce Statistics staff-group "
        "layout this importer reads.",
        NOT_THIS_LAYOUT_FIX,
    )


def _reasons(sheet: _Sheet, ref: ReferenceData, profession: pd.Series) -> pd.Series:
    """For each row, the code of the first reason (in REASONS order of marking) it is left out; "" if kept."""
    org = sheet.org
    level = sheet.cells("DATA_LEVEL").str.lower()
    group_1 = sheet.cells("STAFF_GROUP_1").map(_words)
    group_2 = sheet.cells("STAFF_GROUP_2").map(_words)
    all_ahps = sheet.profession_text.map(_words).isin(ALL_AHP_WORDS)
    fte, fte_bad = parse_numbers(sheet.cells("FTE"))
    headcount, headcount_bad = parse_numbers(sheet.cells("HEADCOUNT"))
    reason = pd.Series("", index=sheet.table.index, dtype=object)

    def mark(mask: pd.Series, code: str) -> None:
        reason.loc[(reason == "") & mask.to_numpy(dtype=bool)] = code

    if "DATA_LEVEL" in sheet.columns:
        mark(
            ~level.map(lambda v: any(v.startswith(word) for word in ORGANISATION_LEVELS)), "not_organisation"
        )
    mark(org == "", "not_organisation")
    mark((group_1 != AHP_STAFF_GROUP_1) | (group_2 != AHP_STAFF_GROUP_2), "other_staff_group")
    mark(~org.isin(ref.trusts.keys()), "outside_cm")
    mark(~all_ahps & profession.isna(), "unknown_profession")
    mark(fte_bad | headcount_bad | (fte < 0) | (headcount < 0) | fte.isna() | headcount.isna(), "bad_number")
    return reason


def _left_out(sheet: _Sheet, reason: pd.Series, notices: list[Notice]) -> dict[str, int]:
    """Count the rows left out under each reason and add a notice for each, with example values."""
    rows = sheet.rows
    excluded: dict[str, int] = {}
    for code, label in REASONS.items():
        hit = reason == code
        if not hit.any():
            continue
        hit_rows = sorted(int(r) for r in rows[hit])
        excluded[label] = len(hit_rows)
        examples = ""
        if code in ("unknown_profession", "outside_cm", "bad_number"):
            shown = sheet.profession_text if code == "unknown_profession" else sheet.org
            if code == "bad_number":
                shown = sheet.cells("FTE") + " / " + sheet.cells("HEADCOUNT")
            values = sorted({str(v) for v in shown[hit]})[:5]
            examples = f" ({', '.join(repr(v) for v in values)})"
        notices.append(
            Notice(
                hit_rows[0],
                f"{len(hit_rows):,} row(s) left out: {label}{examples}; rows {rows_text(hit_rows)}.",
                tuple(hit_rows),
            )
        )
    return excluded


def _month_map(sheet: _Sheet, kept: pd.Series) -> dict[str, dt.date | None]:
    """Each distinct month text of the kept rows, read once."""
    return {value: parse_month(value) for value in sheet.cells("DATA_MONTH")[kept].unique()}


def _bad_months(sheet: _Sheet, bad_month: pd.Series, problems: ProblemLog) -> None:
    """Count every unreadable month; only the first MAX_PROBLEMS become Problem objects."""
    column = sheet.columns["DATA_MONTH"]
    problems.count(column, BAD_MONTH, int(bad_month.sum()))
    first = bad_month[bad_month].index[: problems.limit]
    for row, value in zip(sheet.rows[first], sheet.cells("DATA_MONTH")[first], strict=True):
        problems.keep(
            Problem(
                int(row),
                column,
                f"The month {value!r} is not a date the importer can read.",
                f"Use the file as NHS Digital publishes it; months read like {PERIOD_FORMATS_TEXT}.",
                BAD_MONTH,
            )
        )


def _combined(
    sheet: _Sheet,
    ref: ReferenceData,
    kept: pd.Series,
    period: pd.Series,
    profession: pd.Series,
    notices: list[Notice],
) -> pd.DataFrame:
    """The kept rows added together by month, trust (after mergers) and profession, with notices for
    merged trusts and for rows added together."""
    rows = sheet.rows
    trust, merge_notices = map_successors(sheet.org.where(kept, ""), period.where(kept, None), rows, ref)
    notices.extend(merge_notices)
    all_ahps = sheet.profession_text.map(_words).isin(ALL_AHP_WORDS)
    fte, _ = parse_numbers(sheet.cells("FTE"))
    headcount, _ = parse_numbers(sheet.cells("HEADCOUNT"))
    kept_rows = pd.DataFrame(
        {
            "row_no": rows[kept],
            "period": period[kept].map(lambda p: p.strftime("%Y-%m")),
            "trust_code": trust[kept],
            "profession": profession[kept].where(~all_ahps[kept], "").fillna(""),
            "fte": fte[kept],
            "headcount": headcount[kept],
        }
    )
    grouped = kept_rows.groupby(["period", "trust_code", "profession"], sort=False, as_index=False).agg(
        row_no=("row_no", "min"), rows=("row_no", "count"), fte=("fte", "sum"), headcount=("headcount", "sum")
    )
    combined = grouped[grouped["rows"] > 1]
    if not combined.empty:
        notices.append(
            Notice(
                int(combined["row_no"].min()),
                f"{int(combined['rows'].sum()):,} rows were added together into {len(combined):,} figure(s) "
                "because they are the same organisation, month and profession here (for example diagnostic "
                "and therapeutic radiographers, or a merged trust's rows joining its successor's).",
            )
        )
    return grouped


def _as_template(grouped: pd.DataFrame) -> pd.DataFrame:
    """The combined figures as template rows: one SIP_FTE and one SIP_HC row each."""
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "period": grouped["period"],
                    "trust_code": grouped["trust_code"],
                    "profession": grouped["profession"],
                    "kpi_code": kpi,
                    "value": grouped[measure].map(repr),
                    "numerator": "",
                    "denominator": "",
                    "row_no": grouped["row_no"],
                }
            )
            for kpi, measure in ((FTE_KPI, "fte"), (HEADCOUNT_KPI, "headcount"))
        ],
        ignore_index=True,
    )


__all__ = ["REASONS", "SOURCE", "prepare_nhs_workforce"]
