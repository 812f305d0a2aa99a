"""Synthetic demo data: a seeded, reproducible monthly history for every KPI, from April 2022 to the
last complete month, at each KPI's natural grain.

Every row is written under one import batch marked `is_synthetic`, so the app and every export can
say the data is synthetic. Magnitudes follow trust type and profession mix; there is seasonality
(winter sickness, autumn recruitment of new graduates, summer placement lull) and a few deliberate
signals for the statistics to find:

- CMAST acute and specialist trusts: vacancy rate steps down from September 2024 (improvement shift);
- MHLDC trusts: sickness absence climbs steadily over the last 9 months (concern trend);
- Liverpool University Hospitals (REM): leaver rate steps up from January 2025 (concern shift);
- everyone: a bank and agency spike in December 2023 (a point outside the limits);
- placement uptake improves from April 2025; support workforce grows faster than registered staff.

The ST&T staff-group proxies (STT_SIP_FTE, STT_SIP_HC, STT_SICKNESS_RATE) get figures too, larger than
the AHP ones as the whole staff group is, so that every KPI a page lists has a history; they are as
synthetic as the rest.

Confirmed mergers are modelled as they happen: Southport and Ormskirk (RVY) reports under its own code
until June 2023 and inside RBN after. A planned merger (Bridgewater, RY2, into RWW) is not applied: RY2
keeps reporting under its own code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from kpi.reference.load import read_reference_csv
from kpi.store.batches import DEMO_SOURCE
from kpi.store.db import session_scope
from kpi.store.models import RATIO_SCALE, ImportBatch, Milestone, MilestoneUpdate, Observation

DEMO_START = dt.date(2022, 4, 1)
DEMO_SEED = 20220401
DEMO_USER = "demo data generator"

# Total AHP FTE at the start of the history, per reporting unit (a trust before any merger).
UNIT_SIZE = {
    "RBS": 420, "RJR": 300, "RBT": 260, "RBN": 420, "RJN": 130, "RBQ": 140, "REM": 1100, "REP": 70,
    "REN": 160, "RET": 150, "RWW": 330, "RBL": 360, "RW4": 620, "RXA": 260, "RY2": 210, "RY7": 150,
    "RX7": 1500, "RVY": 220,
}  # fmt: skip

# Profession mix by trust type, with overrides for specialist trusts whose mix is their own.
MIX_BY_TYPE = {
    "Acute": {"PHYSIO": .28, "OT": .14, "RAD": .30, "SLT": .04, "DIET": .07, "ODP": .12, "POD": .02,
              "ORTHOPT": .015, "PO": .005, "PARA": .01, "OSTEO": .005},
    "Children's specialist": {"PHYSIO": .28, "OT": .18, "SLT": .12, "DIET": .10, "RAD": .15, "ODP": .12,
                              "ORTHOPT": .02, "PO": .02, "MUSIC": .01},
    "Mental health": {"OT": .45, "ART": .08, "DRAMA": .05, "MUSIC": .04, "SLT": .10, "PHYSIO": .14,
                      "DIET": .08, "POD": .06},
    "Mental health and community": {"OT": .35, "PHYSIO": .20, "SLT": .12, "POD": .12, "DIET": .08,
                                    "ART": .05, "DRAMA": .03, "MUSIC": .02, "OSTEO": .03},
    "Community": {"PHYSIO": .32, "POD": .22, "SLT": .16, "OT": .18, "DIET": .10, "OSTEO": .02},
    "Ambulance": {"PARA": 1.0},
}  # fmt: skip
MIX_BY_TRUST = {
    "RBQ": {"PHYSIO": .35, "RAD": .30, "ODP": .25, "DIET": .05, "OT": .05},
    "RET": {"PHYSIO": .35, "OT": .25, "SLT": .15, "RAD": .15, "ODP": .10},
    "REN": {"RAD": .75, "DIET": .10, "PHYSIO": .08, "OT": .04, "SLT": .03},
    "REP": {"RAD": .30, "PHYSIO": .30, "ODP": .30, "DIET": .10},
}  # fmt: skip

MIN_PROFESSION_FTE = 2.0  # professions smaller than this in a trust are left out, as in ESR
PROFESSION_KPIS = ("SIP_FTE", "SIP_HC", "ESTAB_FTE", "VACANCY_RATE", "LEAVER_RATE", "SICKNESS_RATE",
                   "SUPPORT_FTE", "BME_SHARE")  # fmt: skip


def last_complete_month(today: dt.date | None = None) -> dt.date:
    """The first day of the month before `today`'s month."""
    today = today or dt.date.today()
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class DemoResult:
    batch_id: int
    observations: int
    first_period: dt.date
    last_period: dt.date


