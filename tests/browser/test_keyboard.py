"""The keyboard alone, in a real browser: a month's file imported on the Import data page (Tab to the
uploader, choose the file, Tab to Import, Enter) and a milestone updated in its form (Tab to the fields,
type, Enter on Save), with the focus landing on what each action produced (the checked file's heading,
the import's result, the save's message) and every control showing it.
On a database of its own, since both write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.seed.demo import last_complete_month
from kpi.words.months import add_months
from tests.browser.conftest import demo_app, screenshot
from tests.browser.test_dashboard import open_page, wait_idle
from tests.browser.test_import import HEADER

pytestmark = pytest.mark.browser

# The focused element: its accessible name as a user hears it (aria-label, else its text), its tag, role
# and the data-testids around it, and whether it shows the app's focus style (kpi/ui/style.py: NHS focus
# yellow with the dark text colour, or for the scrolling main area a dark inset ring) on itself or on the
# field box around it (up to five levels up, where a text field's or a select's ring is drawn) or, for a
# checkbox or switch (a hidden input), on the box drawn beside it.
FOCUSED = r"""
() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {name: '', tag: 'body', testids: [], shown: false};
  const testids = [];
  for (let a = e; a && a !== document.body; a = a.parentElement) {
    const t = a.getAttribute('data-testid'); if (t) testids.push(t);
  }
  const yellow = 'rgb(255, 235, 59)', dark = 'rgb(33, 43, 50)';
  const ringed = (a) => { const s = getComputedStyle(a);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return (outline && (s.outlineColor === yellow || s.outlineColor === dark))
      || s.boxShadow.includes(yellow) || s.backgroundColor === yellow; };
  let shown = false;
  for (let a = e, up = 0; a && up < 6 && !shown; a = a.parentElement, up++) shown = ringed(a);
  const box = e.type === 'checkbox' && e.closest('label')?.querySelector(':scope > span + div');
  shown = shown || Boolean(box && ringed(box));  // a checkbox's or switch's drawn box
  const name = (e.getAttribute('aria-label') || e.innerText || e.value || '').replace(/\s+/g, ' ').trim();
  return {name, tag: e.tagName.toLowerCase(), role: e.getAttribute('role'), testids, shown};
}
"""


@pytest.fixture(scope="module")
def keyboard_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a database of its own, with the demo history (these tests import and save)."""
    with demo_app(tmp_path_factory, "keyboard") as url:
        yield url


# Resolves once nothing on the page has changed for 750 ms (or after 20 s whatever happens).
SETTLED = """() => new Promise((resolve) => {
  let timer;
  const done = () => { observer.disconnect(); resolve(true); };
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 750); });
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  timer = setTimeout(done, 750);
  setTimeout(done, 20000);
})"""


def open_styled(page, app_url: str, path: str) -> None:
    """Open a page, wait for the app's CSS (it arrives a moment after the first run's elements) and then
    for the page to be still: a keyboard user starts once it is drawn, and an element drawn again while
    the Tab key goes through the page would drop the focus to the page itself."""
    open_page(page, app_url, path)
    page.wait_for_selector("style[data-kpi-style]", state="attached")
    page.evaluate(SETTLED)


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, name: str | re.Pattern, *, limit: int = 120) -> dict:
    """Press Tab until the focused control's name matches `name`; each control on the way must show
    that it has the focus."""
    pattern = name if isinstance(name, re.Pattern) else re.compile(re.escape(name))
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        # A table's cells are drawn on a canvas, with the table's own focus ring around the cell.
        if now["tag"] != "canvas":
            assert now["shown"], f"no visible focus on {now}, after {passed}"
        if pattern.search(now["name"]):
            return now
        passed.append(now["name"][:40])
    raise AssertionError(f"{name!r} not reached in {limit} presses of Tab; passed {passed}")


def test_import_a_file_by_keyboard_alone(page, keyboard_app, tmp_path: Path):
    month = add_months(last_complete_month(), 1)  # after the demo history: every figure is new
    good = tmp_path / "next-month.csv"
    good.write_text(
        HEADER + f"{month:%Y-%m},REM,Physiotherapists,SIP_FTE,312.4,,\n"
        f"{month:%Y-%m},REM,Physiotherapists,VACANCY_RATE,,24.6,337\n",
        encoding="utf-8",
    )
    # Playwright catches the browser's file chooser only once it listens for it, which takes a moment:
    # listen from the start, so that the chooser the key press opens is always caught.
    chosen: list = []
    page.on("filechooser", lambda chooser: chosen.append(chooser))
    open_styled(page, keyboard_app, "import_data")

    tab_to(page, re.compile(r"^(upload )?Upload$"))
    page.keyboard.press("Enter")
    for _ in range(50):
        if chosen:
            break
        page.wait_for_timeout(100)
    assert chosen, "Enter on the Upload button opens the file chooser"
    chosen[0].set_files(str(good))
    wait_idle(page, 1000)
    heading = page.get_by_role("heading", name="Checked: next-month.csv")
    heading.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'H3'")
    assert focused(page)["name"] == "Checked: next-month.csv", "the focus is on what the upload produced"
    new = page.locator("[data-testid='stMetric']").filter(has_text="New figures")
    assert new.locator("[data-testid='stMetricValue']").inner_text().strip() == "2"
    screenshot(page, "keyboard-import-preview")

    tab_to(page, re.compile(r"^(upload )?Import$"))
    page.keyboard.press("Enter")
    wait_idle(page, 1000)
    success = page.locator("[data-testid='stAlert']").filter(has_text="Imported next-month.csv")
    success.wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('[data-testid=stAlert]')"
    )
    assert "Imported next-month.csv" in focused(page)["name"], "the focus is on the import's result"
    assert page.get_by_role("button", name="Import", exact=True).count() == 0
    screenshot(page, "keyboard-import-done")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def history_count(page) -> int:
    label = page.locator("[data-testid='stExpander'] summary").filter(has_text="Update history").inner_text()
    return int(re.search(r"\((\d+) change", label).group(1))


