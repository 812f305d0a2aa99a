"""A file in a published layout, read through its source definition (`kpi.ingest.sources`): the rows it
keeps become template rows (KPI, month, trust, profession, figures), prepared like a template import.

No row is dropped silently. Each row left out is counted under the first reason that applies, in this
order: a `[[keep]]` rule of the definition (e.g. a national total); no figure of the definition takes it
(another staff group); no organisation code; the ICB's own staff (QYG, named as the ICB: it is not a
trust); an organisation outside Cheshire and Merseyside; a profession
the dashboard does not recognise; a figure that is not a number. Rows of one KPI, month, trust (after
confirmed mergers) and profession are added together: numerators and denominators for a rate, so the rate
is worked out from the totals.

A definition's `[[published]]` figures (the staff-role file's AHP FTE) are not written as observations:
they become the preview's `published` frame, kept by the import beside the trusts' submissions for the
reconciliation (kpi.ingest.reconciliation). A suppressed cell (`*`) there is kept as a published figure with
no value, not left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi.figures.published import differing
from kpi.ingest.cells import PERIOD_FORMATS_TEXT, parse_numbers
from kpi.ingest.constants import Progress, no_progress
from kpi.ingest.lookups import ReferenceData, load_reference_data, map_successors, normalise_name
from kpi.ingest.planning import plan
from kpi.ingest.preview import ImportPreview, prepare_table, refused_preview
from kpi.ingest.problems import Notice, Problem, ProblemLog, rows_text
from kpi.ingest.reading import TableRead
from kpi.ingest.sources import Figure, SourceDefinition, value_key
from kpi.ingest.validation import empty_records
from kpi.reference.membership import ICB_CODE, ICB_NAME
from kpi.words.months import parse_month

# A profession cell meaning "all AHPs" rather than one profession.
ALL_AHP_WORDS = frozenset(
    {"", "total", "all", "all ahps", "all staff", "allied health professionals", "ahp total"}
)
NO_ORG = "no organisation code (a national, regional or ICB total)"
ICB = f"the ICB's own staff ({ICB_NAME}, {ICB_CODE}: not a trust, so in no trust or system total)"
OUTSIDE = "an organisation outside Cheshire and Merseyside"
UNKNOWN_PROFESSION = "a profession the dashboard does not recognise"
BAD_NUMBER = "a figure that is not a number (or is negative)"
BAD_MONTH = "The month is not a date the importer can read."
SUPPRESSED = frozenset({"*"})  # how NHS England marks a suppressed (small) figure
PUBLISHED_COLUMNS = ["kpi_code", "period", "trust_code", "profession_code", "value"]


@dataclass
class _Sheet:
    """The file's rows, with each role's cells (trimmed text) aligned with `table`."""

    table: pd.DataFrame
    roles: dict[str, str]  # role -> the file's header

    def cells(self, role: str) -> pd.Series:
        if role not in self.roles:
            return pd.Series("", index=self.table.index)
        return self.table[self.roles[role]].astype(str).str.strip()

    def keys(self, role: str) -> pd.Series:
        """The role's cells as matched (`value_key`), each distinct value worked out once."""
        cells = self.cells(role)
        return cells.map({v: value_key(v) for v in cells.unique()})

    @property
    def rows(self) -> pd.Series:
        return self.table["row_no"].astype("int64")


@dataclass
class _Taken:
    """One figure's rows: which rows it takes and what it reads from them."""

    figure: Figure
    takes: pd.Series  # the row is one this figure loads (its `when` values)
    profession: pd.Series  # profession code, "" for all AHPs, None when unknown
    numbers: dict[str, pd.Series]  # role -> float (NaN where bad)
    bad_number: pd.Series
    published: bool = False  # a [[published]] figure: kept beside the submissions, not as observations


