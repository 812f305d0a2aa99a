"""The shared filters as they live in the URL: reading them (with gentle warnings for values that
cannot be used), writing them, and turning them into a query filter. Pure Python, no Streamlit.

Warnings are Markdown (the page shows them in st.warning) and quote what the link said, which anyone
can write: every quoted value goes through `quote`, so a link, image or HTML in it stays words.

URL parameters (codes, so links are short and readable):
    from, to        months as YYYY-MM
    collab          CMAST or MHLDC (absent = both)
    trust           ODS codes, repeated (?trust=RBS&trust=REM)
    profession      profession codes, repeated (absent = all AHPs)
    provisional     include: headline figures use the newest month even when it is provisional (absent =
                    the latest complete month)
Pages add their own (workstream, view, kpi, month, ...) through `parse_choice`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kpi.figures.queries import KPIFilter
from kpi.reading.window import DEFAULT_MONTHS
from kpi.words.formats import month_key, month_label
from kpi.words.months import parse_month
from kpi.words.text import clean_code, escape_markdown

# the sidebar's, on every page
SHARED_PARAMS = frozenset({"from", "to", "collab", "trust", "profession", "provisional"})
INCLUDE_PROVISIONAL = "include"  # ?provisional=include
DEFAULT_WORKSTREAM = "PLAN"  # ?workstream=: the workstream the chart pages open on
QUOTE_LIMIT = 60  # characters of a URL value quoted back; a link can carry kilobytes


@dataclass(frozen=True)
class FilterChoices:
    """What can be chosen right now: the months with data, collaboratives, trusts (all, and the
    members of each collaborative), professions."""

    months: tuple[dt.date, ...]
    collaboratives: tuple[str, ...]
    trusts: tuple[str, ...]
    trusts_by_collaborative: Mapping[str, tuple[str, ...]]
    professions: tuple[str, ...]
    trust_names: Mapping[str, str] = field(default_factory=dict)
    profession_names: Mapping[str, str] = field(default_factory=dict)

    def trusts_for(self, collaborative: str | None) -> tuple[str, ...]:
        return self.trusts if collaborative is None else self.trusts_by_collaborative.get(collaborative, ())

    @property
    def default_from(self) -> dt.date | None:
        return self.months[max(0, len(self.months) - DEFAULT_MONTHS)] if self.months else None

    @property
    def default_to(self) -> dt.date | None:
        return self.months[-1] if self.months else None


@dataclass(frozen=True)
class Selection:
    period_from: dt.date | None
    period_to: dt.date | None
    collaborative: str | None = None
    trusts: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    include_provisional: bool = False  # headline figures may use a provisional (incomplete) month
    default_period: bool = False  # no period chosen: each KPI shows its own (kpi.reading.window)

    def to_kpi_filter(self) -> KPIFilter:
        """An empty trust or profession list means "all" in the UI, i.e. no restriction."""
        return KPIFilter(
            period_from=self.period_from,
            period_to=self.period_to,
            collaboratives=(self.collaborative,) if self.collaborative else None,
            trusts=self.trusts or None,
            professions=self.professions or None,
            default_period=self.default_period,
        )


def quote(raw: object) -> str:
    """A value from outside (a URL value, a file or sheet name) quoted in a Markdown message: escaped,
    so it shows as the words it is, and shortened when long."""
    text = " ".join(str(raw).split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return f"'{escape_markdown(text)}'"


def default_selection(choices: FilterChoices) -> Selection:
    return Selection(period_from=choices.default_from, period_to=choices.default_to, default_period=True)


def is_default_period(period_from: dt.date | None, period_to: dt.date | None, choices: FilterChoices) -> bool:
    """Whether a period is the sidebar's default (the one a link without from and to gives): then each
    KPI shows its own months (kpi.reading.window)."""
    return period_from == choices.default_from and period_to == choices.default_to


def _first(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[-1] if values else None


def _month_param(
    params: Mapping[str, Sequence[str]],
    choices: FilterChoices,
    name: str,
    label: str,
    fallback: dt.date | None,
    warnings: list[str],
) -> dt.date | None:
    """One month parameter (`from` or `to`): the month it names, the nearest month with data when it
    names one without, or `fallback` when absent or not a month."""
    raw = _first(params, name)
    if raw is None:
        return fallback
    parsed = parse_month(raw)
    if parsed is None:
        warnings.append(
            f"The link's {label} month {quote(raw)} is not a month like 2025-03; "
            f"using {month_label(fallback)} instead."
        )
        return fallback
    if choices.months and parsed not in set(choices.months):
        nearest = min(choices.months, key=lambda m: abs((m - parsed).days))
        warnings.append(
            f"There is no data for {month_label(parsed)} (the link's {label} month); "
            f"using {month_label(nearest)}, the nearest month with data."
        )
        return nearest
    return parsed


def _parse_period(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, warnings: list[str]
) -> tuple[dt.date | None, dt.date | None]:
    """The link's start and end months, swapped when the start comes after the end."""
    default = default_selection(choices)
    period_from = _month_param(params, choices, "from", "start", default.period_from, warnings)
    period_to = _month_param(params, choices, "to", "end", default.period_to, warnings)
    if period_from and period_to and period_from > period_to:
        warnings.append(
            f"The link's start month {month_label(period_from)} is after its end month "
            f"{month_label(period_to)}; the two have been swapped."
        )
        period_from, period_to = period_to, period_from
    return period_from, period_to


