"""Files that leave the dashboard: tidy CSV that any tool reads as it is, opens cleanly in Excel, and
cannot smuggle formulas.

- the header is the first line and there is one row per figure: `pandas.read_csv(file)` and Excel's
  Data > From Text read it without skipping anything;
- figures are numbers, rounded to the KPI's precision (`KPI.decimals`), never formatted text: a change
  is a signed number with its reading ('better', 'worse', ...) in a column of its own;
- provenance is columns in every row, not a preamble or a second sheet: scope, the filters
  (professions, trusts, collaborative, period), source, data as at and whether the data is synthetic,
  so that rows keep it when a file is filtered, sorted or pasted into another;
- UTF-8 with a byte-order mark, so Excel shows £, é and ’ correctly;
- a cell starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe, so a
  spreadsheet shows it as text instead of running it as a formula (OWASP "CSV injection");
  plain negative numbers are numbers, not text, and are left alone.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from kpi.figures import provisional
from kpi.reading import Change, Reading
from kpi.reading.grid import Cell, kpi_order
from kpi.reading.tables import by_priority
from kpi.reading.targets import Target, target_at
from kpi.reference.catalogue import KPI
from kpi.selection.labels import FilterWords
from kpi.words.formats import change_reading, month_key

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
SYNTHETIC_COLUMN = "Synthetic data"
YES, NO = "yes", "no"
# Whether a figure's month is provisional (too few of the expected trusts reported), and how many did.
PROVISIONAL_COLUMNS = ["provisional", "trusts_reported", "trusts_expected"]
TRUE, FALSE = "true", "false"
COUNT_DECIMALS = 2  # numerators and denominators: FTE and counts, kept to 2 places at least


@dataclass(frozen=True)
class Provenance:
    """Where a table's figures come from, written into every row of its CSV."""

    scope: str = ""
    filters: FilterWords | None = None
    source: str = ""
    data_as_at: str = ""
    synthetic: bool = False

    def columns(self) -> dict[str, str]:
        """Column name to value, in file order: scope, filters, source, data as at, synthetic."""
        columns: dict[str, str] = {}
        if self.scope:
            columns["Scope"] = self.scope
        if self.filters is not None:
            columns.update(self.filters.columns())
        if self.source:
            columns["Source"] = self.source
        if self.data_as_at:
            columns["Data as at"] = self.data_as_at
        columns[SYNTHETIC_COLUMN] = YES if self.synthetic else NO
        return columns


def neutralise_cell(value: object) -> object:
    """Make a text cell safe for spreadsheets; numbers and plain text pass unchanged."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def _safe(frame: pd.DataFrame, provenance: Provenance | None) -> pd.DataFrame:
    """The frame with its provenance columns and every text cell neutralised (no formula injection)."""
    safe = frame.copy()
    if provenance is not None:
        for column, value in provenance.columns().items():
            if column not in safe.columns:
                safe[column] = value
            else:  # a per-row column: rows without a value of their own take the table's
                blank = safe[column].isna() | (safe[column] == "")
                safe[column] = safe[column].where(~blank, value)
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            # cell by cell, keeping the column's objects: a figure column of ints and floats stays as
            # it is, so 312 prints as 312 and 7.4 as 7.4
            cells = [neutralise_cell(value) for value in safe[column]]
            safe[column] = pd.Series(cells, index=safe.index, dtype=object)
    return safe


def csv_bytes(frame: pd.DataFrame, *, provenance: Provenance | None = None) -> bytes:
    """The frame as tidy, Excel-friendly, injection-safe CSV bytes (UTF-8 with BOM): the header first,
    then the rows, each carrying the provenance columns (a column the frame already has, such as a
    per-row 'Scope' or 'Synthetic data', is kept as the frame has it)."""
    safe = _safe(frame, provenance)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return buffer.getvalue().encode("utf-8-sig")


def rounded(value: Any, decimals: int) -> float | int | None:
    """A figure rounded to `decimals` places without float noise (1528.3999999999999 -> 1528.4), a
    whole number as an int, -0.0 as 0; None for no figure."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    number = round(float(value), decimals) + 0.0
    return int(number) if decimals <= 0 else number


