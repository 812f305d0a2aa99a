"""The workforce plan's assumptions and scenarios: the shipped values in `data/reference/` (CSV, reviewed
like code) and the lead's edits and saved scenarios in the database.

Assumptions are system-level (C&M) values per profession, parameter and financial year ('2027/28') or
'all' years; `plan_assumptions.csv` holds an 'all' row for every profession and parameter, each with its
source ('local estimate (assumption)' where no published figure stands behind it). The lead sets a value
for (profession, parameter, year or 'all') with a reason; each edit is a row with the value before and
after, who and when, never deleted, so the newest row of a key is in force and the rows are its history.
Setting None puts the shipped value back (as a new row).

Scenarios: 'Baseline' (no changes), the shipped ones in `plan_scenarios.csv`, and those the lead saves
(unique names, who and when). A scenario naming a parameter the model does not have is refused.

Only the workforce lead writes (`kpi.access.auth.require_lead`); writes go through
`kpi.store.db.session_scope`, so the data version goes up and every page's cache follows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd
from sqlalchemy import Engine, select

from kpi.access.auth import User, require_lead
from kpi.notes.common import NoteError, clean_text, now
from kpi.plan.model import BASELINE, BASELINE_SCENARIO, PlanError, Scenario, UnknownName
from kpi.reference.load import REFERENCE_DIR, ReferenceDataError, read_reference_csv
from kpi.store.db import session_scope
from kpi.store.models import PlanAssumptionChange, PlanScenario, Profession
from kpi.words.text import clean_code

ASSUMPTIONS_CSV = REFERENCE_DIR / "plan_assumptions.csv"
SCENARIOS_CSV = REFERENCE_DIR / "plan_scenarios.csv"
ALL_YEARS = "all"
REASON_LIMIT = 300
NAME_LIMIT = 80
DESCRIPTION_LIMIT = 300
ASSUMPTION_COLUMNS = ["profession", "parameter", "year", "value", "unit", "source", "note"]
CURRENT_COLUMNS = [*ASSUMPTION_COLUMNS, "reference_value", "changed_by", "changed_at", "reason"]
HISTORY_COLUMNS = ["id", "profession", "parameter", "year", "old_value", "new_value", "reason",
                   "changed_by", "changed_at"]  # fmt: skip
_FINANCIAL_YEAR = re.compile(r"(\d{4})/(\d{2})")


@dataclass(frozen=True)
class Parameter:
    """An assumption the lead can set: its words, unit, allowed range, whether it can differ by
    financial year, and whether it is a count that scales with a scope's share of the system."""

    name: str
    words: str
    unit: str
    low: float
    high: float
    by_year: bool = True
    scales: bool = False


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        Parameter("graduates", "graduates from local programmes", "people a year", 0, 5000, scales=True),
        Parameter("uptake_pct", "share of those graduates taking C&M jobs", "%", 0, 100),
        Parameter("training_attrition_pct", "attrition during training", "%", 0, 100),
        Parameter("international", "international recruits", "people a year", 0, 2000, scales=True),
        Parameter("returners", "returners to practice", "people a year", 0, 2000, scales=True),
        Parameter(
            "nhs_joiner_rate_pct", "joiners from other NHS organisations", "% of staff in post a year", 0, 50
        ),
        Parameter(
            "outside_joiner_rate_pct", "joiners from outside the NHS", "% of staff in post a year", 0, 50
        ),
        Parameter(
            "leavers_to_nhs_pct", "share of leavers going to other NHS organisations", "%", 0, 100, False
        ),
        Parameter("cm_move_rate_pct", "moves between C&M trusts", "% of staff in post a year", 0, 50, False),
        Parameter("demand_growth_pct", "demand growth of the establishment", "% a year", -10, 20, False),
        Parameter("inflow_spread_pct", "spread of inflows in the uncertainty runs", "%", 0, 100, False),
        Parameter("apprentice_course_years", "apprenticeship length", "years", 1, 6, False),
    )
}


#: Parameters with one value for the whole horizon (ProfessionInputs fields that are not schedules).
SINGLE_VALUES = ("demand_growth_pct", "inflow_spread_pct", "leavers_to_nhs_pct", "cm_move_rate_pct")


class AssumptionFileError(ReferenceDataError):
    """A shipped assumptions or scenarios file has a value that cannot be used (file, row, column)."""


def financial_year_ok(year: str) -> bool:
    """'2027/28' (consecutive years) is a financial year; so is nothing else."""
    match = _FINANCIAL_YEAR.fullmatch(year)
    return match is not None and (int(match.group(1)) + 1) % 100 == int(match.group(2))


def _known_professions(professions: Iterable[str] | None) -> set[str]:
    if professions is not None:
        return set(professions)
    return {row["code"] for row in read_reference_csv("professions") if not row["combines"]}


