"""Which of the sidebar's shared filters each page uses, said on every page (in the sidebar, under
"Filters") so that no filter is ignored silently: "The trust filter does not apply to this page: ...".

The rules are data, one row per page (RULES, keyed by the page's URL path); the words come from one
function (`sentence`). A filter on a page either applies (it narrows what the page shows), only adds
choices to the page's own scope picker (the Overview's "Show figures for": a chosen trust can be picked
there, but the figures shown are the scope's), or does not apply. A page without a row says nothing;
tests/ui/test_filter_use.py checks that every page has one and that each page says it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import streamlit as st

Use = Literal["applies", "offers", "unused"]
APPLIES: Use = "applies"
OFFERS: Use = "offers"
UNUSED: Use = "unused"

# The shared filters in the sidebar's order, and each one's name in a sentence ("the trust filter").
FILTERS = ("period", "collaborative", "trusts", "professions", "provisional")
NAMES = {
    "period": "period",
    "collaborative": "collaborative",
    "trusts": "trust",
    "professions": "profession",
    "provisional": "provisional\u2011months",  # a non-breaking hyphen: the sidebar is narrow
}


@dataclass(frozen=True)
class PageFilters:
    """How one page uses each shared filter, and the words a page needs to say it."""

    period: Use
    collaborative: Use
    trusts: Use
    professions: Use
    provisional: Use
    picker: str = ""  # the page's own scope choice, to which the "offers" filters add choices
    how: str = ""  # how the applying filters apply, where it is not plain (a clause)
    why_not: str = ""  # why the others do not apply (a clause)

    def using(self, use: Use) -> list[str]:
        return [name for name in FILTERS if getattr(self, name) == use]


_NONE = dict(period=UNUSED, collaborative=UNUSED, trusts=UNUSED, professions=UNUSED, provisional=UNUSED)

RULES: dict[str, PageFilters] = {
    "": PageFilters(  # the Overview (the default page's URL path is empty)
        APPLIES, OFFERS, OFFERS, APPLIES, APPLIES, picker="Show figures for"
    ),
    "grid": PageFilters(  # the KPI grid: the organisations of the scope picked on the page
        APPLIES, OFFERS, OFFERS, APPLIES, APPLIES, picker="Organisations of"
    ),
    "workstreams": PageFilters(
        APPLIES, APPLIES, UNUSED, APPLIES, APPLIES,
        why_not="it shows the system and the collaboratives, not single trusts",
    ),
    "collaboratives": PageFilters(
        APPLIES, UNUSED, UNUSED, APPLIES, APPLIES, why_not="it always shows both collaboratives, each whole"
    ),
    "trusts": PageFilters(APPLIES, APPLIES, APPLIES, APPLIES, APPLIES),
    "workforce_plan": PageFilters(
        UNUSED, OFFERS, OFFERS, APPLIES, UNUSED,
        picker="Projection for",
        why_not="the projection starts from the latest complete month of staff in post",
    ),
    "import_data": PageFilters(**_NONE, why_not="a file is checked and imported whole"),
    "milestones": PageFilters(**_NONE, why_not="the milestones are the whole programme's"),
    "submissions": PageFilters(
        APPLIES, APPLIES, APPLIES, UNUSED, UNUSED,
        how=" (the period's last 12 months; the reconciliation offers the published months among them) and "
        "narrow both the submissions and the reconciliation",
        why_not="a trust's figures come in for every profession at once, the reconciliation lists every "
        "profession, and every month is shown, complete or provisional",
    ),
    "board_pack": PageFilters(**_NONE, why_not="the pack has its own scope and month, chosen on the page"),
    "definitions": PageFilters(
        APPLIES, OFFERS, OFFERS, APPLIES, APPLIES,
        picker="Targets for",
        how=" (they decide the month whose target in force is given)",
    ),
}  # fmt: skip


def _listed(names: Sequence[str]) -> str:
    """'period', 'period and trust', 'period, trust and profession' (each filter by its NAMES word)."""
    words = [NAMES[name] for name in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _filters(names: Sequence[str]) -> str:
    return f"The {_listed(names)} filter{'s' if len(names) > 1 else ''}"


def sentence(rule: PageFilters) -> str:
    """What a page says about the sidebar's filters: which apply, which only add choices to the page's
    own picker, and which do not apply (and why)."""
    applies, offers, unused = rule.using(APPLIES), rule.using(OFFERS), rule.using(UNUSED)
    why_not = f": {rule.why_not}." if rule.why_not else "."
    if not applies and not offers:
        return f"The sidebar filters do not apply to this page{why_not}"
    if not offers and not unused:
        return f"Every sidebar filter applies to this page{rule.how}."
    parts = []
    if applies:
        parts.append(f"{_filters(applies)} appl{'y' if len(applies) > 1 else 'ies'} to this page{rule.how}.")
    if offers:
        parts.append(f"{_filters(offers)} add{'' if len(offers) > 1 else 's'} choices to “{rule.picker}”.")
    if unused:
        verb = "do" if len(unused) > 1 else "does"
        parts.append(f"{_filters(unused)} {verb} not apply to this page{why_not}")
    return " ".join(parts)


def filter_use_note(page_path: str) -> None:
    """Under the sidebar's "Filters" heading: the sentence for the page being shown (none for a page
    without a rule)."""
    rule = RULES.get(page_path)
    if rule is not None:
        st.caption(sentence(rule))
