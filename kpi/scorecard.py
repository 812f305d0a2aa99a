"""Board-facing summaries: the KPI scorecard (latest value, changes read as better or worse, target,
trend) for one scope, the headline cards (read as the Making Data Count summary reads them), and the
milestones that need attention. Pure pandas, no Streamlit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kpi import provisional
from kpi.formats import KPI, change_reading, format_change, format_target, format_value, month_label

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
SPARKLINE_MONTHS = 24

SCORECARD_COLUMNS = [
    "kpi_code",
    "workstream",
    "kpi",
    "month",
    "latest",
    "value",
    "target",
    "vs_previous",
    "previous_change",
    "previous_month",
    "previous_reading",
    "vs_last_year",
    "last_year_reading",
    "trend",
    "unit",
    "provisional_note",
]


def describe_change(delta: float | None, kpi: KPI, when: str) -> str:
    """'+0.4 pts on Sep 2026 (worse)'; '–' where there is nothing to compare with."""
    reading = change_reading(delta, kpi.improvement, kpi.decimals)
    if not reading:
        return "–"
    if reading == "no change":
        return f"No change on {when}"
    return f"{format_change(delta, kpi.unit, kpi.decimals)} on {when} ({reading})"


def scorecard(
    latest: pd.DataFrame,
    series: pd.DataFrame,
    kpis: dict[str, KPI],
    scope: str,
    workstream_names: dict[str, str],
    include_provisional: bool = False,
) -> pd.DataFrame:
    """One row per KPI (catalogue order) for `scope`: KPIs with no data in the range are listed too,
    so the board sees what is missing rather than a silent gap. `latest` comes from
    queries.latest_values with the same `include_provisional`: the latest complete month unless
    provisional months are included (then a provisional month says so). `provisional_note` says what
    is provisional ('Nov 2026 provisional: 2 of 15 trusts reported'); the sparkline leaves provisional
    months out unless they are included."""
    rows = []
    latest = latest[latest["scope_code"] == scope].set_index("kpi_code")
    scoped = series[series["scope_code"] == scope]
    trends = provisional.used(scoped, include_provisional).sort_values("period").groupby("kpi_code")["value"]
    trend_lists = {code: list(values.tail(SPARKLINE_MONTHS)) for code, values in trends}
    notes = {
        code: provisional.headline_line(rows, include_provisional)
        for code, rows in scoped.groupby("kpi_code")
    }
    for code, kpi in kpis.items():
        base = {
            "kpi_code": code,
            "workstream": workstream_names.get(kpi.workstream_code, kpi.workstream_code),
            "kpi": kpi.name,
            "target": format_target(kpi.target, kpi.unit) if kpi.target is not None else "",
            "unit": kpi.unit,
            "trend": trend_lists.get(code, []),
            "provisional_note": notes.get(code, ""),
        }
        if code not in latest.index:
            rows.append(
                {
                    **base,
                    "month": "–",
                    "latest": "No complete month" if base["provisional_note"] else "No data",
                    "value": float("nan"),
                    "vs_previous": "–",
                    "previous_reading": "",
                    "vs_last_year": "–",
                    "last_year_reading": "",
                }
            )
            continue
        row = latest.loc[code]
        previous_delta = row["value"] - row["previous_value"]
        year_delta = row["value"] - row["last_year_value"]
        rows.append(
            {
                **base,
                "month": provisional.month_words(row["period"], bool(row.get("provisional", False))),
                "latest": format_value(row["value"], kpi.unit, kpi.decimals),
                "value": float(row["value"]),
                "vs_previous": describe_change(previous_delta, kpi, month_label(row["previous_period"])),
                "previous_change": ""
                if pd.isna(previous_delta)
                else format_change(previous_delta, kpi.unit, kpi.decimals),
                "previous_month": month_label(row["previous_period"]),
                "previous_reading": change_reading(previous_delta, kpi.improvement, kpi.decimals),
                "vs_last_year": describe_change(year_delta, kpi, month_label(row["last_year_period"])),
                "last_year_reading": change_reading(year_delta, kpi.improvement, kpi.decimals),
            }
        )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


# The headline cards take their colour from the Making Data Count icons (st.metric's named colours):
# the variation icon's colour; for common cause variation, the assurance icon's colour. Never the
# green/red of a month-on-month change, which would read one month's change as a signal.
VARIATION_CARD_COLOURS = {
    "improvement": "blue",  # MDC improvement blue
    "concern": "orange",  # MDC concern orange
    "neither": "violet",  # MDC neither purple
    "common_cause": "gray",
}
ASSURANCE_CARD_COLOURS = {"pass": "blue", "fail": "orange", "hit_or_miss": "gray"}
NO_ICON_COLOUR = "gray"


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
    colour: str
    arrow: str
    change: str
    help: str
    variation: str | None = None
    assurance: str | None = None
    trend: list[float] = field(default_factory=list)
    note: str = ""  # provisional months: 'Nov 2026 provisional: 2 of 15 trusts reported'


def _code(value: Any) -> str | None:
    """An icon code from a summary row (pandas may hold a missing one as NaN)."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def card_colour(variation: str | None, assurance: str | None) -> str:
    """The card's colour from the icons: the variation icon's, or for common cause the assurance
    icon's; grey when there is no variation icon (too few months, or a trend)."""
    if variation is None:
        return NO_ICON_COLOUR
    if variation == "common_cause":
        return ASSURANCE_CARD_COLOURS.get(assurance or "", VARIATION_CARD_COLOURS["common_cause"])
    return VARIATION_CARD_COLOURS[variation.rsplit("_", 1)[0]]


