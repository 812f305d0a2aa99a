"""The app's database: opened (and prepared) once per process, its URL for the cached loaders, and what
a page says when the database fails: a banner while it cannot be reached, one plain sentence when a
write fails, and the synthetic-data notice. Details go to the server log, redacted; never a traceback."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from kpi.access.deployment import Mode
from kpi.figures import queries, rollups
from kpi.seed.bootstrap import prepare_database
from kpi.store.db import (
    ENV_VAR,
    UNREACHABLE,
    DatabaseError,
    data_version,
    database_health,
    database_url,
    get_engine,
)
from kpi.ui import loaders, shared
from kpi.ui.session import run_mode
from kpi.words.formats import month_label, uk_time
from kpi.words.text import escape_markdown, redact_secrets, url_password

logger = logging.getLogger("kpi.ui")
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    DatabaseError,
    SQLAlchemyError,
)  # a failing database raises these
OUTAGE_TITLE = "The database cannot be reached"
OUTAGE_ICON = ":material/database_off:"


@st.cache_resource(show_spinner="Opening the database…")
def _prepared_engine(url: str, with_demo: bool) -> Engine:
    engine = get_engine(url)
    prepare_database(engine, with_demo=with_demo)
    return engine


def engine() -> Engine:
    """The app's database, created and migrated on first use; filled with demo data only in local
    mode (a fresh production database stays empty until the lead imports). On failure the page says
    what is wrong and stops: no traceback."""
    try:
        return _prepared_engine(database_url(), with_demo=run_mode().local)
    except DATABASE_ERRORS as exc:
        # A visitor is told what kind of fault it is, naming no server, user, database or password; the
        # details, redacted, go to the server log (no traceback: it would quote the URL).
        public = exc.public if isinstance(exc, DatabaseError) else UNREACHABLE
        logger.error("The dashboard cannot open its database: %s", redacted(exc))
        st.error(
            f"{public} The details are in the server log for the dashboard team.",
            title="The dashboard cannot open its database",
            icon=OUTAGE_ICON,
        )
        st.stop()
        raise  # unreachable: st.stop() ends the run


def prepared_url(mode: Mode) -> str:
    """The database URL the cached loaders are keyed by, the database opened and prepared (created,
    migrated, with demo data in local `mode`) if it was not yet; raises what opening it raises."""
    return _loader_url(_prepared_engine(database_url(), with_demo=mode.local))


def _loader_url(opened: Engine) -> str:
    # str(url) hides the password as ***, which would then be what the loaders connect with.
    return opened.url.render_as_string(hide_password=False)


def redacted(exc: BaseException) -> str:
    """An exception's message with the configured database password (and any other) taken out."""
    try:
        password = url_password(database_url())
    except DatabaseError:
        password = url_password(os.environ.get(ENV_VAR, ""))
    return redact_secrets(str(exc), password)


def db() -> str:
    """The database URL, the first argument of every cached loader."""
    return _loader_url(engine())


def database_fault(exc: BaseException, unreachable: str, *, otherwise: str) -> None:
    """A write or check failed with a database error (every write is one transaction, so nothing was
    half-written): say so in one plain sentence, `unreachable` when the database does not answer (checked
    again now, so every page shows the banner too) and `otherwise` when it does, and stop the page (the
    rest of it would need the database). The details, redacted, go to the server log."""
    logger.error("A database call failed: %s", redacted(exc))
    down = not database_health(engine(), max_age=0).ok
    st.error(
        unreachable if down else f"{otherwise} The details are in the server log for the dashboard team.",
        title=OUTAGE_TITLE if down else "The database reported an error",
        icon=OUTAGE_ICON if down else ":material/error:",
    )
    st.stop()


def stop_on_database_fault(call: Callable, unreachable: str, *, otherwise: str) -> Callable:
    """`call`, whose database errors end in `database_fault` (for a call a page makes in one line)."""

    @functools.wraps(call)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except DATABASE_ERRORS as exc:
            database_fault(exc, unreachable, otherwise=otherwise)

    return guarded


# The data version this server process last saw, per database URL: one number per process, shared by
# every session (its caches are process-wide too), read and updated under one lock.
_seen_versions: dict[str, int] = {}
_seen_lock = threading.Lock()


def _clear_all() -> None:
    """The cached data and the shared caches of figures (kpi.ui.shared)."""
    st.cache_data.clear()
    shared.clear_shared()


def clear_caches() -> None:
    """After a write in this process (an import, an undo, a milestone update) so every page shows the
    new data; the version now in the database is noted, so the next run does not clear them again."""
    url = db()
    with _seen_lock:
        try:
            version = data_version(engine())  # read first: whatever is cached after the clear is newer
        except DATABASE_ERRORS:
            version = -1  # unknown: the next run that reads the version clears again
        _clear_all()
        _seen_versions[url] = version


