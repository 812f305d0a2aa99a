"""The reconciliation of what trusts submitted with what NHS Workforce Statistics published: for one
month, each trust (after mergers) and profession, the submitted AHP FTE (SIP_FTE observations, not from
a publication's import), the published one (kpi.figures.published), the difference and a flag where they
differ
by more than the tolerance: more than 5% of the published figure *and* more than 2 FTE, so that neither a
rounding difference at a large trust nor one person at a small one is flagged.

Arts therapists: where the publication gives the group (ARTS, "Art/Music/Drama Therapist"), a trust's
submitted art, music and drama therapists are added together under the group to be compared with it.
The Data submissions page and `python -m kpi export reconciliation` both write `reconciliation_csv`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from kpi.exports import tables as export
from kpi.figures import published, queries
from kpi.figures.completeness import read_frame
from kpi.ingest.sources import load_definitions
from kpi.reference import membership
from kpi.store.models import ImportBatch, Observation

KPI_CODE = "SIP_FTE"
TOLERANCE_SHARE = 0.05  # of the published figure
TOLERANCE_FTE = 2.0
TOLERANCE_WORDS = "more than 5% and more than 2 FTE"
DIFFERS = "Differs by more than 5% and 2 FTE"
WITHIN = "Within tolerance"
NOT_SUBMITTED = "Not submitted"
NOT_PUBLISHED = "Not in the publication"
SUPPRESSED = "Suppressed in the publication"
COLUMNS = ["Trust code", "Profession", "Submitted FTE", "Published FTE", "Difference", "Flag"]
DECIMALS = 2

_o = Observation.__table__
_b = ImportBatch.__table__


def publication_sources() -> list[str]:
    """The ids of the sources whose figures are publications' (a [[published]] figure)."""
    return [d.id for d in load_definitions() if d.published]


def submitted(engine: Engine, period: dt.date) -> pd.DataFrame:
    """The trusts' own AHP FTE by trust (after mergers) and profession for the month: trust_code,
    profession_code, value, synthetic. Figures a publication's import wrote are not submissions."""
    trust = membership.trust_after_mergers(_o.c.trust_code).label("trust_code")  # the one merger rule
    query = (
        select(trust, _o.c.profession_code, _o.c.period, _o.c.value, _b.c.is_synthetic)
        .join(_b, _b.c.id == _o.c.batch_id)
        .outerjoin(membership.SUCCESSIONS, membership.merger_of(_o.c.trust_code, _o.c.period))
        .where(
            _o.c.kpi_code == KPI_CODE,
            _o.c.period == period,
            _o.c.trust_code.is_not(None),
            _o.c.profession_code.is_not(None),
            _b.c.source.not_in(publication_sources()),
        )
    )
    frame = read_frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=["trust_code", "profession_code", "value", "synthetic"])
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    return frame.groupby(["trust_code", "profession_code"], as_index=False).agg(
        value=("value", "sum"), synthetic=("is_synthetic", "any")
    )


def _as_groups(submitted_rows: pd.DataFrame, published_rows: pd.DataFrame, groups: dict[str, list[str]]):
    """Submitted professions folded into a group the publication gives (ARTS), so the two compare."""
    given = set(published_rows["profession_code"])
    member_of = {m: g for g, members in groups.items() if g in given for m in members}
    if not member_of:
        return submitted_rows
    folded = submitted_rows.assign(
        profession_code=submitted_rows["profession_code"].map(lambda c: member_of.get(c, c))
    )
    return folded.groupby(["trust_code", "profession_code"], as_index=False).agg(
        value=("value", "sum"), synthetic=("synthetic", "any")
    )


def flag(submitted_fte: float, published_fte: float, in_publication: bool) -> str:
    """The flag of one row (NaN: no figure on that side)."""
    if not in_publication:
        return NOT_PUBLISHED
    if pd.isna(published_fte):
        return SUPPRESSED
    if pd.isna(submitted_fte):
        return NOT_SUBMITTED
    difference = abs(submitted_fte - published_fte)
    beyond = difference > TOLERANCE_FTE and difference > TOLERANCE_SHARE * abs(published_fte)
    return DIFFERS if beyond else WITHIN


