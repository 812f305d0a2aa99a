"""Board-facing summaries: the headline cards (read as the Making Data Count summary reads them) from the
readings, the milestones that need attention and the trust ranking. Pure pandas, no Streamlit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

import pandas as pd

from kpi.reading import Reading
from kpi.reading.tables import SPARKLINE_MONTHS, sparkline
from kpi.reference.catalogue import KPI
from kpi.words.formats import change_reading, format_change, format_value

__all__ = ["SPARKLINE_MONTHS"]  # re-exported: the Overview's sparkline column names it

# The KPIs on the Overview's headline cards: one or two per workstream that boards ask about first.
HEADLINE_KPIS = (
    "SIP_FTE",
    "VACANCY_RATE",
    "TEMP_STAFF_RATE",
    "LEAVER_RATE",
    "SICKNESS_RATE",
    "PLACEMENT_UPTAKE",
    "SUPPORT_FTE",
    "BME_SHARE",
)
# The headline cards take their colour from the Making Data Count icons (st.metric's named colours):
# the variation icon's colour; for common cause variation, the assurance icon's colour. Never the
# green/red of a month-on-month change, which would read one month's change as a signal.
# st.metric's delta_color and delta_arrow values that the cards use
CardColour = Literal["blue", "orange", "violet", "gray"]
CardArrow = Literal["up", "down", "off"]
VARIATION_CARD_COLOURS: dict[str, CardColour] = {
    "improvement": "blue",  # MDC improvement blue
    "concern": "orange",  # MDC concern orange
    "neither": "violet",  # MDC neither purple
    "common_cause": "gray",
}
ASSURANCE_CARD_COLOURS: dict[str, CardColour] = {"pass": "blue", "fail": "orange", "hit_or_miss": "gray"}
NO_ICON_COLOUR: CardColour = "gray"


@dataclass(frozen=True)
class HeadlineCard:
    """One headline card, as st.metric shows it: `reading` (the delta) is the KPI's Making Data Count
    reading in words, `colour` (delta_color) and `arrow` (delta_arrow) come from the same icons, and
    `change` (delta_description) is the month-on-month change as plain, uncoloured text. `reading` is
    None when the scope has no data for the KPI."""

    code: str
    label: str
    value: str
    reading: str | None
    colour: CardColour
    arrow: CardArrow
    change: str
    help: str
    variation: str | None = None
    assurance: str | None = None
    trend: list[float] = field(default_factory=list)
    note: str = ""  # provisional months: 'Nov 2026 provisional: 2 of 15 trusts reported'


def card_colour(variation: str | None, assurance: str | None) -> CardColour:
    """The card's colour from the icons: the variation icon's, or for common cause the assurance
    icon's; grey when there is no variation icon (too few months, or a trend)."""
    if variation is None:
        return NO_ICON_COLOUR
    if variation == "common_cause":
        return ASSURANCE_CARD_COLOURS.get(assurance or "", VARIATION_CARD_COLOURS["common_cause"])
    return VARIATION_CARD_COLOURS[variation.rsplit("_", 1)[0]]


def card_arrow(variation: str | None) -> CardArrow:
    """Up for a high-side signal, down for a low-side one, no arrow otherwise (as the icon's H/L)."""
    if variation is None or variation == "common_cause":
        return "off"
    return "up" if variation.endswith("_high") else "down"


# Short words for a card's one line (the full labels and reading are in its help and the summary).
CARD_VARIATION_WORDS = {
    "common_cause": "Common cause",
    "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)",
    "concern_high": "Concern (high)",
    "concern_low": "Concern (low)",
    "neither_high": "Unusually high",
    "neither_low": "Unusually low",
}
CARD_ASSURANCE_WORDS = {
    "pass": "meeting target",
    "fail": "failing target",
    "hit_or_miss": "hit and miss",
}
NO_ICON_WORDS = "No SPC icon"


def card_reading(reading: Reading) -> str:
    """The card's words, short enough for one line on a phone: the variation icon's and, where an
    assurance applies, the assurance icon's: 'Concern (high) · failing target'. Without a variation
    icon, 'No SPC icon' (the help and the summary say why: too few months, a rolling figure)."""
    if reading.variation is None:
        return NO_ICON_WORDS
    words = CARD_VARIATION_WORDS[reading.variation]
    if reading.target.value is not None and reading.assurance is not None:
        words = f"{words} · {CARD_ASSURANCE_WORDS[reading.assurance]}"
    return words


def _full_reading(reading: Reading) -> str:
    """The icons' full names, for the card's help: 'Special cause concern (high). Consistently failing
    target.'"""
    words = f"{reading.variation_label}."
    if reading.variation is not None and reading.target.value is not None:
        words += f" {reading.assurance_label}."
    return words