def _check_value(parameter: str, text: object) -> float:
    """The value as a number within the parameter's range (ValueError saying what is wrong)."""
    spec = PARAMETERS[parameter]
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{value:g} is outside {spec.low:g} to {spec.high:g} ({spec.unit}) for {parameter}")
    return value


def _check_year(parameter: str, year: str) -> str:
    if year != ALL_YEARS and not financial_year_ok(year):
        raise ValueError(f"expected 'all' or a financial year such as 2027/28, got {year!r}")
    if year != ALL_YEARS and not PARAMETERS[parameter].by_year:
        raise ValueError(f"{parameter} is one value for all years: use 'all'")
    return year


def _check_row(raw: Mapping[str, str], known: set[str]) -> dict[str, object]:
    """One CSV row checked column by column; raises (column, message)."""
    row: dict[str, object] = {c: (raw.get(c) or "").strip() for c in ASSUMPTION_COLUMNS}
    checks = (
        ("profession", lambda v: v if v in known else _fail(f"unknown profession code {v!r}")),
        ("parameter", lambda v: v if v in PARAMETERS else _fail(f"unknown parameter {v!r}")),
        ("year", lambda v: _check_year(str(row["parameter"]), v)),
        ("value", lambda v: _check_value(str(row["parameter"]), v)),
        ("source", lambda v: v or _fail("say where the value comes from, or 'local estimate'")),
    )
    for column, check in checks:
        try:
            row[column] = check(str(row[column]))
        except ValueError as exc:
            raise _RowProblem(column, str(exc)) from None
    return row


class _RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _fail(message: str) -> str:
    raise ValueError(message)


