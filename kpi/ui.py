"""The thin Streamlit glue shared by pages: the database handle, cached loaders, the shared filter bar
kept in the URL, chart display with downloads, and notices.

This is the only module in kpi/ that imports streamlit. Loaders take the database URL as their first
argument so that cached results never cross databases (tests run many in one process).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from kpi import charts, deployment, export, filters, images, mdc, queries
from kpi.auth import LOCAL_USER_EMAIL, SignInRefused, User, user_from_claims
from kpi.db import DatabaseError, get_engine, prepare_database
from kpi.formats import KPI, format_target, format_value, month_key, month_label
from kpi.labels import FilterWords, describe
from kpi.queries import KPIFilter
from kpi.text import escape_markdown

logger = logging.getLogger("kpi.ui")
PAGE_FAILED = "Something went wrong on this page"
CACHE_TTL = "10m"  # new data shows within ten minutes, or at once after an import in the app
MAX_ENTRIES = 256

# --- the database ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Opening the database…")
def _prepared_engine(url: str, with_demo: bool) -> Engine:
    engine = get_engine(url)
    prepare_database(engine, with_demo=with_demo)
    return engine


def engine() -> Engine:
    """The app's database, created and migrated on first use; filled with demo data only in local
    mode (a fresh production database stays empty until the lead imports). On failure the page says
    what is wrong and stops: no traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        from kpi.db import database_url

        return _prepared_engine(database_url(), with_demo=run_mode().local)
    except (DatabaseError, SQLAlchemyError) as exc:
        # A visitor is told what kind of fault it is, naming no server, user, database or password; the
        # details, redacted, go to the server log (no traceback: it would quote the URL).
        from kpi.db import UNREACHABLE

        public = exc.public if isinstance(exc, DatabaseError) else UNREACHABLE
        logger.error("The dashboard cannot open its database: %s", _redacted(exc))
        st.error(
            f"{public} The details are in the server log for the dashboard team.",
            title="The dashboard cannot open its database",
            icon=":material/database_off:",
        )
        st.stop()
        raise  # unreachable: st.stop() ends the run


def _redacted(exc: BaseException) -> str:
    """An exception's message with the configured database password (and any other) taken out."""
    import os

    from kpi.db import ENV_VAR, database_url
    from kpi.text import redact_secrets, url_password

    try:
        password = url_password(database_url())
    except DatabaseError:
        password = url_password(os.environ.get(ENV_VAR, ""))
    return redact_secrets(str(exc), password)


def db() -> str:
    """The database URL, the first argument of every cached loader."""
    # str(url) hides the password as ***, which would then be what the loaders connect with.
    return engine().url.render_as_string(hide_password=False)


