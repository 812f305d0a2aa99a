"""Scopes: the system, the provider collaboratives and the trusts, and the rules that say which is which
and how each is named. Pure functions of reference data (collaborative codes, trust roles), so that the
pages only read the filters, call these and lay out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from kpi.formats import month_label, uk_date
from kpi.queries import SYSTEM_CODE, KPIFilter, Level

PACK_SYSTEM = "system"  # the board pack's (and the CLI's) word for the whole system
SYSTEM_LABEL = "C&M system"
BOTH_COLLABORATIVES = "Both collaboratives"
MERGED = "Merged"
# What a trust's label adds to its ODS code for each role (a member adds nothing).
ROLE_SUFFIX = {"partner": ", system partner", "predecessor": ", merged"}
# Member trusts first, then system partners, then predecessors (merged trusts).
ROLE_ORDER = {"member": 0, "partner": 1, "predecessor": 2}


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
        f"{named(row['old_code'])} into {named(row['successor_code'])} from {uk_date(row['effective_from'])}"
        for row in successions
        if row["status"] == "planned"
    ]
    for row in memberships:
        if row["status"] != "planned":
            continue
        trust, collab, valid_to = named(row["trust_code"]), row["collaborative_code"], row.get("valid_to")
        if valid_to is None or valid_to != valid_to:  # empty (None or NaT/NaN): a planned joining
            notes.append(f"{trust} joins {collab} from {uk_date(row['valid_from'])}")
        else:
            notes.append(f"{trust} leaves {collab} after {uk_date(valid_to)}")
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
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).normalize()


def _member_on(
    memberships: Sequence[Mapping[str, object]], trust: str, day: pd.Timestamp, collaborative: str | None
) -> bool:
    """Whether the trust is a (confirmed) member of the collaborative, or of any when None, on `day`."""
    for row in memberships:
        if row["trust_code"] != trust or (collaborative and row["collaborative_code"] != collaborative):
            continue
        start, end = _day(row["valid_from"]), _day(row.get("valid_to"))
        if start is not None and start <= day and (end is None or day <= end):
            return True
    return False


def _ever_member(memberships: Sequence[Mapping[str, object]], trust: str) -> bool:
    """Whether the trust has a (confirmed) membership of any collaborative at any time."""
    return any(row["trust_code"] == trust for row in memberships)


def _named(code: str, names: Mapping[str, str]) -> str:
    """'Southport and Ormskirk (RVY)'; the code alone when there is no name for it."""
    name = names.get(code, code)
    return f"{name} ({code})" if name != code else code


def _merger_events(
    successions: Sequence[Mapping[str, object]],
    memberships: Sequence[Mapping[str, object]],
    scope: str,
    level: Level,
    names: Mapping[str, str],
) -> list[ScopeEvent]:
    """Confirmed mergers that change `scope`'s figures: for the system, any merger of a member trust
    (a trust with a membership at any time); for a collaborative, one whose successor (from the
    merger) or old trust (the day before) is its member; for a trust, its own merger or that of a trust
    merged into it."""
    events = []
    for row in successions:
        old, new, day = str(row["old_code"]), str(row["successor_code"]), _day(row["effective_from"])
        if day is None:
            continue
        if level == "trust":
            affected = steps = scope in (old, new)
        elif level == "system":
            inside = _ever_member(memberships, new), _ever_member(memberships, old)
            affected, steps = any(inside), not all(inside)
        else:
            before = day - pd.Timedelta(days=1)
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


def _membership_events(
    successions: Sequence[Mapping[str, object]],
    memberships: Sequence[Mapping[str, object]],
    scope: str,
    level: Level,
    named: Mapping[str, str],
) -> list[ScopeEvent]:
    """Confirmed changes of membership that change `scope`'s figures: a trust joining a collaborative
    after the collaborative began (its earliest membership) or leaving it. A collaborative sees its own;
    the system sees a trust joining or leaving every collaborative; a trust's own figures do not change.
    A leaving that a merger explains (the merger takes effect the next day) is the merger's event."""
    if level == "trust":
        return []
    merged_on = {(str(row["old_code"]), _day(row["effective_from"])) for row in successions}
    began: dict[str, pd.Timestamp] = {}
    for row in memberships:
        start = _day(row["valid_from"])
        code = str(row["collaborative_code"])
        if start is not None and (code not in began or start < began[code]):
            began[code] = start
    events = []
    for row in memberships:
        trust, collab = str(row["trust_code"]), str(row["collaborative_code"])
        if level == "collaborative" and collab != scope:
            continue
        start, end = _day(row["valid_from"]), _day(row.get("valid_to"))
        name = _named(trust, named)
        changes = []
        if start is not None and start > began[collab]:
            changes.append((start, start - pd.Timedelta(days=1), "joined", "counts in"))
        if end is not None and (trust, end + pd.Timedelta(days=1)) not in merged_on:
            changes.append((end + pd.Timedelta(days=1), end, "left", "no longer counts in"))
        for day, other_side, verb, counts in changes:
            if level == "system" and _member_on(memberships, trust, other_side, None):
                continue  # still in another collaborative: the system total is unchanged
            where = collab if level == "collaborative" else "the system total"
            events.append(
                ScopeEvent(
                    month=day.replace(day=1),
                    label=f"{trust} {verb} {collab}",
                    detail=f"{name} {verb} {collab} on {uk_date(day)}: from {month_label(day)} it "
                    f"{counts} {where}.",
                )
            )
    return events


def scope_events(
    scope_codes: Iterable[str],
    collaborative_codes: Sequence[str],
    successions: Iterable[Mapping[str, object]],
    memberships: Iterable[Mapping[str, object]],
    *,
    first_month: dt.date | pd.Timestamp,
    last_month: dt.date | pd.Timestamp,
    trust_names: Mapping[str, str] | None = None,
) -> tuple[ScopeEvent, ...]:
    """The confirmed mergers and membership changes to mark on a chart of `scope_codes` (the system,
    collaboratives, trusts) from `first_month` to `last_month` (both included): each once, in time order.
    Planned changes are never marked (they do not apply). Records are reference rows with a `status`
    (queries.successions() and queries.memberships() as records)."""
    confirmed_successions = [row for row in successions if row["status"] == "confirmed"]
    confirmed_memberships = [row for row in memberships if row["status"] == "confirmed"]
    named = trust_names or {}
    first, last = pd.Timestamp(first_month).replace(day=1), pd.Timestamp(last_month).replace(day=1)
    found: dict[str, ScopeEvent] = {}
    for scope in scope_codes:
        level = level_of(scope, collaborative_codes)
        for event in (
            *_merger_events(confirmed_successions, confirmed_memberships, scope, level, named),
            *_membership_events(confirmed_successions, confirmed_memberships, scope, level, named),
        ):
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


def pack_scope_labels(collaborative_codes: Iterable[str], trust_labels: Mapping[str, str]) -> dict[str, str]:
    """How the board pack's scope choice names each scope."""
    return {PACK_SYSTEM: SYSTEM_LABEL, **{code: code for code in collaborative_codes}, **trust_labels}
