"""Local mode (no sign-in, anyone may act as the workforce lead) is never reachable through a proxy.

One server in local mode (`make run`'s KPI_DEPLOYMENT=local, on 127.0.0.1) and real nginx in front of it,
as the README's replica recipe would put it with the production flag and the secrets forgotten:

- through nginx as deploy/nginx.conf.template configures it (X-Forwarded-For), an anonymous visitor gets
  only the "Sign-in is misconfigured" page naming the header, while a browser on this machine going
  straight to the same server gets local mode;
- through a proxy that does not add X-Forwarded-For but passes the public host name (Host $host), the
  Host header gives it away.

Needs nginx (apt-get install nginx); skips without it unless KPI_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.browser.conftest import _free_port, demo_app, screenshot
from tests.browser.test_replicas import nginx, render_proxy_config, serve_proxy  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
CLOSED = "Sign-in is misconfigured"


@pytest.fixture(scope="module")
def local_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_app(tmp_path_factory, "proxy-mode") as url:
        yield url


def closed_page_only(page) -> str:
    """The misconfigured page and nothing else: no navigation, figures, uploader or role switch."""
    page.get_by_text(CLOSED, exact=False).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let the run finish: nothing else may appear
    body = page.inner_text("body")
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0, "no page navigation"
    assert page.locator("[data-testid='stMetric']").count() == 0, "no figures"
    assert page.locator("[data-testid='stFileUploader']").count() == 0, "no Import page"
    assert "Local mode" not in body and "Acting as" not in body
    return body


def local_mode(page) -> None:
    page.get_by_text("Local mode", exact=False).wait_for(timeout=60_000)
    assert page.locator("[data-testid='stSidebarNavLink']").count() > 0
    assert CLOSED not in page.inner_text("body")


def test_through_nginx_the_closed_page_and_straight_to_the_app_local_mode(nginx, local_app, page, tmp_path):  # noqa: F811
    with ExitStack() as stack:
        port = _free_port()
        config = render_proxy_config(port, [local_app], tmp_path / "proxy")
        proxy = serve_proxy(nginx, config, tmp_path / "proxy", port, stack)
        page.goto(proxy)
        body = closed_page_only(page)
        assert "X-Forwarded-For" in body and "proxy" in body and "KPI_DEPLOYMENT=production" in body
        screenshot(page, "proxy-mode-closed-through-nginx")
        page.goto(f"{proxy}/import_data?as=lead")
        closed_page_only(page)
        page.goto(local_app)  # the same server, straight from this machine
        local_mode(page)


def test_a_proxy_that_does_not_say_so_is_known_by_the_host_it_passes(nginx, local_app, page, tmp_path):  # noqa: F811
    with ExitStack() as stack:
        port = _free_port()
        prefix = tmp_path / "quiet-proxy"
        config = render_proxy_config(port, [local_app], prefix, forwarded_for=False)
        config.write_text(
            config.read_text().replace(
                "proxy_set_header Host $http_host;", "proxy_set_header Host dash.example.nhs.uk;"
            )
        )
        proxy = serve_proxy(nginx, config, prefix, port, stack)
        page.goto(proxy)
        body = closed_page_only(page)
        assert "Host header" in body and "X-Forwarded-For" not in body
        assert "dash.example.nhs.uk" not in body, "names the header, not its value"