def prepare_mapped(
    engine: Engine,
    definition: SourceDefinition,
    read: TableRead,
    file_name: str,
    sha: str,
    *,
    layout: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Prepare a file recognised as `definition` (read already) as an import. Writes nothing."""
    report = progress or no_progress
    assert read.table is not None
    sheet = _Sheet(read.table, definition.roles_in([c for c in read.table.columns if c != "row_no"]))
    taken_as = f"Taken as {definition.name}" + (f", layout {layout}" if layout else "") + "."
    notices = [Notice(None, taken_as), *read.notices]

    def refused(problems: list[Problem] | ProblemLog, **more) -> ImportPreview:
        return refused_preview(
            file_name, sha, definition.id, read.file_type, len(sheet.table), problems, notices, **more
        )

    if sheet.table.empty:
        return refused(
            [Problem(None, None, "The file has a header row but no data rows.", "Check the download.")]
        )
    ref = load_reference_data(engine)
    if unknown := sorted(definition.kpis - set(ref.kpis)):
        return refused([_unknown_kpis(definition, unknown)])
    report(0.2, "Sorting rows")
    taken = [_taken(f, sheet, ref, definition) for f in _usable_figures(definition.figures, sheet, notices)]
    taken += [
        _taken(f, sheet, ref, definition, published=True)
        for f in _usable_figures(definition.published, sheet, notices)
    ]
    reason = _reasons(definition, sheet, ref, taken)
    excluded = _left_out(sheet, reason, definition, notices, taken)
    used = reason == ""
    period = sheet.cells("month").where(used, "")
    period = period.map({v: parse_month(v) for v in period[used].unique()})
    if (used & period.isna()).any():
        problems = ProblemLog()
        problems.extend(read.log)
        _bad_months(sheet, used & period.isna(), problems)
        return refused(problems)
    report(0.4, "Combining rows")
    trust, merge_notices = map_successors(
        sheet.cells("org").str.upper().where(used, ""), period.where(used, None), sheet.rows, ref
    )
    notices.extend(merge_notices)
    template = _combined(sheet, ref, [t for t in taken if not t.published], used, period, trust, notices)
    published = _published(sheet, [t for t in taken if t.published], used, period, trust, notices)
    with engine.connect() as conn:
        published_new = differing(conn, published)
    summary = f"{definition.name}: {int(used.sum()):,} of {len(sheet.table):,} rows used"
    if excluded:
        summary += "; left out: " + "; ".join(f"{count:,} {label}" for label, count in excluded.items())
    notices.insert(1, Notice(None, summary + "."))
    if template.empty and published.empty:
        no_rows = Problem(
            None, None,
            "No row of the file is a figure this source loads for a Cheshire and Merseyside organisation.",
            "Check that this is the organisation-level file and that it includes C&M trusts.",
        )  # fmt: skip
        return refused([no_rows], excluded=excluded, batch_notes=summary)
    if template.empty:  # only published figures: nothing for the observations' checks and plan
        with engine.connect() as conn:
            the_plan = plan(conn, empty_records())
        return ImportPreview(
            file_name, sha, definition.id, read.file_type, len(sheet.table), [], notices, empty_records(),
            the_plan, excluded, summary + ".", published=published, published_new=published_new,
        )  # fmt: skip
    preview = prepare_table(
        engine, file_name, sha, template, source=definition.id, file_type=read.file_type,
        read_problems=read.log, notices=notices, rows_in_file=len(sheet.table), excluded=excluded,
        batch_notes=summary + ".", today=today, progress=lambda f, m: report(0.5 + 0.5 * f, m),
    )  # fmt: skip
    preview.published, preview.published_new = published, published_new
    return preview


def _unknown_kpis(definition: SourceDefinition, unknown: list[str]) -> Problem:
    return Problem(
        None,
        None,
        f"The source definition {definition.path.name} names KPI code(s) {', '.join(unknown)}, which are not "
        "in the KPI catalogue, so nothing was imported.",
        "Correct the kpi in its [[figures]] (codes are in data/reference/kpis.csv).",
    )


def _usable_figures(figures: tuple[Figure, ...], sheet: _Sheet, notices: list[Notice]) -> list[Figure]:
    """The figures the file has the numbers for; a notice for each one it has not, and for each condition
    on a column the file lacks (that condition is not applied)."""
    usable = []
    for figure in figures:
        if absent := [role for role in figure.roles if role not in sheet.roles]:
            notices.append(
                Notice(None, f"The file has no {_said(absent[0])} column, so no {figure.kpi} figures.")
            )
            continue
        for role, _values in figure.when:
            if role not in sheet.roles:
                notices.append(
                    Notice(
                        None,
                        f"The file has no {_said(role)} column: {figure.kpi} takes its rows at any "
                        f"{_said(role)}.",
                    )
                )
        usable.append(figure)
    return usable


def _said(role: str) -> str:
    return role.replace("_", " ")


def _taken(
    figure: Figure,
    sheet: _Sheet,
    ref: ReferenceData,
    definition: SourceDefinition,
    *,
    published: bool = False,
) -> _Taken:
    """A figure's rows. For a published figure a suppressed cell ('*') is not a bad number: it is kept,
    with no value, as what the publication says."""
    takes = pd.Series(True, index=sheet.table.index)
    for role, values in figure.when:
        if role in sheet.roles:
            takes &= sheet.keys(role).isin(values)
    numbers, bad = {}, pd.Series(False, index=sheet.table.index)
    for role in figure.roles:
        cells = sheet.cells(role)
        parsed, not_number = parse_numbers(cells)
        numbers[role] = parsed
        wrong = not_number | parsed.isna() | (parsed < 0)
        bad |= wrong & ~cells.isin(SUPPRESSED) if published else wrong
    return _Taken(figure, takes, _professions(figure, sheet, ref, definition), numbers, bad, published)


def _professions(
    figure: Figure, sheet: _Sheet, ref: ReferenceData, definition: SourceDefinition
) -> pd.Series:
    if figure.profession is None or figure.profession not in sheet.roles:
        return pd.Series("", index=sheet.table.index, dtype=object)
    cells = sheet.cells(figure.profession)

    def code(value: str) -> str | None:
        key = value_key(value)
        if key in ALL_AHP_WORDS:
            return ""
        return definition.professions.get(key) or ref.professions.get(normalise_name(value))

    return cells.map({v: code(v) for v in cells.unique()})


def _reasons(
    definition: SourceDefinition, sheet: _Sheet, ref: ReferenceData, taken: list[_Taken]
) -> pd.Series:
    """For each row, the first reason it is left out ("" if some figure uses it)."""
    reason = pd.Series("", index=sheet.table.index, dtype=object)

    def mark(mask: pd.Series, label: str) -> None:
        reason.loc[(reason == "") & mask.to_numpy(dtype=bool)] = label

    for rule in definition.keep:
        if rule.role in sheet.roles:
            mark(~sheet.keys(rule.role).isin(rule.values), rule.reason)
    any_taken = pd.Series(False, index=sheet.table.index)
    for t in taken:
        any_taken |= t.takes
    mark(~any_taken, _other_rows_reason(definition))
    org = sheet.cells("org").str.upper()
    mark(org == "", NO_ORG)
    mark(org == ICB_CODE, ICB)
    mark(~org.isin(ref.trusts.keys()), OUTSIDE)
    known = pd.Series(False, index=sheet.table.index)
    numbers_ok = pd.Series(False, index=sheet.table.index)
    for t in taken:
        known |= t.takes & t.profession.notna()
        numbers_ok |= t.takes & t.profession.notna() & ~t.bad_number
    mark(~known, UNKNOWN_PROFESSION)
    mark(~numbers_ok, BAD_NUMBER)
    return reason


def _other_rows_reason(definition: SourceDefinition) -> str:
    """'a staff group or measure this source does not load' (the roles the figures choose rows by)."""
    roles = [
        _said(r)
        for r in dict.fromkeys(
            role for figure in (*definition.figures, *definition.published) for role, _ in figure.when
        )
    ]
    if not roles:
        return "a row this source does not load"
    listed = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]
    return f"a {listed} this source does not load"


def _reason_order(definition: SourceDefinition) -> list[str]:
    """Every reason a row can be left out, in the order they are tested."""
    keep = [rule.reason for rule in definition.keep]
    return [*keep, _other_rows_reason(definition), NO_ORG, ICB, OUTSIDE, UNKNOWN_PROFESSION, BAD_NUMBER]


def _left_out(
    sheet: _Sheet, reason: pd.Series, definition: SourceDefinition, notices: list[Notice], taken: list[_Taken]
) -> dict[str, int]:
    """Count the rows left out under each reason (in the order they are tested), with a notice for each
    giving examples."""
    excluded: dict[str, int] = {}
    shown = _examples(sheet, taken)
    if when_roles := [role for t in taken for role, _ in t.figure.when if role in sheet.roles]:
        shown[_other_rows_reason(definition)] = sheet.cells(when_roles[0])
    for label in _reason_order(definition):
        hit = reason == label
        if not hit.any():
            continue
        rows = sorted(int(r) for r in sheet.rows[hit])
        excluded[label] = len(rows)
        examples = ""
        if label in shown:
            values = sorted({str(v) for v in shown[label][hit]})[:5]
            examples = f" ({', '.join(repr(v) for v in values)})"
        notices.append(
            Notice(
                rows[0],
                f"{len(rows):,} row(s) left out: {label}{examples}; rows {rows_text(rows)}.",
                tuple(rows),
            )
        )
    return excluded


def _examples(sheet: _Sheet, taken: list[_Taken]) -> dict[str, pd.Series]:
    """The cells quoted as examples for a reason: the organisation, the profession, the figures."""
    shown = {OUTSIDE: sheet.cells("org")}
    if role := next((t.figure.profession for t in taken if t.figure.profession in sheet.roles), None):
        shown[UNKNOWN_PROFESSION] = sheet.cells(role)
    number_roles = list(dict.fromkeys(r for t in taken for r in t.figure.roles))
    if number_roles:
        shown[BAD_NUMBER] = sheet.cells(number_roles[0])
        for role in number_roles[1:]:
            shown[BAD_NUMBER] = shown[BAD_NUMBER] + " / " + sheet.cells(role)
    return shown


def _bad_months(sheet: _Sheet, bad: pd.Series, problems: ProblemLog) -> None:
    """Count every unreadable month; only the first MAX_PROBLEMS become Problem objects."""
    column = sheet.roles["month"]
    problems.count(column, BAD_MONTH, int(bad.sum()))
    first = bad[bad].index[: problems.limit]
    for row, value in zip(sheet.rows[first], sheet.cells("month")[first], strict=True):
        problems.keep(
            Problem(
                int(row),
                column,
                f"The month {value!r} is not a date the importer can read.",
                f"Use the file as published; months read like {PERIOD_FORMATS_TEXT}.",
                BAD_MONTH,
            )
        )


def _published(
    sheet: _Sheet,
    taken: list[_Taken],
    used: pd.Series,
    period: pd.Series,
    trust: pd.Series,
    notices: list[Notice],
) -> pd.DataFrame:
    """The published figures (PUBLISHED_COLUMNS) by KPI, month, trust (after mergers) and profession:
    rows added together, and no value where any of them was suppressed. Rows for all AHPs (no
    profession) are left out: the reconciliation is by profession."""
    frames, all_ahp = [], 0
    for t in taken:
        ok = used & t.takes & t.profession.notna() & ~t.bad_number
        all_ahp += int((ok & (t.profession == "")).sum())
        ok &= t.profession != ""
        if ok.any():
            frames.append(_figure_rows(t, sheet.rows[ok], period[ok], trust[ok]))
    if all_ahp:
        notices.append(
            Notice(
                None,
                f"{all_ahp:,} all-AHP row(s) of the published FTE are not kept: the reconciliation with the "
                "trusts' submissions is by profession.",
            )
        )
    if not frames:
        return pd.DataFrame(columns=PUBLISHED_COLUMNS)
    rows = pd.concat(frames, ignore_index=True)
    keys = ["kpi_code", "period", "trust_code", "profession"]
    grouped = rows.groupby(keys, sort=False, as_index=False).agg(
        value=("value", lambda v: v.sum() if v.notna().all() else float("nan"))
    )
    grouped["period"] = pd.to_datetime(grouped["period"] + "-01").dt.date
    published = grouped.rename(columns={"profession": "profession_code"})[PUBLISHED_COLUMNS]
    suppressed = int(published["value"].isna().sum())
    notices.append(
        Notice(
            None,
            f"{len(published):,} published figure(s) ({', '.join(sorted(published['kpi_code'].unique()))} by "
            "trust and profession) are kept as the publication's, beside what the trusts submitted and "
            "not over it, for the reconciliation on the Data submissions page"
            + (f"; {suppressed:,} of them suppressed in the publication ('*')." if suppressed else "."),
        )
    )
    return published


def _combined(
    sheet: _Sheet,
    ref: ReferenceData,
    taken: list[_Taken],
    used: pd.Series,
    period: pd.Series,
    trust: pd.Series,
    notices: list[Notice],
) -> pd.DataFrame:
    """Template rows: each figure's rows added together by month, trust (after mergers) and profession."""
    frames = []
    for t in taken:
        ok = used & t.takes & t.profession.notna() & ~t.bad_number
        if ok.any():
            frames.append(_figure_rows(t, sheet.rows[ok], period[ok], trust[ok]))
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    keys = ["kpi_code", "period", "trust_code", "profession"]
    grouped = rows.groupby(keys, sort=False, as_index=False).agg(
        row_no=("row_no", "min"), rows=("row_no", "count"),
        value=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum"),
    )  # fmt: skip
    combined = grouped[grouped["rows"] > 1]
    if not combined.empty:
        notices.append(
            Notice(
                int(combined["row_no"].min()),
                f"{int(combined['rows'].sum()):,} rows were added together into {len(combined):,} figure(s) "
                "because they are the same KPI, organisation, month and profession here (care settings and "
                "levels, diagnostic and therapeutic radiographers, or a merged trust's rows joining its "
                "successor's).",
            )
        )
    headcount = combined[combined["kpi_code"].map(lambda k: ref.kpis[k].unit == "people")]
    if not headcount.empty:
        notices.append(
            Notice(
                int(headcount["row_no"].min()),
                f"{len(headcount):,} headcount figure(s) were added up from several rows: a person "
                "counted in two of them (two roles, care settings or merged trusts) counts twice here, "
                "where NHS England's own totals count them once.",
            )
        )
    return _as_template(grouped, {t.figure.kpi: t.figure for t in taken})


def _figure_rows(t: _Taken, rows: pd.Series, period: pd.Series, trust: pd.Series) -> pd.DataFrame:
    def numbers(role: str | None) -> pd.Series:
        return t.numbers[role][rows.index] if role else pd.Series(float("nan"), index=rows.index)

    return pd.DataFrame(
        {
            "kpi_code": t.figure.kpi,
            "period": period.map(lambda p: p.strftime("%Y-%m")),
            "trust_code": trust,
            "profession": t.profession[rows.index],
            "value": numbers(t.figure.value),
            "numerator": numbers(t.figure.numerator),
            "denominator": numbers(t.figure.denominator),
            "row_no": rows,
        }
    )


def _as_template(grouped: pd.DataFrame, figures: dict[str, Figure]) -> pd.DataFrame:
    """The combined figures as text cells, as a template file would have them."""
    is_rate = grouped["kpi_code"].map(lambda k: figures[k].value is None)

    def text(column: str, when: pd.Series) -> pd.Series:
        return grouped[column].map(repr).where(when, "")

    return pd.DataFrame(
        {
            "period": grouped["period"],
            "trust_code": grouped["trust_code"],
            "profession": grouped["profession"],
            "kpi_code": grouped["kpi_code"],
            "value": text("value", ~is_rate),
            "numerator": text("numerator", is_rate),
            "denominator": text("denominator", is_rate),
            "row_no": grouped["row_no"],
        }
    )


__all__ = ["prepare_mapped"]
