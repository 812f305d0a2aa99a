"""Making Data Count for the dashboard: run the SPC engine on a KPI series with the KPI's own settings
from the catalogue (direction, target, conflict rule, recalculation points), and build the board's icon
summary. Pure pandas; the statistics themselves live in kpi.spc."""

from __future__ import annotations

import pandas as pd

from kpi import icons, provisional, spc
from kpi.chart_settings import ChartSettings, setting_words, spc_arguments
from kpi.formats import KPI, format_target, format_value

# Concerns first, then KPIs that will not meet their target, then the rest; improvements last.
PRIORITY = {
    "concern": 0,
    "fail": 1,
    "hit_or_miss": 2,
    "neither": 3,
    "common_cause": 4,
    "improvement": 5,
    None: 6,
}
SUMMARY_COLUMNS = [
    "priority",
    "kpi_code",
    "kpi",
    "month",
    "latest",
    "target",
    "variation",
    "variation_label",
    "variation_icon",
    "assurance",
    "assurance_label",
    "assurance_icon",
    "reading",
    "points",
    "provisional",
    "provisional_note",
]


def kpi_spc(
    series: pd.DataFrame,
    kpi: KPI,
    rebase_months: list[pd.Timestamp] | None = None,
    include_provisional: bool = False,
    settings: ChartSettings | None = None,
) -> tuple[spc.SPCResult, pd.DatetimeIndex]:
    """XmR on one scope's monthly series (columns period, value), with the KPI's settings. Rebase
    months outside the series are ignored by the engine with a note. A 12-month rolling or
    year-to-date KPI comes back as a plain trend (no limits, signals or icons): the rules assume each
    month stands alone. Provisional months (a `provisional` column) are left out of the mean, limits
    and rules, so they never raise a signal, unless `include_provisional`; the dates returned are
    those calculated with. The lead's `settings` for the chart (baseline, ghosts, recalculations,
    targets from a month) are applied; a recalculation or ghost month outside the series is ignored."""
    rows = provisional.used(series, include_provisional).sort_values("period")
    dates = pd.DatetimeIndex(rows["period"])
    chosen = spc_arguments(settings or ChartSettings())
    known = set(dates)
    recalculations = sorted({*(rebase_months or []), *chosen["recalculate_at"]} & known)
    result = spc.xmr(
        rows["value"].tolist(),
        dates,
        improvement=kpi.improvement,
        target=kpi.target,
        conflict=kpi.conflict_rule,
        recalculate_at=tuple(recalculations),
        accumulation=kpi.accumulation,
        baseline=chosen["baseline"] if kpi.is_monthly else None,
        ghosts=[month for month in chosen["ghosts"] if month in known],
        targets=chosen["targets"],
    )
    return result, dates


def reading(
    result: spc.SPCResult,
    kpi: KPI,
    dates: pd.DatetimeIndex,
    series: pd.DataFrame | None = None,
    include_provisional: bool = False,
    settings: ChartSettings | None = None,
) -> str:
    """The one-sentence plain-English reading of the chart; given the scope's `series`, a second
    sentence on its provisional months (left out, or included as asked); then a sentence for each of
    the lead's `settings` ('Limits recalculated from Apr 2025: new triage model.')."""
    words = [spc.describe(result, unit=kpi.unit, dates=dates, name=_subject(kpi))]
    if series is not None:
        words.append(provisional_sentence(series, include_provisional))
    if settings is not None:
        words += setting_words(settings, lambda value: format_target(value, kpi.unit))
    return " ".join(word for word in words if word)


def provisional_sentence(series: pd.DataFrame, include_provisional: bool) -> str:
    """'Nov 2026 provisional: 2 of 15 trusts reported, so it is left out of the calculation.' or,
    included, 'Nov 2026 (provisional): 2 of 15 trusts reported; included in the calculation as asked.';
    '' when no month is provisional."""
    months = series[provisional.flags(series)].sort_values("period")
    if months.empty:
        return ""
    if include_provisional:
        return f"{provisional.line(months.tail(1), included=True)}; included in the calculation as asked."
    left_out = "it is" if len(months) == 1 else f"the {len(months)} provisional months are"
    return f"{provisional.line(months.tail(1))}, so {left_out} left out of the calculation."