def _unit_table() -> pd.DataFrame:
    """Reporting units with type, collaboratives, and when (and into whom) they merge."""
    trusts = pd.DataFrame(read_reference_csv("trusts"))
    trusts = trusts[trusts["ods_code"].isin(UNIT_SIZE)]
    # Only confirmed facts: a planned merger (Bridgewater into RWW) makes no step in the demo data.
    successions = {r["old_code"]: r for r in read_reference_csv("successions") if r["status"] == "confirmed"}
    members = pd.DataFrame([r for r in read_reference_csv("memberships") if r["status"] == "confirmed"])
    # pandas-stubs wrong: agg may return any object per group (here a set); the stubs allow only
    # scalars. unused-ignore: the project config reads pandas as Any.
    collabs = members.groupby("trust_code")["collaborative_code"].agg(lambda s: set(s))  # type: ignore[type-var, unused-ignore]
    units = trusts[["ods_code", "trust_type"]].copy()
    units["size"] = units["ods_code"].map(UNIT_SIZE).astype(float)
    units["successor"] = units["ods_code"].map(lambda c: successions.get(c, {}).get("successor_code"))
    units["merged_from"] = units["ods_code"].map(lambda c: successions.get(c, {}).get("effective_from"))
    units["collaboratives"] = units["ods_code"].map(lambda c: collabs.get(c, set()))
    return units.reset_index(drop=True)


def _periods(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")


@dataclass(frozen=True)
class _Calendar:
    """The months of the history and the seasonal and signal patterns laid over them."""

    periods: pd.DatetimeIndex
    n: int
    t: np.ndarray
    month: np.ndarray
    years: np.ndarray
    winter: np.ndarray  # extra sickness, percentage points
    autumn_intake: np.ndarray  # vacancy change as new graduates start, percentage points
    since_vacancy_shift: np.ndarray
    last_nine: np.ndarray


def _calendar(start: dt.date, end: dt.date) -> _Calendar:
    periods = _periods(start, end)
    n = len(periods)
    t = np.arange(n)
    month = periods.month.to_numpy()
    return _Calendar(
        periods=periods,
        n=n,
        t=t,
        month=month,
        years=t / 12.0,
        winter=np.where(np.isin(month, [12, 1]), 0.9, np.where(np.isin(month, [11, 2]), 0.45, 0.0)),
        autumn_intake=np.where(np.isin(month, [10, 11]), -1.4, np.where(np.isin(month, [7, 8]), 0.8, 0.0)),
        since_vacancy_shift=periods >= pd.Timestamp(2024, 9, 1),
        last_nine=t >= n - 9,
    )


class _Rows:
    """The demo rows gathered so far, as columns: each `add` is one KPI, unit and profession over every
    month (arrays appended, one frame built at the end: a frame per add cost most of the demo's time)."""

    COLUMNS = ("kpi_code", "unit", "profession_code", "period", "value", "numerator", "denominator")

    def __init__(self, periods: pd.DatetimeIndex) -> None:
        self.periods = periods
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in self.COLUMNS}

    def add(self, kpi: str, unit: str, profession: str | None, value=None, numerator=None, denominator=None):
        n = len(self.periods)
        for name, text in (("kpi_code", kpi), ("unit", unit), ("profession_code", profession)):
            self.parts[name].append(np.full(n, text, dtype=object))
        self.parts["period"].append(self.periods.to_numpy())
        for name, figures in (("value", value), ("numerator", numerator), ("denominator", denominator)):
            column = np.full(n, np.nan) if figures is None else np.asarray(figures, dtype=float)
            self.parts[name].append(np.broadcast_to(column, (n,)))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({name: np.concatenate(parts) for name, parts in self.parts.items()})


