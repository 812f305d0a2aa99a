"""Database faults are visible and recover: a PostgreSQL server started and stopped by the test on its own
port (the app shows a banner while it is down, with the figures it holds labelled as at the last read, and
fresh figures once it is back), the health check on both sides, the Import page's plain sentence with
nothing half-written, and a SQLite file deleted mid-session (detected, never recreated).

The PostgreSQL tests need the server binaries (initdb, pg_ctl); without them they skip, saying so,
except under CI or KPI_REQUIRE_BROWSER=1, where they fail.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import OperationalError

from kpi.ingest import planning
from kpi.reference.load import load_reference
from kpi.store import db
from kpi.store.db import UNREACHABLE, database_health, get_engine, migrate
from kpi.store.models import ImportBatch, Observation
from kpi.ui import OUTAGE_TITLE, PAGE_FAILED
from tests.conftest import add_observations
from tests.ui.test_app import ROWS, assert_page_ok, metric, run_app

FTE = "AHP staff in post (FTE)"
GOOD_CSV = (
    b"period,trust_code,profession,kpi_code,value,numerator,denominator\n"
    b"2026-07,REM,Physiotherapists,SIP_FTE,312.4,,\n"
    b"2026-07,REM,Physiotherapists,VACANCY_RATE,,24.6,337\n"
)
DATABASE = "kpi_faults"


# --- a PostgreSQL server of the test's own --------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throw-away cluster in a temporary folder, listening on 127.0.0.1:`port` only."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="kpi-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run initdb as")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.running = False
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                  "--no-sync", "--no-instructions")  # fmt: skip
        self.start()
        admin = create_engine(self.url_for("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(DATABASE)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    bindir = _postgres_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        reason = "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql to run them"
        if os.environ.get("CI") or os.environ.get("KPI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(bindir)
    try:
        yield server
    finally:
        get_engine.cache_clear()
        server.remove()


@pytest.fixture
def pg(pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresServer]:
    """The server running, its database at the latest schema with reference data and the app's figures,
    configured for the app; the health check unremembered and not cached between runs."""
    if not pg_server.running:
        pg_server.start()
    get_engine.cache_clear()
    engine = get_engine(pg_server.url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    load_reference(engine)
    add_observations(engine, ROWS, file_name="app-fixture.csv")
    monkeypatch.setenv("KPI_DATABASE_URL", pg_server.url)
    monkeypatch.setattr(db, "HEALTH_TTL_SECONDS", 0.0)
    db.forget_health()
    yield pg_server
    if not pg_server.running:
        pg_server.start()
    engine.dispose()
    get_engine.cache_clear()
    db.forget_health()


# --- what the page shows ---------------------------------------------------------------------------------


def banners(at) -> list:
    return [w for w in at.warning if w.proto.title == OUTAGE_TITLE]


def everything_shown(at) -> str:
    """Every element's content on the page, as text (titles, bodies, help, labels, values)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def assert_no_server_named(at, server: PostgresServer) -> None:
    shown = everything_shown(at)
    for word in ("127.0.0.1", f":{server.port}", str(server.port), DATABASE, "postgres@", "psycopg"):
        assert word not in shown, f"{word!r} is shown to visitors"


