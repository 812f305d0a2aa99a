"""In a real browser, against `streamlit run serve.py` as an operator would start it: a secrets file that
cannot be read (one closing quote dropped) closes the app. Every URL shows the one "Sign-in is
misconfigured" page: no navigation, no figures, no Import page, no database opened, no secret shown."""

from __future__ import annotations

import os
import urllib.request
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


# --- every secrets mistake: the closed page, never HTTP 500, and the health check answers -----------------

AUTH_TOML = (
    "[auth]\n"
    'redirect_uri = "http://localhost:8501/oauth2callback"\n'
    'cookie_secret = "cookie-secret-never-shown"\n'
    'client_id = "id"\n'
    f'client_secret = "{CLIENT_SECRET}"\n'
    'server_metadata_url = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"\n'
)
SHAPES = {
    # name: (the secrets file's bytes, words the closed page must say)
    "undecodable": (AUTH_TOML.replace("cookie-secret", "caf\xe9-secret").encode("cp1252"), ["not UTF-8"]),
    "value-for-section": (b'auth = "yes"\n', ["[auth] must be a section"]),
    "Auth": (AUTH_TOML.replace("[auth]", "[Auth]").encode(), ["[Auth] must be written [auth]"]),
    "AUTH": (AUTH_TOML.replace("[auth]", "[AUTH]").encode(), ["[AUTH] must be written [auth]"]),
    "unknown-key": ((AUTH_TOML + 'client_secrte = "typo-never-shown"\n').encode(), ["client_secrte"]),
    "no-flag": (b"", ["make run", "KPI_DEPLOYMENT=local"]),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_secrets_mistake_closes_the_app_and_never_answers_500(shape, page, tmp_path):
    content, words = SHAPES[shape]
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    if content:
        (home / ".streamlit" / "secrets.toml").write_bytes(content)
    database = home / "never-created.db"
    env = {**os.environ, "HOME": str(home), "KPI_DATABASE_URL": f"sqlite:///{database}"}
    if shape == "no-flag":
        env.pop("KPI_DEPLOYMENT", None)  # a bare deployment: no [auth] and nothing asking for local mode
    else:
        env["KPI_DEPLOYMENT"] = "local"  # `make run`: the mistake still closes it
    log_path = home / "streamlit.log"
    with serve_app(env, log_path) as url:
        for path in ("/_stcore/health", "/", "/import_data"):
            with urllib.request.urlopen(url + path, timeout=10) as answer:  # raises on HTTP 500
                assert answer.status == 200, path
        page.goto(url)
        page.get_by_text("Sign-in is misconfigured", exact=False).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        body = page.inner_text("body")
        for word in words:
            assert word in body, (word, body)
        assert page.locator("[data-testid='stSidebarNavLink']").count() == 0, "no page navigation"
        assert "never-shown" not in body and "Local mode" not in body
        if shape == "value-for-section":
            screenshot(page, "fail-closed-auth-value")
    server_log = log_path.read_text()
    assert "Traceback" not in server_log and "never-shown" not in server_log, server_log[-2000:]
    assert not database.exists(), "the database is never opened"
