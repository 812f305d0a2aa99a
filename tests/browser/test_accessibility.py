"""WCAG 2.2 AA in a real browser: axe-core (node_modules/axe-core, pinned in package-lock.json and
installed by `make test`) on every page and the states a user reaches, at 1440 px and at 390 px (a
phone), and on the HTML board pack.

Axe checks text contrast only for text on screen, so the main area (and the sidebar, when it is open
and scrolls) is scrolled in steps and the visual rules run again at each step. A check fails on any
violation that is not on ALLOWED: a short list of Streamlit's own markup that the app cannot change,
each pinned by a CSS selector to that markup and with the reason.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT
from tests.browser.test_dashboard import open_page, wait_idle

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
VISUAL_RULES = ["color-contrast", "target-size"]  # the rules whose result depends on what is on screen
# The layout follows the width; the windows are tall so that each page takes few scroll steps (an axe
# run costs about a second on a page of charts, however little of it is on screen).
VIEWPORTS = {"desktop": {"width": 1440, "height": 1600}, "phone": {"width": 390, "height": 1600}}
OVERLAP = 80  # px seen at two steps, so a line of text cut by the window's edge is whole at one of them


@dataclass(frozen=True)
class Allowed:
    rule: str
    selector: str  # the violating element matches it, or sits inside an element that does
    reason: str


# Streamlit's own markup that the app cannot change (no option, and CSS cannot change the DOM). Each is
# pinned to Streamlit's element by its data-testid, so the same rule anywhere else still fails.
ALLOWED = [
    Allowed(
        "list",
        "ul[data-testid='stSidebarNavItems']",
        "Streamlit's page navigation puts each section's header and its <li> links in a <div> inside "
        "the <ul>; st.navigation has no option for its markup.",
    ),
    Allowed(
        "listitem",
        "ul[data-testid='stSidebarNavItems'] li",
        "The nav links' <li> elements sit in that <div>, not directly in the <ul> (same cause).",
    ),
    Allowed(
        "svg-img-alt",
        "[data-testid='stMetric'] [data-testid='stMetricChart'] svg",
        "st.metric draws its sparkline (chart_data) as an <svg role='img'> with no title and has no "
        "option to name it; the card's label, value and delta say the same in words.",
    ),
]


def _axe_installed() -> None:
    if AXE.exists():
        return
    message = f"axe-core is not installed at {AXE.relative_to(ROOT)}: run `npm ci` (make test does)"
    if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


# One axe run at the current scroll position. Nodes are keyed by element (a WeakMap id kept on the
# window across runs), so a node seen at two scroll positions counts once; each says which allow-list
# entry, if any, covers it.
RUN_AXE = r"""
async ([tags, rules, allowed, scroller]) => {
  window.__a11yIds = window.__a11yIds || {map: new WeakMap(), next: 1};
  const ids = window.__a11yIds;
  const idOf = (el) => {
    if (!ids.map.has(el)) ids.map.set(el, ids.next++);
    return ids.map.get(el);
  };
  const options = rules ? {runOnly: {type: 'rule', values: rules}} : {runOnly: {type: 'tag', values: tags}};
  options.resultTypes = ['violations'];
  options.preload = false;  // no style sheets to fetch: none of the rules run here need them
  options.iframes = false;
  let context = document;
  if (scroller) {  // only the scroller's elements on screen: the rest was or will be checked at its step
    const inView = (e) => { const r = e.getBoundingClientRect();
      return r.width > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth; };
    const elements = document.querySelector(scroller).querySelectorAll('[data-testid=stElementContainer]');
    const shown = [...elements].filter(inView);
    if (!shown.length) return [];
    context = {include: shown};
  }
  const result = await axe.run(context, options);
  const out = [];
  for (const v of result.violations) {
    for (const n of v.nodes) {
      const sel = n.target[n.target.length - 1];
      let el = null;
      try { el = document.querySelector(Array.isArray(sel) ? sel[0] : sel); } catch (e) {}
      const covers = (a) => a.rule === v.id && (el.matches(a.selector) || el.closest(a.selector));
      const checks = n.any.concat(n.all, n.none);
      const data = checks.map(c => c.data).find(d => d && typeof d === 'object' && 'contrastRatio' in d);
      out.push({
        rule: v.id,
        key: el ? idOf(el) : JSON.stringify(n.target),
        target: JSON.stringify(n.target),
        html: n.html.slice(0, 160),
        summary: (n.failureSummary || '').split('\n').slice(1, 3).join(' ').slice(0, 200),
        contrast: data ? `${data.fgColor} on ${data.bgColor} ${data.contrastRatio}:1` : '',
        allowed: el ? allowed.findIndex(covers) : -1,
      });
    }
  }
  return out;
}
"""

SCROLLERS = r"""
() => { const out = [];
  for (const sel of ['[data-testid=stMain]', '[data-testid=stSidebarContent]']) {
    const e = document.querySelector(sel); if (!e) continue;
    const r = e.getBoundingClientRect();
    if (Math.min(r.right, innerWidth) - Math.max(r.left, 0) <= 0) continue;  // a collapsed sidebar
    out.push([sel, e.scrollHeight, e.clientHeight]);
  } return out; }