def assert_no_traceback(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in everything_shown(at)


# --- PostgreSQL stopped and started under the app ---------------------------------------------------------


def test_postgres_outage_shows_a_banner_and_the_app_recovers_with_fresh_figures(pg):
    at = run_app()
    assert_page_ok(at)
    assert metric(at, FTE).value == "186.0 FTE"
    assert not banners(at)

    # The figures change in the database while the app holds them cached (written here by hand, outside
    # kpi.store.db.session_scope, so the data version does not move and only the recovery clears the
    # caches)...
    with get_engine(pg.url).begin() as conn:
        conn.execute(
            update(Observation)
            .where(Observation.kpi_code == "SIP_FTE", Observation.trust_code == "REM")
            .where(Observation.period == dt.date(2026, 10, 1))
            .values(value=112)
        )
    pg.stop()
    at.run()
    assert_no_traceback(at)
    (banner,) = banners(at)
    assert "cannot be reached" in banner.value
    assert banner.value.startswith("Figures as at ") and "so they may be out of date" in banner.value
    assert_no_server_named(at, pg)
    assert metric(at, FTE).value == "186.0 FTE", "the cached figures are still shown, labelled"

    # Other pages say the same, and one whose figures are not cached fails in words, not a traceback.
    at.switch_page("app_pages/milestones.py").run()
    assert_no_traceback(at)
    assert banners(at)
    assert_no_server_named(at, pg)
    assert any("needs figures the dashboard has not kept" in i.value for i in at.info)
    assert not [e for e in at.error if "Something went wrong" in str(e.proto.title)]

    pg.start()
    at.switch_page("app_pages/overview.py").run()
    assert_page_ok(at)
    assert not banners(at)
    assert metric(at, FTE).value == "196.0 FTE", "fresh figures once the database answers again"
    at.switch_page("app_pages/milestones.py").run()
    assert_page_ok(at)


def test_a_new_session_during_an_outage_gets_the_banner_and_no_traceback(pg):
    run_app()  # the app opened its database once in this process
    pg.stop()
    from kpi import ui

    ui.clear_caches()  # nothing cached: as for a page whose figures have expired
    at = run_app()
    assert_no_traceback(at)
    (banner,) = banners(at)
    assert "cannot be shown" in banner.value and "cannot be reached" in banner.value
    assert_no_server_named(at, pg)
    assert not at.metric
    pg.start()
    at.run()
    assert_page_ok(at)
    assert not banners(at) and metric(at, FTE).value == "186.0 FTE"


# --- the health check -------------------------------------------------------------------------------------


def test_health_check_both_sides_and_how_long_it_takes(pg):
    engine = get_engine(pg.url)
    up = database_health(engine)
    assert up.ok and not up.recovered and up.public == ""
    assert up.last_ok is not None and abs(dt.datetime.now(dt.UTC) - up.last_ok) < dt.timedelta(seconds=5)

    pg.stop()
    started = time.perf_counter()
    down = database_health(engine)
    seconds = time.perf_counter() - started
    assert not down.ok and down.public == UNREACHABLE
    assert down.last_ok == up.last_ok, "the time of the last good read is kept"
    assert seconds < 2, f"a stopped server (connection refused) is known at once, took {seconds:.2f} s"
    for word in ("127.0.0.1", str(pg.port), DATABASE, "postgres"):
        assert word not in down.public
    assert f":{pg.port}" in down.detail, "the log line says which server"

    pg.start()
    back = database_health(engine)
    assert back.ok and back.recovered, "the first good check after an outage says so"
    again = database_health(engine)
    assert again.ok and not again.recovered, "and only the first"


def test_health_check_is_cached_and_shared_by_concurrent_viewers(pg, monkeypatch):
    engine = get_engine(pg.url)
    calls = []
    real = db.check_database

    def counted(e):
        calls.append(1)
        time.sleep(0.2)  # a slow check: the others wait for it rather than start their own
        real(e)

    monkeypatch.setattr(db, "check_database", counted)
    monkeypatch.setattr(db, "HEALTH_TTL_SECONDS", 5.0)
    results = []
    threads = [threading.Thread(target=lambda: results.append(database_health(engine))) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 40 and all(r.ok for r in results)
    assert len(calls) == 1, "forty viewers, one check"
    database_health(engine)
    assert len(calls) == 1
    database_health(engine, max_age=0)
    assert len(calls) == 2


def test_a_server_that_does_not_answer_is_given_up_after_the_connect_timeout(monkeypatch):
    """A host that accepts the connection but never answers (as a dead server behind a firewall does
    for the TCP handshake): the check gives up after HEALTH_CONNECT_TIMEOUT seconds."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nothing ever reads or replies
        port = silent.getsockname()[1]
        get_engine.cache_clear()
        engine = get_engine(f"postgresql+psycopg://kpi:Secret@127.0.0.1:{port}/ahp")
        db.forget_health()
        started = time.perf_counter()
        health = database_health(engine)
        seconds = time.perf_counter() - started
    assert not health.ok and health.public == UNREACHABLE and "Secret" not in health.detail
    assert db.HEALTH_CONNECT_TIMEOUT - 0.5 < seconds < db.HEALTH_CONNECT_TIMEOUT + 2, seconds
    get_engine.cache_clear()
    db.forget_health()


# --- the Import page --------------------------------------------------------------------------------------


def _batches(url: str) -> list[str]:
    with get_engine(url).connect() as conn:
        return list(conn.scalars(select(ImportBatch.file_name).order_by(ImportBatch.id)))


def _observations(url: str) -> tuple[int, float]:
    with get_engine(url).connect() as conn:
        count, total = conn.execute(select(func.count(), func.sum(Observation.value))).one()
    return count, float(total)


def test_import_when_the_server_stops_mid_import_writes_nothing_and_says_so(pg, monkeypatch):
    before = (_batches(pg.url), _observations(pg.url))
    at = run_app("app_pages/import_data.py")
    at.file_uploader(key="upload_file").upload("september.csv", GOOD_CSV, "text/csv").run()
    assert_page_ok(at)
    assert {m.label: m.value for m in at.metric}["New figures"] == "2"

    real = planning.fingerprint

    def then_the_server_stops(conn, **kwargs):  # after the import's first write, inside its transaction
        result = real(conn, **kwargs)
        pg.stop()
        return result

    monkeypatch.setattr(planning, "fingerprint", then_the_server_stops)
    at.button(key="import_go").click().run()
    assert_no_traceback(at)
    messages = [e.value for e in at.error]
    assert "The database cannot be reached, so nothing was imported; try again in a minute." in messages
    assert not [e for e in at.error if PAGE_FAILED in str(e.proto.title)]
    assert_no_server_named(at, pg)

    pg.start()
    assert (_batches(pg.url), _observations(pg.url)) == before, "nothing half-written"
    monkeypatch.setattr(planning, "fingerprint", real)
    at.run()  # the checked file is kept: the lead tries again
    assert not banners(at)
    at.button(key="import_go").click().run()
    assert_page_ok(at)
    assert _batches(pg.url) == [*before[0], "september.csv"]


def test_checking_a_file_while_the_server_is_down_says_so(pg):
    at = run_app("app_pages/import_data.py")
    pg.stop()
    at.file_uploader(key="upload_file").upload("september.csv", GOOD_CSV, "text/csv").run()
    assert_no_traceback(at)
    assert banners(at)
    assert any("could not be checked and nothing was imported" in e.value for e in at.error)
    assert_no_server_named(at, pg)


# --- a SQLite file deleted mid-session --------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "kpi.db"
    shutil.copy(sqlite_template, path)
    get_engine.cache_clear()
    add_observations(get_engine(f"sqlite:///{path}"), ROWS, file_name="app-fixture.csv")
    monkeypatch.setenv("KPI_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setattr(db, "HEALTH_TTL_SECONDS", 0.0)
    db.forget_health()
    yield path
    get_engine(f"sqlite:///{path}").dispose()
    get_engine.cache_clear()
    db.forget_health()


def test_a_deleted_sqlite_file_is_reported_and_not_recreated(sqlite_app: Path):
    at = run_app()
    assert_page_ok(at)
    assert metric(at, FTE).value == "186.0 FTE"
    backup = sqlite_app.with_suffix(".bak")
    with get_engine(f"sqlite:///{sqlite_app}").connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(sqlite_app, backup)

    sqlite_app.unlink()
    at.run()
    assert_no_traceback(at)
    (banner,) = banners(at)
    assert banner.value.startswith("The database file kpi.db is missing.")
    assert "Figures as at" in banner.value
    assert not sqlite_app.exists(), "SQLite did not create a new, empty database"
    at.switch_page("app_pages/milestones.py").run()  # figures not cached: in words, no traceback
    assert_no_traceback(at)
    assert banners(at) and not sqlite_app.exists()

    shutil.copy(backup, sqlite_app)  # the file is put back: the app uses it at once
    at.switch_page("app_pages/overview.py").run()
    assert_page_ok(at)
    assert not banners(at) and metric(at, FTE).value == "186.0 FTE"


def test_sqlite_engine_never_recreates_nor_reads_a_deleted_file(tmp_path: Path):
    path = tmp_path / "new.db"
    get_engine.cache_clear()
    engine = get_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # a fresh clone: the first connection creates the file
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert path.exists() and database_health(engine).ok

    path.unlink()
    # A pooled connection to the deleted file is not used, and no new file is made.
    with pytest.raises(OperationalError, match=r"new\.db is missing"), engine.connect() as conn:
        conn.exec_driver_sql("SELECT a FROM t").all()
    health = database_health(engine, max_age=0)
    assert not health.ok and health.public == "The database file new.db is missing."
    assert not path.exists()

    for leftover in ("-wal", "-shm"):  # a restore removes these too, or SQLite replays the old WAL
        Path(f"{path}{leftover}").unlink(missing_ok=True)
    other = sqlite3_file_with(tmp_path / "other.db", 2)
    shutil.move(other, path)  # a different file now stands at the path: it is the one read
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT a FROM t").scalar() == 2
    assert database_health(engine, max_age=0).ok
    engine.dispose()
    get_engine.cache_clear()


def sqlite3_file_with(path: Path, value: int) -> Path:
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.execute("INSERT INTO t VALUES (?)", (value,))
    conn.close()
    return path
