"""Scopes: the system, the provider collaboratives and the trusts, and the rules that say which is which
and how each is named. Pure functions of reference data (collaborative codes, trust roles), so that the
pages only read the filters, call these and lay out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kpi.formats import uk_date
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
