"""A filter selection in words and in codes: one description that chart titles, the "Showing …" line,
image captions, CSV provenance columns and file names all use, so that what leaves the page says which
professions, trusts, collaborative and period shaped it. Pure Python, no Streamlit.

Callers describe the selection that actually shaped what they show: a system total ignores the trust
choice, so a page showing only system figures passes the selection without its trusts
(`dataclasses.replace(sel, trusts=())`), and the words then do not claim a filter that changed nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from kpi.reading.window import DEFAULT_MONTHS
from kpi.selection.filters import Selection
from kpi.words.formats import month_key, month_label

ALL_PROFESSIONS = "All AHPs"
ALL_TRUSTS = "All trusts"
BOTH_COLLABORATIVES = "Both"
TITLE_NAMES = 2  # a title names up to this many professions, then says how many


@dataclass(frozen=True)
class FilterWords:
    """A selection described for people: names, not codes (codes kept for file names)."""

    collaborative: str | None
    trusts: tuple[str, ...]
    professions: tuple[str, ...]
    period_from: dt.date | None
    period_to: dt.date | None
    trust_codes: tuple[str, ...] = ()
    profession_codes: tuple[str, ...] = ()
    default_period: bool = False  # no period chosen: each KPI shows its own latest complete months

    @property
    def period(self) -> str:
        """'Nov 2023 to Oct 2026'; '' when there is no period."""
        if not self.period_to:
            return ""
        if self.period_from == self.period_to or not self.period_from:
            return month_label(self.period_to)
        return f"{month_label(self.period_from)} to {month_label(self.period_to)}"

    @property
    def professions_text(self) -> str:
        return ", ".join(self.professions) or ALL_PROFESSIONS

    @property
    def trusts_text(self) -> str:
        return ", ".join(self.trusts) or ALL_TRUSTS

    @property
    def collaborative_text(self) -> str:
        return self.collaborative or BOTH_COLLABORATIVES

    def chosen(self) -> list[str]:
        """Only the filters that narrow the data, in words: ['professions Physiotherapists',
        'collaborative CMAST', 'trusts Alder Hey, Walton Centre']. Empty under the defaults."""
        parts = []
        if self.professions:
            parts.append(f"professions {', '.join(self.professions)}")
        if self.collaborative:
            parts.append(f"collaborative {self.collaborative}")
        if self.trusts:
            parts.append(f"trusts {', '.join(self.trusts)}")
        return parts

    def filters_text(self) -> str:
        """The narrowing filters in one line ('professions Physiotherapists; collaborative CMAST'),
        or 'none' (all AHPs, all trusts, both collaboratives)."""
        return "; ".join(self.chosen()) or "none"

    def title_suffix(self) -> str:
        """What a chart title adds so that a filtered chart never reads as all AHPs: the professions
        (named when few, counted when many); '' without a profession filter. Trusts and collaboratives
        are already in a chart's legend or scope."""
        if not self.professions:
            return ""
        if len(self.professions) <= TITLE_NAMES:
            return " and ".join(self.professions)
        return f"{len(self.professions)} professions"

    def titled(self, title: str) -> str:
        """'Vacancy rate (%) · Physiotherapists'; the title unchanged without a profession filter."""
        suffix = self.title_suffix()
        return f"{title} · {suffix}" if suffix else title

    def showing(self, scope: str | None = None) -> str:
        """The line above a page's charts: 'Showing Physiotherapists · Alder Hey, Walton Centre
        (collaborative CMAST) · Nov 2023 to Oct 2026'. `scope` names what the page shows when that is
        not the trust choice (the Overview's 'C&M system')."""
        where = scope or (", ".join(self.trusts) if self.trusts else ALL_TRUSTS.lower())
        if self.collaborative and not scope:
            where = f"{where} (collaborative {self.collaborative})"
        who = ", ".join(self.professions) if self.professions else "all AHPs"
        period = (
            f"{self.period} (each KPI: its latest {DEFAULT_MONTHS} complete months)"
            if (self.default_period and self.period)
            else self.period
        )
        return " · ".join(part for part in (f"Showing {who}", where, period) if part)

    def columns(self) -> dict[str, str]:
        """The provenance columns of a CSV that come from the filters (every row carries them)."""
        return {
            "Professions": self.professions_text,
            "Trusts": self.trusts_text,
            "Collaborative": self.collaborative_text,
            "Period from": month_key(self.period_from) if self.period_from else "",
            "Period to": month_key(self.period_to) if self.period_to else "",
        }

    def stem_parts(self) -> list[str | tuple[str, ...]]:
        """The filters in codes for a file name (see charts.file_stem): collaborative, trusts and
        professions when chosen, then the period."""
        parts: list[str | tuple[str, ...]] = []
        if self.collaborative:
            parts.append(self.collaborative)
        if self.trust_codes:
            parts.append(tuple(sorted(self.trust_codes)))
        if self.profession_codes:
            parts.append(tuple(sorted(self.profession_codes)))
        if self.period_to:
            if self.period_from and self.period_from != self.period_to:
                parts.extend([month_key(self.period_from), "to"])
            parts.append(month_key(self.period_to))
        return parts


def describe(
    sel: Selection,
    *,
    trust_names: Mapping[str, str] | None = None,
    profession_names: Mapping[str, str] | None = None,
) -> FilterWords:
    """The selection in words: trust short names and profession names in place of codes."""
    trust_names = trust_names or {}
    profession_names = profession_names or {}
    return FilterWords(
        collaborative=sel.collaborative,
        trusts=tuple(trust_names.get(code, code) for code in sel.trusts),
        professions=tuple(profession_names.get(code, code) for code in sel.professions),
        period_from=sel.period_from,
        period_to=sel.period_to,
        trust_codes=tuple(sel.trusts),
        profession_codes=tuple(sel.professions),
        default_period=sel.default_period,
    )