"""


SCROLL = r"""
([selector, y]) => new Promise((resolve) => {
  document.querySelector(selector).scrollTop = y;
  requestAnimationFrame(() => requestAnimationFrame(resolve));  // painted at the new position
})
"""


def axe_scrolled(page, *, streamlit: bool = True) -> list[dict]:
    """Every violation on the page: all the rules at the top, then, for Streamlit, the visual rules
    again on the elements on screen at each scroll step of the main area and of the sidebar when it is
    open. A plain document (the HTML board pack) is instead shown in a window as tall as itself, so that
    all of it is on screen at once."""
    if not streamlit:
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    page.add_script_tag(path=str(AXE))
    allowed = [{"rule": a.rule, "selector": a.selector} for a in ALLOWED]
    found: dict[tuple[str, object], dict] = {}

    def run(rules: list[str] | None, scroller: str | None = None) -> None:
        for node in page.evaluate(RUN_AXE, [TAGS, rules, allowed, scroller]):
            found.setdefault((node["rule"], node["key"]), node)

    run(None)
    steps: list[tuple[str, int]] = []
    if streamlit:
        for selector, height, visible in page.evaluate(SCROLLERS):
            step = max(200, visible - OVERLAP)
            steps += [(selector, y) for y in range(step, max(0, height - visible) + step, step)]
    for selector, y in steps:
        page.evaluate(SCROLL, [selector, y])
        run(VISUAL_RULES, selector)
    return list(found.values())


# Axe cannot rate text inside an SVG, so the charts' text (titles, ticks, labels, legends, annotations)
# is checked here: its fill, with its opacity, against the chart's white paper, for 4.5:1 (WCAG 1.4.3).
CHART_TEXT = r"""
() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const low = new Map();
  for (const t of document.querySelectorAll('.js-plotly-plot .main-svg text')) {
    const words = t.textContent.trim();
    if (!words) continue;
    const s = getComputedStyle(t);
    const m = s.fill.match(/rgba?\(([^)]+)\)/);
    if (!m) continue;
    const [r, g, b, a = 1] = m[1].split(',').map(Number);
    let alpha = a * Number(s.opacity) * Number(s.fillOpacity);
    for (let e = t.parentElement; e && !e.classList.contains('main-svg'); e = e.parentElement) {
      alpha *= Number(getComputedStyle(e).opacity);
    }
    const rgb = [r, g, b].map(c => c * alpha + 255 * (1 - alpha));  // over white
    const ratio = 1.05 / (luminance(rgb) + 0.05);
    if (ratio < 4.5) low.set(words.slice(0, 40), `${s.fill} x ${alpha.toFixed(2)}: ${ratio.toFixed(2)}:1`);
  }
  return [...low].map(([words, why]) => `${words} (${why})`);
}
"""


def keep(name: str, violations: list[dict]) -> None:
    """Every violation found, allowed or not, as a test artefact (test-artifacts/axe/, not committed)."""
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(violations, indent=1))


def report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        extra = f" ({v['contrast']})" if v["contrast"] else ""
        lines.append(f"- {v['rule']}{extra}: {v['target']}\n    {v['html']}\n    {v['summary']}")
    return "\n".join(lines)


# --- the states -----------------------------------------------------------------------------------------

PATHS = {
    "overview": "",
    "workstreams": "workstreams",
    "collaboratives": "collaboratives",
    "trusts": "trusts",
    "milestones": "milestones",
    "workforce-plan": "workforce_plan?scenario=Retention+%2B2+pts",
    "import-data": "import_data",
    "submissions": "submissions",
    "board-pack": "board_pack",
    "definitions": "definitions",
    "kpi-grid": "grid",
    "kpi-grid-cmast-concerns": "grid?scope=CMAST&grid_show=concern&grid_sort=RBS",
    "workstreams-spc": "workstreams?view=spc",
    "trusts-one-trust": "trusts?trust=RBS",  # as the sidebar's Trusts filter writes it
    # A long name chosen ("Liverpool University Hospitals (REM)"): the Trusts field beside it keeps 24 px.
    "trusts-long-trust-name": "trusts?trust=REM",
    "milestones-edit-form": "milestones",
    "import-problems": "import_data",
}


def drawn(page) -> None:
    """Wait until the page is drawn: the run finished (and any rerun it asked for), the app's CSS in
    (kpi/ui/style.py, in Streamlit's lazily loaded HTML element, a moment after the first run's elements)
    and every Plotly chart's SVG (drawn after the run ends)."""
    wait_idle(page, 300)
    page.wait_for_selector("style[data-kpi-style]", state="attached")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
        ".every(c => c.querySelector('.main-svg'))",
        timeout=30_000,
    )


