"""Alembic: an empty database upgrades to head and downgrades back to nothing; the migrations and
the models describe the same schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from kpi.db import downgrade, get_engine, migrate, schema_is_current, table_names
from kpi.models import Base
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
