"""Scopes: the system, the provider collaboratives and the trusts, and the rules that say which is which
and how each is named. Pure functions of reference data (collaborative codes, trust roles), so that the
pages only read the filters, call these and lay out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import pandas as pd

from kpi.figures.queries import SYSTEM_CODE, KPIFilter, Level
from kpi.reference.membership import covers_day
from kpi.words.formats import month_label, uk_date
from kpi.words.text import clean_code

PACK_SYSTEM = "system"  # the board pack's (and the CLI's) word for the whole system
SYSTEM_LABEL = "C&M system"
BOTH_COLLABORATIVES = "Both collaboratives"
MERGED = "Merged"
# What a trust's label adds to its ODS code for each role (a member adds nothing).
ROLE_SUFFIX = {"partner": ", system partner", "predecessor": ", merged"}
# Member trusts first, then system partners, then predecessors (merged trusts).
ROLE_ORDER = {"member": 0, "partner": 1, "predecessor": 2}


SYSTEM_ALIASES = frozenset({"SYSTEM", "C&M", "CM"})  # what may be typed for the system, in any case


def named_scope(
    text: object, collaborative_codes: Iterable[str], trust_codes: Iterable[str]
) -> tuple[str, Level] | None:
    """The one reading of a scope a user typed (`--scope` of the report, the plan and the exports): its
    code and level, the system for any of SYSTEM_ALIASES, a collaborative or an organisation's ODS
    code, in any case; None when it names none of them. What a command accepts beyond that (the plan:
    member trusts only) is the command's rule."""
    code = clean_code(text)
    if code in SYSTEM_ALIASES:
        return SYSTEM_CODE, "system"
    if code in set(collaborative_codes):
        return code, "collaborative"
    if code in set(trust_codes):
        return code, "trust"
    return None


def level_of(scope_code: str, collaborative_codes: Iterable[str]) -> Level:
    """The level a scope's figures are rolled up at: the system, a collaborative, or one trust."""
    if scope_code == SYSTEM_CODE:
        return "system"
    return "collaborative" if scope_code in set(collaborative_codes) else "trust"


def scope_filter(flt: KPIFilter, scope_code: str, level: Level) -> KPIFilter:
    """The filter for one scope's figures at its level: narrowed to the trust for a trust; as it is for
    the system or a collaborative (whose rows carry the scope code)."""
    return flt.but(trusts=(scope_code,)) if level == "trust" else flt


def membership_label(trust_collaboratives: Sequence[str], collaborative_codes: Sequence[str]) -> str:
    """How a trust belongs to the collaboratives: 'Both collaboratives' when it is in every one of them,
    the collaborative's code when in one, or 'Merged' for a trust in none (a predecessor)."""
    if not trust_collaboratives:
        return MERGED
    if len(collaborative_codes) > 1 and set(collaborative_codes) <= set(trust_collaboratives):
        return BOTH_COLLABORATIVES
    return " and ".join(trust_collaboratives)


_COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def shared_members_note(
    trust_collaboratives: Mapping[str, Sequence[str]],
    shown: Sequence[str],
    trust_names: Mapping[str, str],
) -> str | None:
    """Why the collaboratives `shown` side by side add up to more than the system: the trusts that are
    members of more than one of them count in each, and once in the system. None when fewer than two
    collaboratives are shown, or when they share no trust."""
    if len(shown) < 2:
        return None
    shared = sorted(
        trust_names.get(code, code)
        for code, theirs in trust_collaboratives.items()
        if len(set(theirs) & set(shown)) > 1
    )
    if not shared:
        return None
    two = len(shown) == 2
    together = " and ".join(shown) if two else ", ".join(shown[:-1]) + f" and {shown[-1]}"
    which, where = (
        ("both", "in both collaboratives") if two else ("more than one", "in each of its collaboratives")
    )
    if len(shared) == 1:
        trusts = f"one trust ({shared[0]}) is a member of {which}, and counts {where}"
    else:
        count = _COUNT_WORDS.get(len(shared), str(len(shared)))
        trusts = f"{count} trusts ({', '.join(shared)}) are members of {which}, and each counts {where}"
    return (
        f"{together} overlap: {trusts} but once in the {SYSTEM_LABEL}, so the collaboratives' counts add "
        "up to more than the system's."
    )