def _add_profession(
    rows: _Rows,
    rng: np.random.Generator,
    cal: _Calendar,
    code: str,
    profession: str,
    base: float,
    *,
    acute_cmast: bool,
    mhldc: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The profession-level KPIs of one profession in one unit; returns its FTE and headcount."""
    n, years, periods = cal.n, cal.years, cal.periods
    growth = 1 + 0.02 * years + rng.normal(0, 0.004, n).cumsum() / 4
    fte = np.round(base * growth * (1 + rng.normal(0, 0.01, n)), 1)
    headcount = np.round(fte * rng.uniform(1.12, 1.22))

    vacancy = rng.uniform(7.5, 11.5) + cal.autumn_intake + rng.normal(0, 0.8, n)
    if acute_cmast:
        vacancy = vacancy - 2.2 * cal.since_vacancy_shift
    vacancy = np.clip(vacancy, 0.5, 30) / 100
    establishment = np.round(fte / (1 - vacancy), 1)
    vacant = np.round(establishment - fte, 1)

    leaver_rate = rng.uniform(9, 12.5) + rng.normal(0, 0.5, n)
    if code == "REM":
        leaver_rate = leaver_rate + 2.5 * (periods >= pd.Timestamp(2025, 1, 1))
    leavers = np.round(headcount * leaver_rate / 100)

    sickness = rng.uniform(4.0, 5.2) + cal.winter + rng.normal(0, 0.35, n)
    if mhldc:
        sickness = sickness + np.where(cal.last_nine, 0.18 * (cal.t - (n - 10)), 0.0)
    days_available = np.round(fte * 21.0, 1)
    days_lost = np.round(days_available * np.clip(sickness, 0.5, 20) / 100, 1)

    support = np.round(
        base * rng.uniform(0.15, 0.35) * (1 + 0.045 * years) * (1 + rng.normal(0, 0.015, n)), 1
    )

    known = np.round(headcount * 0.95)
    bme_rate = np.clip(rng.uniform(7, 14) + 0.6 * years + rng.normal(0, 0.6, n), 0, 100) / 100
    bme = np.minimum(np.round(known * bme_rate), known)

    rows.add("SIP_FTE", code, profession, value=fte)
    rows.add("SIP_HC", code, profession, value=headcount)
    rows.add("ESTAB_FTE", code, profession, value=establishment)
    rows.add("VACANCY_RATE", code, profession, numerator=vacant, denominator=establishment)
    rows.add("LEAVER_RATE", code, profession, numerator=leavers, denominator=headcount)
    rows.add("SICKNESS_RATE", code, profession, numerator=days_lost, denominator=days_available)
    rows.add("SUPPORT_FTE", code, profession, value=support)
    rows.add("BME_SHARE", code, profession, numerator=bme, denominator=known)
    return fte, headcount


def _add_staffing(
    rows: _Rows,
    rng: np.random.Generator,
    cal: _Calendar,
    code: str,
    unit_fte: np.ndarray,
    unit_hc: np.ndarray,
) -> None:
    """Bank and agency use (with the December 2023 spike) and the stability index of one unit."""
    n = cal.n
    worked = np.round(unit_fte * 1.06, 1)
    temp_rate = rng.uniform(4.5, 8) + rng.normal(0, 0.4, n) + 4.0 * (cal.periods == pd.Timestamp(2023, 12, 1))
    rows.add(
        "TEMP_STAFF_RATE", code, None, numerator=np.round(worked * temp_rate / 100, 1), denominator=worked
    )

    a_year_ago = np.round(unit_hc * 0.97)
    stability = np.clip(rng.uniform(83, 88) + rng.normal(0, 0.7, n), 50, 99) / 100
    rows.add(
        "STABILITY_INDEX", code, None, numerator=np.round(a_year_ago * stability), denominator=a_year_ago
    )


def _add_education(rows: _Rows, rng: np.random.Generator, cal: _Calendar, code: str, size: float) -> None:
    """Placements, apprentices, preceptorship and advanced practice of one unit."""
    n, month, years = cal.n, cal.month, cal.years
    placement_season = np.where(month == 8, 0.25, np.where(month == 12, 0.5, 1.0))
    offered = np.round(size * 0.22 * placement_season * (1 + 0.03 * years) * (1 + rng.normal(0, 0.06, n)))
    uptake = rng.uniform(84, 89) + 4 * (cal.periods >= pd.Timestamp(2025, 4, 1)) + rng.normal(0, 1.5, n)
    rows.add("PLACEMENT_WEEKS", code, None, value=offered)
    rows.add(
        "PLACEMENT_UPTAKE",
        code,
        None,
        numerator=np.minimum(np.round(offered * uptake / 100), offered),
        denominator=offered,
    )

    intake = np.where(month == 9, size / 120, np.where(month == 1, size / 400, size / 2500))
    rows.add("APPRENTICE_STARTS", code, None, value=rng.poisson(intake).astype(float))

    due = np.maximum(rng.poisson(np.where(np.isin(month, [9, 10, 3]), size / 40, size / 150)), 1)
    rows.add(
        "PRECEPTORSHIP_RATE", code, None, numerator=rng.binomial(due, 0.9).astype(float), denominator=due
    )

    rows.add("ADVANCED_PRACTICE", code, None, value=np.round(size * 0.03 * (1 + 0.12 * years)))


def _add_leadership(
    rows: _Rows, rng: np.random.Generator, cal: _Calendar, code: str, unit_hc: np.ndarray
) -> None:
    """Ethnic minority share at band 7 and above, and a board-level AHP lead, for one unit."""
    n = cal.n
    band7 = np.round(unit_hc * 0.35)
    band7_rate = np.clip(rng.uniform(4, 7) + 0.5 * cal.years + rng.normal(0, 0.5, n), 0, 100) / 100
    rows.add(
        "BME_BAND7_SHARE",
        code,
        None,
        numerator=np.minimum(np.round(band7 * band7_rate), band7),
        denominator=band7,
    )

    lead_from = int(rng.choice([0, 0, 0, 6, 14, 22, 30]))
    has_lead = (cal.t >= lead_from).astype(float)
    rows.add("BOARD_AHP_LEAD", code, None, numerator=has_lead, denominator=np.ones(n))


def _add_unit(rows: _Rows, rng: np.random.Generator, cal: _Calendar, unit) -> None:
    """Every KPI of one reporting unit: each profession in its mix large enough to count, then the
    unit-level KPIs built on their totals."""
    code, size = unit.ods_code, unit.size
    mix = MIX_BY_TRUST.get(code) or MIX_BY_TYPE[unit.trust_type]
    acute_cmast = "CMAST" in unit.collaboratives and unit.trust_type != "Ambulance"
    mhldc = "MHLDC" in unit.collaboratives
    unit_fte = np.zeros(cal.n)
    unit_hc = np.zeros(cal.n)
    for profession, share in mix.items():
        base = size * share
        if base < MIN_PROFESSION_FTE:
            continue
        fte, headcount = _add_profession(
            rows, rng, cal, code, profession, base, acute_cmast=acute_cmast, mhldc=mhldc
        )
        unit_fte += fte
        unit_hc += headcount
    _add_staffing(rows, rng, cal, code, unit_fte, unit_hc)
    _add_education(rows, rng, cal, code, size)
    _add_leadership(rows, rng, cal, code, unit_hc)


def _add_funding(rows: _Rows, rng: np.random.Generator, cal: _Calendar) -> None:
    """System-level funding secured (lumpy, mostly in April and October) and the share of it used so
    far in the financial year."""
    n, month, periods = cal.n, cal.month, cal.periods
    secured = np.where(month == 4, rng.uniform(150_000, 400_000, n), rng.uniform(0, 40_000, n))
    secured = np.where(month == 10, secured + rng.uniform(50_000, 150_000, n), secured)
    secured = np.round(secured, -2)
    financial_year = periods.year - (periods.month < 4)
    secured_fytd = pd.Series(secured).groupby(financial_year).cumsum().to_numpy()
    months_into_fy = ((month - 4) % 12) + 1
    spent_share = np.clip(0.12 + 0.075 * months_into_fy + rng.normal(0, 0.03, n), 0, 1)
    rows.add("FUNDING_SECURED", "", None, value=secured)
    rows.add(
        "FUNDING_UTILISED",
        "",
        None,
        numerator=np.round(secured_fytd * spent_share, -2),
        denominator=secured_fytd,
    )


def _add_proxies(rows: _Rows, rng: np.random.Generator, cal: _Calendar, code: str, size: float) -> None:
    """The ST&T staff-group proxies of one unit (the whole "Scientific, therapeutic & technical staff"
    group: AHPs with healthcare scientists and others, so larger than the AHP figures)."""
    n, years = cal.n, cal.years
    fte = np.round(size * rng.uniform(1.5, 2.0) * (1 + 0.015 * years) * (1 + rng.normal(0, 0.01, n)), 1)
    rows.add("STT_SIP_FTE", code, None, value=fte)
    rows.add("STT_SIP_HC", code, None, value=np.round(fte * rng.uniform(1.12, 1.22)))
    available = np.round(fte * 21.0, 1)
    sickness = np.clip(rng.uniform(3.8, 5.0) + cal.winter + rng.normal(0, 0.3, n), 0.5, 20)
    rows.add(
        "STT_SICKNESS_RATE",
        code,
        None,
        numerator=np.round(available * sickness / 100, 1),
        denominator=available,
    )


def generate_observations(
    end: dt.date, *, start: dt.date = DEMO_START, seed: int = DEMO_SEED
) -> pd.DataFrame:
    """The demo history as a tidy frame: kpi_code, trust_code, profession_code, period, value,
    numerator, denominator. Same arguments, same frame.

    One random generator is drawn from in a fixed order (units in table order, each unit's
    professions, then its unit-level KPIs; funding last): reordering the steps changes the data. The
    ST&T proxies draw from a second generator, so adding them left the AHP figures as they were."""
    rng = np.random.default_rng(seed)
    cal = _calendar(start, end)
    units = _unit_table()
    rows = _Rows(cal.periods)
    for unit in units.itertuples():
        _add_unit(rows, rng, cal, unit)
    _add_funding(rows, rng, cal)
    proxy_rng = np.random.default_rng(seed + 1)
    for unit in units.itertuples():
        _add_proxies(rows, proxy_rng, cal, cast(str, unit.ods_code), cast(float, unit.size))
    raw = rows.frame()
    return _report_under_successors(raw, units)


def _report_under_successors(raw: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Give each row the code it would be reported under, merging rows of merged trusts."""
    merged = units.dropna(subset=["successor"])
    raw["trust_code"] = raw["unit"]
    for unit in merged.itertuples():
        # From the reference CSVs: text codes and an ISO date.
        after = (raw["unit"] == unit.ods_code) & (raw["period"] >= pd.Timestamp(cast(str, unit.merged_from)))
        raw.loc[after, "trust_code"] = cast(str, unit.successor)
    keys = ["kpi_code", "trust_code", "profession_code", "period"]
    out = (
        raw.groupby(keys, dropna=False, sort=True)[["value", "numerator", "denominator"]]
        .sum(min_count=1)
        .reset_index()
    )
    ratio = out["denominator"].notna()
    out.loc[ratio, "value"] = (
        RATIO_SCALE * out.loc[ratio, "numerator"] / out.loc[ratio, "denominator"]
    ).round(4)
    out["trust_code"] = out["trust_code"].replace("", None)
    out["period"] = out["period"].dt.date
    return out[[*keys, "value", "numerator", "denominator"]]


def _records(frame: pd.DataFrame, batch_id: int) -> list[dict]:
    """The frame's rows as dicts for an INSERT, missing values (NaN) as None (column lists, not to_dict: a
    third of the time)."""
    columns = [
        [None if value != value else value for value in frame[name].tolist()] for name in frame.columns
    ]
    names = [*frame.columns, "batch_id"]
    return [dict(zip(names, (*values, batch_id), strict=True)) for values in zip(*columns, strict=True)]


def _frame_sha256(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()


def _milestone(status: str, rag: str, forecast: dt.date, completed: dt.date | None, notes: str) -> dict:
    return {"status": status, "rag": rag, "forecast_due": forecast, "completed_on": completed, "notes": notes}


# A mix of statuses, as a programme a few years in would have.
DEMO_MILESTONES = {
    "M1": _milestone("complete", "blue", dt.date(2022, 9, 30), dt.date(2022, 8, 15),
                     "Post recruited on a fixed-term contract."),
    "M2": _milestone("complete", "blue", dt.date(2023, 5, 31), dt.date(2023, 5, 10),
                     "Two months late: data-sharing agreements with trusts took longer than planned."),
    "M3": _milestone("off track", "red", dt.date(2027, 1, 31), None,
                     "Integration with the ICS digital workstream paused while its scope is reset."),
    "M4": _milestone("at risk", "amber", dt.date(2026, 12, 31), None,
                     "Rolling programme; the education and EDI workstreams are behind plan."),
    "M5": _milestone("complete", "blue", dt.date(2024, 2, 29), dt.date(2024, 2, 20),
                     "Business case approved by the programme board."),
    "M6": _milestone("on track", "green", dt.date(2027, 3, 31), None,
                     "Report outline agreed; data collection under way."),
}  # fmt: skip


def load_demo(engine: Engine, *, end: dt.date | None = None, seed: int = DEMO_SEED) -> DemoResult:
    """Replace any earlier demo data with a fresh synthetic history (one transaction).

    Refuses when the database holds real (non-synthetic) observations: demo figures must never be
    mixed with real ones."""
    end = end or last_complete_month()
    frame = generate_observations(end, seed=seed)
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        real = s.scalar(
            select(func.count())
            .select_from(Observation)
            .join(ImportBatch, ImportBatch.id == Observation.batch_id)
            .where(ImportBatch.is_synthetic.is_(False))
        )
        if real:
            raise ValueError(
                f"The database holds {real:,} real observations; demo data is only loaded into a database "
                "without real data. Use a separate database for the demo (set KPI_DATABASE_URL)."
            )
        old_batches = select(ImportBatch.id).where(ImportBatch.source == DEMO_SOURCE)
        s.execute(delete(Observation).where(Observation.batch_id.in_(old_batches)))
        s.execute(delete(ImportBatch).where(ImportBatch.source == DEMO_SOURCE))
        batch = ImportBatch(
            file_name=f"synthetic demo data (seed {seed})",
            sha256=_frame_sha256(frame),
            source=DEMO_SOURCE,
            is_synthetic=True,
            rows_in_file=len(frame),
            rows_added=len(frame),
            rows_changed=0,
            rows_skipped=0,
            imported_by=DEMO_USER,
            imported_at=now,
            status="applied",
            notes="SYNTHETIC DEMO DATA: generated, not real trust figures.",
        )
        s.add(batch)
        s.flush()
        rows = _records(frame, batch.id)
        for chunk in range(0, len(rows), 20_000):
            s.execute(insert(Observation), rows[chunk : chunk + 20_000])

        for code, fields in DEMO_MILESTONES.items():
            milestone = s.get(Milestone, code)
            if milestone is None:
                continue
            for field, new in fields.items():
                old = getattr(milestone, field)
                if old != new:
                    s.add(
                        MilestoneUpdate(
                            milestone_code=code,
                            changed_at=now,
                            changed_by=DEMO_USER,
                            field=field,
                            old_value=None if old is None else str(old),
                            new_value=None if new is None else str(new),
                        )
                    )
                    setattr(milestone, field, new)
            milestone.is_synthetic = True
            milestone.updated_at = now
            milestone.updated_by = DEMO_USER
    return DemoResult(
        batch_id=batch.id,
        observations=len(frame),
        first_period=frame["period"].min(),
        last_period=frame["period"].max(),
    )
