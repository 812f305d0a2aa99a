"""Warm caches: the default views computed in the background, so that the next visitor after a start or
an import finds them ready instead of paying for them.

At start-up (serve.py's lifespan step, `at_start`), before the process takes its first visitor, the
database is opened and prepared and the default views warmed. Then one watcher thread per server process
and database (also started at the end of a page run, for a process started as `streamlit run app.py`)
reads the data version every WATCH_SECONDS (one primary-key read) and, when a write was committed
anywhere (this process, another replica, `python -m kpi import`), clears this process's caches and warms
them again. `KPI_WARM_CACHES=0` turns it off. Streamlit computes each cached value once even when a page
asks for it while the watcher is computing it (a lock per cache key), so a visitor never pays twice. A
failure is logged and left for the page to meet and explain: the watcher never stops a page."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time

from kpi.figures import scopes
from kpi.figures.queries import SYSTEM_CODE
from kpi.selection import filters
from kpi.store.db import data_version, get_engine
from kpi.ui import database, loaders, session

logger = logging.getLogger("kpi.ui")

WATCH_SECONDS = 5.0
ENV_VAR = "KPI_WARM_CACHES"  # "0" turns warming off (the test suite does, but for the tests of warming)
_watchers: set[str] = set()
_watchers_lock = threading.Lock()


def start(db_url: str) -> None:
    """Start this process's watcher for `db_url` unless it runs already (cheap: call on every run)."""
    if os.environ.get(ENV_VAR, "1") == "0":
        return
    with _watchers_lock:
        if db_url in _watchers:
            return
        _watchers.add(db_url)
    threading.Thread(target=_watch, args=(db_url,), name="kpi-warm", daemon=True).start()


def at_start() -> None:
    """serve.py's start-up step: open (and prepare) the database as the first page would, warm the
    default views and start the watcher. Nothing at all when the deployment is refused (a broken sign-in
    configuration: the pages show only that, and no database is opened or created). A fault is logged,
    never raised: the first page meets it and explains it."""
    if os.environ.get(ENV_VAR, "1") == "0":
        return
    try:
        mode = session.deployment_mode()
        if mode.refused:
            return
        url = database.prepared_url(mode)
        default_views(url)
        start(url)
    except Exception as exc:
        logger.warning("Warming the default views at start-up failed: %s", database.redacted(exc))


def stop(db_url: str) -> None:
    """Let the watcher of `db_url` end after its current round (a database going away; tests)."""
    with _watchers_lock:
        _watchers.discard(db_url)


def _watching(db_url: str) -> bool:
    with _watchers_lock:
        return db_url in _watchers


def default_views(db_url: str) -> None:
    """Fill the cached loaders the Overview reads under the default filters, for the system and each
    collaborative, the series the chart pages open on, and the filter choices and the freshness every
    page reads."""
    choices = loaders.filter_choices(db_url)
    flt = filters.default_selection(choices).to_kpi_filter()
    collaboratives = loaders.collaborative_codes(db_url)
    for scope in (SYSTEM_CODE, *collaboratives):
        level = scopes.level_of(scope, collaboratives)
        loaders.readings(db_url, scopes.scope_filter(flt, scope, level), scope)
    # The chart pages open on the first workstream: its KPIs for the system and the collaboratives
    # (Workstreams; Collaboratives reads them without the collaborative choice).
    for stream_flt in (flt, flt.but(collaboratives=None)):
        for level in ("system", "collaborative"):
            loaders.series(db_url, stream_flt.but(workstreams=(filters.DEFAULT_WORKSTREAM,)), level)
    loaders.freshness(db_url, dt.date.today())
    loaders.milestones(db_url)


def _watch(db_url: str) -> None:
    warmed: int | None = None
    while _watching(db_url):
        try:
            version = data_version(get_engine(db_url))
            if version != warmed:
                if warmed is not None:
                    database.note_new_version(db_url, version)  # clears this process's caches
                default_views(db_url)
                warmed = version
                logger.info("Default views warmed for data version %s", version)
        except Exception as exc:  # a page meets the same fault and explains it
            logger.warning("Warming the default views failed: %s", database.redacted(exc))
        time.sleep(WATCH_SECONDS)


def keep_warm() -> None:
    """Last thing on every run: from the process's first run on, the default views are kept warm
    (this module) while the database answers. Started after the run, not with it, so that the first
    visitor's page does not share the processor with the warming."""
    if database.database_health(database.engine()).ok:
        start(database.db())