def planned_changes_note(
    successions: Iterable[Mapping[str, object]],
    memberships: Iterable[Mapping[str, object]],
    trust_names: Mapping[str, str],
) -> str | None:
    """One line listing the planned (not yet confirmed, so not applied) mergers and membership changes,
    e.g. 'Planned (not applied): Bridgewater (RY2) into Warrington and Halton (RWW) from 01/04/2026
    (to confirm)'; None when there are none. Rows are reference records with a `status`."""

    def named(code: object) -> str:
        return f"{trust_names.get(str(code), str(code))} ({code})"

    notes = [
        f"{named(row['old_code'])} into {named(row['successor_code'])} "
        f"from {uk_date(cast(dt.date | None, row['effective_from']))}"
        for row in successions
        if row["status"] == "planned"
    ]
    for row in memberships:
        if row["status"] != "planned":
            continue
        trust, collab, valid_to = named(row["trust_code"]), row["collaborative_code"], row.get("valid_to")
        if valid_to is None or valid_to != valid_to:  # empty (None or NaT/NaN): a planned joining
            start = _day(row["valid_from"])
            notes.append(
                f"{trust} joins {collab} " + (f"from {uk_date(start)}" if start else "(start not known)")
            )
        else:
            notes.append(f"{trust} leaves {collab} after {uk_date(cast(dt.date, valid_to))}")
    if not notes:
        return None
    return "Planned (not applied): " + "; ".join(f"{note} (to confirm)" for note in notes)


@dataclass(frozen=True)
class ScopeEvent:
    """A confirmed merger or membership change that a chart of a scope marks: the month it takes effect,
    a short label drawn by the line ('RVY merged into RBN') and a sentence for hover and alt text."""

    month: pd.Timestamp
    label: str
    detail: str
    # Whether the scope's figures take in or lose staff then (a merger of two trusts both already in the
    # scope changes nothing): only such an event suggests recalculating (kpi.spc.suggestions).
    steps: bool = True

    @property
    def sentence(self) -> str:
        """'RVY merged into RBN (Jul 2023)': the label with its month, for captions and alt text."""
        return f"{self.label} ({month_label(self.month)})"


def _day(value: object) -> pd.Timestamp | None:
    """A date from a reference record (date, text or Timestamp); None when empty (None, NaT, NaN, '')."""
    day = cast(dt.date | str | None, value)  # a Timestamp is a date too
    if day is None or day == "" or (not isinstance(day, str) and pd.isna(day)):
        return None
    return pd.Timestamp(day).normalize()


def _member_on(
    memberships: Sequence[Mapping[str, object]], trust: str, day: pd.Timestamp, collaborative: str | None
) -> bool:
    """Whether the trust is a (confirmed) member of the collaborative, or of any when None, on `day`
    (kpi.reference.membership's rule: an empty start counts from the start of the data)."""
    return any(
        row["trust_code"] == trust
        and (collaborative is None or row["collaborative_code"] == collaborative)
        and covers_day(row["valid_from"], row.get("valid_to"), day)
        for row in memberships
    )


def _in_system_on(system_spans: Sequence[Mapping[str, object]], trust: str, day: pd.Timestamp) -> bool:
    """Whether the trust counts in the system total on `day` (kpi.reference.membership's rule)."""
    return any(
        row["trust_code"] == trust and covers_day(row["valid_from"], row.get("valid_to"), day)
        for row in system_spans
    )


def _named(code: str, names: Mapping[str, str]) -> str:
    """'Southport and Ormskirk (RVY)'; the code alone when there is no name for it."""
    name = names.get(code, code)
    return f"{name} ({code})" if name != code else code


