"""The URL: filters and page choices that a copied link reopens. Each run decides at its start whether
the URL sets the widgets (start_run), the widgets remember what they chose (page_choice and the
sidebar), and the run writes the choices in force back to the URL at its end (finish_run).

The browser's Back button: each URL the app writes while the user is not going back or forward is a
new entry in the browser's history, so one action must write one URL. A choice the arriving link names
stays named as the link spells it, even when it is the default (a drill link names the SPC scope, the
section...): dropping it would write a second URL, and the first Back press would only return to the
link's own spelling of the same view. Going back or forward, the URL wins outright: the filters and
page choices become what it says, and a choice it does not name goes back to its default. A run cut
short by st.rerun or st.switch_page (a summary row's drill) writes nothing: the run that follows writes
the URL, and st.switch_page has already put the new page's parameters there.

Why not Streamlit's `bind="query-params"` (1.67; its guidance in references/session-state.md prefers it):
each point below is behaviour today's links and tests rely on, which a bound widget would change.
- A bound widget drops its parameter when the value is the default; a link that names a default (a
  drill link's scope, section...) would then be rewritten on arrival, a second URL in the history, so
  the first Back press would go nowhere (see above).
- A bound widget falls back to its default silently on a value it cannot use; here the page says so
  (kpi.selection.filters' warnings, quoting the link), which the tests of hostile and stale links check.
- The parameter's name is the widget's key; keys here are per page (`trust_section`, `rank_kpi`) and
  some URL names are shared by several widgets across pages (`workstream`), so the names would change.
- The shared filters are not one widget each: `from`/`to` absent means each KPI's own default period,
  `trust` is checked against the chosen collaborative, and `provisional` is a word, not a checkbox's
  value; they are written together at the end of the run, and a bound parameter cannot be set or
  deleted through st.query_params, so the two cannot be mixed on one URL.
Revisit when bind= can keep a default named in the URL and report an unusable value."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, get_script_run_ctx

from kpi.selection import filters

logger = logging.getLogger("kpi.ui")

_URL_LAST = "_url_last_written"
_URL_SEED = "_url_seed_this_run"
_URL_PARAMS = "_url_params_this_run"
_URL_ARRIVED = "_url_arrived_this_run"
_URL_WARNINGS = "_url_warnings_this_run"
_URL_HISTORY = "_url_history_navigation_this_run"
_RUN_STARTED = "_run_started"
LAST_RUN_SECONDS = "_last_run_seconds"  # server-side time of the last full run (benchmarks read it)


def _current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def arrived_params() -> dict[str, list[str]]:
    """The URL as this run found it (the filters write to the URL during the run)."""
    return st.session_state.get(_URL_ARRIVED, {})


def start_run() -> None:
    """First thing on every run: decide whether the URL should set the filters. It does on a new
    session (a link opened, a page reloaded), when the URL changed outside the app (edited), and on
    the browser's back or forward, even to a URL with no parameters (the filters were the defaults
    there); not when a page switch merely dropped it."""
    st.session_state[_RUN_STARTED] = time.perf_counter()
    current = _current_params()
    last = st.session_state.get(_URL_LAST)
    history = _history_navigation()
    st.session_state[_URL_HISTORY] = history
    st.session_state[_URL_SEED] = last is None or history or (bool(current) and current != last)
    st.session_state[_URL_ARRIVED] = current
    st.session_state[_URL_PARAMS] = {}
    st.session_state[_URL_WARNINGS] = []


def _history_navigation() -> bool:
    """Whether this run is the browser's back or forward button (Streamlit says so in the run's context)."""
    return bool(getattr(get_script_run_ctx(), "is_history_navigation", False))


def going_back_or_forward() -> bool:
    """Whether this run is the browser's back or forward button (start_run decided)."""
    return bool(st.session_state.get(_URL_HISTORY))


def _as_the_link_names(url_name: str, values: Sequence[str]) -> list[str] | None:
    """The arriving link's own spelling of `values` under `url_name` when it names exactly them (case
    aside), else None: what keeps a named choice in the URL (see the module's note on Back)."""
    raw = arrived_params().get(url_name)
    if raw and [value.strip().lower() for value in raw] == [value.lower() for value in values]:
        return list(raw)
    return None


