"""The app's global CSS, injected once at the top of every run (app.py): what the theme in
.streamlit/config.toml cannot say, for WCAG 2.2 AA (checked by tests/browser/test_accessibility.py and
tests/browser/test_keyboard.py); and where the keyboard's focus goes when Streamlit would drop it.

- Captions in the NHS secondary text colour #4C6272 (6.4:1 on white, 5.8:1 on the sidebar's #F0F4F5)
  instead of Streamlit's body text at 60% opacity (4.0:1 and 3.9:1): st.caption, page intros, "Data as
  at", the metric cards' delta notes.
- Focus: the NHS design system's focus pattern on every control, so the keyboard user always sees where
  they are: links and nav links turn focus yellow (#FFEB3B) with a dark (#212B32) bar beneath; buttons,
  radios, tabs, checkboxes and fields get a dark ring inside a yellow one. The dark part is at least
  11.8:1 against white, the sidebar and the yellow (WCAG 1.4.11 asks 3:1); Streamlit's own rings are a
  half-transparent blue (2.3:1 on white) or, on the nav links, a grey tint (1.09:1).
- A table's toolbar, shown on hover, is shown too while the keyboard's focus is in it.
- A metric card's change in words wraps under its badge instead of ending in an ellipsis.
- Target size (WCAG 2.5.8, 24 px): the multiselect's "Clear all" and the date fields' day, month and
  year boxes, which are smaller at our base font size of 15 px; and a multiselect's own text field (the
  combobox), which a long chosen name squeezed to 11 px wide (Trusts: "Liverpool University Hospitals").
- The collapsed sidebar (on a phone, or closed by the user) is hidden, not only slid off screen, so its
  controls leave the Tab order and the screen reader's view until it is opened.

Focus that Streamlit drops on the page body is put somewhere sensible by a small component of fixed
JavaScript (no user text in it): opening the sidebar from its button (which then disappears) focuses
the sidebar's first control and closing it focuses the open button; and `focus_on` lets a page move
the focus to what a user's action produced (Import data: the checked file's heading after an upload,
the result after an import; Milestones: the message after a save), with a new `focus_nonce` each time.

The selectors use Streamlit's data-testid attributes and ARIA attributes, never its generated class
names (which change between releases), under .stApp.stApp so that they outrank Streamlit's own rules
(one to three classes) whatever order the style sheets arrive in, without !important. Colours are the
NHS identity colours.
"""

from __future__ import annotations

import re

import streamlit as st

FOCUS_YELLOW = "#FFEB3B"  # NHS focus colour
FOCUS_DARK = "#212B32"  # NHS text colour: the part of the focus style that carries the contrast
SECONDARY_TEXT = "#4C6272"  # NHS secondary text colour