def _merger_events(
    successions: Sequence[Mapping[str, object]],
    memberships: Sequence[Mapping[str, object]],
    system_spans: Sequence[Mapping[str, object]],
    scope: str,
    level: Level,
    names: Mapping[str, str],
) -> list[ScopeEvent]:
    """Confirmed mergers that change `scope`'s figures: for the system, one whose successor (from the
    merger) or old trust (the day before) is in the system; for a collaborative, one whose successor or
    old trust is its member then; for a trust, its own merger or that of a trust merged into it."""
    events = []
    for row in successions:
        old, new, day = str(row["old_code"]), str(row["successor_code"]), _day(row["effective_from"])
        if day is None:
            continue
        before = day - pd.Timedelta(days=1)
        if level == "trust":
            affected = steps = scope in (old, new)
        elif level == "system":
            inside = _in_system_on(system_spans, new, day), _in_system_on(system_spans, old, before)
            affected, steps = any(inside), not all(inside)
        else:
            inside = _member_on(memberships, new, day, scope), _member_on(memberships, old, before, scope)
            affected, steps = any(inside), not all(inside)
        if affected:
            events.append(
                ScopeEvent(
                    month=day.replace(day=1),
                    label=f"{old} merged into {new}",
                    detail=f"{_named(old, names)} merged into {_named(new, names)} on {uk_date(day)}: "
                    f"from {month_label(day)} its figures count under {new}.",
                    steps=steps,
                )
            )
    return events


def _span_changes(
    rows: Sequence[Mapping[str, object]], merged_on: set[tuple[str, pd.Timestamp | None]]
) -> list[tuple[Mapping[str, object], pd.Timestamp, str]]:
    """(row, first day of the change, 'joined' or 'left') for each span of one scope: each known start
    after the scope began (its earliest start; with any start unknown, the start of the data) and each
    end a merger does not explain."""
    starts = [_day(row["valid_from"]) for row in rows]
    known = [start for start in starts if start is not None]
    began = min(known) if known and len(known) == len(starts) else None
    changes = []
    for row, start in zip(rows, starts, strict=True):
        end = _day(row.get("valid_to"))
        if start is not None and (began is None or start > began):
            changes.append((row, start, "joined"))
        if end is not None and (str(row["trust_code"]), end + pd.Timedelta(days=1)) not in merged_on:
            changes.append((row, end + pd.Timedelta(days=1), "left"))
    return changes


def _membership_events(
    successions: Sequence[Mapping[str, object]],
    memberships: Sequence[Mapping[str, object]],
    system_spans: Sequence[Mapping[str, object]],
    scope: str,
    level: Level,
    named: Mapping[str, str],
) -> list[ScopeEvent]:
    """Confirmed changes of who counts in `scope`: for a collaborative, a trust joining it after it
    began (its earliest membership; with any start unknown, every known start is a joining) or leaving
    it; for the system, a trust's system span starting or ending (kpi.reference.membership), whatever the
    collaboratives; a trust's own figures do not change. A leaving that a merger explains (the merger
    takes effect the next day) is the merger's event."""
    if level == "trust":
        return []
    merged_on = {(str(row["old_code"]), _day(row["effective_from"])) for row in successions}
    if level == "system":
        changes = _span_changes(system_spans, merged_on)
        where, scope_words = "the system total", "the C&M system"
    else:
        changes = _span_changes([row for row in memberships if row["collaborative_code"] == scope], merged_on)
        where = scope_words = scope
    events = []
    for row, day, verb in changes:
        trust = str(row["trust_code"])
        counts = "counts in" if verb == "joined" else "no longer counts in"
        events.append(
            ScopeEvent(
                month=day.replace(day=1),
                label=f"{trust} {verb} {scope_words}",
                detail=f"{_named(trust, named)} {verb} {scope_words} on {uk_date(day)}: from "
                f"{month_label(day)} it {counts} {where}.",
            )
        )
    return events


