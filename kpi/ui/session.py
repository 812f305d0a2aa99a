"""Who is using the app: the deployment check (local, signed-in, or closed until sign-in is fixed), the
signed-in user and their role, the sign-in and refusal pages, the account panel, and lead-only pages."""

from __future__ import annotations

import logging
import os
from typing import NoReturn

import streamlit as st
from streamlit import config

from kpi.access import deployment
from kpi.access.auth import LOCAL_USER_EMAIL, SignInRefused, User, user_from_claims
from kpi.selection import filters
from kpi.ui import url_state
from kpi.words.text import escape_markdown

logger = logging.getLogger("kpi.ui")

_LOCAL_ROLE = "local_role"
_ROLE_PARAM = "as"  # local mode only: ?as=board keeps "Acting as: Board member" across a reload
_MODE = "deployment_mode"
MISCONFIGURED = "Sign-in is misconfigured"
ROLE_NAMES = {"lead": "Workforce lead", "board": "Board member"}  # the local-mode role switch


def secrets_paths() -> list[str]:
    """Where the secrets are: ~/.streamlit/secrets.toml, ./.streamlit/secrets.toml, or the secrets.files
    option; the paths serve.py hid from Streamlit's server (serve.hide_unloadable_secrets) when it did."""
    withheld = os.environ.get(deployment.WITHHELD_ENV)
    if withheld:
        return withheld.split(os.pathsep)
    return list(config.get_option("secrets.files") or [])


def this_visit() -> deployment.Visit:
    """The request this session came in on: the client's address (None for this machine) and the
    request's headers, as Streamlit keeps them from the websocket's opening request."""
    headers, client = st.context.headers, st.context.ip_address
    # Streamlit's AppTest has no request: its client is a stand-in object, not an address.
    return deployment.Visit(
        client if isinstance(client, str) else None, {name: headers[name] for name in headers}
    )


def deployment_mode(visit: deployment.Visit | None = None) -> deployment.Mode:
    """Decide afresh how the app is deployed (kpi/access/deployment.py): local, signed-in, or refuse. `visit`
    is the request to decide for (none at start-up, when there is no request)."""
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
        visit=visit,
    )


def check_deployment() -> deployment.Mode:
    """First thing on every run: decide the deployment mode for this session's request, and if sign-in
    is misconfigured (or local mode is reached through a proxy) show only that and stop. Nothing else
    (pages, navigation, data) is served."""
    mode = deployment_mode(this_visit())
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
        "this page. For local use without sign-in, start the app with `make run` (it sets "
        "KPI_DEPLOYMENT=local and listens on 127.0.0.1 only) and open it on the same machine, not "
        "through a proxy."
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
    if url_state.seeding() or _LOCAL_ROLE not in st.session_state:
        # A reload keeps the role chosen in local mode: it lives in the URL as ?as=board.
        role, warning = filters.parse_choice(
            url_state.arrived_params(), _ROLE_PARAM, ["lead", "board"], label="role"
        )
        url_state.warn([warning] if warning else [])
        st.session_state[_LOCAL_ROLE] = role or st.session_state.get(_LOCAL_ROLE, "lead")
    return User(
        email=LOCAL_USER_EMAIL, name="Local user", role=st.session_state[_LOCAL_ROLE], local_mode=True
    )


def sign_in_page() -> NoReturn:
    """All that someone who has not signed in sees."""
    st.title("C&M AHP workforce KPIs", anchor=False)
    st.markdown(
        "The dashboard of the NHS Cheshire and Merseyside Allied Health Professions workforce programme. "
        "Sign in with your NHS account to continue."
    )
    providers = deployment.providers(st.secrets["auth"])
    choices: list[str | None] = [*providers] or [None]
    for provider in choices:
        st.button(
            "Sign in" if len(providers) < 2 else f"Sign in with {provider}",
            type="primary",
            icon=":material/login:",
            on_click=st.login,
            args=(provider,) if provider else (),
            key=f"sign_in_{provider or 'default'}",
        )
    st.stop()


def refused_page(reason: str) -> NoReturn:
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
                format_func=ROLE_NAMES.__getitem__,
                required=True,
                help="Try the dashboard as a board member (read-only) or as the workforce lead (imports and "
                "milestone updates).",
            )
            if st.session_state[_LOCAL_ROLE] == "board":
                url_state.remember({_ROLE_PARAM: ["board"]})
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