def _parse_collaborative(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, warnings: list[str]
) -> str | None:
    """The link's collaborative (case forgiven), or None (both) when absent or unknown."""
    raw_collab = _first(params, "collab")
    if not raw_collab:
        return None
    matches = [c for c in choices.collaboratives if c.lower() == raw_collab.strip().lower()]
    if matches:
        return matches[0]
    warnings.append(
        f"The link asks for collaborative {quote(raw_collab)}, which is not one of "
        f"{' or '.join(choices.collaboratives)}; showing both."
    )
    return None


def _parse_trusts(
    params: Mapping[str, Sequence[str]],
    choices: FilterChoices,
    collaborative: str | None,
    warnings: list[str],
) -> tuple[str, ...]:
    """The link's trust codes that are trusts in `collaborative` (or any, when None), in link order,
    each once."""
    allowed_trusts = choices.trusts_for(collaborative)
    trusts: list[str] = []
    for raw in params.get("trust") or []:
        code = clean_code(raw)
        if code not in choices.trusts:
            warnings.append(
                f"The link's trust code {quote(raw)} is not a Cheshire and Merseyside trust; ignored."
            )
        elif code not in allowed_trusts:
            name = choices.trust_names.get(code, code)
            warnings.append(f"{name} ({code}) is not a member of {collaborative}; ignored.")
        elif code not in trusts:
            trusts.append(code)
    return tuple(trusts)


def _parse_professions(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, warnings: list[str]
) -> tuple[str, ...]:
    """The link's professions, by code or by name (case forgiven), in link order, each once."""
    professions: list[str] = []
    by_name = {name.lower(): code for code, name in choices.profession_names.items()}
    for raw in params.get("profession") or []:
        key = raw.strip()
        found = key.upper() if key.upper() in choices.professions else by_name.get(key.lower())
        if found is None:
            warnings.append(
                f"The link's profession {quote(raw)} is not one of the 14 AHP professions; ignored."
            )
        elif found not in professions:
            professions.append(found)
    return tuple(professions)


def _parse_provisional(params: Mapping[str, Sequence[str]], warnings: list[str]) -> bool:
    """Whether the link asks for provisional months in headline figures (?provisional=include, case
    forgiven); any other value is refused with a warning and they are left out."""
    raw = _first(params, "provisional")
    if raw is None:
        return False
    if raw.strip().lower() == INCLUDE_PROVISIONAL:
        return True
    warnings.append(
        f"The link's provisional {quote(raw)} is not '{INCLUDE_PROVISIONAL}'; provisional months are left "
        "out of headline figures."
    )
    return False


def parse_url(params: Mapping[str, Sequence[str]], choices: FilterChoices) -> tuple[Selection, list[str]]:
    """The selection a link asks for, and a warning for each value that could not be used (the
    default stands in for it)."""
    warnings: list[str] = []
    period_from, period_to = _parse_period(params, choices, warnings)
    collaborative = _parse_collaborative(params, choices, warnings)
    trusts = _parse_trusts(params, choices, collaborative, warnings)
    professions = _parse_professions(params, choices, warnings)
    provisional = _parse_provisional(params, warnings)
    default = is_default_period(period_from, period_to, choices)
    return Selection(
        period_from, period_to, collaborative, trusts, professions, provisional, default
    ), warnings


def to_url(selection: Selection, choices: FilterChoices) -> dict[str, list[str]]:
    """URL parameters for a selection, leaving out what equals the default."""
    params: dict[str, list[str]] = {}
    if selection.period_from and selection.period_from != choices.default_from:
        params["from"] = [month_key(selection.period_from)]
    if selection.period_to and selection.period_to != choices.default_to:
        params["to"] = [month_key(selection.period_to)]
    if selection.collaborative:
        params["collab"] = [selection.collaborative]
    if selection.trusts:
        params["trust"] = list(selection.trusts)
    if selection.professions:
        params["profession"] = list(selection.professions)
    if selection.include_provisional:
        params["provisional"] = [INCLUDE_PROVISIONAL]
    return params


def parse_choices(
    params: Mapping[str, Sequence[str]], name: str, options: Sequence[str], *, label: str
) -> tuple[tuple[str, ...] | None, str | None]:
    """A page-level choice of several from the URL (`name` repeated): (the values it offers, in the
    link's order, or None when absent; a warning naming those it does not offer, or None). Matching
    ignores case."""
    raw = params.get(name)
    if not raw:
        return None, None
    by_lower = {option.lower(): option for option in options}
    chosen = [by_lower[value.strip().lower()] for value in raw if value.strip().lower() in by_lower]
    unknown = [value for value in raw if value.strip().lower() not in by_lower]
    warning = None
    if unknown:
        names = ", ".join(quote(value) for value in unknown)
        warning = (
            f"The link's {label} {names} {'is' if len(unknown) == 1 else 'are'} not offered here; left out."
        )
    return tuple(dict.fromkeys(chosen)), warning


def parse_choice(
    params: Mapping[str, Sequence[str]], name: str, options: Sequence[str], *, label: str
) -> tuple[str | None, str | None]:
    """One page-level choice from the URL: (value or None if absent/unusable, warning or None).
    Matching ignores case."""
    raw = _first(params, name)
    if raw is None:
        return None, None
    for option in options:
        if option.lower() == raw.strip().lower():
            return option, None
    return None, f"The link's {label} {quote(raw)} is not one this page offers; showing the default."
