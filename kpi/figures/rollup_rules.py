"""The roll-up rules, as SQL, here and only here: which observations count, under which trust, and how
they add up. kpi.figures.queries reads series with them and kpi.figures.rollups stores their result once per
write.

- a ratio KPI rolls up as RATIO_SCALE * sum(numerator) / sum(denominator), never as a mean of rates;
  a sum KPI adds up;
- for one trust and month, figures by profession win over an all-AHP figure when both exist (so a
  trust that sends both is not counted twice); with a profession filter only the chosen professions count;
- data under a merged trust's old code belongs to its successor from the merger date on
  (kpi.reference.membership.successor_of);
- which trust counts in which scope in a month is kpi.reference.membership's rule: a trust counts once in the
  system total in every month it provided C&M services (its system span, whatever the collaboratives),
  and in every collaborative it is a member of in that month; system partners (NWAS) are outside
  collaborative and system totals and appear only when asked for;
- a system-level figure (no trust) is used for the system total only for a KPI and month that has no
  trust figures (some funding KPIs exist only at system level).

A filter field left as None means "no restriction"; an empty tuple means "nothing selected".

Imports nothing from kpi above the models and kpi.reference.membership: kpi.figures.rollups and
kpi.figures.queries build on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from kpi.reference.membership import (
    SUCCESSIONS,
    SYSTEM_CODE,
    in_collaborative,
    in_system,
    membership_at,
    merger_of,
    trust_after_mergers,
)
from kpi.store.models import (
    RATIO_SCALE,
    ImportBatch,
    KPIDefinition,
    Membership,
    Observation,
    Succession,
    TrustMonthRollup,
)

Level = Literal["system", "collaborative", "trust"]
LEVELS: tuple[Level, ...] = ("system", "collaborative", "trust")


@dataclass(frozen=True)
class KPIFilter:
    """What the user selected. None = no restriction; () = nothing selected. `default_period`: the viewer
    chose no period, so each KPI shows its own default months (kpi.reading.window); the period fields
    then hold the sidebar's default and the reads here use them as they are."""

    period_from: dt.date | None = None
    period_to: dt.date | None = None
    collaboratives: tuple[str, ...] | None = None
    trusts: tuple[str, ...] | None = None
    professions: tuple[str, ...] | None = None
    workstreams: tuple[str, ...] | None = None
    kpis: tuple[str, ...] | None = None
    default_period: bool = False

    def selects_nothing(self) -> bool:
        chosen = (self.collaboratives, self.trusts, self.professions, self.workstreams, self.kpis)
        if any(value == () for value in chosen):
            return True
        return bool(self.period_from and self.period_to and self.period_from > self.period_to)

    def but(self, **changes) -> KPIFilter:
        """A copy with some fields changed."""
        return replace(self, **changes)


def relevant_filter(flt: KPIFilter, level: Level) -> KPIFilter:
    """The filter without the fields that cannot change a result at `level`: the system total ignores
    the trust and collaborative choice, a collaborative ignores the trust choice. Used as a cache key,
    so that picking a trust does not recompute the system and collaborative figures."""
    if level == "system":
        return flt.but(trusts=None, collaboratives=None)
    if level == "collaborative":
        return flt.but(trusts=None)
    return flt


# --- building blocks -------------------------------------------------------------------------------

_o = Observation.__table__
_k = KPIDefinition.__table__
_b = ImportBatch.__table__
_s = Succession.__table__
_m = Membership.__table__


def observations(flt: KPIFilter) -> Select:
    """Observation rows in the filter, with the trust they count under after any merger."""
    effective_trust = trust_after_mergers(_o.c.trust_code)
    query = (
        select(
            _o.c.kpi_code,
            _k.c.rollup,
            effective_trust.label("trust_code"),
            _o.c.profession_code,
            _o.c.period,
            _o.c.value,
            _o.c.numerator,
            _o.c.denominator,
            case((_b.c.is_synthetic, 1), else_=0).label("synthetic"),
        )
        .join(_k, _k.c.code == _o.c.kpi_code)
        .join(_b, _b.c.id == _o.c.batch_id)
        .outerjoin(SUCCESSIONS, merger_of(_o.c.trust_code, _o.c.period))
    )
    if flt.period_from:
        query = query.where(_o.c.period >= flt.period_from)
    if flt.period_to:
        query = query.where(_o.c.period <= flt.period_to)
    if flt.kpis is not None:
        query = query.where(_o.c.kpi_code.in_(flt.kpis))
    if flt.workstreams is not None:
        query = query.where(_k.c.workstream_code.in_(flt.workstreams))
    if flt.professions is not None:
        query = query.where(_o.c.profession_code.in_(flt.professions))
    return query