def scope_events(
    scope_codes: Iterable[str],
    collaborative_codes: Sequence[str],
    successions: Iterable[Mapping[str, object]],
    memberships: Iterable[Mapping[str, object]],
    *,
    system_spans: Iterable[Mapping[str, object]],
    first_month: dt.date | pd.Timestamp,
    last_month: dt.date | pd.Timestamp,
    trust_names: Mapping[str, str] | None = None,
) -> tuple[ScopeEvent, ...]:
    """The confirmed mergers and changes of who counts to mark on a chart of `scope_codes` (the system,
    collaboratives, trusts) from `first_month` to `last_month` (both included): each once, in time order.
    Planned changes are never marked (they do not apply). Records are reference rows: successions and
    memberships with a `status` (queries.successions() and queries.memberships() as records), and the
    system spans (kpi.reference.membership.spans, any rows of other scopes ignored)."""
    confirmed_successions = [row for row in successions if row["status"] == "confirmed"]
    confirmed_memberships = [row for row in memberships if row["status"] == "confirmed"]
    system = [row for row in system_spans if row.get("scope_code", SYSTEM_CODE) == SYSTEM_CODE]
    named = trust_names or {}
    first, last = pd.Timestamp(first_month).replace(day=1), pd.Timestamp(last_month).replace(day=1)
    found: dict[str, ScopeEvent] = {}
    for scope in scope_codes:
        level = level_of(scope, collaborative_codes)
        facts = (confirmed_successions, confirmed_memberships, system, scope, level, named)
        for event in (*_merger_events(*facts), *_membership_events(*facts)):
            if first <= event.month <= last:
                found.setdefault(event.label, event)
    return tuple(sorted(found.values(), key=lambda event: (event.month, event.label)))


def events_sentence(events: Sequence[ScopeEvent]) -> str:
    """'Marked on the chart: RVY merged into RBN (Jul 2023).'; '' when there is nothing to mark."""
    if not events:
        return ""
    return "Marked on the chart: " + "; ".join(event.sentence for event in events) + "."


def trust_label(name: str, ods_code: str, role: str) -> str:
    """'Alder Hey (RBS)', 'NWAS (RX7, system partner)', 'Southport and Ormskirk (RVY, merged)'."""
    return f"{name} ({ods_code}{ROLE_SUFFIX.get(role, '')})"


def trust_sort_key(role: str, short_name: str) -> tuple[int, str]:
    """Members first, then system partners, then merged trusts; by name within each."""
    return ROLE_ORDER.get(role, len(ROLE_ORDER)), short_name


def scope_options(
    collaborative: str | None, collaborative_codes: Sequence[str], trusts: Sequence[str]
) -> list[str]:
    """The scopes a page offers: the system, the collaborative chosen (or every one), then the chosen
    trusts."""
    collabs = [collaborative] if collaborative else list(collaborative_codes)
    return [SYSTEM_CODE, *collabs, *trusts]


def scope_names(collaborative_codes: Iterable[str], trust_short_names: Mapping[str, str]) -> dict[str, str]:
    """Display names for every scope code: the system, the collaboratives, each trust."""
    return {SYSTEM_CODE: SYSTEM_LABEL, **{code: code for code in collaborative_codes}, **trust_short_names}


def comparison_collaboratives(
    trusts: Sequence[str],
    trust_collaboratives: Mapping[str, Sequence[str]],
    collaborative: str | None,
    collaborative_codes: Sequence[str],
) -> list[str]:
    """The collaboratives to draw beside chosen trusts: those the trusts belong to (only the chosen
    collaborative when there is one); with no trust chosen, the chosen collaborative or every one."""
    theirs = sorted({code for trust in trusts for code in trust_collaboratives.get(trust, [])})
    if collaborative:
        theirs = [code for code in theirs if code == collaborative] or [collaborative]
    if not theirs:
        theirs = [collaborative] if collaborative else list(collaborative_codes)
    return theirs


def pack_scopes(
    collaborative_codes: Sequence[str], trusts: Sequence[str], roles: Mapping[str, str]
) -> list[str]:
    """The scopes a board pack can be built for: the system, each collaborative, then every trust in
    the order given except merged ones (predecessors report under their successor)."""
    return [PACK_SYSTEM, *collaborative_codes, *(code for code in trusts if roles.get(code) != "predecessor")]


