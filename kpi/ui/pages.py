"""Running the chosen page: the page the browser asked for, a word when it does not exist, and a page
that fails shown as one plain message (the traceback goes to the server log)."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi.store.db import database_health
from kpi.ui import url_state
from kpi.ui.database import DATABASE_ERRORS, engine, redacted
from kpi.words.text import escape_markdown

logger = logging.getLogger("kpi.ui")
PAGE_FAILED = "Something went wrong on this page"


def requested_page() -> str:
    """The page path the browser asked for ('' for the home page), read before st.navigation resolves
    it: Streamlit itself falls back to the default page without a word."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    return str(getattr(manager, "intended_page_name", None) or "")


def check_page_found(requested: str, page: Any) -> None:
    """Say so when the link named a page that does not exist (or is not open to this role)."""
    if requested and requested != getattr(page, "url_path", requested):
        url_state.warn(
            [
                f"There is no page “{escape_markdown(requested)}” open to you in this dashboard, so "
                f"{page.title} is shown instead; the pages are listed in the sidebar."
            ]
        )


def run_page(page: Any) -> None:
    """Run the chosen page; an unexpected error is logged with its traceback for the team and shown to
    the user as one plain message, never as a traceback."""
    try:
        page.run()
    except DATABASE_ERRORS as exc:
        if database_health(engine(), max_age=0).ok:
            title = getattr(page, "title", page)
            logger.error("Page %r could not read its figures: %s", title, redacted(exc))
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
