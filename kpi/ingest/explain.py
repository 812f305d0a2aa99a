"""Notices that say what the dashboard makes of rows a reader could misread, so that nothing in a file is
used differently from how it reads without the preview and the import's notes saying so:

- a figure for a combined group of professions (the arts therapists, which NHS Workforce Statistics
  reports as one "Art/Music/Drama Therapist" role) is kept as that group, never as one of its professions;
- where a trust has an all-AHP figure and figures by profession for the same KPI and month (in the file, or
  one in the file and the other already in the database), totals use the profession figures: the roll-up
  rule of kpi.figures.queries that keeps anyone from counting twice. The all-AHP figure is stored, not
  counted.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from kpi.ingest import tables
from kpi.ingest.lookups import ReferenceData
from kpi.ingest.problems import Notice, rows_text
from kpi.words.formats import month_label

_o = tables.observations


def group_notices(records: pd.DataFrame, ref: ReferenceData) -> list[Notice]:
    """One notice per combined profession group the records hold figures for."""
    notices = []
    for code, combined in ref.profession_groups.items():
        figures = records.loc[records["profession_code"] == code, "row"]
        if figures.empty:
            continue
        rows = sorted({int(r) for r in figures})
        professions = [ref.profession_names.get(c, c).lower() for c in combined]
        listed = (
            ", ".join(professions[:-1]) + " and " + professions[-1]
            if len(professions) > 1
            else professions[0]
        )
        notices.append(
            Notice(
                rows[0],
                f"{len(figures):,} figure(s) are for {ref.profession_names.get(code, code)} ({code}): the "
                f"file does not split them into {listed}, so they are kept as the group. They count in every "
                f"all-AHP total and under the group, never under one of its professions. Rows "
                f"{rows_text(rows)}.",
                tuple(rows),
            )
        )
    return notices


def _stored_kinds(conn: Connection, keys: pd.DataFrame) -> pd.DataFrame:
    """For the file's KPI, trust and month keys: whether the database holds an all-AHP figure (`all`) and
    figures by profession (`by_profession`) for each."""
    query = (
        select(_o.c.kpi_code, _o.c.trust_code, _o.c.period, _o.c.profession_code)
        .where(_o.c.kpi_code.in_(sorted(keys["kpi_code"].unique())))
        .where(_o.c.trust_code.in_(sorted(keys["trust_code"].unique())))
        .where(_o.c.period.in_(sorted(keys["period"].unique())))
    )
    stored = pd.DataFrame(
        conn.execute(query).fetchall(), columns=["kpi_code", "trust_code", "period", "profession"]
    )
    if stored.empty:
        return pd.DataFrame(columns=["kpi_code", "trust_code", "period", "all", "by_profession"])
    stored["period"] = pd.to_datetime(stored["period"]).dt.date
    stored = stored.assign(all=stored["profession"].isna(), by_profession=stored["profession"].notna())
    return stored.groupby(["kpi_code", "trust_code", "period"], as_index=False)[
        ["all", "by_profession"]
    ].any()


def all_ahp_beside_professions(conn: Connection, records: pd.DataFrame, ref: ReferenceData) -> Notice | None:
    """The notice for every KPI, trust and month with an all-AHP figure and figures by profession, where
    the file brings at least one of them (None when there is none): which was used, and the file's rows."""
    by_trust = records[records["trust_code"] != ""]
    if by_trust.empty:
        return None
    keys = ["kpi_code", "trust_code", "period"]
    in_file = by_trust.assign(
        all=by_trust["profession_code"] == "", by_profession=by_trust["profession_code"] != ""
    )
    found = in_file.groupby(keys, as_index=False)[["all", "by_profession"]].any()
    stored = _stored_kinds(conn, found[keys])
    both = found.merge(stored, on=keys, how="left", suffixes=("", "_stored"))
    for kind in ("all", "by_profession"):
        both[f"{kind}_stored"] = both[f"{kind}_stored"].astype("boolean").fillna(False).astype(bool)
    has_all = both["all"] | both["all_stored"]
    has_professions = both["by_profession"] | both["by_profession_stored"]
    clash = both[has_all & has_professions]
    if clash.empty:
        return None
    rows = sorted({int(r) for r in in_file.merge(clash[keys], on=keys)["row"]})
    only_file = bool((clash["all"] & clash["by_profession"]).all())
    first = clash.sort_values(keys).iloc[0]
    kpi = ref.kpis[first["kpi_code"]].name if first["kpi_code"] in ref.kpis else first["kpi_code"]
    return Notice(
        rows[0],
        f"{len(clash):,} KPI, trust and month(s) have both an all-AHP figure and figures by profession "
        + ("in this file" if only_file else "(in this file, or one here and the other already imported)")
        + f", e.g. {kpi} for {first['trust_code']} in {month_label(first['period'])}. Totals use the "
        "profession figures (the roll-up rule, so that nobody counts twice); the all-AHP figure is kept but "
        f"not counted while they exist. Rows {rows_text(rows)}.",
        tuple(rows),
    )