CSS = f"""
<style data-kpi-style>
/* The containers of this style and of the focus component: no space in the page. */
.stApp.stApp [data-testid="stElementContainer"]:has(> [data-testid="stHtml"] [data-kpi-hidden]),
.stApp.stApp [data-testid="stElementContainer"][class*="st-key-kpi_focus_"] {{
  display: none;
}}

/* What a script moved the focus to (a heading, a message) shows it, as a control would. */
.stApp.stApp [data-kpi-focused]:focus {{
  outline: 3px solid {FOCUS_YELLOW};
  outline-offset: 2px;
  box-shadow: 0 0 0 2px {FOCUS_DARK};
}}

/* Captions: NHS secondary text, not body text at 60% opacity. */
.stApp.stApp [data-testid="stCaptionContainer"] {{
  color: {SECONDARY_TEXT};
  opacity: 1;
}}

/* Focus, NHS pattern. Links (nav links, the skip link, links in text): yellow with a dark bar. */
.stApp.stApp a:focus-visible {{
  outline: 3px solid transparent; /* shows in Windows high-contrast mode */
  background-color: {FOCUS_YELLOW};
  box-shadow: 0 -2px {FOCUS_YELLOW}, 0 4px {FOCUS_DARK};
  color: {FOCUS_DARK};
  text-decoration: none;
}}
.stApp.stApp [data-testid="stSidebarNavLink"]:focus-visible span {{
  color: {FOCUS_DARK};
}}

/* Everything else that takes the focus (buttons, radios, tabs, switches, expanders, help icons, table
   toolbars and tables, date parts, chips): a dark ring inside a yellow one. */
.stApp.stApp :focus-visible:not(a, input, textarea) {{
  outline: 3px solid {FOCUS_YELLOW};
  outline-offset: 2px;
  box-shadow: 0 0 0 2px {FOCUS_DARK};
}}

/* Text fields, selects, multiselects, date fields and text areas: the ring goes on the field's box,
   not on the bare input inside it. */
.stApp.stApp :is([data-testid="stTextInputRootElement"], [data-testid="stTextAreaRootElement"],
           [data-testid="stNumberInputContainer"], [data-testid="stDateInputField"],
           [data-testid="stSelectbox"] [data-rac][role="group"],
           [data-testid="stMultiSelect"] [data-rac][role="group"]):has(:is(input, textarea):focus-visible) {{
  outline: 3px solid {FOCUS_YELLOW};
  outline-offset: 0;
  box-shadow: inset 0 0 0 2px {FOCUS_DARK};
}}
.stApp.stApp :is(input, textarea):focus-visible {{
  outline: none;
}}

/* Checkboxes and switches: the input is visually hidden; ring the box or track drawn after it. */
.stApp.stApp [data-testid="stCheckbox"] label:has(input:focus-visible) > span + div {{
  outline: 3px solid {FOCUS_YELLOW};
  outline-offset: 2px;
  box-shadow: 0 0 0 2px {FOCUS_DARK};
}}

/* A table's toolbar (show/hide columns, download, search, fullscreen) shows on hover only; show it too
   while one of its buttons has the keyboard's focus, or the focus ring is drawn on an invisible button
   behind the table. Streamlit's own hover rule, for :focus-within. */
.stApp.stApp [data-testid="stElementToolbar"]:focus-within {{
  opacity: 1;
  top: calc(-1 * (1.25rem + max(1.5rem, 24px)));
  z-index: 1;
}}

/* The scrolling main area and the sidebar take focus to scroll by keyboard: an inset dark ring. */
.stApp.stApp [data-testid="stMain"]:focus-visible,
.stApp.stApp [data-testid="stSidebarContent"]:focus-visible {{
  outline: 3px solid {FOCUS_DARK};
  outline-offset: -3px;
}}

/* A metric card's change in words ("+21.0 FTE on Sep 2026", beside its reading badge) is cut to one line
   with an ellipsis by Streamlit ("+21.0 FTE o…" in two cards a row at 820 px): let it go under the badge
   and wrap. */
.stApp.stApp [data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) {{
  flex-wrap: wrap;
}}
.stApp.stApp [data-testid="stMetric"] [data-testid="stCaptionContainer"] {{
  white-space: normal;
  overflow: visible;
  text-overflow: clip;
}}

/* Target size, WCAG 2.5.8: at least 24 by 24 px. */
.stApp.stApp [data-testid="stMultiSelect"] button[aria-label="Clear all"] {{
  min-width: 24px;
  min-height: 24px;
}}
/* The field one types in to add another choice: beside a long chosen name it goes under it, 24 px wide,
   instead of shrinking beside it. */
.stApp.stApp [data-testid="stMultiSelect"] input[role="combobox"] {{
  min-width: 24px;
}}
.stApp.stApp [data-testid="stDateInputField"] [role="spinbutton"] {{
  display: inline-block;
  min-width: 24px;
  min-height: 24px;
  line-height: 24px;
  text-align: center;
}}

/* The collapsed sidebar is hidden once it has slid away, so its controls are not in the Tab order. Its
   descendants too: widget labels set their own visibility, which would keep their help buttons. */
.stApp.stApp [data-testid="stSidebar"][data-collapsed="true"],
.stApp.stApp [data-testid="stSidebar"][data-collapsed="true"] * {{
  visibility: hidden;
  transition: transform 0.3s, min-width 0.3s, max-width 0.3s, visibility 0s linear 0.3s;
}}
</style>
"""