def headline_card(reading: Reading) -> HeadlineCard:
    """One headline card from the KPI's reading: the card, the summary table, the chart and the board
    pack say the same because they all render the same reading."""
    kpi = reading.kpi
    target = f"{reading.target.words(kpi.unit)}. " if reading.target.value is not None else ""
    if reading.latest is None:
        return HeadlineCard(
            code=kpi.code,
            label=kpi.name,
            value=reading.value_text,
            reading=None,
            colour=NO_ICON_COLOUR,
            arrow="off",
            change="",
            help=f"{kpi.definition}. {target}",
            note=reading.provisional_note,
        )
    change = reading.plain_change(reading.previous)
    return HeadlineCard(
        code=kpi.code,
        label=kpi.name,
        value=reading.value_text,
        reading=card_reading(reading),
        colour=card_colour(reading.variation, reading.assurance),
        arrow=card_arrow(reading.variation),
        change=change,
        help=f"{kpi.definition}. {target}Latest: {reading.month_text}. {_full_reading(reading)} "
        f"{reading.sentence} "
        f"Change on the month before: {change[:1].lower()}{change[1:]}. "
        f"Same month last year: {reading.change_words(reading.last_year)}.",
        variation=reading.variation,
        assurance=reading.assurance,
        trend=sparkline(reading),
        note=reading.provisional_note,
    )


def headline_cards(
    readings: Mapping[str, Reading], codes: Iterable[str] = HEADLINE_KPIS
) -> list[HeadlineCard]:
    """The headline cards for one scope, in `codes` order."""
    return [headline_card(readings[code]) for code in codes]


MILESTONE_ATTENTION_COLUMNS = ["code", "title", "status", "due", "why"]


def milestones_needing_attention(milestones: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Milestones that are at risk, off track, or overdue (not complete and due before today)."""
    rows = []
    now = pd.Timestamp(today)
    for row in milestones.itertuples():
        status = cast(str, row.status)
        # Date columns hold Timestamps, or NaT where the date is missing.
        forecast_due = cast(pd.Timestamp, row.forecast_due)
        baseline_due = cast(pd.Timestamp, row.baseline_due)
        if status == "complete":
            continue
        due = forecast_due if pd.notna(forecast_due) else baseline_due
        reasons: list[str] = []
        if status in ("at risk", "off track"):
            reasons.append(status.capitalize())
        if pd.notna(due) and due < now:
            reasons.append(f"Overdue since {due:%d/%m/%Y}")
        elif pd.notna(forecast_due) and forecast_due > baseline_due:
            reasons.append(f"Forecast {forecast_due:%d/%m/%Y}, after baseline {baseline_due:%d/%m/%Y}")
        if reasons:
            rows.append(
                {
                    "code": row.code,
                    "title": row.title,
                    "status": row.status,
                    "due": due,
                    "why": "; ".join(reasons),
                }
            )
    return pd.DataFrame(rows, columns=MILESTONE_ATTENTION_COLUMNS)


def milestone_status_counts(milestones: pd.DataFrame) -> dict[str, int]:
    order = ["complete", "on track", "at risk", "off track", "not started"]
    counts = milestones["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in order}


RANKING_COLUMNS = [
    "rank",
    "trust",
    "ods_code",
    "collaboratives",
    "value",
    "shown",
    "numerator",
    "denominator",
    "against_system",
]


def rank_trusts(
    trust_rows: pd.DataFrame,
    system_value: float | None,
    kpi: KPI,
    trust_names: dict[str, str],
    trust_collaboratives: dict[str, list[str]],
) -> pd.DataFrame:
    """Trusts for one KPI and month, best first for the KPI's direction (largest first when neither
    direction is better), each read against the system figure. Ties share a rank."""
    if trust_rows.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    ascending = kpi.improvement == "down"
    rows = trust_rows.sort_values(["value", "scope_code"], ascending=[ascending, True]).reset_index(drop=True)
    ranks = rows["value"].rank(method="min", ascending=ascending).astype(int)

    def against(value: float) -> str:
        if system_value is None or pd.isna(system_value):
            return ""
        reading = change_reading(value - system_value, kpi.improvement, kpi.decimals)
        if reading in ("", "no change"):
            return "Same as the system"
        return f"{format_change(value - system_value, kpi.unit, kpi.decimals)} vs system ({reading})"

    return pd.DataFrame(
        {
            "rank": ranks,
            "trust": rows["scope_code"].map(lambda c: trust_names.get(c, c)),
            "ods_code": rows["scope_code"],
            "collaboratives": rows["scope_code"].map(
                lambda c: ", ".join(trust_collaboratives.get(c, [])) or "–"
            ),
            "value": rows["value"].round(4),
            "shown": rows["value"].map(lambda v: format_value(v, kpi.unit, kpi.decimals)),
            "numerator": rows["numerator"],
            "denominator": rows["denominator"],
            "against_system": rows["value"].map(against),
        },
        columns=RANKING_COLUMNS,
    )