def note_new_version(url: str, version: int) -> None:
    """What the cache warmer (kpi.ui.warm) does when it sees a write: the caches cleared, once, unless a
    page run already did for this version."""
    with _seen_lock:
        if _seen_versions.get(url) == version:
            return
        logger.info("New data in the database (version %s): caches cleared", version)
        _clear_all()
        _seen_versions[url] = version


def clear_caches_if_data_changed() -> bool:
    """Once per run, before anything cached is read: one primary-key read of the data version, and the
    cached figures cleared when it differs from what this process last saw, so a write made anywhere
    (another server process, a replica, `python -m kpi import`) shows at the next rerun and nothing is
    recomputed while nothing was written. The first check in a process only notes the version (nothing
    is cached before it). Under a lock, so concurrent runs clear once and none reads a stale cache while
    another is clearing it. A database fault is left to the health check (the banner): returns False."""
    url = db()
    try:
        version = data_version(engine())
    except DATABASE_ERRORS as exc:
        logger.debug("The data version could not be read: %s", redacted(exc))
        return False
    with _seen_lock:
        seen = _seen_versions.get(url)
        _seen_versions[url] = version
        if seen is None or seen == version:
            return False
        logger.info("New data in the database (version %s, was %s): caches cleared", version, seen)
        _clear_all()
        return True


def data_notice(status: queries.DataStatus) -> None:
    """On every page: a visible notice whenever the database holds synthetic data, and the data-as-at
    month in the sidebar."""
    if status.any_synthetic:
        share = "All" if status.all_synthetic else "Some of"
        st.warning(
            f"{share} the figures here are generated for demonstration, not real trust data; every "
            "download says so too.",
            title="Synthetic demo data",
            icon=":material/science:",
        )
    with st.sidebar:
        if status.last_period:
            # The newest month any figure is for; it may be provisional (only some trusts in), so each
            # KPI's own latest complete month is said where its figure is shown.
            st.caption(
                f"Newest figures received: {month_label(status.last_period)}. Each KPI shows its latest "
                "complete month."
            )
        else:
            st.caption("No data has been loaded yet.")


def _as_at(moment: dt.datetime) -> str:
    """'14:05 on 25/11/2026' in UK time (the server's local time if it has no time-zone data)."""
    local = uk_time(moment)
    return f"{local:%H:%M} on {local:%d/%m/%Y}"


def _filter_bar_data() -> None:
    """Load (or find in the cache) what the filter bar and the data-as-at line need before any page."""
    url = db()
    loaders.data_status(url)
    loaders.filter_choices(url)
    loaders.trust_labels(url)


def database_notice() -> None:
    """On every page, after the navigation is built and before any cached figure is read: whether
    the database answers (one cheap check per process every few seconds, shared by every viewer), and
    whether anything was written since this process last looked (clear_caches_if_data_changed). While
    it does not answer, a banner says so and when the figures shown were last read; pages go on from
    the cache, and if even the filter bar's data is not cached the run stops after the banner (no
    traceback). The first check that finds the database back clears the cached figures, so the next run
    shows fresh ones. The banner names no server, user, port or database (a missing SQLite file is named
    by its file name)."""
    current = engine()
    health = database_health(current)
    if health.recovered:
        # Figures cached before the outage, and the roll-ups, may be older than what the database holds.
        try:
            rollups.forget(current)
        except SQLAlchemyError as exc:  # answered the health check, then failed: the next run retries
            logger.warning("Could not mark the roll-ups stale after the outage: %s", redacted(exc))
        clear_caches()
    elif health.ok:
        clear_caches_if_data_changed()  # a write anywhere since this process last looked
    cached = True
    try:
        _filter_bar_data()
    except DATABASE_ERRORS as exc:
        cached = False
        if health.ok:  # it stopped answering since the last check, or something else is wrong
            health = database_health(current, max_age=0)
        if health.ok:
            logger.error("The dashboard cannot read its database: %s", redacted(exc))
            st.error(
                "The dashboard cannot read its figures just now. The details are in the server log for "
                "the dashboard team.",
                title="The figures cannot be shown",
                icon=":material/error:",
            )
            st.stop()
    if health.ok:
        return
    problem = "" if health.public == UNREACHABLE else f"{escape_markdown(health.public)} "
    if cached and health.last_ok is not None:
        body = (
            f"Figures as at {_as_at(health.last_ok)}; the database cannot be reached just now, so they may "
            "be out of date."
        )
    else:
        body = "The database cannot be reached just now, so the figures cannot be shown."
    st.warning(
        f"{problem}{body} The dashboard tries again each time a page is opened or a filter changed; the "
        "details are in the server log for the dashboard team.",
        title=OUTAGE_TITLE,
        icon=OUTAGE_ICON,
    )
    if not cached:
        st.stop()