def _remember_choice(url_name: str, values: Sequence[str], default: Sequence[str]) -> None:
    """Keep a page's choice for the URL: as the link named it, if it did; else only when not the default."""
    named = _as_the_link_names(url_name, values)
    if named is not None:
        remember({url_name: named})
    elif list(values) != list(default):
        remember({url_name: list(values)})


def finish_run(ending: BaseException | None = None) -> None:
    """Last thing on every run: write the filters in force to the URL, unless `ending` (what ended the
    run early, if anything) is a rerun. st.rerun, st.switch_page and a widget changed mid-run start
    another run, which writes the URL; this run's choices, gathered only up to where it stopped, would
    be a second history entry, and after st.switch_page they would overwrite the new page's parameters
    (the drill from a summary row would leave the old page's URL in the address bar)."""
    if not isinstance(ending, RerunException):
        write_url(st.session_state.get(_URL_PARAMS, {}))
    seconds = time.perf_counter() - st.session_state.get(_RUN_STARTED, time.perf_counter())
    st.session_state[LAST_RUN_SECONDS] = seconds
    logger.debug("run took %.3f s", seconds)


def write_url(params: dict[str, list[str]]) -> None:
    """Put `params` in the address bar now (if they differ) and remember them as written by the app."""
    if params != _current_params():
        st.query_params.from_dict(params)
    st.session_state[_URL_LAST] = dict(params)


def seeding() -> bool:
    """Whether the URL sets the widgets on this run (start_run decided)."""
    return bool(st.session_state.get(_URL_SEED))


def remember(params: dict[str, list[str]]) -> None:
    """Keep `params` for the URL that the end of this run writes."""
    st.session_state.setdefault(_URL_PARAMS, {}).update(params)


def warn(messages: Sequence[str]) -> None:
    """Say, above the page, what the link asked for that could not be used."""
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
    if seeding():
        value, warning = filters.parse_choice(arrived_params(), url_name, options, label=label.lower())
        if warning:
            warn([warning])
        if value is not None:
            st.session_state[key] = value
        elif key not in st.session_state or warning or going_back_or_forward():
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
    if value is not None:
        _remember_choice(url_name, [value], [default] if default is not None else [])
    return value


def page_choices(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    url_name: str,
    default: Sequence[str] = (),
    format_func: Callable[[str], str] = str,
    help: str | None = None,
    placeholder: str | None = None,
) -> list[str]:
    """A page's choice of several (scenarios...), kept in the URL as `url_name` repeated and in the
    session across page switches; options the link names that the page does not offer are left out,
    with a warning."""
    options = list(options)
    fallback = [value for value in default if value in options]
    if seeding():
        values, warning = filters.parse_choices(arrived_params(), url_name, options, label=label.lower())
        if warning:
            warn([warning])
        if values is not None:
            st.session_state[key] = list(values)
        elif key not in st.session_state or going_back_or_forward():
            st.session_state[key] = fallback
    if key not in st.session_state or any(value not in options for value in st.session_state[key]):
        st.session_state[key] = [value for value in st.session_state.get(key, fallback) if value in options]
    chosen = st.multiselect(
        label,
        options,
        key=key,
        format_func=format_func,
        help=help,
        placeholder=placeholder,
        persist_state="session",
    )
    _remember_choice(url_name, list(chosen), fallback)
    return list(chosen)


DRILL_PARAM = "kpi"


def drill_params(kpi_code: str, workstream: str, scope: str, trust: bool) -> dict[str, list[str]]:
    """The URL of one KPI's SPC chart for `scope` (the Trusts page for a trust, else Workstreams) with
    the shared filters in force, for a link from a summary row."""
    shared = {name: values for name, values in _current_params().items() if name in filters.SHARED_PARAMS}
    page = {"section": ["kpis"]} if trust else {}
    return {
        **shared,
        **page,
        "workstream": [workstream],
        "view": ["spc"],
        "spc_scope": [scope],
        DRILL_PARAM: [kpi_code],
    }


def drilled_kpi(options: Sequence[str], key: str) -> str | None:
    """The KPI a link from a summary row asked the page to show alone (?kpi=CODE), while it is one of
    `options` (the workstream's KPIs); None to show them all."""
    if seeding():
        value, warning = filters.parse_choice(arrived_params(), DRILL_PARAM, options, label="KPI")
        if warning:
            warn([warning])
        st.session_state[key] = value
    value = st.session_state.get(key)
    if not isinstance(value, str) or value not in options:
        return None
    remember({DRILL_PARAM: [value]})
    return value