def plan_scopes(
    collaborative_codes: Sequence[str], trusts: Sequence[str], roles: Mapping[str, str]
) -> list[str]:
    """The scopes the workforce plan projects: the system, each collaborative, then every member trust in
    the order given (its assumptions cover the C&M totals: no system partner, no merged trust)."""
    return [SYSTEM_CODE, *collaborative_codes, *(code for code in trusts if roles.get(code) == "member")]


def plan_default_scope(chosen_trusts: Sequence[str], collaborative: str | None) -> str:
    """The scope a plan opens on without its own choice: the first trust the filter names (?trust=),
    else the collaborative chosen, else the system."""
    return chosen_trusts[0] if chosen_trusts else collaborative or SYSTEM_CODE


def pack_scope_labels(collaborative_codes: Iterable[str], trust_labels: Mapping[str, str]) -> dict[str, str]:
    """How the board pack's scope choice names each scope."""
    return {PACK_SYSTEM: SYSTEM_LABEL, **{code: code for code in collaborative_codes}, **trust_labels}


#: How the system total and the collaboratives count trusts over time (kpi.reference.membership), for the
#: pages and notes that show system or collaborative figures.
SYSTEM_RULE = (
    "The system (C&M) total counts each trust for the months it provided C&M services, whatever the "
    "collaboratives and whenever they were formed; after a merger its figures count under its successor. "
    "A collaborative counts its members from their membership dates; where a start is not known, from "
    "the start of the data. NWAS, a system partner, is in neither."
)


def system_span_words(in_system: bool, start: object, end: object) -> str:
    """'Throughout (start not known: from the start of the data)', 'From the start of the data (start not
    known) to Sep 2019', 'Jan 2024 to Jun 2025', 'Never (outside the system total)': the months a
    trust counts in the system total, for a table of the trusts."""
    if not in_system:
        return "Never (outside the system total)"
    first, last = _day(start), _day(end)
    begins = month_label(first) if first is not None else "From the start of the data (start not known)"
    if last is None:
        return (
            f"From {begins}"
            if first is not None
            else "Throughout (start not known: from the start of the data)"
        )
    return f"{begins} to {month_label(last)}"


def membership_dates_note(memberships: Iterable[Mapping[str, object]]) -> str | None:
    """'The start of 22 of 22 memberships is not known, so those trusts count in their collaborative from
    the start of the data (before the collaboratives were formed).'; None when every start is known.
    Confirmed memberships only."""
    confirmed = [row for row in memberships if row["status"] == "confirmed"]
    unknown = [row for row in confirmed if _day(row["valid_from"]) is None]
    if not unknown:
        return None
    return (
        f"The start of {len(unknown)} of {len(confirmed)} memberships is not known, so those trusts count in "
        "their collaborative from the start of the data (before the collaboratives were formed)."
    )


def system_table(trusts: pd.DataFrame) -> pd.DataFrame:
    """One row per organisation (queries.trusts): ODS code, Trust, Role, the months it counts in the system
    total and the source of that fact; members first, then system partners, then merged trusts."""
    # pandas-stubs wrong: assign takes any list as a column (here of tuples, an object column); the
    # stubs allow only lists of scalars. unused-ignore: the project config reads pandas as Any.
    ordered = trusts.assign(
        order=[
            trust_sort_key(role, name)  # type: ignore[misc, unused-ignore]
            for role, name in zip(trusts["role"], trusts["short_name"], strict=True)
        ]
    ).sort_values("order")
    return pd.DataFrame(
        {
            "ODS code": ordered["ods_code"],
            "Trust": ordered["name"],
            "Role": ordered["role"].map(
                {"member": "Member", "partner": "System partner", "predecessor": MERGED}
            ),
            "Counted in the system total": [
                system_span_words(bool(row.in_system), row.system_from, row.system_to)
                for row in ordered.itertuples()
            ],
            "Source": ordered["system_source"],
        }
    ).reset_index(drop=True)
