"""In a real browser, a link crafted to put a fake sign-in link or an outside image into the app's own
warning shows its text as words: no link to the outside site, no image fetched from it."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import open_page

pytestmark = pytest.mark.browser

PROFESSION = "**x** [Sign in again](https://evil.example/login)"
TRUST = "![x](http://127.0.0.1:9/p.png)"


def test_a_crafted_link_shows_its_payload_as_plain_text(page, app_url):
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    open_page(page, app_url, f"?profession={quote(PROFESSION)}&trust={quote(TRUST)}")
    screenshot(page, "injection")
    main = page.locator("[data-testid='stMain']")
    warning = main.locator("[data-testid='stAlert']").filter(has_text="could not be used")
    assert warning.count() == 1
    text = warning.inner_text().replace("\u2060", "")  # the invisible word joiner that stops autolinks
    assert "Sign in again" in text and "https://evil.example/login" in text  # shown, as words
    assert "![x](http://127.0.0.1:9/p.png)" in text
    assert main.locator("a[href*='evil.example']").count() == 0
    assert main.locator("img[src*='127.0.0.1:9']").count() == 0
    assert warning.locator("li strong, li a, li img").count() == 0  # no bold, link or image from it
    hosts = {urlsplit(url).netloc for url in fetched}
    assert not hosts & {"127.0.0.1:9", "evil.example"}, hosts  # nothing fetched from either


def test_an_unknown_page_name_with_a_link_stays_words(page, app_url):
    open_page(page, app_url, quote("[Sign in again](https://evil.example/login)", safe=""))
    main = page.locator("[data-testid='stMain']")
    assert main.locator("a[href*='evil.example']").count() == 0
    assert "Sign in again" in main.inner_text()
