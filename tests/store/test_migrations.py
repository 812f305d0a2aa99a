"""Alembic: an empty database upgrades to head and downgrades back to nothing; the migrations and
the models describe the same schema."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, select, update
from sqlalchemy import column as sa_column
from sqlalchemy.exc import IntegrityError

from kpi.store.db import downgrade, get_engine, migrate, schema_is_current, table_names
from kpi.store.models import Base
from tests.conftest import add_observations


def test_upgrade_empty_database_to_head_and_downgrade_to_nothing(empty_database_url):
    engine = get_engine(empty_database_url)
    assert not schema_is_current(engine)
    migrate(engine)
    assert schema_is_current(engine)
    assert set(Base.metadata.tables) <= table_names(engine)
    downgrade(engine, "base")
    assert table_names(engine) <= {"alembic_version"}
    migrate(engine)
    assert schema_is_current(engine)
    engine.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(empty_database_url):
    engine = get_engine(empty_database_url)
    migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Expression indexes cannot be reflected on every backend, so alembic may report them; nothing else.
    assert [
        d
        for d in differences
        if not (d[0] in {"add_index", "remove_index"} and d[1].name == "uq_observations_key")
    ] == []
    engine.dispose()


def test_observation_key_is_unique_even_with_no_trust_or_profession(engine):
    add_observations(engine, [("FUNDING_SECURED", None, None, "2024-01", 1.0, None, None)])
    with pytest.raises(IntegrityError):
        add_observations(engine, [("FUNDING_SECURED", None, None, "2024-01", 2.0, None, None)])


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_accumulation_migration_keeps_the_data_and_marks_the_accumulating_kpis(empty_database_url):
    """0002 adds kpi_definitions.accumulation to a database that holds observations (on SQLite a batch
    copy of the table would fail on the foreign keys) and marks the rolling and year-to-date KPIs."""
    engine = get_engine(empty_database_url)
    migrate(engine, "0001")
    meta = MetaData()
    tables = {name: Table(name, meta, autoload_with=engine) for name in
              ("workstreams", "kpi_definitions", "import_batches", "observations")}  # fmt: skip
    kpi = {"workstream_code": "RET", "unit": "%", "improvement": "down", "rollup": "ratio",
           "numerator_definition": "", "denominator_definition": "", "definition": "", "source": "",
           "frequency": "monthly", "conflict_rule": "concern", "grain": "trust", "decimals": 1,
           "sort_order": 1}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(tables["workstreams"]), {"code": "RET", "name": "Retention", "description": "",
                                                     "sort_order": 1})  # fmt: skip
        conn.execute(insert(tables["kpi_definitions"]), [
            {**kpi, "code": "LEAVER_RATE", "name": "Leaver rate"},
            {**kpi, "code": "SICKNESS_RATE", "name": "Sickness absence rate"},
        ])  # fmt: skip
        batch = conn.execute(insert(tables["import_batches"]).returning(tables["import_batches"].c.id), {
            "file_name": "f.csv", "sha256": "0" * 64, "source": "test", "is_synthetic": False,
            "rows_in_file": 1, "rows_added": 1, "rows_changed": 0, "rows_skipped": 0,
            "imported_by": "pytest", "status": "applied", "notes": "",
        }).scalar_one()  # fmt: skip
        observation = {"kpi_code": "LEAVER_RATE", "period": dt.date(2026, 1, 1), "value": 10.0}
        conn.execute(insert(tables["observations"]), {**observation, "batch_id": batch})
    migrate(engine)
    kpis = Table("kpi_definitions", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(kpis.c.code, kpis.c.accumulation)).all())
    assert rows == {"LEAVER_RATE": "rolling_12_months", "SICKNESS_RATE": "monthly"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(kpis).where(kpis.c.code == "SICKNESS_RATE").values(accumulation="weekly"))
    downgrade(engine, "0001")
    assert "accumulation" not in {
        c.name for c in Table("kpi_definitions", MetaData(), autoload_with=engine).c
    }
    with engine.connect() as conn:
        assert conn.execute(select(tables["observations"].c.value)).scalar_one() == 10.0
    engine.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_completeness_migration_adds_lags_and_shares_and_keeps_the_data(empty_database_url):
    """0004 adds kpi_definitions.lag_months (national statistics lag 3 or 4 months, the rest 1) and
    complete_share (1.0) to a database that holds observations, and downgrading removes them again."""
    engine = get_engine(empty_database_url)
    migrate(engine, "0003")
    meta = MetaData()
    tables = {name: Table(name, meta, autoload_with=engine) for name in
              ("workstreams", "kpi_definitions", "import_batches", "observations")}  # fmt: skip
    kpi = {"workstream_code": "PLAN", "unit": "FTE", "improvement": "up", "rollup": "sum",
           "numerator_definition": "", "denominator_definition": "", "definition": "", "source": "",
           "frequency": "monthly", "conflict_rule": "concern", "grain": "trust", "decimals": 1,
           "sort_order": 1}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(tables["workstreams"]), {"code": "PLAN", "name": "Planning", "description": "",
                                                     "sort_order": 1})  # fmt: skip
        conn.execute(insert(tables["kpi_definitions"]), [
            {**kpi, "code": code, "name": code} for code in ("SIP_FTE", "SICKNESS_RATE", "VACANCY_RATE")
        ])  # fmt: skip
        batch = conn.execute(insert(tables["import_batches"]).returning(tables["import_batches"].c.id), {
            "file_name": "f.csv", "sha256": "0" * 64, "source": "test", "is_synthetic": False,
            "rows_in_file": 1, "rows_added": 1, "rows_changed": 0, "rows_skipped": 0,
            "imported_by": "pytest", "status": "applied", "notes": "",
        }).scalar_one()  # fmt: skip
        observation = {"kpi_code": "SIP_FTE", "period": dt.date(2026, 1, 1), "value": 10.0}
        conn.execute(insert(tables["observations"]), {**observation, "batch_id": batch})
    migrate(engine)
    kpis = Table("kpi_definitions", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = {code: (lag, share) for code, lag, share in
                conn.execute(select(kpis.c.code, kpis.c.lag_months, kpis.c.complete_share))}  # fmt: skip
    assert rows == {"SIP_FTE": (3, 1.0), "SICKNESS_RATE": (4, 1.0), "VACANCY_RATE": (1, 1.0)}
    with engine.begin() as conn:  # a KPI added later without the columns gets the defaults
        conn.execute(insert(kpis), {**kpi, "code": "NEW_KPI", "name": "New", "accumulation": "monthly"})
        assert conn.execute(
            select(kpis.c.lag_months, kpis.c.complete_share).where(kpis.c.code == "NEW_KPI")
        ).one() == (0, 1.0)
    downgrade(engine, "0003")
    columns = {c.name for c in Table("kpi_definitions", MetaData(), autoload_with=engine).c}
    assert not {"lag_months", "complete_share"} & columns
    with engine.connect() as conn:
        assert conn.execute(select(tables["observations"].c.value)).scalar_one() == 10.0
    engine.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_system_history_migration_sets_the_spans_forgets_the_unsourced_start_and_names_arts_therapists(
    empty_database_url,
):
    """0010 gives the trusts their system spans (members throughout, predecessors to the day before their
    merger, NWAS and Calderstones outside), empties the unsourced 2021-04-01 membership start, and moves
    the arts therapists a staff-role import stored as art therapists to the ARTS group (a template
    import's ART stays); downgrading puts it all back."""
    engine = get_engine(empty_database_url)
    migrate(engine, "0009")
    meta = MetaData()
    names = ("collaboratives", "trusts", "memberships", "professions", "workstreams", "kpi_definitions",
             "import_batches", "observations")  # fmt: skip
    tables = {name: Table(name, meta, autoload_with=engine) for name in names}
    trust = {"trust_type": "", "notes": ""}
    kpi = {"workstream_code": "PLAN", "unit": "FTE", "improvement": "up", "rollup": "sum",
           "numerator_definition": "", "denominator_definition": "", "definition": "", "source": "",
           "frequency": "monthly", "conflict_rule": "concern", "grain": "trust_profession", "decimals": 1,
           "sort_order": 1, "accumulation": "monthly", "lag_months": 3, "complete_share": 1.0}  # fmt: skip
    batch = {"file_name": "f.csv", "sha256": "0" * 64, "is_synthetic": False, "rows_in_file": 1,
             "rows_added": 1, "rows_changed": 0, "rows_skipped": 0, "imported_by": "pytest",
             "status": "applied", "notes": ""}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(tables["collaboratives"]), {"code": "CMAST", "name": "CMAST", "description": ""})
        conn.execute(insert(tables["trusts"]), [
            {**trust, "ods_code": code, "name": code, "short_name": code, "role": role}
            for code, role in (("REM", "member"), ("RQ6", "predecessor"), ("RJX", "predecessor"),
                               ("RX7", "partner"))
        ])  # fmt: skip
        conn.execute(insert(tables["memberships"]), [
            {"trust_code": "REM", "collaborative_code": "CMAST", "valid_from": dt.date(2021, 4, 1),
             "notes": ""},
            {"trust_code": "REM", "collaborative_code": "CMAST", "valid_from": dt.date(2009, 4, 1),
             "valid_to": dt.date(2009, 4, 30), "notes": "a start with a source stays"},
        ])  # fmt: skip
        conn.execute(insert(tables["professions"]), [
            {"code": "ART", "name": "Art therapists", "regulator": "HCPC", "sort_order": 1},
        ])  # fmt: skip
        conn.execute(insert(tables["workstreams"]), {"code": "PLAN", "name": "Planning", "description": "",
                                                     "sort_order": 1})  # fmt: skip
        conn.execute(insert(tables["kpi_definitions"]), [
            {**kpi, "code": "SIP_FTE", "name": "Staff in post"},
            {**kpi, "code": "STABILITY_INDEX", "name": "Stability index"},
        ])  # fmt: skip
        ids = [
            conn.execute(
                insert(tables["import_batches"]).returning(tables["import_batches"].c.id),
                {**batch, "source": source},
            ).scalar_one()
            for source in ("nhs_workforce_staff_role", "upload")
        ]
        conn.execute(insert(tables["observations"]), [
            {"kpi_code": "SIP_FTE", "trust_code": "REM", "profession_code": "ART", "period": period,
             "value": value, "batch_id": batch_id}
            for batch_id, period, value in ((ids[0], dt.date(2025, 1, 1), 7.0),
                                            (ids[1], dt.date(2025, 2, 1), 3.0))
        ])  # fmt: skip
    migrate(engine)
    after = MetaData()
    trusts, memberships, observations = (Table(n, after, autoload_with=engine) for n in
                                         ("trusts", "memberships", "observations"))  # fmt: skip
    with engine.connect() as conn:
        spans = {row.ods_code: (bool(row.in_system), row.system_from, row.system_to) for row in
                 conn.execute(select(trusts.c.ods_code, trusts.c.in_system, trusts.c.system_from,
                                     trusts.c.system_to))}  # fmt: skip
        starts = sorted(conn.execute(select(memberships.c.valid_from)).scalars(), key=str)
        stored = dict(conn.execute(select(observations.c.period, observations.c.profession_code)).all())
        arts = conn.execute(select(Table("professions", after, autoload_with=engine)).where(
            sa_column("code") == "ARTS")).mappings().one()  # fmt: skip
    assert spans == {
        "REM": (True, None, None),
        "RQ6": (True, None, dt.date(2019, 9, 30)),
        "RJX": (False, None, None),
        "RX7": (False, None, None),
    }
    assert starts == [dt.date(2009, 4, 1), None]
    assert stored == {dt.date(2025, 1, 1): "ARTS", dt.date(2025, 2, 1): "ART"}
    with engine.connect() as conn:
        kpis = Table("kpi_definitions", after, autoload_with=engine)
        accumulation = dict(conn.execute(select(kpis.c.code, kpis.c.accumulation)).all())
    assert accumulation == {"SIP_FTE": "monthly", "STABILITY_INDEX": "rolling_12_months"}
    assert (arts["name"], arts["combines"]) == (
        "Arts therapists (art, music and drama, not split)",
        "ART MUSIC DRAMA",
    )
    downgrade(engine, "0009")
    with engine.connect() as conn:
        old = MetaData()
        memberships = Table("memberships", old, autoload_with=engine)
        observations = Table("observations", old, autoload_with=engine)
        assert sorted(conn.execute(select(memberships.c.valid_from)).scalars()) == [
            dt.date(2009, 4, 1), dt.date(2021, 4, 1)
        ]  # fmt: skip
        assert set(conn.execute(select(observations.c.profession_code)).scalars()) == {"ART"}
    columns = {c.name for c in Table("trusts", MetaData(), autoload_with=engine).c}
    assert not {"in_system", "system_from", "system_to", "system_source"} & columns
    engine.dispose()
