"""A larger SYNTHETIC database for benchmarks (`python -m kpi demo --rows N`): after the demo history,
synthetic member trusts (codes ZB000, ZB001, ...; in CMAST and MHLDC in turn) reporting every KPI,
profession and month of ten years, until the database holds about N observations, so the queries see
the row counts a large system would have. One synthetic import batch, source "benchmark", written
through session_scope (the roll-ups and the data version follow in the same transaction)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert

from kpi.figures import queries
from kpi.reference.load import read_reference_csv
from kpi.store.db import session_scope
from kpi.store.models import ImportBatch, Membership, Observation, Trust

SOURCE = "benchmark"
MONTHS = 120
_OBSERVATION_FIELDS = (
    "kpi_code", "trust_code", "profession_code", "period", "value", "numerator", "denominator", "batch_id"
)  # fmt: skip


def add_benchmark_rows(engine: Engine, target: int, end: dt.date, seed: int) -> int:
    """Add synthetic trusts until about `target` observations; returns how many were added (0 when the
    database already holds that many)."""
    kpis = read_reference_csv("kpis")
    professions = [row["code"] for row in read_reference_csv("professions")]
    keys = [(k["code"], p) for k in kpis if k["grain"] == "trust_profession" for p in professions]
    keys += [(k["code"], None) for k in kpis if k["grain"] == "trust"]
    ratio = {k["code"] for k in kpis if k["rollup"] == "ratio"}
    months = pd.date_range(pd.Timestamp(end) - pd.DateOffset(months=MONTHS - 1), end, freq="MS").date
    missing = target - queries.observation_counts(engine).total
    if missing <= 0:
        return 0
    trusts = max(1, missing // (len(months) * len(keys)))
    rng = np.random.default_rng(seed)
    added = 0
    with session_scope(engine) as s:
        conn = s.connection()
        batch = _open_batch(conn)
        for index in range(trusts):
            code = _add_trust(conn, index)
            rows = _trust_rows(code, keys, months, ratio, rng, batch)
            conn.execute(insert(Observation), rows)
            added += len(rows)
    return added


def _open_batch(conn: Connection) -> int:
    return conn.execute(
        insert(ImportBatch).returning(ImportBatch.id),
        {"file_name": SOURCE, "sha256": "0" * 64, "source": SOURCE, "is_synthetic": True, "rows_in_file": 0,
         "rows_added": 0, "rows_changed": 0, "rows_skipped": 0, "imported_by": SOURCE,
         "imported_at": dt.datetime.now(dt.UTC), "status": "applied", "notes": "SYNTHETIC benchmark rows"},
    ).scalar_one()  # fmt: skip


def _add_trust(conn: Connection, index: int) -> str:
    code = f"ZB{index:03d}"
    conn.execute(
        insert(Trust),
        {"ods_code": code, "name": f"Benchmark trust {index} (synthetic)", "short_name": code,
         "trust_type": "Acute", "role": "member", "notes": "synthetic benchmark trust", "in_system": True,
         "system_source": "synthetic benchmark trust: in the system throughout"},
    )  # fmt: skip
    conn.execute(
        insert(Membership),
        {"trust_code": code, "collaborative_code": ("CMAST", "MHLDC")[index % 2],
         "valid_from": dt.date(2000, 1, 1), "valid_to": None, "notes": "",
         "source": "synthetic benchmark trust"},
    )  # fmt: skip
    return code


def _trust_rows(code, keys, months, ratio, rng, batch) -> list[dict]:
    """Every KPI and profession of one trust over `months`: a level with 5 % monthly noise; a ratio
    KPI keeps a numerator at most its denominator."""
    rows = []
    for kpi, profession in keys:
        base = rng.uniform(5, 200)
        values = base * (1 + rng.normal(0, 0.05, len(months)))
        for month, value in zip(months, values, strict=True):
            if kpi in ratio:
                denominator = round(base * 10, 1)
                numerator = round(min(denominator, abs(value)), 1)
                figures = (100 * numerator / denominator, numerator, denominator)
            else:
                figures = (round(abs(value), 1), None, None)
            rows.append(
                dict(zip(_OBSERVATION_FIELDS, (kpi, code, profession, month, *figures, batch), strict=True))
            )
    return rows
