"""The data version: every write through kpi (imports, undo, the lead's notes) moves it in the same
transaction, reads and refused writes do not; and a running app sees a write made by another process (the
command line) at its next rerun without being told, while a rerun with nothing written recomputes
nothing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, select

from kpi.access.auth import User
from kpi.figures import queries
from kpi.ingest import apply_import, undo_batch
from kpi.ingest.dispatch import prepare_file
from kpi.notes import annotations
from kpi.store.db import data_version, session_scope
from kpi.store.models import Annotation, Observation
from tests.conftest import add_observations
from tests.ui.test_app import ROWS, assert_page_ok, metric, run_app

ROOT = Path(__file__).resolve().parents[2]
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
FTE = "AHP staff in post (FTE)"
# A correction to tests.ui.test_app.ROWS: REM's October staff in post 102 -> 116, so the system's 186 -> 200.
CORRECTION = (
    "period,trust_code,profession,kpi_code,value,numerator,denominator\n2026-10,REM,PHYSIO,SIP_FTE,116,,\n"
)


@pytest.fixture
def other_engine(database_url: str) -> Iterator[Engine]:
    """A second engine on the same database, as another server process or the command line has."""
    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield other
    other.dispose()


def test_every_write_moves_the_version_and_reads_and_refusals_do_not(engine, other_engine):
    start = data_version(engine)
    with session_scope(other_engine) as s:  # a read in a write session
        s.scalars(select(Observation)).all()
    queries.data_status(engine=engine)
    assert data_version(engine) == start, "reading changes nothing"

    note = annotations.add_annotation(other_engine, LEAD, "SIP_FTE", None, dt.date(2026, 9, 1), "Pay award")
    assert data_version(engine) == start + 1
    assert annotations.edit_annotation(other_engine, LEAD, note, text="Pay award") is False
    assert data_version(engine) == start + 1, "an edit that changes nothing writes nothing"
    annotations.remove_annotation(other_engine, LEAD, note)
    assert data_version(engine) == start + 2, "a removal (removed_at set) counts"

    with pytest.raises(RuntimeError), session_scope(other_engine) as s:
        when = dt.datetime.now(dt.UTC)
        s.add(
            Annotation(
                kpi_code="SIP_FTE", period=dt.date(2026, 9, 1), text="x", created_at=when, created_by="t"
            )
        )
        s.flush()
        raise RuntimeError("the write fails after it began")
    assert data_version(engine) == start + 2, "a rolled-back write leaves the version alone"

    preview = prepare_file(other_engine, "correction.csv", CORRECTION.encode(), channel="cli")
    assert preview.ok, preview.problems
    result = apply_import(other_engine, LEAD, preview, replace=True)
    assert result.applied
    imported = data_version(engine)
    assert imported > start + 2, "an import moves it (its figures' triggers too: migration 0011)"
    again = apply_import(
        other_engine,
        LEAD,
        prepare_file(other_engine, "correction.csv", CORRECTION.encode(), channel="cli"),
        replace=False,
    )
    assert not again.applied and data_version(engine) == imported, "the same file again writes nothing"
    undo_batch(other_engine, LEAD, result.batch_id)
    assert data_version(engine) > imported


def _count_observation_reads(engine: Engine) -> list[str]:
    """The statements the app's engine runs that read observations (the expensive, cached part)."""
    seen: list[str] = []

    def spy(_conn, _cursor, statement, *_args) -> None:
        if "observations" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    return seen


def _cli_import(path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi", "import", str(path), "--replace"],
        cwd=ROOT,
        env={**os.environ, "KPI_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_an_import_from_the_command_line_shows_at_the_next_rerun_and_nothing_else_recomputes(
    engine, database_url, tmp_path
):
    add_observations(engine, ROWS, file_name="app-fixture.csv")
    reads = _count_observation_reads(engine)
    at = run_app()
    assert_page_ok(at)
    assert metric(at, FTE).value == "186.0 FTE"
    assert reads, "the first run reads the figures"

    reads.clear()
    at.run()
    assert_page_ok(at)
    assert reads == [], "a rerun with nothing written anywhere recomputes nothing"

    file = tmp_path / "correction.csv"
    file.write_text(CORRECTION, encoding="utf-8")
    started = time.perf_counter()
    done = _cli_import(file, database_url)
    assert done.returncode == 0, done.stderr
    cli_seconds = time.perf_counter() - started

    reads.clear()
    started = time.perf_counter()
    at.run()  # no clear_caches anywhere: the data version tells the app
    assert_page_ok(at)
    assert metric(at, FTE).value == "200.0 FTE", "the command line's import shows at the next rerun"
    assert reads, "the new figures were read"
    print(f"CLI import {cli_seconds:.2f} s; rerun after it {time.perf_counter() - started:.2f} s")

    reads.clear()
    at.run()
    assert metric(at, FTE).value == "200.0 FTE"
    assert reads == [], "and after that nothing is recomputed again"