def card_arrow(variation: str | None) -> str:
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


def card_reading(summary_row: pd.Series | dict[str, Any], kpi: KPI) -> str:
    """The card's words, short enough for one line on a phone: the variation icon's and, where an
    assurance applies, the assurance icon's: 'Concern (high) · failing target'. Without a variation
    icon, 'No SPC icon' (the help and the summary say why: too few months, a rolling figure)."""
    variation, assurance = _code(summary_row["variation"]), _code(summary_row["assurance"])
    if variation is None:
        return NO_ICON_WORDS
    words = CARD_VARIATION_WORDS[variation]
    if kpi.target is not None and assurance is not None:
        words = f"{words} · {CARD_ASSURANCE_WORDS[assurance]}"
    return words


def _full_reading(summary_row: pd.Series | dict[str, Any], kpi: KPI) -> str:
    """The icons' full names, for the card's help: 'Special cause concern (high). Consistently failing
    target.'"""
    words = f"{summary_row['variation_label']}."
    if _code(summary_row["variation"]) is not None and kpi.target is not None:
        words += f" {summary_row['assurance_label']}."
    return words


def month_on_month(row: pd.Series | dict[str, Any]) -> str:
    """The change on the month before in plain words, with no better/worse verdict: '+0.12 pts on
    Sep 2026', 'No change on Sep 2026', 'No earlier month'."""
    reading = row.get("previous_reading", "")
    if not isinstance(reading, str) or not reading:
        return "No earlier month"
    if reading == "no change":
        return f"No change on {row['previous_month']}"
    return f"{row['previous_change']} on {row['previous_month']}"


def headline_cards(
    card: pd.DataFrame,
    summary: pd.DataFrame,
    kpis: dict[str, KPI],
    codes: tuple[str, ...] = HEADLINE_KPIS,
) -> list[HeadlineCard]:
    """The headline cards for one scope, from its scorecard (`scorecard()`) and its Making Data Count
    summary (`mdc.icon_summary()`), so that card, summary table, chart and board pack say the same."""
    rows = card.set_index("kpi_code")
    readings = summary.set_index("kpi_code")
    cards = []
    for code in codes:
        kpi = kpis[code]
        row = rows.loc[code]
        target = f"Target {row['target']}. " if row["target"] else ""
        note = row.get("provisional_note", "")
        note = note if isinstance(note, str) else ""
        if row["latest"] in ("No data", "No complete month") or code not in readings.index:
            cards.append(
                HeadlineCard(
                    code=code,
                    label=kpi.name,
                    value=row["latest"] if row["latest"] != "No data" or not note else "No complete month",
                    reading=None,
                    colour=NO_ICON_COLOUR,
                    arrow="off",
                    change="",
                    help=f"{kpi.definition}. {target}",
                    note=note,
                )
            )
            continue
        mdc = readings.loc[code]
        variation, assurance = _code(mdc["variation"]), _code(mdc["assurance"])
        change = month_on_month(row)
        cards.append(
            HeadlineCard(
                code=code,
                label=kpi.name,
                value=row["latest"],
                reading=card_reading(mdc, kpi),
                colour=card_colour(variation, assurance),
                arrow=card_arrow(variation),
                change=change,
                help=f"{kpi.definition}. {target}Latest: {row['month']}. {_full_reading(mdc, kpi)} "
                f"{mdc['reading']} "
                f"Change on the month before: {change[:1].lower()}{change[1:]}. "
                f"Same month last year: {row['vs_last_year']}.",
                variation=variation,
                assurance=assurance,
                trend=list(row["trend"]),
                note=note,
            )
        )
    return cards


def data_as_at(freshness_row: pd.Series | dict[str, Any] | None) -> str:
    """A headline card's 'data as at' line from kpi.freshness.freshness: 'Data as at Oct 2026', or
    when the KPI is behind its publication schedule 'Data as at Aug 2026 — stale: Sep 2026 expected
    by now' (in words, never colour alone); '' without a freshness row."""
    if freshness_row is None:
        return ""
    complete = freshness_row["latest_complete_period"]
    has_month = complete is not None and not pd.isna(complete)
    text = f"Data as at {month_label(complete)}" if has_month else "No complete month yet"
    if bool(freshness_row["stale"]):
        text += f" — stale: {month_label(freshness_row['due_period'])} expected by now"
    return text


MILESTONE_ATTENTION_COLUMNS = ["code", "title", "status", "due", "why"]


def milestones_needing_attention(milestones: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Milestones that are at risk, off track, or overdue (not complete and due before today)."""
    rows = []
    now = pd.Timestamp(today)
    for row in milestones.itertuples():
        if row.status == "complete":
            continue
        due = row.forecast_due if pd.notna(row.forecast_due) else row.baseline_due
        reasons = []
        if row.status in ("at risk", "off track"):
            reasons.append(row.status.capitalize())
        if pd.notna(due) and due < now:
            reasons.append(f"Overdue since {due:%d/%m/%Y}")
        elif pd.notna(row.forecast_due) and row.forecast_due > row.baseline_due:
            reasons.append(
                f"Forecast {row.forecast_due:%d/%m/%Y}, after baseline {row.baseline_due:%d/%m/%Y}"
            )
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