def round_column(values: pd.Series, decimals: int) -> pd.Series:
    """A column of figures rounded to `decimals` places: whole numbers as integers (Int64, empty for
    no figure), otherwise floats."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float).round(decimals) + 0.0
    return numbers.astype("Int64") if decimals <= 0 else numbers


def _yes_no(flags: pd.Series) -> pd.Series:
    return flags.fillna(False).astype(bool).map({True: YES, False: NO})


def _count_decimals(kpi: KPI) -> int:
    return max(kpi.decimals, COUNT_DECIMALS)


def _figure_columns(rows: pd.DataFrame, kpi: KPI) -> dict[str, Any]:
    """Month, value (to the KPI's precision), unit, numerator and denominator (to at least two places)."""
    return {
        "Month": rows["period"].dt.strftime("%Y-%m"),
        "Value": round_column(rows["value"], kpi.decimals),
        "Unit": kpi.unit,
        "Numerator": round_column(rows["numerator"], _count_decimals(kpi)),
        "Denominator": round_column(rows["denominator"], _count_decimals(kpi)),
    }


def _with_synthetic(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The synthetic flag of each row, where the rows carry one."""
    if "synthetic" in rows:
        frame[SYNTHETIC_COLUMN] = _yes_no(rows["synthetic"])
    return frame.reset_index(drop=True)


def _completeness(row: Mapping[str, Any] | pd.Series | None) -> dict[str, object]:
    """provisional (true/false), trusts_reported and trusts_expected of one figure's row (empty for a
    KPI without a figure)."""
    if row is None:
        return dict.fromkeys(PROVISIONAL_COLUMNS)
    return {
        "provisional": TRUE if bool(row.get("provisional", False)) else FALSE,
        "trusts_reported": _count(row.get("contributors")),
        "trusts_expected": _count(row.get("expected")),
    }


def _count(value: object) -> int | None:
    # a count once None and NaN are out; int() is typed for numbers and text, not object
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _with_completeness(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's provisional flag and trusts reporting of those expected, where the rows carry them."""
    if "provisional" not in rows:
        return frame
    flags = provisional.flags(rows).to_numpy()
    frame["provisional"] = [TRUE if flag else FALSE for flag in flags]
    frame["trusts_reported"] = pd.array(rows["contributors"].to_numpy(), dtype="Int64")
    frame["trusts_expected"] = pd.array(rows["expected"].to_numpy(), dtype="Int64")
    return frame


def chart_table(
    series: pd.DataFrame,
    kpi: KPI,
    scope_names: Mapping[str, str],
    annotations: pd.DataFrame | None = None,
    targets: Mapping[str, tuple[Target, ...]] | None = None,
) -> pd.DataFrame:
    """The rows behind a KPI chart, as people read them: one row per scope and month; the value to the
    KPI's precision, numerator and denominator to at least two places; with `targets` (each scope's
    target steps, kpi.reading.targets), the target in force for that scope and month; with
    `annotations` (the KPI's, columns scope_code, period, text), an Annotation column with the month's
    events for that scope."""
    frame = pd.DataFrame(
        {
            "KPI code": series["kpi_code"],
            "KPI": kpi.name,
            "Scope code": series["scope_code"],
            "Scope": series["scope_code"].map(lambda c: scope_names.get(c, c)),
            **_figure_columns(series, kpi),
        }
    )
    if targets:
        frame["Target"] = [
            _number(target_at(targets[scope], pd.Timestamp(period)).value) if scope in targets else None
            for scope, period in zip(series["scope_code"], series["period"], strict=True)
        ]
    if annotations is not None and not annotations.empty:
        frame["Annotation"] = [
            _annotation_text(annotations, scope, period)
            for scope, period in zip(series["scope_code"], series["period"], strict=True)
        ]
    return _with_synthetic(_with_completeness(frame, series), series)


SPC_POINT_WORDS = {
    "common_cause": "common cause",
    "improvement": "special cause improvement",
    "concern": "special cause concern",
    "neither": "special cause neither",
    "ghost": "ghost",
}


def _point_type(point: pd.Series | None, chart_type: str) -> str:
    """A point's type as the chart draws it: 'special cause concern (high)', 'common cause', 'ghost',
    'provisional, left out'; the kind of figure for a trend."""
    if point is None:
        return "provisional, left out"
    if chart_type == "trend":
        return "trend (no SPC rules)"
    kind = point["point_type"]
    words = SPC_POINT_WORDS.get(str(kind), "") if kind is not None else ""
    if point["signal_side"] in ("high", "low") and kind not in ("common_cause", "ghost"):
        words += f" ({point['signal_side']})"
    return words


def spc_chart_table(
    reading: Reading, scope_names: Mapping[str, str], annotations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The rows behind an SPC chart, carrying the chart itself: each month's value (numerator and
    denominator), the segment, mean, lower and upper process limits it was read against, its point type
    ('special cause improvement (high)', 'ghost', 'provisional, left out'), whether it is in the
    baseline, and the target in force; with `annotations`, the month's events."""
    kpi, result = reading.kpi, reading.result
    rows = reading.rows
    frame = chart_table(rows, kpi, scope_names, annotations, {reading.scope_code: reading.target_steps})
    if result is None:
        return frame
    points = result.points.assign(period=reading.dates).set_index("period")
    # One point per month (the index is unique), so .loc gives a row.
    found = [
        cast(pd.Series, points.loc[month]) if month in points.index else None
        for month in pd.DatetimeIndex(rows["period"])
    ]
    finer = kpi.decimals + 1
    lines = {"Segment": "segment", "Mean": "mean", "Lower process limit": "lpl", "Upper process limit": "upl"}
    for column, name in lines.items():
        values = [None if point is None else point[name] for point in found]
        frame[column] = (
            pd.array([None if v is None else int(v) + 1 for v in values], dtype="Int64")
            if column == "Segment"
            else round_column(pd.Series(values, dtype=float), finer)
        )
    frame["Point type"] = [_point_type(point, result.chart_type) for point in found]
    frame["Baseline"] = [YES if point is not None and bool(point["baseline"]) else NO for point in found]
    return frame


def _annotation_text(annotations: pd.DataFrame, scope: str, period: pd.Timestamp) -> str:
    """The annotations of one scope's month (its own and every-scope ones), joined with '; '."""
    month = pd.Timestamp(period)
    mine = annotations[
        (pd.DatetimeIndex(annotations["period"]) == month)
        & (annotations["scope_code"].isna() | (annotations["scope_code"] == scope))
    ]
    return "; ".join(mine["text"])


def profession_table(
    breakdown: pd.DataFrame, kpi: KPI, profession_names: Mapping[str, str], scope: str
) -> pd.DataFrame:
    """The rows behind a by-profession chart: one row per profession and month."""
    frame = pd.DataFrame(
        {
            "KPI code": kpi.code,
            "KPI": kpi.name,
            "Scope": scope,
            "Profession code": breakdown["profession_code"],
            "Profession": breakdown["profession_code"].map(lambda c: profession_names.get(c, c)),
            **_figure_columns(breakdown, kpi),
        }
    )
    return _with_synthetic(frame, breakdown)


def _number(value: float | None) -> float | int | None:
    """A target as a number: 100 for a whole number, 7.5 otherwise; None without one."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _month(period: pd.Timestamp | None) -> str:
    return "" if period is None or pd.isna(period) else month_key(period)


def _change(value: float, earlier: float, kpi: KPI) -> tuple[float | int | None, str]:
    """A change as a number at the KPI's precision and its reading ('better', 'worse', 'no change',
    'higher', 'lower'; '' with nothing to compare)."""
    if pd.isna(value) or pd.isna(earlier):
        return None, ""
    delta = float(value) - float(earlier)
    return rounded(delta, kpi.decimals), change_reading(delta, kpi.improvement, kpi.decimals)


SCORECARD_EXPORT_COLUMNS = [
    "Workstream",
    "KPI code",
    "KPI",
    "Month",
    "Value",
    "Unit",
    "Target",
    "Target from",
    "Previous month",
    "Change on previous month",
    "Reading on previous month",
    "Same month last year",
    "Change on same month last year",
    "Reading on same month last year",
    *PROVISIONAL_COLUMNS,
    "Source",
    SYNTHETIC_COLUMN,
]


def _target_columns(reading: Reading) -> dict[str, object]:
    """The target in force at the reading's month as a number, and the month a lead's dated target took
    effect ('' for the catalogue's)."""
    return {
        "Target": _number(reading.target.value),
        "Target from": _month(reading.target.since) if reading.target.since is not None else "",
    }


def _change_columns(change: Change | None, kpi: KPI, month: str, delta: str, said: str) -> dict[str, object]:
    if change is None or not change.reading:
        return {month: "", delta: None, said: ""}
    return {month: _month(change.month), delta: rounded(change.delta, kpi.decimals), said: change.reading}


def scorecard_table(readings: Iterable[Reading], workstream_names: Mapping[str, str]) -> pd.DataFrame:
    """The Overview's KPI summary as figures: one row per reading (catalogue order, KPIs without data
    too), the latest value and the target in force as numbers, each change as a signed number at the
    KPI's precision (percentage points for % KPIs) with its reading in words in its own column, and
    whether the month is provisional with the trusts reporting of those expected."""
    rows = []
    for reading in readings:
        kpi = reading.kpi
        row: dict[str, object] = {
            "Workstream": workstream_names.get(kpi.workstream_code, kpi.workstream_code),
            "KPI code": kpi.code,
            "KPI": kpi.name,
            "Unit": kpi.unit,
            **_target_columns(reading),
            "Source": kpi.source,
        }
        if reading.latest is not None:
            row |= {
                "Month": _month(reading.month),
                "Value": rounded(reading.value, kpi.decimals),
                **_change_columns(
                    reading.previous,
                    kpi,
                    "Previous month",
                    "Change on previous month",
                    "Reading on previous month",
                ),
                **_change_columns(
                    reading.last_year,
                    kpi,
                    "Same month last year",
                    "Change on same month last year",
                    "Reading on same month last year",
                ),
                **_completeness(reading.latest),
                SYNTHETIC_COLUMN: YES if bool(reading.latest.get("synthetic", False)) else NO,
            }
        rows.append(row)
    return _figures_frame(rows, SCORECARD_EXPORT_COLUMNS)


def _figures_frame(rows: list[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    """Rows to a frame; figure columns hold ints (for whole-number KPIs) and floats side by side, so
    each prints at its own precision ('312' and '7.4'), and read back as one numeric column."""
    return pd.DataFrame(
        {column: pd.Series([row.get(column) for row in rows], dtype=object) for column in columns}
    )


SUMMARY_EXPORT_COLUMNS = [
    "KPI code",
    "KPI",
    "Month",
    "Value",
    "Unit",
    "Target",
    "Target from",
    "Variation",
    "Variation (in words)",
    "Assurance",
    "Assurance (in words)",
    "Reading",
    "Suggested recalculation",
    "Points",
    *PROVISIONAL_COLUMNS,
    "Source",
]


def summary_table(readings: Iterable[Reading]) -> pd.DataFrame:
    """The Making Data Count summary as figures, concerns first (as the app's summary): the latest value
    as a number, the target in force as a number, variation and assurance as codes and in words, the
    reading, the suggested recalculation month (YYYY-MM, '' for none), and whether the month is
    provisional with the trusts reporting of those expected."""
    rows = []
    for reading in by_priority(readings):
        kpi = reading.kpi
        rows.append(
            {
                "KPI code": kpi.code,
                "KPI": kpi.name,
                "Month": _month(reading.month),
                "Value": None if reading.value is None else rounded(reading.value, kpi.decimals),
                "Unit": kpi.unit,
                **_target_columns(reading),
                "Variation": reading.variation or "",
                "Variation (in words)": reading.variation_label,
                "Assurance": reading.assurance or "",
                "Assurance (in words)": reading.assurance_label,
                "Reading": reading.sentence,
                "Suggested recalculation": _month(reading.suggestion.period) if reading.suggestion else "",
                "Points": 0 if reading.result is None else reading.result.n_points,
                **_completeness(reading.latest),
                "Source": kpi.source,
            }
        )
    return _figures_frame(rows, SUMMARY_EXPORT_COLUMNS)


RANKING_EXPORT_COLUMNS = [
    "Rank",
    "Trust",
    "ODS code",
    "Collaboratives",
    "KPI code",
    "KPI",
    "Month",
    "Value",
    "Unit",
    "Numerator",
    "Denominator",
    "System value",
    "Difference from system",
    "Reading against system",
]


def ranking_table(ranking: pd.DataFrame, kpi: KPI, system_value: float | None, month: str) -> pd.DataFrame:
    """The trust ranking as figures: each trust's value and its difference from the system as numbers
    at the KPI's precision, the reading against the system ('better', 'worse', 'same') in words."""
    system = rounded(system_value, kpi.decimals) if system_value is not None else None
    differences = [
        _change(value, system_value, kpi) if system_value is not None else (None, "")
        for value in ranking["value"]
    ]
    frame = pd.DataFrame(
        {
            "Rank": ranking["rank"].astype(int),
            "Trust": ranking["trust"],
            "ODS code": ranking["ods_code"],
            "Collaboratives": ranking["collaboratives"].replace("–", ""),
            "KPI code": kpi.code,
            "KPI": kpi.name,
            "Month": month,
            "Value": round_column(ranking["value"], kpi.decimals),
            "Unit": kpi.unit,
            "Numerator": round_column(ranking["numerator"], _count_decimals(kpi)),
            "Denominator": round_column(ranking["denominator"], _count_decimals(kpi)),
            "System value": system,
            "Difference from system": [difference for difference, _ in differences],
            "Reading against system": [
                "same" if reading == "no change" else reading for _, reading in differences
            ],
        },
        columns=RANKING_EXPORT_COLUMNS,
    )
    frame["Difference from system"] = round_column(frame["Difference from system"], kpi.decimals)
    if system is None:
        frame["System value"] = None
    return frame.reset_index(drop=True)


GRID_COLUMNS = [
    "KPI code",
    "KPI",
    "Workstream",
    "Scope code",
    "Scope",
    "Month",
    "Value",
    "Unit",
    "Target",
    "Variation",
    "Variation (in words)",
    "Assurance",
    "Assurance (in words)",
    "Provisional",
    "Stale",
    "Reviewed",
    "Needs attention",
    "Reading",
]
YES, NO = "yes", "no"


def grid_table(
    grid: Mapping[tuple[str, str], Cell],
    kpis: Mapping[str, KPI],
    scopes: Sequence[str],
    workstream_names: Mapping[str, str],
) -> pd.DataFrame:
    """The board's grid (kpi.reading.grid) as one row per KPI and scope, needing attention first: what
    each cell's reading says, the icons as codes and in words in columns of their own, so that it
    pivots back into the grid (the CSV, the XLSX and `python -m kpi export matrix`)."""
    rows = []
    for code in kpi_order(grid, list(kpis)):
        kpi = kpis[code]
        for scope in scopes:
            cell = grid.get((code, scope))
            if cell is None:
                continue
            reading = cell.reading
            rows.append(
                {
                    "KPI code": code,
                    "KPI": kpi.name,
                    "Workstream": workstream_names.get(kpi.workstream_code, kpi.workstream_code),
                    "Scope code": scope,
                    "Scope": reading.scope_name,
                    "Month": month_key(reading.month) if reading.month is not None else "",
                    "Value": None if reading.value is None else rounded(reading.value, kpi.decimals),
                    "Unit": kpi.unit,
                    "Target": reading.target.value,
                    "Variation": reading.variation or "",
                    "Variation (in words)": reading.variation_label,
                    "Assurance": reading.assurance or "",
                    "Assurance (in words)": reading.assurance_label,
                    "Provisional": YES if reading.is_provisional or reading.provisional_note else NO,
                    "Stale": YES if reading.stale else NO,
                    "Reviewed": "" if cell.reviewed is None else (YES if cell.reviewed else NO),
                    "Needs attention": "; ".join(cell.reasons()),
                    "Reading": reading.sentence,
                }
            )
    return pd.DataFrame(rows, columns=GRID_COLUMNS)


def grid_pivot(long: pd.DataFrame, column: str = "Value") -> pd.DataFrame:
    """The long table back into the grid: KPIs as rows, scopes as columns, `column` in the cells (what a
    pivot table in Excel gives)."""
    return long.pivot(index="KPI code", columns="Scope code", values=column)


def grid_xlsx(long: pd.DataFrame, title: str, *, provenance: Provenance | None = None) -> bytes:
    """The grid as an Excel workbook: 'Grid' (one row per KPI and scope, the CSV's columns and rows,
    ready for a pivot table) and 'Values' (KPIs by organisation, the latest figures), the title above
    each; text cells neutralised as in the CSV."""
    safe = _safe(long, provenance)
    wide = long.pivot_table(
        index=["KPI code", "KPI"], columns="Scope", values="Value", aggfunc="first", sort=False
    )
    wide = wide[[name for name in dict.fromkeys(long["Scope"]) if name in wide.columns]]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        safe.to_excel(book, sheet_name="Grid", index=False, startrow=1)
        wide.to_excel(book, sheet_name="Values", startrow=1)
        for sheet in book.sheets.values():
            sheet["A1"] = str(neutralise_cell(title))
    return buffer.getvalue()
