"""In a real browser, against `streamlit run serve.py` as an operator would start it: a secrets file that
cannot be read (one closing quote dropped) closes the app. Every URL shows the one "Sign-in is
misconfigured" page: no navigation, no figures, no Import page, no database opened, no secret shown."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, serve_app

pytestmark = pytest.mark.browser

CLIENT_SECRET = "abc-client-secret-never-shown"
BROKEN_SECRETS = (
    "[auth]\n"
    'redirect_uri = "http://localhost:8501/oauth2callback"\n'
    'cookie_secret = "cookie-secret-never-shown"\n'
    'client_id = "id"\n'
    f'client_secret = "{CLIENT_SECRET}\n'  # the closing quote dropped
    'server_metadata_url = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"\n'
)


@pytest.fixture(scope="module")
def broken_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The app with ~/.streamlit/secrets.toml broken (HOME points at a temporary folder)."""
    home = tmp_path_factory.mktemp("home")
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(BROKEN_SECRETS)
    database = home / "never-created.db"
    log_path = home / "streamlit.log"
    env = {**os.environ, "HOME": str(home), "KPI_DATABASE_URL": f"sqlite:///{database}"}
    env.pop("KPI_DEPLOYMENT", None)
    # serve.py's start-up step on, as in production: it too must leave the database unopened.
    env["KPI_WARM_CACHES"] = "1"
    # No --server.address: the project's .streamlit/config.toml says 127.0.0.1.
    with serve_app(env, log_path) as url:
        yield url, database, log_path


@pytest.mark.parametrize("path", ["", "/import_data", "/milestones?as=lead"])
def test_a_broken_secrets_file_shows_only_the_misconfigured_page(broken_app, page, path):
    url, database, log_path = broken_app
    page.goto(url + path)
    message = page.get_by_text("Sign-in is misconfigured", exact=False)
    message.wait_for()
    page.wait_for_timeout(1500)  # let the run finish: nothing else may appear
    body = page.inner_text("body")
    assert "cannot be read" in body and "line 5" in body
    assert CLIENT_SECRET not in body and "cookie-secret-never-shown" not in body
    assert page.locator("[data-testid='stSidebarNav']").count() == 0, "no page navigation"
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    assert page.locator("[data-testid='stMetric']").count() == 0, "no figures"
    assert page.locator("[data-testid='stFileUploader']").count() == 0, "no Import page"
    assert page.locator("button:has-text('Sign in')").count() == 0
    assert "Import data" not in body and "Overview" not in body
    assert not database.exists(), "the database is never opened"
    if not path:
        screenshot(page, "fail-closed-broken-secrets")
    server_log = log_path.read_text()
    assert CLIENT_SECRET not in server_log and "cookie-secret-never-shown" not in server_log
    assert "Traceback" not in server_log