# Focus that Streamlit drops, as a CCv2 component (Streamlit's way to run JavaScript in the page; it
# runs again whenever its data changes). One component, two jobs:
# - "sidebar": opening the sidebar by its button hides that button, and closing it hides the close
#   button in the (now hidden) sidebar, so Streamlit leaves the focus on a hidden button or the body and
#   the next Tab goes on from there: move it to the sidebar's first control, or to the open button. Set
#   up once per page.
# - "target": move the focus to the first heading or message in st.container(key=target), once it is
#   drawn, when "nonce" is new.
FOCUS_JS = """
const moved = new Map();  // target -> the last nonce acted on

function keepSidebarFocus() {
  if (window.__kpiSidebarFocus) return;
  window.__kpiSidebarFocus = true;
  const lost = () => {
    const e = document.activeElement;
    return !e || e === document.body || (e.checkVisibility && !e.checkVisibility({visibilityProperty: true}));
  };
  new MutationObserver((records) => {
    for (const record of records) {
      const bar = record.target;
      if (bar.getAttribute('data-testid') !== 'stSidebar') continue;
      setTimeout(() => {
        if (!lost()) return;
        const open = bar.getAttribute('data-collapsed') === 'false';
        const next = open ? bar.querySelector('button, a[href]')
                          : document.querySelector('[data-testid=stExpandSidebarButton]');
        if (next) next.focus();
      }, 120);
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-collapsed']});
}

function focusInto(target) {
  const deadline = Date.now() + 5000;
  const go = () => {
    const box = document.querySelector('.st-key-' + CSS.escape(target));
    const found = box && box.querySelector('h1, h2, h3, h4, [data-testid=stAlert]');
    if (!found) { if (Date.now() < deadline) setTimeout(go, 50); return; }
    if (!found.hasAttribute('tabindex')) found.setAttribute('tabindex', '-1');
    found.setAttribute('data-kpi-focused', '');
    found.focus({preventScroll: true});
    found.scrollIntoView({block: 'center'});
  };
  go();
}

export default function ({ data }) {
  if (data && data.sidebar) keepSidebarFocus();
  if (data && data.target && data.nonce && moved.get(data.target) !== data.nonce) {
    moved.set(data.target, data.nonce);
    focusInto(data.target);
  }
}
"""
_FOCUS = st.components.v2.component("kpi_focus", js=FOCUS_JS)
_KEY = re.compile(r"[A-Za-z0-9_-]+")


def apply_global_style() -> None:
    """Inject the app's CSS as the page's first element (hidden by its own first rule), then the focus
    component for the sidebar. Not a style-only st.html: Streamlit sends that to the event container,
    which a browser draws only after the first run has drawn the page, so the page would first show
    unstyled (and, on a phone, with the closed sidebar still in the Tab order). Call once per run,
    before anything else is drawn; the same content each run, so the browser keeps both."""
    st.html(CSS + "<span data-kpi-style data-kpi-hidden hidden></span>")
    _FOCUS(data={"sidebar": True}, key="kpi_focus_sidebar", height=0)


def focus_on(key: str, nonce: str | None) -> None:
    """Move the keyboard focus to the first heading or message (alert) inside `st.container(key=key)`,
    once it is drawn, and bring it into view; with `nonce` None, do nothing. Give a nonce only in the
    run after the user's action: a rerun for another reason must leave the focus where the user put it.
    Call it in every run at the same place either way, so that the elements after it keep their places.
    A new `nonce` (letters, digits, _ and -) moves the focus again."""
    if not _KEY.fullmatch(key) or (nonce is not None and not _KEY.fullmatch(nonce)):
        raise ValueError(f"focus_on needs a plain key and nonce, not {key!r} and {nonce!r}")
    _FOCUS(data={"target": key, "nonce": nonce}, key=f"kpi_focus_{key}", height=0)


def focus_nonce(key: str) -> str:
    """A new nonce for `focus_on(key, ...)`, for the run after a user's action (a counter in the session,
    so that the same action twice moves the focus twice)."""
    count = int(st.session_state.get(f"kpi_focus_count_{key}", 0)) + 1
    st.session_state[f"kpi_focus_count_{key}"] = count
    return str(count)