def test_update_a_milestone_by_keyboard_alone(page, keyboard_app):
    open_styled(page, keyboard_app, "milestones")
    changes = history_count(page)
    tab_to(page, re.compile(r"^Milestone$"))  # the form's milestone chooser
    page.keyboard.type("M2: ")  # narrows the list to M2
    expect(page.get_by_role("option")).to_have_count(1)
    highlighted = page.locator("[role='option'][data-focused]")
    for _ in range(3):  # the list keeps the highlight it had; move it onto M2 if it is not there
        if highlighted.count() and highlighted.inner_text().startswith("M2: "):
            break
        page.keyboard.press("ArrowDown")
    expect(highlighted).to_have_text(re.compile(r"^M2: "))
    page.keyboard.press("Enter")
    wait_idle(page)
    chooser = page.locator("[data-testid='stSelectbox']").filter(has_text="Milestone").first
    assert chooser.locator("input").input_value().startswith("M2: ")

    tab_to(page, re.compile(r"^Notes$"))
    page.keyboard.press("Control+A")
    page.keyboard.type("Agreed at the November board; typed by keyboard alone.")
    tab_to(page, "Save changes")
    page.keyboard.press("Enter")
    wait_idle(page, 1000)
    saved = page.locator("[data-testid='stAlert']").filter(has_text="Saved M2")
    saved.wait_for()
    assert "Saved M2: notes updated." in saved.inner_text()
    notes = page.locator("[data-testid='stTextArea'] textarea")
    assert notes.input_value() == "Agreed at the November board; typed by keyboard alone."
    assert history_count(page) == changes + 1
    # The focus moves from Save to the message (Streamlit would leave it on Save), which shows it, is on
    # screen and is in a live region (Streamlit's st.success is role=status); Shift+Tab goes back to Save.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('[data-testid=stAlert]')"
    )
    now = focused(page)
    # (innerText starts with the icon's ligature, which is hidden from screen readers)
    assert now["name"].endswith("Saved M2: notes updated."), f"the focus is on the save's result, not {now}"
    assert now["shown"], "the message shows that it has the focus"
    assert page.get_by_role("status").filter(has_text="Saved M2").count() == 1
    assert saved.is_visible() and in_viewport(page, saved)
    screenshot(page, "keyboard-milestone-saved")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"].endswith("Save changes"), "one step back is the Save button"


def test_a_charts_data_table_opens_by_keyboard_and_by_mouse(page, keyboard_app):
    """A chart's "Data table" is drawn only when opened (a rerun): by Enter on its summary, with the
    focus staying there, and by a click; the others stay closed and empty."""
    open_styled(page, keyboard_app, "workstreams")
    blocks = page.locator("[data-testid='stExpander']").filter(has_text="Data table")
    assert blocks.count() >= 2
    assert page.locator("[data-testid='stExpander'] [data-testid='stTable']").count() == 0, "none drawn"
    summary = blocks.first.locator("summary")
    summary.focus()  # the keyboard from here (Tab order and focus rings: the tests above)
    expect(summary).to_be_focused()
    now = focused(page)
    page.keyboard.press("Enter")
    wait_idle(page)  # opening reruns the page, which draws the table
    first = blocks.first.locator("[data-testid='stTable']")
    expect(first).to_contain_text("C&M system", timeout=60_000)  # a column per line drawn
    expect(first.locator("tbody tr").first).to_contain_text(re.compile(r"[A-Z][a-z]{2} \d{4}"))  # a month
    wait_idle(page)
    after = focused(page)
    assert after["tag"] == now["tag"] == "summary" and after["name"].endswith("Data table"), "focus stays"
    assert "stExpander" in after["testids"]
    expect(blocks.first.locator("summary")).to_be_focused()
    blocks.nth(1).locator("summary").click()
    wait_idle(page)
    expect(blocks.nth(1).locator("[data-testid='stTable']")).to_contain_text("C&M system", timeout=60_000)
    assert page.locator("[data-testid='stExpander'] [data-testid='stTable']").count() == 2, "only those two"