def reference_assumptions(
    path: Path = ASSUMPTIONS_CSV, professions: Iterable[str] | None = None
) -> pd.DataFrame:
    """The shipped assumptions, checked: known profession codes (`professions`, default the reference
    list), known parameters, 'all' or a financial year, numbers in range, a source on every row, no key
    twice, and an 'all' row for every profession and parameter. A bad row raises AssumptionFileError
    naming the file, row and column."""
    known = _known_professions(professions)
    rows, seen = [], set()
    with path.open(encoding="utf-8", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                row = _check_row(raw, known)
            except _RowProblem as exc:
                raise AssumptionFileError(f"{path.name} row {line}, column {exc.column}: {exc}") from None
            key = (row["profession"], row["parameter"], row["year"])
            if key in seen:
                raise AssumptionFileError(f"{path.name} row {line}: {'/'.join(map(str, key))} appears twice")
            seen.add(key)
            rows.append(row)
    missing = [f"{c} {p}" for c in sorted(known) for p in PARAMETERS if (c, p, ALL_YEARS) not in seen]
    if missing:
        raise AssumptionFileError(f"{path.name}: no 'all' row for {', '.join(missing[:5])}")
    return pd.DataFrame(rows, columns=ASSUMPTION_COLUMNS)


# --- the lead's edits -------------------------------------------------------------------------------


def _edits(engine: Engine) -> pd.DataFrame:
    c = PlanAssumptionChange.__table__
    query = select(
        c.c.id, c.c.profession_code.label("profession"), c.c.parameter, c.c.year, c.c.old_value,
        c.c.new_value, c.c.reason, c.c.changed_by, c.c.changed_at,
    ).order_by(c.c.id)  # fmt: skip
    with engine.connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame([tuple(r) for r in result], columns=HISTORY_COLUMNS)
    frame["changed_at"] = pd.to_datetime(frame["changed_at"], utc=True)
    return frame


def assumption_history(engine: Engine, profession: str | None = None) -> pd.DataFrame:
    """Every edit of an assumption, newest first (HISTORY_COLUMNS; new_value empty: back to the shipped
    value)."""
    frame = _edits(engine).sort_values("id", ascending=False, ignore_index=True)
    return frame if profession is None else frame[frame["profession"] == profession].reset_index(drop=True)


def current_assumptions(engine: Engine, path: Path = ASSUMPTIONS_CSV) -> pd.DataFrame:
    """The assumptions in force: the shipped rows with the lead's newest edit of each key applied (and
    keys the lead added, such as one financial year). CURRENT_COLUMNS: reference_value is the shipped
    value (empty for an added key); an edited row's source says who set it, when and why."""
    shipped = reference_assumptions(path).assign(reference_value=lambda f: f["value"])
    latest = _edits(engine).groupby(["profession", "parameter", "year"], sort=False).tail(1)
    merged = shipped.merge(latest, on=["profession", "parameter", "year"], how="outer")
    edited = merged["new_value"].notna()
    merged["value"] = merged["new_value"].where(edited, merged["reference_value"])
    merged["unit"] = merged["parameter"].map(lambda p: PARAMETERS[p].unit)
    merged["note"] = merged["note"].fillna("")
    set_by = [
        f"set by {who} on {when:%d/%m/%Y}: {why}" if pd.notna(when) else ""
        for who, when, why in zip(merged["changed_by"], merged["changed_at"], merged["reason"], strict=True)
    ]
    merged["source"] = pd.Series(set_by, index=merged.index).where(edited, merged["source"])
    for column in ("changed_by", "changed_at", "reason"):
        merged[column] = merged[column].where(edited)
    merged = merged[merged["value"].notna()]
    return merged[CURRENT_COLUMNS].sort_values(["profession", "parameter", "year"], ignore_index=True)


def _checked_key(engine: Engine, profession: str, parameter: str, year: str) -> tuple[str, str, str]:
    """(profession code, parameter, year) as stored; NoteError naming the field that is wrong."""
    code = clean_code(profession)
    with engine.connect() as conn:
        if conn.execute(select(Profession.code).where(Profession.code == code)).first() is None:
            raise NoteError("profession", f"There is no profession with the code {profession!r}.")
    if parameter not in PARAMETERS:
        known = ", ".join(PARAMETERS)
        raise NoteError("parameter", f"There is no assumption {parameter!r}; there are {known}.")
    try:
        return code, parameter, _check_year(parameter, str(year).strip())
    except ValueError as exc:
        raise NoteError("year", f"The year is not usable: {exc}.") from None


def in_force(engine: Engine, profession: str, parameter: str, year: str) -> tuple[float | None, str]:
    """The value in force for (profession, parameter, year) and its source: the year's own row, else
    the 'all' row (what the projection uses for that year); (None, '') for an unknown key."""
    rows = current_assumptions(engine)
    mine = rows[(rows["profession"] == profession) & (rows["parameter"] == parameter)]
    for wanted in (year, ALL_YEARS):
        match = mine[mine["year"] == wanted]
        if not match.empty:
            label = "" if wanted == year else " (the value for all years)"
            return float(match["value"].iloc[0]), str(match["source"].iloc[0]) + label
    return None, ""


def _in_force(engine: Engine, key: tuple[str, str, str]) -> tuple[float | None, bool]:
    """The key's value in force (None if it has none) and whether the lead's edit set it."""
    rows = current_assumptions(engine)
    match = rows[(rows["profession"] == key[0]) & (rows["parameter"] == key[1]) & (rows["year"] == key[2])]
    if match.empty:
        return None, False
    return float(match["value"].iloc[0]), bool(match["changed_by"].notna().iloc[0])


def set_assumption(
    engine: Engine,
    user: User,
    profession: str,
    parameter: str,
    year: str,
    value: float | None,
    reason: str,
) -> int:
    """Set (profession, parameter, year or 'all') to `value`, or with None back to the shipped value,
    keeping the value before in the history. Refused (NoteError, nothing written) for an unknown key, a
    value out of range, no reason, or a value that changes nothing (the one in force; None when the
    shipped value is in force). Returns the edit's id."""
    require_lead(user, "change a workforce-plan assumption")
    key = _checked_key(engine, profession, parameter, year)
    if value is not None:
        try:
            value = _check_value(parameter, value)
        except ValueError as exc:
            raise NoteError("value", f"The value is not usable: {exc}.") from None
    why = clean_text("reason", reason, REASON_LIMIT)
    old, edited = _in_force(engine, key)
    if value is None and not edited:
        raise NoteError("value", "That is the shipped value already: nothing to put back.")
    if value is not None and value == old:
        raise NoteError("value", f"{value:g} is the value in force already: enter a different value to save.")
    with session_scope(engine) as s:
        edit = PlanAssumptionChange(
            profession_code=key[0], parameter=key[1], year=key[2], old_value=old, new_value=value,
            reason=why, changed_at=now(), changed_by=user.email,
        )  # fmt: skip
        s.add(edit)
        s.flush()
        return edit.id


# --- scenarios ---------------------------------------------------------------------------------------


def _scenario_from(name: str, changes: str, description: str, professions: str) -> Scenario:
    try:
        parsed = json.loads(changes or "{}")
    except json.JSONDecodeError as exc:
        raise PlanError(f"the changes are not JSON ({exc.msg})") from None
    if not isinstance(parsed, dict):
        raise PlanError('the changes must be a JSON object such as {"leaver_rate_pts": -2}')
    codes = tuple(clean_code(c) for c in professions.split(",") if c.strip()) or None
    return Scenario(name.strip(), parsed, description.strip(), codes)


def shipped_scenarios(path: Path = SCENARIOS_CSV, professions: Iterable[str] | None = None) -> list[Scenario]:
    """The named scenarios shipped in `plan_scenarios.csv`, checked (AssumptionFileError names the
    row and column of a bad one: an unknown parameter, a bad number or profession, a name twice)."""
    known = _known_professions(professions)
    scenarios: list[Scenario] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name} row {line}"
            if not (raw.get("name") or "").strip():
                raise AssumptionFileError(f"{where}, column name: a scenario needs a name")
            try:
                text = {c: raw.get(c) or "" for c in ("name", "changes", "description", "professions")}
                scenario = _scenario_from(**text)
            except PlanError as exc:
                raise AssumptionFileError(f"{where}, column changes: {exc}") from None
            if set(scenario.professions or ()) - known:
                raise AssumptionFileError(f"{where}, column professions: unknown profession code")
            if scenario.name.lower() in {s.name.lower() for s in [BASELINE_SCENARIO, *scenarios]}:
                raise AssumptionFileError(f"{where}, column name: {scenario.name!r} appears twice")
            scenarios.append(scenario)
    return scenarios