def choose_a_milestone(page) -> None:
    """The lead's update form with a milestone chosen (M2), as when a milestone is about to be edited."""
    chooser = page.locator(".st-key-ms_edit_code input")
    chooser.click()
    page.keyboard.type("M2: ")
    page.get_by_role("option", name=re.compile(r"^M2: ")).click()
    wait_idle(page, 300)
    assert chooser.input_value().startswith("M2: ")
    page.locator("[data-testid='stForm']").get_by_text("Save changes").wait_for()


def upload_a_bad_file(page, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "period,trust_code,profession,kpi_code,value,numerator,denominator\n"
        "2026-13,REM,Physiotherapists,SIP_FTE,1,,\n2026-11,XYZ,,SIP_FTE,abc,,\n",
        encoding="utf-8",
    )
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    wait_idle(page, 1000)
    page.get_by_text("Nothing has been imported").first.wait_for()


@pytest.fixture(scope="module")
def contexts(browser) -> Iterator[dict]:
    """One browser context per window size for the module: the tabs opened in it share the HTTP cache,
    so the app's scripts load once, not once per check."""
    made = {name: browser.new_context(viewport=size) for name, size in VIEWPORTS.items()}
    yield made
    for context in made.values():
        context.close()


@pytest.fixture
def tabs(contexts) -> Iterator[dict]:
    """A new tab (a new Streamlit session) at each window size."""
    opened = {name: context.new_page() for name, context in contexts.items()}
    for page in opened.values():
        page.set_default_timeout(30_000)
    yield opened
    for page in opened.values():
        page.close()


@pytest.fixture(scope="module")
def html_pack(browser, app_url, tmp_path_factory) -> Path:
    """The system's HTML board pack, built and downloaded on the Board pack page."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_page(page, app_url, "board_pack?pack_format=html")
        page.get_by_role("button", name="Build the board pack").click()
        button = page.get_by_role("button", name=re.compile(r"Download board-pack_system_.*\.html"))
        button.wait_for(timeout=120_000)
        with page.expect_download() as download:
            button.click()
        path = tmp_path_factory.mktemp("pack") / download.value.suggested_filename
        download.value.save_as(path)
    finally:
        context.close()
    return path


@pytest.mark.parametrize("state", list(PATHS))
def test_no_wcag_violations_at_1440_and_390_px(tabs, app_url, tmp_path, state):
    """The state at both widths. Both tabs are opened at once, so that the server draws the phone's page
    while axe checks the laptop's."""
    _axe_installed()
    for page in tabs.values():
        page.goto(f"{app_url}/{PATHS[state]}")
    problems = []
    for viewport, page in tabs.items():
        drawn(page)
        if state == "milestones-edit-form":
            choose_a_milestone(page)
        elif state == "import-problems":
            upload_a_bad_file(page, tmp_path)
        assert page.locator("[data-testid='stException']").count() == 0
        violations = axe_scrolled(page)
        keep(f"{state}-{viewport}", violations)
        failing = [v for v in violations if v["allowed"] < 0]
        if failing:
            problems.append(f"{len(failing)} WCAG 2.2 AA violations at {viewport}:\n{report(failing)}")
        if low := page.evaluate(CHART_TEXT):
            problems.append(f"chart text under 4.5:1 on white at {viewport}: {low}")
    assert not problems, f"{state}:\n" + "\n".join(problems)


