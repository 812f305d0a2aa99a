"""Nothing is requested from outside the machine: a walk through every page (each opened, a chart's
controls and the sidebar drawn, the board pack page, the Import page as the lead) records every request the
browser makes, and none goes to another host. An NHS network without a way out would otherwise log a
failed request on every page (the page icon was fetched from fonts.gstatic.com). Every font the pages
use is served by the app itself."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.test_dashboard import open_page

pytestmark = pytest.mark.browser

PAGES = [
    "",
    "workstreams",
    "collaboratives",
    "trusts",
    "workforce_plan",
    "milestones",
    "submissions",
    "board_pack",
    "definitions",
    "import_data?as=lead",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Recorder:
    """Every request a page makes (documents, scripts, styles, fonts, images, fetches, websockets)."""

    def __init__(self, page) -> None:
        self.requests: list[tuple[str, str]] = []
        page.on("request", lambda request: self.requests.append((request.resource_type, request.url)))
        page.on("websocket", lambda socket: self.requests.append(("websocket", socket.url)))

    def outside(self) -> list[str]:
        return sorted({url for _, url in self.requests if _host(url) not in LOCAL_HOSTS | {None}})

    def fonts(self) -> list[str]:
        return [url for kind, url in self.requests if kind == "font"]


def _host(url: str) -> str | None:
    """The host a request goes to; None for what never leaves the browser (data:, blob:, about:)."""
    parts = urlsplit(url)
    return parts.hostname if parts.scheme in ("http", "https", "ws", "wss") else None


def test_a_walk_through_every_page_requests_nothing_from_another_host(app_url, page):
    recorder = Recorder(page)
    for path in PAGES:
        open_page(page, app_url, path)
        assert page.locator("[data-testid='stSidebarNavLink']").count() > 0, f"{path or 'Overview'} opened"
    page.wait_for_timeout(1000)  # late requests (the page icon, fonts) of the last page
    assert len(recorder.requests) > 20, "the recorder saw the walk"
    assert recorder.outside() == []
    fonts = recorder.fonts()
    assert fonts, "the pages use fonts"
    assert all(_host(url) in LOCAL_HOSTS for url in fonts), fonts
    icon = page.locator("link[rel='shortcut icon'], link[rel='icon']").first.get_attribute("href")
    assert icon and (icon.startswith("data:image/svg+xml") or _host(icon) in LOCAL_HOSTS), icon


def test_the_recorder_catches_a_request_to_another_host(app_url, page):
    """The other side: a request that does leave the machine is seen (and fails: there is no way out)."""
    recorder = Recorder(page)
    open_page(page, app_url, "definitions")
    page.evaluate("() => fetch('https://fonts.gstatic.com/s/i/x.svg').catch(() => null)")
    page.wait_for_timeout(500)
    assert recorder.outside() == ["https://fonts.gstatic.com/s/i/x.svg"]