def _profession_rule(profession_code, column):
    """SQL aggregate: the sum over profession rows when there are any, else the all-AHP row."""
    return case(
        (func.count(profession_code) > 0, func.sum(case((profession_code.is_not(None), column)))),
        else_=func.sum(column),
    )


def rolled_up(rows):
    """Sum value, numerator and denominator over `rows`, grouped; the value of a ratio KPI is
    recomputed from the summed numerator and denominator."""
    numerator = func.sum(rows.c.numerator)
    denominator = func.sum(rows.c.denominator)
    value = case(
        (rows.c.rollup == "ratio", literal(RATIO_SCALE) * numerator / func.nullif(denominator, 0)),
        else_=func.sum(rows.c.value),
    )
    return value, numerator, denominator


def _reporting_codes(
    trusts: tuple[str, ...] | None, collaboratives: tuple[str, ...] | None, trust_code=_o.c.trust_code
):
    """SQL condition on `trust_code` (observations' by default) narrowing the scan to rows that can count
    for the chosen trusts or collaboratives: their own codes and the old codes of trusts merged into
    them. A superset; the exact rules are applied after the roll-up. None when nothing narrows the scan."""
    conditions = []
    if trusts is not None:
        merged_in = select(_s.c.old_code).where(_s.c.successor_code.in_(trusts), _s.c.status == "confirmed")
        conditions.append(or_(trust_code.in_(trusts), trust_code.in_(merged_in)))
    if collaboratives is not None:
        members = select(_m.c.trust_code).where(
            _m.c.collaborative_code.in_(collaboratives), _m.c.status == "confirmed"
        )
        merged_in = select(_s.c.old_code).where(_s.c.successor_code.in_(members), _s.c.status == "confirmed")
        conditions.append(or_(trust_code.in_(members), trust_code.in_(merged_in)))
    return and_(*conditions) if conditions else None


_r = TrustMonthRollup.__table__


def _stored(flt: KPIFilter, *, trusts: bool):
    """Rows of the roll-up table (kpi.figures.rollups) in the filter's months, KPIs and workstreams: the trust
    rows, or (trusts=False) the system-level ones. Only without a profession filter: the table holds
    professions already combined."""
    query = select(
        _r.c.kpi_code,
        _r.c.rollup,
        *([_r.c.trust_code] if trusts else []),
        _r.c.period,
        _r.c.value,
        _r.c.numerator,
        _r.c.denominator,
        _r.c.synthetic,
    ).where(_r.c.trust_code.is_not(None) if trusts else _r.c.trust_code.is_(None))
    if flt.period_from:
        query = query.where(_r.c.period >= flt.period_from)
    if flt.period_to:
        query = query.where(_r.c.period <= flt.period_to)
    if flt.kpis is not None:
        query = query.where(_r.c.kpi_code.in_(flt.kpis))
    if flt.workstreams is not None:
        in_streams = select(_k.c.code).where(_k.c.workstream_code.in_(flt.workstreams))
        query = query.where(_r.c.kpi_code.in_(in_streams))
    return query


def _trust_months(flt: KPIFilter, *, narrow: bool = False, raw: bool = False):
    """One row per KPI, trust (after mergers) and month, professions combined by the profession rule:
    from the roll-up table, or computed from the observations (`raw`, or under a profession filter).
    With `narrow`, only rows that can count for the filter's trusts and collaboratives are read."""
    if not raw and flt.professions is None:
        query = _stored(flt, trusts=True)
        condition = _reporting_codes(flt.trusts, flt.collaboratives, _r.c.trust_code) if narrow else None
        return (query if condition is None else query.where(condition)).subquery("trust_months")
    query = observations(flt).where(_o.c.trust_code.is_not(None))
    condition = _reporting_codes(flt.trusts, flt.collaboratives) if narrow else None
    if condition is not None:
        query = query.where(condition)
    base = query.subquery("obs")
    pc = base.c.profession_code
    return (
        select(
            base.c.kpi_code,
            base.c.rollup,
            base.c.trust_code,
            base.c.period,
            _profession_rule(pc, base.c.value).label("value"),
            _profession_rule(pc, base.c.numerator).label("numerator"),
            _profession_rule(pc, base.c.denominator).label("denominator"),
            func.max(base.c.synthetic).label("synthetic"),
        )
        .group_by(base.c.kpi_code, base.c.rollup, base.c.trust_code, base.c.period)
        .subquery("trust_months")
    )