def reconciliation(engine: Engine, period: dt.date) -> pd.DataFrame:
    """One row per trust and profession with a figure on either side: trust_code, profession_code,
    profession, submitted, published, difference (submitted - published), flag, synthetic."""
    professions = queries.professions(engine)
    groups = {
        str(row.code): str(row.combines).split()
        for row in professions.itertuples()
        if isinstance(row.combines, str) and row.combines.strip()
    }
    pub = published.in_force(engine, KPI_CODE, period)[["trust_code", "profession_code", "value"]]
    sub = _as_groups(submitted(engine, period), pub, groups)
    both = sub.rename(columns={"value": "submitted"}).merge(
        pub.rename(columns={"value": "published"}).assign(in_publication=True),
        on=["trust_code", "profession_code"],
        how="outer",
    )
    if both.empty:
        return pd.DataFrame(
            columns=["trust_code", "profession_code", "profession", "submitted", "published", "difference",
                     "flag", "synthetic"]
        )  # fmt: skip
    both["in_publication"] = both["in_publication"].astype("boolean").fillna(False).astype(bool)
    both["synthetic"] = both["synthetic"].astype("boolean").fillna(False).astype(bool)
    both["submitted"] = pd.to_numeric(both["submitted"]).astype(float)
    both["published"] = pd.to_numeric(both["published"]).astype(float)
    both["difference"] = both["submitted"] - both["published"]
    both["flag"] = [
        flag(s, p, i)
        for s, p, i in zip(both["submitted"], both["published"], both["in_publication"], strict=True)
    ]
    names = professions.set_index("code")
    both["profession"] = both["profession_code"].map(names["name"])
    both["order"] = both["profession_code"].map(names["sort_order"])
    ordered = both.sort_values(["trust_code", "order"], ignore_index=True)
    return ordered.drop(columns=["order", "in_publication"])


def reconciliation_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The table the page shows and the CSV holds (COLUMNS; a 'Synthetic data' column too when any
    submitted figure is synthetic)."""
    table = pd.DataFrame(
        {
            "Trust code": frame["trust_code"],
            "Profession": frame["profession"],
            "Submitted FTE": export.round_column(frame["submitted"], DECIMALS),
            "Published FTE": export.round_column(frame["published"], DECIMALS),
            "Difference": export.round_column(frame["difference"], DECIMALS),
            "Flag": frame["flag"],
        },
        columns=COLUMNS,
    )
    if frame["synthetic"].astype(bool).any():
        table[export.SYNTHETIC_COLUMN] = (
            frame["synthetic"].astype(bool).map({True: export.YES, False: export.NO})
        )
    return table


def reconciliation_csv(frame: pd.DataFrame) -> bytes:
    """The reconciliation as the CSV file the page downloads and the command line writes."""
    return export.csv_bytes(reconciliation_table(frame))


def flagged_count(frame: pd.DataFrame) -> int:
    return int((frame["flag"] == DIFFERS).sum())


def headline(frame: pd.DataFrame, month: str) -> str:
    """'Mar 2025: 2 of 10 figures differ by more than 5% and more than 2 FTE; 1 not submitted; ...'."""
    counts = frame["flag"].value_counts()
    parts = [
        f"{month}: {counts.get(DIFFERS, 0):,} of {len(frame):,} trust and profession figures differ by "
        f"{TOLERANCE_WORDS}"
    ]
    for flag_words in (NOT_SUBMITTED, NOT_PUBLISHED, SUPPRESSED):
        if count := counts.get(flag_words, 0):
            parts.append(f"{count:,} {flag_words[0].lower()}{flag_words[1:]}")
    return "; ".join(parts) + "."


def shown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the page shows it: the figures as text to two places ('1,204.50', the difference
    signed), '–' where a side has no figure (rather than a blank a reader could take for nought)."""
    table = reconciliation_table(frame)

    def text(values: pd.Series, signed: bool = False) -> pd.Series:
        return values.map(lambda v: "–" if pd.isna(v) else f"{v:+,.2f}" if signed else f"{v:,.2f}")

    return table.assign(
        **{
            "Submitted FTE": text(table["Submitted FTE"]),
            "Published FTE": text(table["Published FTE"]),
            "Difference": text(table["Difference"], signed=True),
        }
    )


__all__ = [
    "COLUMNS",
    "DIFFERS",
    "NOT_PUBLISHED",
    "NOT_SUBMITTED",
    "SUPPRESSED",
    "TOLERANCE_WORDS",
    "WITHIN",
    "flag",
    "flagged_count",
    "headline",
    "reconciliation",
    "reconciliation_csv",
    "reconciliation_table",
    "shown_table",
    "submitted",
]
