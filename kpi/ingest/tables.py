"""The tables the importer writes, as SQLAlchemy Table objects. (`Model.__table__` is declared as a
FromClause, which `insert`, `update` and `delete` do not accept in the type stubs; it is a Table.)"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from kpi.store.models import ImportBatch, Observation, ReplacedObservation

observations = cast(Table, Observation.__table__)
batches = cast(Table, ImportBatch.__table__)
replaced_observations = cast(Table, ReplacedObservation.__table__)