def scenario_records(engine: Engine) -> pd.DataFrame:
    """The scenarios the lead saved, oldest first: name, description, changes (JSON), professions,
    created_by, created_at."""
    t = PlanScenario.__table__
    columns = ["name", "description", "changes", "professions", "created_by", "created_at"]
    with engine.connect() as conn:
        rows = conn.execute(select(*(t.c[c] for c in columns)).order_by(t.c.id)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def all_scenarios(engine: Engine) -> list[Scenario]:
    """Baseline, the shipped scenarios, then those the lead saved (oldest first)."""
    saved = [
        _scenario_from(
            cast(str, r.name), cast(str, r.changes), cast(str, r.description), cast(str, r.professions)
        )
        for r in scenario_records(engine).itertuples()
    ]
    return [BASELINE_SCENARIO, *shipped_scenarios(), *saved]


def scenarios_named(engine: Engine, names: Sequence[str]) -> list[Scenario]:
    """The scenarios with these names (any case), in the order given; UnknownName lists the known."""
    known = {s.name.lower(): s for s in all_scenarios(engine)}
    missing = [name for name in names if name.strip().lower() not in known]
    if missing:
        listed = ", ".join(s.name for s in known.values())
        raise UnknownName(f"There is no scenario {missing[0]!r}; there are: {listed}.")
    return [known[name.strip().lower()] for name in names]


def save_scenario(
    engine: Engine,
    user: User,
    name: str,
    changes: Mapping[str, float],
    description: str = "",
    professions: Sequence[str] | None = None,
) -> int:
    """Save a named scenario (name unique among Baseline, the shipped and the saved ones, any case).
    Refused (NoteError, nothing written) for an unknown parameter or profession, a repeated name or no
    changes."""
    require_lead(user, "save a workforce-plan scenario")
    title = clean_text("name", name, NAME_LIMIT)
    words = clean_text("description", description, DESCRIPTION_LIMIT, required=False)
    if not changes:
        raise NoteError("changes", "A scenario needs at least one change.")
    codes = tuple(clean_code(p) for p in professions) if professions else None
    try:
        scenario = Scenario(title, dict(changes), words, codes)
    except PlanError as exc:
        raise NoteError("changes", str(exc)) from None
    if title.lower() in {s.name.lower() for s in all_scenarios(engine)}:
        raise NoteError("name", f"There is already a scenario called {title!r}; choose another name.")
    with session_scope(engine) as s:
        for code in codes or ():
            if s.get(Profession, code) is None:
                raise NoteError("professions", f"There is no profession with the code {code!r}.")
        row = PlanScenario(
            name=title, description=words, changes=json.dumps(scenario.changes),
            professions=",".join(codes or ()), created_at=now(), created_by=user.email,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def month_years(first: dt.date | pd.Timestamp, months: int) -> list[str]:
    """The financial year ('2026/27') of each of `months` months from `first`."""
    stamps = pd.date_range(pd.Timestamp(first), periods=months, freq="MS")
    return [f"{y}/{str(y + 1)[-2:]}" for y in (s.year if s.month >= 4 else s.year - 1 for s in stamps)]


__all__ = [
    "ALL_YEARS",
    "ASSUMPTIONS_CSV",
    "BASELINE",
    "PARAMETERS",
    "SCENARIOS_CSV",
    "SINGLE_VALUES",
    "AssumptionFileError",
    "Parameter",
    "all_scenarios",
    "assumption_history",
    "current_assumptions",
    "financial_year_ok",
    "in_force",
    "month_years",
    "reference_assumptions",
    "save_scenario",
    "scenario_records",
    "scenarios_named",
    "set_assumption",
    "shipped_scenarios",
]
