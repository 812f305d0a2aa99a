"""The sidebar: the shared filter bar (period, collaborative, trusts, professions) kept in the URL, and
the page filters under it (the workstream); the selection in force for the page to read."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kpi.figures import scopes
from kpi.selection import filters
from kpi.ui import loaders, url_state
from kpi.ui.database import db
from kpi.ui.filter_use import filter_use_note
from kpi.words.formats import month_key, month_label
from kpi.words.months import parse_month

_FROM, _TO, _COLLAB, _TRUSTS, _PROFESSIONS = "f_from", "f_to", "f_collab", "f_trusts", "f_professions"
_PROVISIONAL = "f_provisional"
PROVISIONAL_LABEL = "Include provisional months"
_PAGE_FILTERS = "_sidebar_page_filters"
BOTH = "Both"


def sidebar_filters(page_path: str) -> filters.Selection:
    """The shared filter bar: period, collaborative, trusts (narrowed to the collaborative) and
    professions, kept in the URL, under a line saying which of them the page at `page_path` uses.
    Returns the selection in force."""
    url = db()
    choices = loaders.filter_choices(url)
    if url_state.seeding() or _COLLAB not in st.session_state:
        _seed_from_url(choices)
    with st.sidebar:
        st.header("Filters", anchor=False)
        filter_use_note(page_path)
        period_from, period_to = _period_filter(choices)
        collaborative = _collaborative_filter(choices)
        trust_codes = _trust_filter(choices, collaborative, loaders.trust_labels(url))
        profession_codes = st.multiselect(
            "Professions",
            list(choices.professions),
            key=_PROFESSIONS,
            persist_state="session",
            format_func=lambda code: choices.profession_names.get(code, code),
            placeholder="All AHPs",
            help="Only KPIs collected by profession can be filtered this way.",
        )
        include_provisional = st.toggle(
            PROVISIONAL_LABEL,
            key=_PROVISIONAL,
            persist_state="session",
            help="A month is provisional while too few of the trusts expected have reported it. Off: "
            "headline figures, the Making Data Count summary and SPC limits use the latest complete "
            "month. On: they use the newest month, marked (provisional). Charts always draw provisional "
            "months, as hollow points.",
        )
        # Filters that only some pages have (the workstream) go here, under the shared ones.
        st.session_state[_PAGE_FILTERS] = st.container()

    selection = filters.Selection(
        period_from,
        period_to,
        collaborative,
        tuple(trust_codes),
        tuple(profession_codes),
        include_provisional=bool(include_provisional),
        default_period=filters.is_default_period(period_from, period_to, choices),
    )
    shared = filters.to_url(selection, choices)
    url_state.remember(shared)
    # The address bar follows a change at once, even while a slow page is still drawing; the page's
    # own choices (view, scope...) stay as they were until the end of the run writes them.
    page_params = {k: v for k, v in url_state.arrived_params().items() if k not in filters.SHARED_PARAMS}
    url_state.write_url({**page_params, **shared})
    return selection


def _seed_from_url(choices: filters.FilterChoices) -> None:
    """Set the filter widgets from the link (a new session, or a URL changed outside the app)."""
    selection, warnings = filters.parse_url(url_state.arrived_params(), choices)
    url_state.warn(warnings)
    if choices.months:
        # With months to choose from, a parsed period is one of them or the default (never None).
        assert selection.period_from is not None and selection.period_to is not None
        st.session_state[_FROM] = month_key(selection.period_from)
        st.session_state[_TO] = month_key(selection.period_to)
    st.session_state[_COLLAB] = selection.collaborative or BOTH
    st.session_state[_TRUSTS] = list(selection.trusts)
    st.session_state[_PROFESSIONS] = list(selection.professions)
    st.session_state[_PROVISIONAL] = selection.include_provisional


def _collaborative_filter(choices: filters.FilterChoices) -> str | None:
    """Both collaboratives (None) or one."""
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
    return None if collab_choice in (None, BOTH) else collab_choice


def _trust_filter(
    choices: filters.FilterChoices, collaborative: str | None, labels: dict[str, str]
) -> list[str]:
    """The trusts chosen, narrowed to the collaborative; trusts taken off by that are named."""
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
    return trust_codes


def _period_filter(choices: filters.FilterChoices) -> tuple[dt.date | None, dt.date | None]:
    """The period as two month pickers, From and To, side by side: each works with the mouse, the
    keyboard (type to search, arrows) and on a phone. A From after the To is swapped, and said."""
    if not choices.months:
        return None, None
    keys = [month_key(m) for m in choices.months]
    for state_key, default in ((_FROM, choices.default_from), (_TO, choices.default_to)):
        if st.session_state.get(state_key) not in keys:
            assert default is not None  # choices.months is not empty, so it has defaults
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
    period_from, period_to = parse_month(start), parse_month(end)
    if filters.is_default_period(period_from, period_to, choices):
        st.caption(
            f"The default: each KPI shows its own latest {filters.DEFAULT_MONTHS} complete months, so a "
            "month only some trusts have sent moves no other KPI. Choose months to fix the period for "
            "every KPI."
        )
    if period_from and period_to and period_from > period_to:
        st.caption(f"From is after To, so the period shown is {label(end)} to {label(start)}.")
        period_from, period_to = period_to, period_from
    return period_from, period_to


def _month_option_label(key: str) -> str:
    return month_label(key)


def workstream_filter(key: str, default: str = filters.DEFAULT_WORKSTREAM) -> str:
    """The workstream choice, in the sidebar under the shared filters, on the pages where it applies;
    kept in the URL as ?workstream=CODE."""
    names = loaders.workstream_names(db())
    return url_state.page_choice(
        "Workstream",
        list(names),
        key=key,
        url_name="workstream",
        default=default,
        format_func=lambda code: names.get(code, code),
        container=st.session_state.get(_PAGE_FILTERS),
        help="The workstream whose KPIs this page shows.",
    )


def selection() -> filters.Selection:
    """The shared filter selection drawn by the entry point this run."""
    return st.session_state["selection"]


def scope_options(db_url: str, sel: filters.Selection) -> list[str]:
    """The system, the collaboratives in the filter, then any chosen trusts."""
    return scopes.scope_options(sel.collaborative, loaders.collaborative_codes(db_url), sel.trusts)