def _subject(kpi: KPI) -> str:
    """The KPI's name as the subject of a sentence, without a trailing qualifier that the sentence
    says anyway: 'Leaver rate, 12 months rolling' -> 'Leaver rate'."""
    return kpi.name.split(", ")[0]


def priority(result: spc.SPCResult) -> int:
    """Sort key that puts concerns first (see PRIORITY)."""
    if result.variation is None:
        return PRIORITY[None]
    kind = result.variation.split("_")[0] if result.variation != "common_cause" else "common_cause"
    if kind == "concern":
        return PRIORITY["concern"]
    if result.assurance in ("fail", "hit_or_miss") and kind != "improvement":
        return PRIORITY[result.assurance]
    return PRIORITY.get(kind, PRIORITY["common_cause"])


def icon_summary(
    series: pd.DataFrame,
    kpis: dict[str, KPI],
    scope: str,
    rebase: dict[str, list[pd.Timestamp]] | None = None,
    include_provisional: bool = False,
    settings: dict[str, ChartSettings] | None = None,
) -> pd.DataFrame:
    """One row per KPI for `scope`: latest value, target, variation and assurance (code, words and an
    icon as a data URI), the reading, sorted so that concerns come first. The latest month is the
    latest complete one, and provisional months are left out of the SPC, unless `include_provisional`
    (then the month says '(provisional)'); `provisional_note` says what is provisional. `settings`
    are the lead's chart settings for `scope`, by KPI code."""
    rows = []
    scoped = series[series["scope_code"] == scope]
    for order, (code, kpi) in enumerate(kpis.items()):
        data = scoped[scoped["kpi_code"] == code]
        note = provisional.headline_line(data, include_provisional)
        calculated = provisional.used(data, include_provisional)
        if calculated.empty:
            rows.append(_no_data_row(order, code, kpi, note))
            continue
        chosen = (settings or {}).get(code)
        result, dates = kpi_spc(data, kpi, (rebase or {}).get(code), include_provisional, chosen)
        last = calculated.sort_values("period").iloc[-1]
        is_provisional = bool(provisional.flags(calculated.sort_values("period").tail(1)).iloc[0])
        rows.append(
            {
                "priority": priority(result),
                "order": order,
                "kpi_code": code,
                "kpi": kpi.name,
                "month": provisional.month_words(last["period"], is_provisional),
                "latest": format_value(last["value"], kpi.unit, kpi.decimals),
                "target": format_target(kpi.target, kpi.unit),
                "variation": result.variation,
                "variation_label": result.variation_label,
                "variation_icon": icons.variation_icon_data_uri(result.variation),
                "assurance": result.assurance,
                "assurance_label": result.assurance_label
                if kpi.target is not None or result.assurance
                else "No target",
                "assurance_icon": icons.assurance_icon_data_uri(result.assurance),
                "reading": reading(result, kpi, dates, data, include_provisional, chosen),
                "points": result.n_points,
                "provisional": is_provisional,
                "provisional_note": note,
            }
        )
    frame = pd.DataFrame(rows)
    frame = (
        frame.sort_values(["priority", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    )
    return frame[SUMMARY_COLUMNS]


def _no_data_row(order: int, code: str, kpi: KPI, note: str) -> dict:
    """A summary row for a KPI with no month to read: none at all, or only provisional ones (`note`)."""
    return {
        "priority": PRIORITY[None],
        "order": order,
        "kpi_code": code,
        "kpi": kpi.name,
        "month": "–",
        "latest": "No complete month" if note else "No data",
        "target": format_target(kpi.target, kpi.unit),
        "variation": None,
        "variation_label": "No data",
        "variation_icon": icons.variation_icon_data_uri(None),
        "assurance": None,
        "assurance_label": "No data",
        "assurance_icon": icons.assurance_icon_data_uri(None),
        "reading": f"{note}; no complete month yet." if note else "No data for this scope and period.",
        "points": 0,
        "provisional": False,
        "provisional_note": note,
    }
