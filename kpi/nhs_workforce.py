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

import pandas as pd
from sqlalchemy import Engine

from kpi import ingest
from kpi.ingest import ImportPreview, Notice, Problem, Progress

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


def _column_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().upper())


def _words(value: str) -> str:
    return " ".join(value.replace("&", " and ").lower().split())


def _month_text(value: str) -> str:
    """NHS months come as 2025-01-31, 31/01/2025, JAN2025 or 31-Jan-2025: the template accepts the
    first two as they are; the others are rewritten as 'Jan 2025'."""
    text = value.strip()
    if m := re.fullmatch(r"([A-Za-z]{3,9})[\s\-]?(\d{4})", text):
        return f"{m[1]} {m[2]}"
    if m := re.fullmatch(r"\d{1,2}[\s\-]([A-Za-z]{3,9})[\s\-](\d{4})", text):
        return f"{m[1]} {m[2]}"
    return text


def prepare_nhs_workforce(
    engine: Engine,
    file_name: str,
    data: bytes,
    *,
    max_bytes: int = ingest.MAX_BYTES,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Read an NHS Workforce Statistics staff-group CSV (or XLSX) and prepare it as an import of
    SIP_FTE and SIP_HC. Writes nothing; apply the preview with `kpi.ingest.apply_import`."""
    report = progress or (lambda _f, _m: None)
    report(0.0, "Reading the NHS Workforce Statistics file")
    sha = ingest.file_sha256(data)
    read = ingest.read_table(file_name, data, max_bytes=max_bytes)

    def failed(problems: list[Problem] | ingest.ProblemLog, rows: int = 0) -> ImportPreview:
        return ingest.refused_preview(file_name, sha, SOURCE, read.file_type, rows, problems, read.notices)

    if read.table is None:
        return failed(read.log)
    table = read.table
    columns = {_column_name(c): c for c in table.columns if c != "row_no"}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return failed(
            [
                Problem(
                    None,
                    name,
                    f"The file has no {name} column, so it is not the NHS Workforce Statistics staff-group "
                    "layout this importer reads.",
                    "Download the organisation-level staff group CSV from NHS Digital's NHS Workforce "
                    "Statistics publication and upload it unchanged.",
                )
                for name in missing
            ],
            len(table),
        )
    if table.empty:
        return failed(
            [Problem(None, None, "The file has a header row but no data rows.", "Check the download.")]
        )

    def cells(name: str) -> pd.Series:
        return (
            table[columns[name]].astype(str).str.strip()
            if name in columns
            else pd.Series("", index=table.index)
        )

    ref = ingest.load_reference_data(engine)
    rows = table["row_no"].astype("int64")
    org = cells("ORG_CODE").str.upper()
    level = cells("DATA_LEVEL").str.lower()
    group_1 = cells("STAFF_GROUP_1").map(_words)
    group_2 = cells("STAFF_GROUP_2").map(_words)
    profession_column = next((columns[c] for c in PROFESSION_COLUMNS if c in columns), None)
    profession_text = (
        table[profession_column].astype(str).str.strip()
        if profession_column
        else pd.Series("", index=table.index)
    )
    all_ahps = profession_text.map(_words).isin(ALL_AHP_WORDS)
    profession = profession_text.map(lambda v: ref.professions.get(ingest.normalise_name(v)))
    fte, fte_bad = ingest.parse_numbers(cells("FTE"))
    headcount, headcount_bad = ingest.parse_numbers(cells("HEADCOUNT"))

    report(0.2, "Sorting rows")
    reason = pd.Series("", index=table.index, dtype=object)

    def mark(mask: pd.Series, code: str) -> None:
        reason.loc[(reason == "") & mask.to_numpy(dtype=bool)] = code

    if "DATA_LEVEL" in columns:
        mark(
            ~level.map(lambda v: any(v.startswith(word) for word in ORGANISATION_LEVELS)), "not_organisation"
        )
    mark(org == "", "not_organisation")
    mark((group_1 != AHP_STAFF_GROUP_1) | (group_2 != AHP_STAFF_GROUP_2), "other_staff_group")
    mark(~org.isin(ref.trusts.keys()), "outside_cm")
    mark(~all_ahps & profession.isna(), "unknown_profession")
    mark(fte_bad | headcount_bad | (fte < 0) | (headcount < 0) | fte.isna() | headcount.isna(), "bad_number")

    notices: list[Notice] = list(read.notices)
    excluded: dict[str, int] = {}
    for code, label in REASONS.items():
        hit = reason == code
        if hit.any():
            hit_rows = sorted(int(r) for r in rows[hit])
            excluded[label] = len(hit_rows)
            examples = ""
            if code in ("unknown_profession", "outside_cm", "bad_number"):
                shown = profession_text if code == "unknown_profession" else org
                if code == "bad_number":
                    shown = cells("FTE") + " / " + cells("HEADCOUNT")
                values = sorted({str(v) for v in shown[hit]})[:5]
                examples = f" ({', '.join(repr(v) for v in values)})"
            notices.append(
                Notice(
                    hit_rows[0],
                    f"{len(hit_rows):,} row(s) left out: {label}{examples}; "
                    f"rows {ingest.rows_text(hit_rows)}.",
                    tuple(hit_rows),
                )
            )

    kept = reason == ""
    report(0.4, "Combining rows")
    months = cells("DATA_MONTH").map(_month_text)
    period_map = {value: ingest.parse_period(value) for value in months[kept].unique()}
    period = months.map(period_map)
    bad_month = kept & period.isna()
    if bad_month.any():
        # Every bad month is counted; only the first MAX_PROBLEMS become Problem objects.
        problems = ingest.ProblemLog()
        problems.extend(read.log)
        kind = "The month is not a date the importer can read."
        problems.count(columns["DATA_MONTH"], kind, int(bad_month.sum()))
        first = bad_month[bad_month].index[: problems.limit]
        for row, value in zip(rows[first], cells("DATA_MONTH")[first], strict=True):
            problems.keep(
                Problem(
                    int(row),
                    columns["DATA_MONTH"],
                    f"The month {value!r} is not a date the importer can read.",
                    "Use the file as NHS Digital publishes it; months read like "
                    f"{ingest.PERIOD_FORMATS_TEXT}.",
                    kind,
                )
            )
        return failed(problems, len(table))

    trust, merge_notices = ingest.map_successors(org.where(kept, ""), period.where(kept, None), rows, ref)
    notices.extend(merge_notices)
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
    template = pd.concat(
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
    summary = f"NHS Workforce Statistics: {int(kept.sum()):,} of {len(table):,} rows used"
    if excluded:
        summary += "; left out: " + "; ".join(f"{count:,} {label}" for label, count in excluded.items())
    notices.insert(0, Notice(None, summary + "."))
    if template.empty:
        return ingest.refused_preview(
            file_name, sha, SOURCE, read.file_type, len(table),
            [
                Problem(
                    None, None,
                    "No row of the file is an AHP figure for a Cheshire and Merseyside organisation.",
                    "Check that this is the organisation-level staff group file, including C&M trusts.",
                )
            ],
            notices, excluded, summary,
        )  # fmt: skip
    return ingest.prepare_table(
        engine,
        file_name,
        sha,
        template,
        source=SOURCE,
        file_type=read.file_type,
        read_problems=read.log,
        notices=notices,
        rows_in_file=len(table),
        excluded=excluded,
        batch_notes=summary + ".",
        today=today,
        progress=lambda f, m: report(0.5 + 0.5 * f, m),
    )


__all__ = ["REASONS", "SOURCE", "prepare_nhs_workforce"]