def _system_rows(flt: KPIFilter, *, raw: bool = False):
    """System-level rows (no trust) for KPI-months that have no trust figures: from the roll-up table,
    or computed from the observations (`raw`, or under a profession filter)."""
    if not raw and flt.professions is None:
        return _stored(flt, trusts=False).add_columns(literal(0).label("contributors"))
    base = observations(flt).where(_o.c.trust_code.is_(None)).subquery("sys_obs")
    pc = base.c.profession_code
    trust_figures = _o.alias("trust_obs")
    has_trust_rows = exists().where(
        trust_figures.c.kpi_code == base.c.kpi_code,
        trust_figures.c.period == base.c.period,
        trust_figures.c.trust_code.is_not(None),
    )
    return (
        select(
            base.c.kpi_code,
            base.c.rollup,
            base.c.period,
            _profession_rule(pc, base.c.value).label("value"),
            _profession_rule(pc, base.c.numerator).label("numerator"),
            _profession_rule(pc, base.c.denominator).label("denominator"),
            func.max(base.c.synthetic).label("synthetic"),
            literal(0).label("contributors"),
        )
        .where(~has_trust_rows)
        .group_by(base.c.kpi_code, base.c.rollup, base.c.period)
    )


def rollup_rows(flt: KPIFilter | None = None) -> CompoundSelect:
    """What the roll-up table holds (kpi.figures.rollups), computed from the observations with the rules
    above: every KPI, trust (after mergers) and month with professions combined, and the system-level figures
    of KPI-months with no trust figures (trust_code null); only the KPIs and months of `flt`, given one
    (a write that touched those)."""
    flt = flt or KPIFilter()
    tm = _trust_months(flt, raw=True)
    system = _system_rows(flt, raw=True).subquery("system_rows")
    columns = ("value", "numerator", "denominator", "synthetic")
    return union_all(
        select(tm.c.kpi_code, tm.c.rollup, tm.c.trust_code, tm.c.period, *(tm.c[c] for c in columns)),
        select(
            system.c.kpi_code,
            system.c.rollup,
            literal(None).label("trust_code"),
            system.c.period,
            *(system.c[c] for c in columns),
        ),
    )


def _rollup(rows, scope, contributors, *, per_scope: bool = True) -> Select:
    """One row per KPI, scope and month of `rows`, with the roll-up rules applied. `scope` is a column
    of `rows` to group on, or (per_scope=False) a constant such as the system's code."""
    value, numerator, denominator = rolled_up(rows)
    group_by = [rows.c.kpi_code, rows.c.rollup, rows.c.period, *([scope] if per_scope else [])]
    return select(
        rows.c.kpi_code,
        scope.label("scope_code"),
        rows.c.period,
        value.label("value"),
        numerator.label("numerator"),
        denominator.label("denominator"),
        contributors.label("contributors"),
        func.max(rows.c.synthetic).label("synthetic"),
    ).group_by(*group_by)


def series_query(flt: KPIFilter, level: Level, raw: bool = False) -> Select:
    tm = _trust_months(relevant_filter(flt, level), narrow=level != "system", raw=raw)
    if level == "trust":
        query = _rollup(tm, tm.c.trust_code, func.count())
        if flt.trusts is not None:
            query = query.where(tm.c.trust_code.in_(flt.trusts))
        else:
            query = query.where(in_system(tm.c.trust_code, tm.c.period))
        if flt.collaboratives is not None:
            query = query.where(in_collaborative(tm.c.trust_code, tm.c.period, flt.collaboratives))
        return query

    if level == "collaborative":
        joined = (
            select(tm, _m.c.collaborative_code)
            .join(_m, membership_at(tm.c.trust_code, tm.c.period))
            .subquery("collab_months")
        )
        query = _rollup(joined, joined.c.collaborative_code, func.count())
        if flt.collaboratives is not None:
            query = query.where(joined.c.collaborative_code.in_(flt.collaboratives))
        return query

    # System: the trusts in the system that month once each, plus system-only rows; rolled up together.
    member_rows = select(
        tm.c.kpi_code,
        tm.c.rollup,
        tm.c.period,
        tm.c.value,
        tm.c.numerator,
        tm.c.denominator,
        tm.c.synthetic,
        literal(1).label("contributors"),
    ).where(in_system(tm.c.trust_code, tm.c.period))
    rows = union_all(member_rows, _system_rows(flt, raw=raw)).subquery("system_rows")
    return _rollup(rows, literal(SYSTEM_CODE), func.sum(rows.c.contributors), per_scope=False)
