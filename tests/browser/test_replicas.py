"""Two server processes behind nginx on one PostgreSQL: the app works through the proxy (pages and the
websocket), metrics are blocked there, and a month imported by another process (the command line) shows
in both processes at their next rerun, with no restart and no time limit to wait out.

Needs nginx (apt-get install nginx) and KPI_TEST_POSTGRES_URL; skips without them, saying which, unless
KPI_REQUIRE_BROWSER=1 (CI), where a missing one fails. The test makes a database of its own and drops it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.browser.conftest import ROOT, _free_port, serve_app
from tests.conftest import add_observations
from tests.ui.test_app import ROWS

pytestmark = pytest.mark.browser

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
FTE = "AHP staff in post (FTE)"
# REM's October staff in post 102 -> 116: the system's October figure goes from 186.0 to 200.0 FTE.
CORRECTION = (
    "period,trust_code,profession,kpi_code,value,numerator,denominator\n2026-10,REM,PHYSIO,SIP_FTE,116,,\n"
)


def _missing(reason: str) -> None:
    if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KPI_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def nginx() -> str:
    """The nginx binary (Debian's package), or a skip saying how to get it."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        _missing("no nginx: install it (apt-get install nginx) to test replicas behind the proxy")
    return str(found)


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated, with the reference data and the figures of
    tests.ui.test_app.ROWS; dropped afterwards."""
    pg_url = os.environ.get("KPI_TEST_POSTGRES_URL")
    if not pg_url:
        _missing("KPI_TEST_POSTGRES_URL is not set: replicas share one PostgreSQL database")
    from kpi.seed.bootstrap import prepare_database
    from kpi.store.db import get_engine

    base = make_url(pg_url).set(drivername="postgresql+psycopg")
    name = f"kpi_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        engine = get_engine(url)
        prepare_database(engine, with_demo=False)
        add_observations(engine, ROWS, file_name="replicas-fixture.csv")
        engine.dispose()
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def render_proxy_config(
    listen: int, upstreams: list[str], prefix: Path, *, forwarded_for: bool = True
) -> Path:
    """deploy/nginx.conf.template with its three placeholders filled (as envsubst would), in `prefix`;
    without its X-Forwarded-For and X-Forwarded-Proto lines when `forwarded_for` is False."""
    servers = " ".join(f"server {upstream.removeprefix('http://')};" for upstream in upstreams)
    config = (
        TEMPLATE.read_text()
        .replace("${KPI_PROXY_LISTEN}", f"127.0.0.1:{listen}")
        .replace("${KPI_UPSTREAM_SERVERS}", servers)
        .replace("${KPI_MAX_UPLOAD}", "60m")
    )
    if not forwarded_for:  # a proxy that does not say it is one: see the callers for why
        config = "\n".join(line for line in config.splitlines() if "X-Forwarded-" not in line) + "\n"
    assert not [line for line in config.splitlines() if "${KPI_" in line.split("#")[0]], "a placeholder left"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


def serve_proxy(nginx: str, config: Path, prefix: Path, port: int, stack: ExitStack) -> str:
    """nginx in the foreground as this user, everything under `prefix`; stopped when `stack` closes."""
    checked = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return url
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nginx did not start; see {prefix / 'error.log'}")


def staff_in_post(page) -> str:
    """The Overview's staff-in-post figure as shown."""
    card = page.get_by_test_id("stMetric").filter(has_text=FTE).first
    return card.get_by_test_id("stMetricValue").inner_text(timeout=60_000)


def figure_after_reload(page) -> tuple[str, float]:
    """Reload the page (a new session: its first run is a rerun of the process holding the caches); the
    figure shown and the seconds it took."""
    started = time.perf_counter()
    page.reload()
    return staff_in_post(page), time.perf_counter() - started


def replica_of_stream(access_log: Path) -> str:
    """The upstream (host:port) that the proxy sent the websocket to."""
    lines = [line for line in access_log.read_text().splitlines() if "/_stcore/stream" in line]
    assert lines, "the websocket went through the proxy"
    return lines[-1].split()[-1]


def test_two_processes_behind_nginx_see_an_import_at_their_next_rerun(
    nginx, shared_database, browser, tmp_path
):
    env = {**os.environ, "KPI_DATABASE_URL": shared_database}
    with ExitStack() as stack:
        started = time.perf_counter()
        first = stack.enter_context(serve_app(env, tmp_path / "first.log", "--server.address=127.0.0.1"))
        second = stack.enter_context(serve_app(env, tmp_path / "second.log", "--server.address=127.0.0.1"))
        port = _free_port()
        prefix = tmp_path / "proxy"
        # The processes run in local mode (no sign-in to go through in a test), which the app refuses to
        # a request that says it came through a proxy (tests/browser/test_proxy_mode.py): this proxy
        # does not say so. A deployment runs KPI_DEPLOYMENT=production with [auth] instead.
        config = render_proxy_config(port, [first, second], prefix, forwarded_for=False)
        proxy = serve_proxy(nginx, config, prefix, port, stack)
        servers_seconds = time.perf_counter() - started

        with pytest.raises(urllib.error.HTTPError) as blocked:
            urllib.request.urlopen(f"{proxy}/_stcore/metrics", timeout=5)
        assert blocked.value.code == 404, "metrics are not served through the proxy"

        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        stack.callback(context.close)
        via_proxy = context.new_page()
        via_proxy.goto(proxy)  # the page is drawn over the websocket, so this proves the proxy passes it
        assert staff_in_post(via_proxy) == "186.0 FTE"
        # A rerun with nothing written shows the same; the reload closes the first websocket, which
        # logs it, naming the process the proxy chose.
        assert figure_after_reload(via_proxy)[0] == "186.0 FTE"
        behind_proxy = replica_of_stream(prefix / "access.log")
        other = next(url for url in (first, second) if not url.endswith(behind_proxy))
        direct = context.new_page()
        direct.goto(other)  # the process the proxy did not choose
        assert staff_in_post(direct) == "186.0 FTE"

        upload = tmp_path / "correction.csv"
        upload.write_text(CORRECTION, encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kpi", "import", str(upload), "--replace"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        import_seconds = time.perf_counter() - started

        # The next rerun of each process shows the new figure: no restart, no cache expiry to wait for.
        shown, proxy_seconds = figure_after_reload(via_proxy)
        assert shown == "200.0 FTE", "the process behind the proxy shows the import at its next rerun"
        shown, direct_seconds = figure_after_reload(direct)
        assert shown == "200.0 FTE", "and so does the other process"
        via_proxy.reload()
        staff_in_post(via_proxy)
        assert replica_of_stream(prefix / "access.log") == behind_proxy, "sticky: the same process each time"
        print(
            f"\nservers and proxy up in {servers_seconds:.1f} s; CLI import {import_seconds:.1f} s; first "
            f"rerun after it through the proxy ({behind_proxy}) {proxy_seconds:.1f} s, straight from the "
            f"other process {direct_seconds:.1f} s"
        )
    for log in ("first.log", "second.log"):
        server_log = (tmp_path / log).read_text()
        assert "Traceback" not in server_log, f"{log}:\n{server_log[-3000:]}"