PACK_LAYOUT = r"""
() => ({
  pageWidth: document.documentElement.scrollWidth,
  banner: getComputedStyle(document.querySelector('.synthetic-bar')).position,
  chartsTooWide: [...document.querySelectorAll('.chart')]
    .filter(c => c.scrollWidth > c.clientWidth + 1).length,
  cellsOverflowing: [...document.querySelectorAll('td, th')]
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 40)),
  tablesInBoxes: [...document.querySelectorAll('table')].every(t => t.parentElement.matches('.table-scroll')),
})
"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_html_board_pack_reflows_and_has_no_wcag_violations(page, html_pack, viewport):
    """The HTML pack on a laptop and on a phone: no sideways scrolling of the page (tables scroll inside
    their own box, charts fit), no text spilling out of a table cell, the synthetic-data banner sticky
    only on a wide screen; and no axe violations."""
    _axe_installed()
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(html_pack.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    layout = page.evaluate(PACK_LAYOUT)
    assert layout["pageWidth"] <= VIEWPORTS[viewport]["width"], "the page does not scroll sideways"
    assert layout["chartsTooWide"] == 0, "every chart fits its column"
    assert layout["cellsOverflowing"] == [], "no text spills out of a table cell"
    assert layout["tablesInBoxes"], "every table scrolls inside its own box"
    assert layout["banner"] == ("sticky" if viewport == "desktop" else "static")

    violations = axe_scrolled(page, streamlit=False)
    keep(f"html-board-pack-{viewport}", violations)
    failing = [v for v in violations if v["allowed"] < 0]
    assert not failing, (
        f"{len(failing)} WCAG 2.2 AA violations in the HTML board pack at {viewport}:\n{report(failing)}"
    )


# Each chart of the HTML pack: its box, its title's and toolbar's boxes, its plot's width, how many lines
# its title has and how many icons it draws beside the plot.
PACK_CHARTS = r"""
() => [...document.querySelectorAll('.js-plotly-plot')].map(c => {
  const box = (e) => { if (!e) return null; const b = e.getBoundingClientRect();
    return {left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width}; };
  const title = c.querySelector('.gtitle');
  return {
    id: c.id,
    chart: box(c),
    title: box(title),
    titleLines: title ? Math.max(1, title.querySelectorAll('tspan.line').length) : 0,
    modebar: box(c.querySelector('.modebar')),
    plotWidth: box(c.querySelector('.nsewdrag')).width,
    icons: c.querySelectorAll('.imagelayer image').length,
  };
})
"""
READABLE_PLOT_PX = 240  # the plot of a chart on a 390 px phone: two thirds of the screen at least


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


# Whether every chart has been laid out for the window's width (narrow_charts.js marks each chart).
PACK_FITTED = """
() => [...document.querySelectorAll('.js-plotly-plot')].every(
  c => (c._kpiNarrow || false) === (c.clientWidth > 0 && c.clientWidth < 600))
"""


def pack_charts(page, width: int) -> list[dict]:
    """The pack's charts after the window is made `width` wide: the pack lays them out again a moment
    after a resize (longer on a loaded machine), so this waits until every chart is fitted and two
    readings a moment apart agree."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(400)
    page.wait_for_function(PACK_FITTED, timeout=30_000)
    charts = page.evaluate(PACK_CHARTS)
    for _ in range(20):
        page.wait_for_timeout(300)
        again = page.evaluate(PACK_CHARTS)
        if again == charts:
            break
        charts = again
    return charts


def test_html_board_pack_charts_stay_readable_on_a_phone(page, html_pack):
    """At 390 px every chart's title is whole, under the toolbar (not behind it), and its plot is at least
    240 px wide (the icons beside the plot, named in words above it, make way); at 1440 px the chart is as
    built, its title on one line and its icons beside the plot; and it follows the window both ways."""

    def opened(width: int) -> list[dict]:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(html_pack.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        return pack_charts(page, width)

    def whole_titles_clear_of_the_toolbar(charts: list[dict], width: int) -> None:
        assert len(charts) > 20, "every KPI, the plan and the milestones"
        for chart in charts:
            where = f"{chart['id']} at {width} px"
            assert not overlap(chart["title"], chart["modebar"]), f"{where}: the toolbar covers the title"
            assert chart["chart"]["left"] <= chart["title"]["left"], where
            assert chart["title"]["right"] <= chart["chart"]["right"] + 1, f"{where}: the title is cut off"

    def laid_out_for_a_phone(charts: list[dict]) -> None:
        whole_titles_clear_of_the_toolbar(charts, 390)
        narrowest = min(charts, key=lambda c: c["plotWidth"])
        assert narrowest["plotWidth"] >= READABLE_PLOT_PX, f"{narrowest['id']}: the plot is squashed"
        assert max(c["titleLines"] for c in charts) > 1, "a long title wraps"
        assert sum(c["icons"] for c in charts) == 0, "the icons beside the plot make way"

    built = opened(1440)
    whole_titles_clear_of_the_toolbar(built, 1440)
    assert all(c["titleLines"] == 1 for c in built)
    assert sum(c["icons"] for c in built) > 20, "the icons stand beside the plots"
    assert min(c["plotWidth"] for c in built) > 600

    laid_out_for_a_phone(opened(390))
    page.screenshot(path=str(ARTIFACTS / "html-pack-390.png"))
    wider = pack_charts(page, 1440)  # the same page, the window widened: back as built
    assert [(c["titleLines"], c["icons"], round(c["plotWidth"])) for c in wider] == [
        (c["titleLines"], c["icons"], round(c["plotWidth"])) for c in built
    ]
    laid_out_for_a_phone(pack_charts(page, 390))