def _database_errors() -> tuple[type[Exception], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return (DatabaseError, SQLAlchemyError)


DATABASE_ERRORS = _database_errors()  # what a database call raises when the database fails


def database_fault(exc: BaseException, unreachable: str, *, otherwise: str) -> None:
    """A write or check failed with a database error (every write is one transaction, so nothing was
    half-written): say so in one plain sentence, `unreachable` when the database does not answer (checked
    again now, so every page shows the banner too) and `otherwise` when it does, and stop the page (the
    rest of it would need the database). The details, redacted, go to the server log."""
    from kpi.db import database_health

    logger.error("A database call failed: %s", _redacted(exc))
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


def clear_caches() -> None:
    """After a write (an import, an undo, a milestone update) so every page shows the new data."""
    st.cache_data.clear()


# --- cached loaders ---------------------------------------------------------------------------------


def _cached(func: Callable) -> Callable:
    return st.cache_data(ttl=CACHE_TTL, max_entries=MAX_ENTRIES, show_spinner=False)(func)


@_cached
def data_status(db_url: str) -> queries.DataStatus:
    return queries.data_status(get_engine(db_url))


def series(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    return _series(db_url, queries.relevant_filter(flt, level), level)


@_cached
def _series(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    return queries.kpi_series(flt, level, get_engine(db_url))


def latest(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    return _latest(db_url, queries.relevant_filter(flt, level), level)


@_cached
def _latest(db_url: str, flt: KPIFilter, level: queries.Level) -> pd.DataFrame:
    return queries.latest_values(flt, level, get_engine(db_url))


@_cached
def profession_breakdown(db_url: str, flt: KPIFilter) -> pd.DataFrame:
    return queries.profession_breakdown(flt, get_engine(db_url))


@_cached
def catalogue(db_url: str) -> pd.DataFrame:
    return queries.kpi_catalogue(get_engine(db_url))


@_cached
def trusts(db_url: str) -> pd.DataFrame:
    return queries.trusts(get_engine(db_url))


@_cached
def memberships(db_url: str) -> pd.DataFrame:
    return queries.memberships(get_engine(db_url))


@_cached
def professions(db_url: str) -> pd.DataFrame:
    return queries.professions(get_engine(db_url))


@_cached
def workstreams(db_url: str) -> pd.DataFrame:
    return queries.workstreams(get_engine(db_url))


@_cached
def collaboratives(db_url: str) -> pd.DataFrame:
    return queries.collaboratives(get_engine(db_url))


@_cached
def milestones(db_url: str) -> pd.DataFrame:
    return queries.milestones(get_engine(db_url))


@_cached
def milestone_history(db_url: str) -> pd.DataFrame:
    return queries.milestone_history(get_engine(db_url))


@_cached
def successions(db_url: str) -> pd.DataFrame:
    return queries.successions(get_engine(db_url))


def kpis(db_url: str) -> dict[str, KPI]:
    """The catalogue as KPI objects, in catalogue order."""
    return {row["code"]: KPI.from_row(row) for row in catalogue(db_url).to_dict("records")}


@_cached
def rebase_months(db_url: str) -> dict[str, list[pd.Timestamp]]:
    """Months from which each KPI's SPC limits are recalculated (from the catalogue)."""
    frame = queries.rebase_points(get_engine(db_url))
    return {code: list(group["period"]) for code, group in frame.groupby("kpi_code")}


@_cached
def scope_names(db_url: str) -> dict[str, str]:
    """Display names for every scope code: the system, the collaboratives, each trust."""
    names = {queries.SYSTEM_CODE: "C&M system", "CMAST": "CMAST", "MHLDC": "MHLDC"}
    names.update(dict(zip(trusts(db_url)["ods_code"], trusts(db_url)["short_name"], strict=True)))
    return names


@_cached
def profession_names(db_url: str) -> dict[str, str]:
    frame = professions(db_url)
    return dict(zip(frame["code"], frame["name"], strict=True))


@_cached
def filter_choices(db_url: str) -> filters.FilterChoices:
    status = data_status(db_url)
    months: tuple[dt.date, ...] = ()
    if status.first_period and status.last_period:
        months = tuple(d.date() for d in pd.date_range(status.first_period, status.last_period, freq="MS"))
    trust_frame = trusts(db_url)
    members = memberships(db_url)
    by_collab = {
        code: tuple(sorted(set(group["trust_code"]), key=lambda c: _trust_sort_key(trust_frame, c)))
        for code, group in members.groupby("collaborative_code")
    }
    ordered = tuple(sorted(trust_frame["ods_code"], key=lambda c: _trust_sort_key(trust_frame, c)))
    return filters.FilterChoices(
        months=months,
        collaboratives=tuple(collaboratives(db_url)["code"]),
        trusts=ordered,
        trusts_by_collaborative=by_collab,
        professions=tuple(professions(db_url)["code"]),
        trust_names=dict(zip(trust_frame["ods_code"], trust_frame["short_name"], strict=True)),
        profession_names=profession_names(db_url),
    )


def _trust_sort_key(trust_frame: pd.DataFrame, code: str) -> tuple[int, str]:
    row = trust_frame[trust_frame["ods_code"] == code].iloc[0]
    return ({"member": 0, "partner": 1, "predecessor": 2}.get(row["role"], 3), row["short_name"])


@_cached
def trust_labels(db_url: str) -> dict[str, str]:
    """'Alder Hey (RBS)', 'NWAS (RX7, system partner)', 'Southport and Ormskirk (RVY, merged)' by code."""
    suffix = {"partner": ", system partner", "predecessor": ", merged"}
    return {
        row.ods_code: f"{row.short_name} ({row.ods_code}{suffix.get(row.role, '')})"
        for row in trusts(db_url).itertuples()
    }


def trust_label(db_url: str, code: str) -> str:
    return trust_labels(db_url).get(code, code)


# --- the URL: filters that a copied link reopens -------------------------------------------------------

_URL_LAST = "_url_last_written"
_URL_SEED = "_url_seed_this_run"
_URL_PARAMS = "_url_params_this_run"
_URL_ARRIVED = "_url_arrived_this_run"
_URL_WARNINGS = "_url_warnings_this_run"
_RUN_STARTED = "_run_started"
LAST_RUN_SECONDS = "_last_run_seconds"  # server-side time of the last full run (benchmarks read it)


def _current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _arrived_params() -> dict[str, list[str]]:
    """The URL as this run found it (the filters write to the URL during the run)."""
    return st.session_state.get(_URL_ARRIVED, {})


def start_run() -> None:
    """First thing on every run: decide whether the URL should set the filters. It does on a new
    session (a link opened, a page reloaded) and when the URL changed outside the app (edited, or
    browser back/forward); not when a page switch merely dropped it."""
    st.session_state[_RUN_STARTED] = time.perf_counter()
    current = _current_params()
    last = st.session_state.get(_URL_LAST)
    st.session_state[_URL_SEED] = last is None or (bool(current) and current != last)
    st.session_state[_URL_ARRIVED] = current
    st.session_state[_URL_PARAMS] = {}
    st.session_state[_URL_WARNINGS] = []


def finish_run() -> None:
    """Last thing on every run: write the filters in force to the URL."""
    _write_url(st.session_state.get(_URL_PARAMS, {}))
    seconds = time.perf_counter() - st.session_state.get(_RUN_STARTED, time.perf_counter())
    st.session_state[LAST_RUN_SECONDS] = seconds
    logger.debug("run took %.3f s", seconds)


def _write_url(params: dict[str, list[str]]) -> None:
    if params != _current_params():
        st.query_params.from_dict(params)
    st.session_state[_URL_LAST] = dict(params)


def _seeding() -> bool:
    return bool(st.session_state.get(_URL_SEED))


def _remember(params: dict[str, list[str]]) -> None:
    st.session_state.setdefault(_URL_PARAMS, {}).update(params)


def _warn(messages: Sequence[str]) -> None:
    st.session_state.setdefault(_URL_WARNINGS, []).extend(messages)


def url_warnings() -> list[str]:
    return list(st.session_state.get(_URL_WARNINGS, []))


def show_url_warnings(slot: Any) -> None:
    """Show, in `slot`, what the link asked for that could not be used."""
    messages = url_warnings()
    if messages:
        slot.warning(
            "\n".join(f"- {m}" for m in messages),
            title="Part of this link could not be used, so defaults stand in for it",
            icon=":material/link_off:",
        )


_FROM, _TO, _COLLAB, _TRUSTS, _PROFESSIONS = "f_from", "f_to", "f_collab", "f_trusts", "f_professions"
_PAGE_FILTERS = "_sidebar_page_filters"
BOTH = "Both"


def sidebar_filters() -> filters.Selection:
    """The shared filter bar: period, collaborative, trusts (narrowed to the collaborative) and
    professions, kept in the URL. Returns the selection in force."""
    url = db()
    choices = filter_choices(url)
    labels = trust_labels(url)
    if _seeding() or _COLLAB not in st.session_state:
        selection, warnings = filters.parse_url(_arrived_params(), choices)
        _warn(warnings)
        if choices.months:
            st.session_state[_FROM] = month_key(selection.period_from)
            st.session_state[_TO] = month_key(selection.period_to)
        st.session_state[_COLLAB] = selection.collaborative or BOTH
        st.session_state[_TRUSTS] = list(selection.trusts)
        st.session_state[_PROFESSIONS] = list(selection.professions)

    with st.sidebar:
        st.header("Filters", anchor=False)
        period_from, period_to = _period_filter(choices)

        if st.session_state.get(_COLLAB) not in (BOTH, *choices.collaboratives):
            st.session_state[_COLLAB] = BOTH
        collab_choice = st.segmented_control(
            "Collaborative",
            [BOTH, *choices.collaboratives],
            key=_COLLAB,
            persist_state="session",
            required=True,
            help="CMAST: acute and specialist trusts. MHLDC: mental health, learning disability and "
            "community trusts. Four trusts belong to both.",
        )
        collaborative = None if collab_choice in (None, BOTH) else collab_choice

        allowed = choices.trusts_for(collaborative)
        chosen = [code for code in st.session_state.get(_TRUSTS, []) if code in allowed]
        dropped = [code for code in st.session_state.get(_TRUSTS, []) if code not in allowed]
        st.session_state[_TRUSTS] = chosen
        trust_codes = st.multiselect(
            "Trusts",
            list(allowed),
            key=_TRUSTS,
            persist_state="session",
            format_func=lambda code: labels.get(code, code),
            placeholder="All trusts" if collaborative is None else f"All {collaborative} trusts",
            help="Pick trusts to see them against their collaborative and the system. "
            "NWAS, a system partner, is outside the collaborative and system totals.",
        )
        if dropped:
            st.caption(
                "Not in "
                + (collaborative or "the list")
                + ", so taken off: "
                + ", ".join(labels.get(c, c) for c in dropped)
            )

        profession_codes = st.multiselect(
            "Professions",
            list(choices.professions),
            key=_PROFESSIONS,
            persist_state="session",
            format_func=lambda code: choices.profession_names.get(code, code),
            placeholder="All AHPs",
            help="Only KPIs collected by profession can be filtered this way.",
        )
        # Filters that only some pages have (the workstream) go here, under the shared ones.
        st.session_state[_PAGE_FILTERS] = st.container()

    selection = filters.Selection(
        period_from, period_to, collaborative, tuple(trust_codes), tuple(profession_codes)
    )
    shared = filters.to_url(selection, choices)
    _remember(shared)
    # The address bar follows a change at once, even while a slow page is still drawing; the page's
    # own choices (view, scope...) stay as they were until the end of the run writes them.
    page_params = {k: v for k, v in _arrived_params().items() if k not in filters.SHARED_PARAMS}
    _write_url({**page_params, **shared})
    return selection


def _period_filter(choices: filters.FilterChoices) -> tuple[dt.date | None, dt.date | None]:
    """The period as two month pickers, From and To, side by side: each works with the mouse, the
    keyboard (type to search, arrows) and on a phone. A From after the To is swapped, and said."""
    if not choices.months:
        return None, None
    keys = [month_key(m) for m in choices.months]
    for state_key, default in ((_FROM, choices.default_from), (_TO, choices.default_to)):
        if st.session_state.get(state_key) not in keys:
            st.session_state[state_key] = month_key(default)
    newest_first = keys[::-1]  # the recent months, the ones people pick, at the top of the list
    label = _month_option_label
    with st.container(horizontal=True, gap="small"):
        start = st.selectbox(
            "From",
            newest_first,
            key=_FROM,
            persist_state="session",
            format_func=label,
            help="The first month shown in charts and tables.",
        )
        end = st.selectbox(
            "To",
            newest_first,
            key=_TO,
            persist_state="session",
            format_func=label,
            help="The last month shown. It is the 'latest' month on cards and tables.",
        )
    period_from, period_to = filters.parse_month(start), filters.parse_month(end)
    if period_from and period_to and period_from > period_to:
        st.caption(f"From is after To, so the period shown is {label(end)} to {label(start)}.")
        period_from, period_to = period_to, period_from
    return period_from, period_to


def _month_option_label(key: str) -> str:
    return month_label(pd.Timestamp(f"{key}-01"))


def page_choice(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    url_name: str,
    default: str | None = None,
    format_func: Callable[[str], str] = str,
    widget: str = "selectbox",
    help: str | None = None,
    container: Any = None,
) -> str:
    """A page's own choice (workstream, view, KPI, month...), kept in the URL under `url_name` and in
    the session across page switches."""
    options = list(options)
    default = default if default in options else (options[0] if options else None)
    if _seeding():
        value, warning = filters.parse_choice(_arrived_params(), url_name, options, label=label.lower())
        if warning:
            _warn([warning])
        if value is not None:
            st.session_state[key] = value
        elif key not in st.session_state or warning:
            st.session_state[key] = default
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    target = container or st
    if widget == "segmented":
        value = target.segmented_control(
            label,
            options,
            key=key,
            format_func=format_func,
            required=True,
            help=help,
            persist_state="session",
        )
    else:
        value = target.selectbox(
            label, options, key=key, format_func=format_func, help=help, persist_state="session"
        )
    if value != default and value is not None:
        _remember({url_name: [value]})
    return value


# --- display helpers ---------------------------------------------------------------------------------


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
            st.caption(f"Data as at {month_label(status.last_period)}.")
        else:
            st.caption("No data has been loaded yet.")


OUTAGE_TITLE = "The database cannot be reached"
OUTAGE_ICON = ":material/database_off:"


def _as_at(moment: dt.datetime) -> str:
    """'14:05 on 25/11/2026' in UK time (the server's local time if it has no time-zone data)."""
    try:
        from zoneinfo import ZoneInfo

        local = moment.astimezone(ZoneInfo("Europe/London"))
    except Exception:
        local = moment.astimezone()
    return f"{local:%H:%M} on {local:%d/%m/%Y}"


def _filter_bar_data() -> None:
    """Load (or find in the cache) what the filter bar and the data-as-at line need before any page."""
    url = db()
    data_status(url)
    filter_choices(url)
    trust_labels(url)


def database_notice() -> None:
    """On every page, after the navigation is built: whether the database answers (one cheap check
    per process every few seconds, shared by every viewer). While it does not, a banner says so and
    when the figures shown were last read; pages go on from the cache, and if even the filter bar's
    data is not cached the run stops after the banner (no traceback). The first check that finds the
    database back clears the cached figures, so the next run shows fresh ones. The banner names no
    server, user, port or database (a missing SQLite file is named by its file name)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kpi.db import UNREACHABLE, database_health

    current = engine()
    health = database_health(current)
    if health.recovered:
        clear_caches()  # figures cached before the outage may be older than what the database now holds
    cached = True
    try:
        _filter_bar_data()
    except (DatabaseError, SQLAlchemyError) as exc:
        cached = False
        if health.ok:  # it stopped answering since the last check, or something else is wrong
            health = database_health(current, max_age=0)
        if health.ok:
            logger.error("The dashboard cannot read its database: %s", _redacted(exc))
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


def image_caption(
    title: str, scope: str, *, sel: filters.Selection | None = None, source: str = "", synthetic: bool
) -> images.ImageCaption:
    """What a downloaded chart image says about itself: title, scope and filters, period, source, data
    as at, and whether the data is synthetic. `sel` is the selection that shaped the chart."""
    words = filter_words(sel) if sel is not None else None
    status = data_status(db())
    return images.ImageCaption(
        title=title,
        scope=scope,
        filters=words.filters_text() if words else "none",
        period=words.period if words else "",
        source=source,
        data_as_at=month_label(status.last_period) if status.last_period else "",
        synthetic=synthetic,
    )


def filter_words(sel: filters.Selection) -> FilterWords:
    """The selection in words (trust and profession names), for titles, captions and CSV columns."""
    choices = filter_choices(db())
    return describe(sel, trust_names=choices.trust_names, profession_names=choices.profession_names)


def provenance(
    sel: filters.Selection | None, *, scope: str = "", source: str = "", synthetic: bool
) -> export.Provenance:
    """What every row of a downloaded table says about where it comes from: scope, the filters that
    shaped it (`sel`), source, data as at (the latest month in the database) and synthetic or not."""
    status = data_status(db())
    return export.Provenance(
        scope=scope,
        filters=filter_words(sel) if sel is not None else None,
        source=source,
        data_as_at=month_key(status.last_period) if status.last_period else "",
        synthetic=synthetic,
    )


def shown_line(sel: filters.Selection, *, scope: str | None = None) -> None:
    """The 'Showing …' line of a page: professions, trusts or scope, collaborative and period."""
    st.caption(filter_words(sel).showing(scope), help="Change the filters in the sidebar.")


def show_chart(
    figure: go.Figure,
    data: pd.DataFrame,
    *,
    stem: str,
    alt: str,
    synthetic: bool,
    key: str,
    title: str | None = None,
    caption: images.ImageCaption | None = None,
    provenance: export.Provenance | None = None,
) -> None:
    """A chart with its downloads: the modebar camera (2x PNG, meaningful name) for a quick grab; a
    'Download data (CSV)' of exactly the rows the chart shows, each row carrying `provenance` (scope,
    filters, period, source, data as at, synthetic); and, given a caption, PNG (2x) and SVG images made
    on the server that carry their own caption. Files are made only when clicked."""
    st.plotly_chart(figure, config=charts.plotly_config(stem), key=f"chart_{key}", alt=alt)
    with st.container(horizontal=True, gap="small", key=f"downloads_{key}"):
        csv_download(
            "Download data (CSV)",
            data,
            f"{stem}.csv",
            synthetic=synthetic,
            title=title,
            key=f"csv_{key}",
            provenance=provenance,
        )
        if caption is None:
            return
        available, reason = images.images_available()
        if not available:
            st.caption(reason)
            return
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            st.download_button(
                f"Image ({fmt.upper()})",
                data=functools.partial(images.chart_image, figure, fmt, caption=caption),
                file_name=f"{stem}.{fmt}",
                mime=mime,
                icon=":material/image:",
                key=f"{fmt}_{key}",
                on_click="ignore",
                type="tertiary",
                help="An image made on the server with its own caption: title, scope, filters, period, "
                "source and data as at.",
            )


def csv_download(
    label: str,
    frame: pd.DataFrame,
    file_name: str,
    *,
    synthetic: bool = False,
    title: str | None = None,
    key: str | None = None,
    provenance: export.Provenance | None = None,
) -> None:
    """A 'Download ... (CSV)' button for a table: a tidy CSV (header first, figures as numbers) that is
    Excel-ready and formula-safe, every row carrying `provenance`; without one, a synthetic table still
    says so in every row. `title` says what the file holds, on hovering the button. The file is built
    only when clicked."""
    if provenance is None and synthetic:
        provenance = export.Provenance(synthetic=True)
    st.download_button(
        label,
        data=functools.partial(export.csv_bytes, frame, provenance=provenance),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        type="tertiary",
        key=key,
        help=(title + (". Every row says its filters, source and data date." if provenance else ""))
        if title
        else None,
    )


def table_height(rows: int, row_height: int = 35) -> int:
    """A dataframe height that shows every row (up to 25) without an inner scroll bar."""
    return (min(rows, 25) + 1) * row_height + 3


def explain_empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def workstream_filter(key: str, default: str = "PLAN") -> str:
    """The workstream choice, in the sidebar under the shared filters, on the pages where it applies;
    kept in the URL as ?workstream=CODE."""
    streams = workstreams(db())
    names = dict(zip(streams["code"], streams["name"], strict=True))
    return page_choice(
        "Workstream",
        list(streams["code"]),
        key=key,
        url_name="workstream",
        default=default,
        format_func=names.get,
        container=st.session_state.get(_PAGE_FILTERS),
        help="The workstream whose KPIs this page shows.",
    )


def selection() -> filters.Selection:
    """The shared filter selection drawn by the entry point this run."""
    return st.session_state["selection"]


def scope_options(db_url: str, sel: filters.Selection) -> list[str]:
    """The system, the collaboratives in the filter, then any chosen trusts."""
    collabs = [sel.collaborative] if sel.collaborative else list(collaboratives(db_url)["code"])
    return [queries.SYSTEM_CODE, *collabs, *sel.trusts]


@st.cache_data(ttl=CACHE_TTL, max_entries=1024, show_spinner=False)
def _trend_figure(
    kpi: KPI,
    data: pd.DataFrame,
    names: tuple[tuple[str, str], ...],
    order: tuple[str, ...],
    title: str,
    height: int,
    y_max: float | None,
) -> go.Figure:
    """Cached figure: a filter change that returns to a view seen before costs no figure building."""
    return charts.trend_figure(
        data, kpi, dict(names), title=title, scope_order=list(order), height=height, y_max=y_max
    )


def kpi_chart(
    kpi: KPI,
    data: pd.DataFrame,
    *,
    names: dict[str, str],
    scope_order: Sequence[str],
    stem: str,
    key: str,
    title: str | None = None,
    height: int = 360,
    y_max: float | None = None,
    sel: filters.Selection | None = None,
) -> None:
    """A KPI's trend chart with its downloads, or a short explanation when there is nothing to draw:
    no data at all, a KPI not collected by profession under a profession filter, or a single month.
    `y_max` puts charts shown side by side on one scale; `sel` (the filters in force) captions images."""
    title = title or kpi.title_with_unit
    if data.empty:
        if sel and sel.professions and not kpi.by_profession:
            explain_empty(
                f"{kpi.name} is not collected by profession; clear the profession filter to see it."
            )
        else:
            explain_empty(f"No {kpi.name_in_sentence} data for this selection and period.")
        return
    if data["period"].nunique() == 1:
        month = month_label(data["period"].iloc[0])
        values = ", ".join(
            f"{names.get(row.scope_code, row.scope_code)} {format_value(row.value, kpi.unit, kpi.decimals)}"
            for row in data.itertuples()
        )
        explain_empty(
            f"Only one month of {kpi.name_in_sentence} data in this period ({month}: {values}); "
            "a trend needs at least two months. Widen the period in the sidebar."
        )
        return
    order = tuple(code for code in scope_order if code in set(data["scope_code"]))
    figure = _trend_figure(kpi, data, tuple(sorted(names.items())), order, title, height, y_max)
    shown = ", ".join(names.get(code, code) for code in order)
    synthetic = bool(data["synthetic"].any())
    missing = [names.get(code, code) for code in scope_order if code not in order]
    if missing:
        explain_empty(
            f"No {kpi.name_in_sentence} data for {_and_list(missing)} in this selection and period, "
            f"so the chart shows only {shown}."
        )
    show_chart(
        figure,
        export.chart_table(data, kpi, names),
        stem=stem,
        alt=f"{title} over time for {shown}",
        synthetic=synthetic,
        key=key,
        title=f"{title}: {shown}",
        caption=image_caption(title, shown, sel=sel, source=kpi.source, synthetic=synthetic),
        provenance=provenance(sel, scope=shown, source=kpi.source, synthetic=synthetic),
    )


def _and_list(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def icon_summary(db_url: str, flt: KPIFilter, level: queries.Level, scope: str) -> pd.DataFrame:
    """The board's Making Data Count summary for one scope (cached per filter that matters)."""
    return _icon_summary(db_url, queries.relevant_filter(flt, level), level, scope)


@_cached
def _icon_summary(db_url: str, flt: KPIFilter, level: queries.Level, scope: str) -> pd.DataFrame:
    return mdc.icon_summary(series(db_url, flt, level), kpis(db_url), scope, rebase_months(db_url))


VIEWS = {"trend": "Trend", "spc": "SPC (Making Data Count)"}


def chart_view(key: str) -> str:
    """The page's choice between plain trend charts and SPC charts, kept in the URL as ?view=spc."""
    return page_choice(
        "Charts",
        list(VIEWS),
        key=key,
        url_name="view",
        format_func=VIEWS.get,
        widget="segmented",
        help="SPC shows each KPI as an XmR chart with NHS England's Making Data Count rules: grey points are "
        "common cause; blue improvement, orange concern, purple neither; icons summarise the latest "
        "month and whether the target will be met.",
    )


def how_to_read_charts() -> None:
    """The key to the Making Data Count icons and the marks on an SPC chart, one click away: on the
    Overview and wherever SPC charts are shown."""
    from kpi.icons import CHART_MARKS, icon_key

    with st.expander("How to read these charts", icon=":material/help:"):
        for row in icon_key(size=36):
            icon, words = st.columns([1, 18], vertical_alignment="center", gap="small")
            icon.image(row["icon"], width=36)
            words.markdown(f"**{row['kind']} {row['letter']}: {row['name']}.** {row['meaning']}")
        st.markdown("\n".join(f"- **{mark}**: {meaning}" for mark, meaning in CHART_MARKS))
        st.caption(
            "Variation is read from the latest month; assurance needs a target. Every icon carries a "
            "letter and its name in words, so nothing depends on colour alone."
        )


def chart_controls(prefix: str, scopes: Sequence[str], names: dict[str, str]) -> tuple[str, str | None]:
    """The trend/SPC switch and, in SPC view, which scope to chart: (view, SPC scope or None)."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        view = chart_view(f"{prefix}_view")
        if view != "spc":
            return view, None
        scope = page_choice(
            "SPC for",
            scopes,
            key=f"{prefix}_spc_scope",
            url_name="spc_scope",
            format_func=names.get,
            widget="segmented",
        )
    how_to_read_charts()
    return view, scope


@st.cache_data(ttl=CACHE_TTL, max_entries=1024, show_spinner=False)
def _spc_figure(
    kpi: KPI,
    data: pd.DataFrame,
    rebase: tuple[pd.Timestamp, ...],
    scope_name: str,
    title: str | None,
    height: int,
    text_width: int,
) -> tuple[go.Figure, str, tuple[str, ...]]:
    result, dates = mdc.kpi_spc(data, kpi, list(rebase))
    reading = mdc.reading(result, kpi, dates)
    figure = charts.spc_figure(
        result, dates, kpi, scope_name, reading=reading, title=title, height=height, text_width=text_width
    )
    return figure, reading, result.notes


def spc_chart(
    kpi: KPI,
    data: pd.DataFrame,
    *,
    scope: str,
    names: dict[str, str],
    stem: str,
    key: str,
    title: str | None = None,
    height: int = 440,
    sel: filters.Selection | None = None,
    narrow: bool = False,
) -> None:
    """A KPI's SPC chart for one scope with its downloads and reading, or an explanation. `narrow` for
    a chart that shares the row with another (its title and reading wrap sooner)."""
    data = data[data["scope_code"] == scope]
    scope_name = names.get(scope, scope)
    if data.empty:
        if sel and sel.professions and not kpi.by_profession:
            explain_empty(
                f"{kpi.name} is not collected by profession; clear the profession filter to see it."
            )
        else:
            explain_empty(f"No {kpi.name_in_sentence} data for {scope_name} in this period.")
        return
    if len(data) == 1:
        row = data.iloc[0]
        explain_empty(
            f"Only one month of {kpi.name_in_sentence} data for {scope_name} "
            f"({month_label(row['period'])}: {format_value(row['value'], kpi.unit, kpi.decimals)}); "
            "an SPC chart needs at least two. Widen the period in the sidebar."
        )
        return
    rebase = tuple(rebase_months(db()).get(kpi.code, []))
    figure, reading, notes = _spc_figure(kpi, data, rebase, scope_name, title, height, 60 if narrow else 120)
    synthetic = bool(data["synthetic"].any())
    heading = title or f"{kpi.title_with_unit}: {scope_name}"
    kind = "SPC" if kpi.is_monthly else "trend"  # rolling and year-to-date figures get no SPC rules
    show_chart(
        figure,
        export.chart_table(data, kpi, names),
        stem=stem,
        alt=f"{kind[0].upper()}{kind[1:]} chart of {heading}. {reading}",
        synthetic=synthetic,
        key=key,
        title=f"{heading} ({kind}). {reading}",
        caption=image_caption(
            f"{heading} ({kind})",
            scope_name,
            sel=sel,
            source=kpi.source,
            synthetic=synthetic,
        ),
        provenance=provenance(sel, scope=scope_name, source=kpi.source, synthetic=synthetic),
    )
    for note in notes:
        st.caption(note)


def kpi_panel(
    kpi: KPI,
    data: pd.DataFrame,
    *,
    view: str,
    sel: filters.Selection,
    names: dict[str, str],
    scope_order: Sequence[str],
    spc_scope: str | None,
    key: str,
    title: str | None = None,
    height: int = 360,
    y_max: float | None = None,
    narrow: bool = False,
) -> None:
    """One KPI as the page's chart view asks: a trend of every scope in `scope_order`, or the SPC
    chart of `spc_scope`. Titles, captions, CSV rows and file names say which filters shaped the chart
    (professions, the trusts and collaborative drawn, the period). `narrow` for charts side by side."""
    if view == "spc" and spc_scope is not None:
        # One scope: the filters that shape it are the professions and period (and the trust, when the
        # scope is a chosen trust); the collaborative and other trusts change nothing in it.
        shaping = dataclasses.replace(
            sel, collaborative=None, trusts=(spc_scope,) if spc_scope in sel.trusts else ()
        )
        words = filter_words(shaping)
        heading = title or f"{kpi.title_with_unit}: {names.get(spc_scope, spc_scope)}"
        spc_chart(
            kpi,
            data,
            scope=spc_scope,
            names=names,
            stem=charts.file_stem(
                kpi.code, "SPC", spc_scope, *dataclasses.replace(words, trust_codes=()).stem_parts()
            ),
            key=f"{key}_spc",
            title=words.titled(heading),
            height=max(height, 440),
            sel=shaping,
            narrow=narrow,
        )
        return
    # Several scopes: the chosen trusts drawn and a collaborative that chose which lines are drawn
    # shape the chart; a system or collaborative line is the same whichever trusts are chosen.
    chose_lines = sel.collaborative in scope_order and len(scope_order) > 1
    shaping = dataclasses.replace(
        sel,
        trusts=tuple(code for code in sel.trusts if code in scope_order),
        collaborative=sel.collaborative if chose_lines else None,
    )
    words = filter_words(shaping)
    in_scopes = dataclasses.replace(words, collaborative=None, trust_codes=())  # the scopes name them
    kpi_chart(
        kpi,
        data,
        names=names,
        scope_order=scope_order,
        key=key,
        title=words.titled(title or kpi.title_with_unit),
        height=height,
        y_max=y_max,
        stem=charts.file_stem(kpi.code, tuple(scope_order), *in_scopes.stem_parts()),
        sel=shaping,
    )


def kpi_intro(kpi: KPI) -> None:
    """The line above a KPI chart: what it measures, with the full definition one click away."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(kpi.definition)
        definition_popover(kpi)


def definition_popover(kpi: KPI) -> None:
    """The KPI's definition, one click away."""
    with st.popover("Definition", icon=":material/info:"):
        st.markdown(f"**{kpi.name}**")
        st.text(kpi.definition)
        if kpi.rollup == "ratio":
            st.text(f"Numerator: {kpi.numerator_definition}\nDenominator: {kpi.denominator_definition}")
            st.caption("Rolled up as the sum of numerators over the sum of denominators.")
        else:
            st.caption("Rolled up by adding trusts' figures.")
        better = {
            "up": "Higher is better",
            "down": "Lower is better",
            "neither": "Neither direction is better",
        }
        target = f"Target {format_target(kpi.target, kpi.unit)}. " if kpi.target is not None else ""
        st.caption(f"{better[kpi.improvement]}. {target}Source: {kpi.source}. Frequency: {kpi.frequency}.")


def requested_page() -> str:
    """The page path the browser asked for ('' for the home page), read before st.navigation resolves
    it: Streamlit itself falls back to the default page without a word."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    return str(getattr(manager, "intended_page_name", None) or "")


def check_page_found(requested: str, page: Any) -> None:
    """Say so when the link named a page that does not exist (or is not open to this role)."""
    if requested and requested != getattr(page, "url_path", requested):
        _warn(
            [
                f"There is no page “{escape_markdown(requested)}” open to you in this dashboard, so "
                f"{page.title} is shown instead; the pages are listed in the sidebar."
            ]
        )


def run_page(page: Any) -> None:
    """Run the chosen page; an unexpected error is logged with its traceback for the team and shown to
    the user as one plain message, never as a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from kpi.db import database_health

    try:
        page.run()
    except (DatabaseError, SQLAlchemyError) as exc:
        if database_health(engine(), max_age=0).ok:
            title = getattr(page, "title", page)
            logger.error("Page %r could not read its figures: %s", title, _redacted(exc))
            _page_failed()
        else:  # the banner above already says the database cannot be reached
            st.info(
                "This view needs figures the dashboard has not kept, and the database cannot be reached "
                "just now. Try again in a minute; your filters are kept in the link.",
                icon=":material/cloud_off:",
            )
    except Exception:
        logger.exception("Page %r failed", getattr(page, "title", page))
        _page_failed()


def _page_failed() -> None:
    st.error(
        "The page could not be drawn. The details are in the server log for the dashboard team. "
        "Try another page or reload; your filters are kept in the link.",
        title=PAGE_FAILED,
        icon=":material/error:",
    )


# --- who is using the app ----------------------------------------------------------------------------

_LOCAL_ROLE = "local_role"
_ROLE_PARAM = "as"  # local mode only: ?as=board keeps "Acting as: Board member" across a reload
_MODE = "deployment_mode"
MISCONFIGURED = "Sign-in is misconfigured"


def secrets_paths() -> list[str]:
    """Where Streamlit looks for secrets: ~/.streamlit/secrets.toml, ./.streamlit/secrets.toml, or
    the secrets.files option."""
    from streamlit import config

    return list(config.get_option("secrets.files") or [])


def deployment_mode() -> deployment.Mode:
    """Decide afresh how the app is deployed (kpi/deployment.py): local, signed-in, or refuse."""
    import os

    from streamlit import config

    files = deployment.read_secrets(secrets_paths())
    try:
        secrets, failed = st.secrets.to_dict(), False
    except Exception:  # no secrets file (fine) or one Streamlit could not load (never fine)
        secrets, failed = None, True
    return deployment.decide(
        files,
        os.environ,
        config.get_option("server.address"),
        secrets=secrets if not failed else None,
        secrets_error=failed,
    )


def check_deployment() -> deployment.Mode:
    """First thing on every run: decide the deployment mode, and if sign-in is misconfigured show
    only that and stop. Nothing else (pages, navigation, data) is served."""
    mode = deployment_mode()
    st.session_state[_MODE] = mode
    if mode.refused:
        misconfigured_page(mode.reason)
    return mode


def run_mode() -> deployment.Mode:
    """This run's deployment mode (decided by check_deployment at the top of the run)."""
    mode = st.session_state.get(_MODE)
    return mode if isinstance(mode, deployment.Mode) else check_deployment()


def misconfigured_page(reason: str) -> None:
    """All that anyone sees when the deployment is doubtful: for the operator, never a secret value."""
    logger.error("%s: %s", MISCONFIGURED, reason)
    st.title("C&M AHP workforce KPIs", anchor=False)
    st.error(
        f"{MISCONFIGURED}: {escape_markdown(reason)}",
        title="The dashboard is closed until sign-in is fixed",
        icon=":material/lock:",
    )
    st.caption(
        "For the operator: fix .streamlit/secrets.toml (see Sign-in and roles in the README) and reload "
        "this page. For local use without sign-in, run the app with server.address = 127.0.0.1 (as "
        "the project's .streamlit/config.toml sets) and without KPI_DEPLOYMENT=production."
    )
    st.stop()


def auth_configured() -> bool:
    """Sign-in is on when the secrets have a complete [auth] section (OpenID Connect). A doubtful
    configuration never counts as 'off': it stops the run with the misconfigured page."""
    return run_mode().signed_in


def tenant_id() -> str | None:
    """[kpi] tenant_id in the secrets: only accounts of this Entra ID tenant may sign in."""
    try:
        return st.secrets.get("kpi", {}).get("tenant_id") or None
    except Exception:
        return None


def lead_emails() -> list[str]:
    """The allow-list of workforce-lead e-mail addresses: [kpi] lead_emails in the secrets, or the
    KPI_LEAD_EMAILS environment variable (comma-separated)."""
    import os

    try:
        configured = st.secrets.get("kpi", {}).get("lead_emails", [])
    except Exception:
        configured = []
    from_env = [e for e in os.environ.get("KPI_LEAD_EMAILS", "").split(",") if e.strip()]
    return [*configured, *from_env]


def current_user() -> User | None:
    """The signed-in user with their role, or None when sign-in is on and nobody has signed in.
    Without sign-in (local and demo use) the person at the keyboard chooses a role in the sidebar."""
    if auth_configured():
        if not st.user.is_logged_in:
            return None
        try:
            return user_from_claims(st.user.to_dict(), lead_emails(), tenant_id())
        except SignInRefused as refused:
            refused_page(str(refused))
    if _seeding() or _LOCAL_ROLE not in st.session_state:
        # A reload keeps the role chosen in local mode: it lives in the URL as ?as=board.
        role, warning = filters.parse_choice(_arrived_params(), _ROLE_PARAM, ["lead", "board"], label="role")
        _warn([warning] if warning else [])
        st.session_state[_LOCAL_ROLE] = role or st.session_state.get(_LOCAL_ROLE, "lead")
    return User(
        email=LOCAL_USER_EMAIL, name="Local user", role=st.session_state[_LOCAL_ROLE], local_mode=True
    )


def sign_in_page() -> None:
    """All that someone who has not signed in sees."""
    st.title("C&M AHP workforce KPIs", anchor=False)
    st.markdown(
        "The dashboard of the NHS Cheshire and Merseyside Allied Health Professions workforce programme. "
        "Sign in with your NHS account to continue."
    )
    providers = deployment.providers(st.secrets["auth"])
    for provider in providers or [None]:
        st.button(
            "Sign in" if len(providers) < 2 else f"Sign in with {provider}",
            type="primary",
            icon=":material/login:",
            on_click=st.login,
            args=(provider,) if provider else (),
            key=f"sign_in_{provider or 'default'}",
        )
    st.stop()


def refused_page(reason: str) -> None:
    """A signed-in account the dashboard does not admit (another organisation's directory)."""
    st.title("C&M AHP workforce KPIs", anchor=False)
    st.error(escape_markdown(reason), title="This account cannot use the dashboard", icon=":material/block:")
    st.button("Sign out", on_click=st.logout, icon=":material/logout:")
    st.stop()


def account_panel(user: User) -> None:
    """In the sidebar: who is signed in and their role, or the local-mode role switch."""
    with st.sidebar:
        st.divider()
        if user.local_mode:
            st.caption(
                ":material/computer: **Local mode**: sign-in is not configured, so anyone here can act as "
                "the workforce lead. See the README to turn on NHS sign-in."
            )
            st.segmented_control(
                "Acting as",
                ["lead", "board"],
                key=_LOCAL_ROLE,
                persist_state="session",
                format_func={"lead": "Workforce lead", "board": "Board member"}.get,
                required=True,
                help="Try the dashboard as a board member (read-only) or as the workforce lead (imports and "
                "milestone updates).",
            )
            if st.session_state[_LOCAL_ROLE] == "board":
                _remember({_ROLE_PARAM: ["board"]})
        else:
            role = "workforce lead" if user.is_lead else "board member (read-only)"
            st.caption(f":material/account_circle: {escape_markdown(user.name)} · {role}")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", type="tertiary")


def require_lead_page(user: User) -> None:
    """Stop a lead-only page for anyone else (the write functions refuse too)."""
    if not user.is_lead:
        st.error(
            "This page is for the workforce lead. Board members can see every figure but not change them.",
            title="Not available to your role",
            icon=":material/lock:",
        )
        st.stop()


def user() -> User:
    """The user of this run, set by the entry point."""
    return st.session_state["user"]
