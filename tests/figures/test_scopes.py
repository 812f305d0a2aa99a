"""Scope rules the pages used to work out themselves (kpi/figures/scopes.py) and the undo rule
(kpi/store/batches.py): pure functions of reference data, one test per rule."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.figures import scopes
from kpi.figures.queries import SYSTEM_CODE, KPIFilter
from kpi.store import batches

COLLABS = ["CMAST", "MHLDC"]


@pytest.mark.parametrize(
    ("scope", "level"),
    [(SYSTEM_CODE, "system"), ("CMAST", "collaborative"), ("MHLDC", "collaborative"), ("RBS", "trust")],
)
def test_level_of_a_scope_follows_the_collaborative_codes(scope, level):
    assert scopes.level_of(scope, COLLABS) == level


def test_level_of_a_new_collaborative_is_collaborative_not_trust():
    assert scopes.level_of("NEWC", [*COLLABS, "NEWC"]) == "collaborative"
    assert scopes.level_of("CMAST", ["MHLDC"]) == "trust"  # only the codes given count


def test_scope_filter_narrows_to_the_trust_only_for_a_trust():
    flt = KPIFilter(trusts=("RBS", "RW4"), collaboratives=("CMAST",))
    assert scopes.scope_filter(flt, "RW4", "trust").trusts == ("RW4",)
    assert scopes.scope_filter(flt, "CMAST", "collaborative") == flt
    assert scopes.scope_filter(flt, SYSTEM_CODE, "system") == flt


@pytest.mark.parametrize(
    ("theirs", "label"),
    [
        (["CMAST", "MHLDC"], scopes.BOTH_COLLABORATIVES),
        (["MHLDC", "CMAST"], scopes.BOTH_COLLABORATIVES),
        (["CMAST"], "CMAST"),
        (["MHLDC"], "MHLDC"),
        ([], "Merged"),
    ],
)
def test_membership_label(theirs, label):
    assert scopes.membership_label(theirs, COLLABS) == label


def test_membership_label_is_both_only_when_in_every_collaborative():
    assert scopes.membership_label(["CMAST", "MHLDC"], [*COLLABS, "NEWC"]) == "CMAST and MHLDC"
    assert scopes.membership_label(["CMAST"], ["CMAST"]) == "CMAST"  # one collaborative is never "both"


@pytest.mark.parametrize(
    ("role", "label"),
    [
        ("member", "Alder Hey (RBS)"),
        ("partner", "Alder Hey (RBS, system partner)"),
        ("predecessor", "Alder Hey (RBS, merged)"),
        ("unknown", "Alder Hey (RBS)"),
    ],
)
def test_trust_label_names_the_role(role, label):
    assert scopes.trust_label("Alder Hey", "RBS", role) == label


def test_trusts_sort_members_then_partners_then_merged_then_by_name():
    rows = [("predecessor", "A"), ("partner", "B"), ("member", "Z"), ("member", "C"), ("other", "A")]
    ordered = sorted(rows, key=lambda r: scopes.trust_sort_key(*r))
    assert ordered == [
        ("member", "C"),
        ("member", "Z"),
        ("partner", "B"),
        ("predecessor", "A"),
        ("other", "A"),
    ]


def test_scope_options_system_then_collaboratives_then_trusts():
    assert scopes.scope_options(None, COLLABS, ("RBS",)) == [SYSTEM_CODE, "CMAST", "MHLDC", "RBS"]
    assert scopes.scope_options("MHLDC", COLLABS, ()) == [SYSTEM_CODE, "MHLDC"]


def test_scope_names_name_the_system_collaboratives_and_trusts():
    names = scopes.scope_names(COLLABS, {"RBS": "Alder Hey"})
    assert names == {SYSTEM_CODE: "C&M system", "CMAST": "CMAST", "MHLDC": "MHLDC", "RBS": "Alder Hey"}


MEMBERS = {"RBS": ["CMAST"], "RW4": ["MHLDC"], "RBN": ["CMAST", "MHLDC"], "RX7": []}


@pytest.mark.parametrize(
    ("trusts", "collaborative", "expected"),
    [
        ((), None, ["CMAST", "MHLDC"]),  # no trust: every collaborative
        ((), "MHLDC", ["MHLDC"]),  # no trust: the chosen one
        (("RBS",), None, ["CMAST"]),  # the trust's own
        (("RBS", "RW4"), None, ["CMAST", "MHLDC"]),
        (("RBN",), "MHLDC", ["MHLDC"]),  # in both, narrowed to the chosen one
        (("RBS",), "MHLDC", ["MHLDC"]),  # not a member of the chosen one: the chosen one still shown
        (("RX7",), None, ["CMAST", "MHLDC"]),  # a system partner belongs to none
    ],
)
def test_comparison_collaboratives(trusts, collaborative, expected):
    assert scopes.comparison_collaboratives(trusts, MEMBERS, collaborative, COLLABS) == expected


def test_pack_scopes_leave_out_merged_trusts():
    roles = {"RBS": "member", "RX7": "partner", "RVY": "predecessor"}
    assert scopes.pack_scopes(COLLABS, ["RBS", "RX7", "RVY"], roles) == [
        "system",
        "CMAST",
        "MHLDC",
        "RBS",
        "RX7",
    ]
    labels = scopes.pack_scope_labels(COLLABS, {"RBS": "Alder Hey (RBS)"})
    assert labels == {"system": "C&M system", "CMAST": "CMAST", "MHLDC": "MHLDC", "RBS": "Alder Hey (RBS)"}


def test_only_applied_imports_that_are_not_the_demo_can_be_undone():
    history = pd.DataFrame(
        {
            "id": [4, 3, 2, 1],
            "status": ["applied", "undone", "applied", "applied"],
            "source": ["upload", "upload", "cli", "demo"],
        }
    )
    assert list(batches.undoable(history)["id"]) == [4, 2]
    assert batches.undoable(history.iloc[0:0]).empty
    assert batches.is_undoable("applied", "nhs_workforce")
    assert not batches.is_undoable("undone", "upload") and not batches.is_undoable("applied", "demo")


# --- confirmed mergers and membership changes marked on charts -----------------------------------------

REFERENCE = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "reference"
SUCCESSIONS = pd.read_csv(REFERENCE / "successions.csv").to_dict("records")
MEMBERSHIPS = pd.read_csv(REFERENCE / "memberships.csv").to_dict("records")
SYSTEM_SPANS = [
    {"trust_code": row["ods_code"], "valid_from": row["system_from"], "valid_to": row["system_to"]}
    for row in pd.read_csv(REFERENCE / "trusts.csv").to_dict("records")
    if row["in_system"] == "yes"
]
NAMES = {"RVY": "Southport and Ormskirk", "RBN": "Mersey and West Lancashire", "RY2": "Bridgewater"}


def marked(
    scopes_shown, first="2022-04-01", last="2026-10-01", successions=None, memberships=None, system=None
):
    """The labels a chart of `scopes_shown` from `first` to `last` marks, from the reference files."""
    events = scopes.scope_events(
        scopes_shown,
        COLLABS,
        SUCCESSIONS if successions is None else successions,
        MEMBERSHIPS if memberships is None else memberships,
        system_spans=SYSTEM_SPANS if system is None else system,
        first_month=pd.Timestamp(first),
        last_month=pd.Timestamp(last),
        trust_names=NAMES,
    )
    return [event.label for event in events]


@pytest.mark.parametrize("scope", [SYSTEM_CODE, "CMAST", "MHLDC", "RBN", "RVY"])
def test_a_confirmed_merger_in_range_is_marked_for_every_scope_it_changes(scope):
    assert marked([scope]) == ["RVY merged into RBN"]


def test_the_merger_event_names_the_month_and_says_what_changes():
    (event,) = scopes.scope_events(
        [SYSTEM_CODE], COLLABS, SUCCESSIONS, MEMBERSHIPS, system_spans=SYSTEM_SPANS,
        first_month=pd.Timestamp("2023-01-01"), last_month=pd.Timestamp("2023-12-01"), trust_names=NAMES,
    )  # fmt: skip
    assert event.month == pd.Timestamp("2023-07-01")
    assert event.label == "RVY merged into RBN"
    assert event.detail == (
        "Southport and Ormskirk (RVY) merged into Mersey and West Lancashire (RBN) on 01/07/2023: "
        "from Jul 2023 its figures count under RBN."
    )
    assert event.sentence == "RVY merged into RBN (Jul 2023)"
    assert scopes.events_sentence([event]) == "Marked on the chart: RVY merged into RBN (Jul 2023)."
    assert scopes.events_sentence([]) == ""


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("2023-07-01", "2026-10-01", True),  # the merger month is the first month of the chart
        ("2022-04-01", "2023-07-01", True),  # ... or its last
        ("2023-08-01", "2026-10-01", False),  # the chart starts the month after
        ("2022-04-01", "2023-06-01", False),  # the chart ends the month before
    ],
)
def test_a_merger_is_marked_only_when_its_month_is_in_the_chart(first, last, shown):
    assert marked(["CMAST"], first, last) == (["RVY merged into RBN"] if shown else [])


@pytest.mark.parametrize("scope", [SYSTEM_CODE, "MHLDC", "RWW", "RY2"])
def test_a_planned_merger_is_never_marked(scope):
    # RY2 into RWW is planned from 2026-04-01, inside the chart: not applied, so not marked.
    assert "RY2 merged into RWW" not in marked([scope], "2025-01-01", "2026-10-01")
    assert marked([scope], "2025-01-01", "2026-10-01") == []


def test_a_merger_is_not_marked_for_a_collaborative_it_does_not_touch():
    # North West Boroughs (RTV) went into Mersey Care (RW4, MHLDC only) in June 2021.
    assert marked(["MHLDC"], "2021-04-01", "2021-12-01") == ["RTV merged into RW4"]
    assert marked(["CMAST"], "2021-04-01", "2021-12-01") == []
    assert marked(["REM"], "2021-04-01", "2021-12-01") == []  # nor for another trust
    # A chart of several scopes marks what changes any of them, once.
    assert marked([SYSTEM_CODE, "CMAST", "MHLDC"], "2021-04-01", "2023-12-01") == [
        "RTV merged into RW4",
        "RVY merged into RBN",
    ]


def test_a_merger_before_the_collaboratives_were_formed_is_marked_wherever_the_successor_counts():
    # Royal Liverpool (RQ6) merged into REM in Oct 2019. REM counts in the system and (its start not
    # known, so from the start of the data) in CMAST, so both totals change with the merger.
    assert marked([SYSTEM_CODE], "2019-01-01", "2020-12-01") == ["RQ6 merged into REM"]
    assert marked(["REM"], "2019-01-01", "2020-12-01") == ["RQ6 merged into REM"]
    assert marked(["CMAST"], "2019-01-01", "2020-12-01") == ["RQ6 merged into REM"]
    assert marked(["MHLDC"], "2019-01-01", "2020-12-01") == []
    # Calderstones (RJX, Lancashire) was never in the system itself; its acquisition by RW4 in Jul 2016
    # brings its staff into the system and MHLDC totals, under RW4.
    assert marked([SYSTEM_CODE, "MHLDC"], "2016-01-01", "2016-12-01") == ["RJX merged into RW4"]
    assert marked(["CMAST"], "2016-01-01", "2016-12-01") == []


def test_a_merger_into_a_trust_outside_the_system_is_not_marked_for_the_system():
    nwas = [
        {"old_code": "RJX", "successor_code": "RX7", "effective_from": "2016-07-01", "status": "confirmed"}
    ]
    assert marked([SYSTEM_CODE], "2016-01-01", "2016-12-01", successions=nwas) == []
    assert marked(["RX7"], "2016-01-01", "2016-12-01", successions=nwas) == ["RJX merged into RX7"]


def membership(trust, collab, start, end=None, status="confirmed"):
    return {"trust_code": trust, "collaborative_code": collab, "valid_from": start, "valid_to": end,
            "status": status}  # fmt: skip


def test_confirmed_membership_changes_are_marked_for_the_collaborative_but_not_planned_ones():
    members = [
        *MEMBERSHIPS,
        membership("RX7", "CMAST", "2024-01-01"),  # joins
        membership("RY7", "CMAST", "2022-01-01", "2024-09-30"),  # joins before the chart, then leaves
        membership("RXA", "CMAST", "2025-02-01", status="planned"),
    ]
    after_rvy = "2023-08-01"  # after RVY's merger, so only these changes are in the chart
    assert marked(["CMAST"], after_rvy, memberships=members) == ["RX7 joined CMAST", "RY7 left CMAST"]
    # The system follows each trust's system span, not the collaboratives: no change there.
    assert marked([SYSTEM_CODE], after_rvy, memberships=members) == []
    assert marked(["MHLDC"], after_rvy, memberships=members) == []
    # A trust's own figures do not change with its membership.
    assert marked(["RX7"], after_rvy, memberships=members) == []
    (joined,) = scopes.scope_events(
        ["CMAST"], COLLABS, [], members, system_spans=SYSTEM_SPANS,
        first_month=pd.Timestamp("2024-01-01"), last_month=pd.Timestamp("2024-01-01"),
    )  # fmt: skip
    assert joined.detail == "RX7 joined CMAST on 01/01/2024: from Jan 2024 it counts in CMAST."


def test_with_every_start_known_the_earliest_is_the_collaboratives_founding_not_a_joining():
    members = [membership("RBS", "CMAST", "2021-04-01"), membership("REM", "CMAST", "2021-04-01"),
               membership("RBQ", "CMAST", "2021-05-01")]  # fmt: skip
    assert marked(["CMAST"], "2021-01-01", "2021-12-01", memberships=members) == ["RBQ joined CMAST"]
    # With one start not known (counted from the start of the data), every known start is a joining.
    members[0]["valid_from"] = None
    assert marked(["CMAST"], "2021-01-01", "2021-12-01", memberships=members) == [
        "REM joined CMAST",  # Apr 2021
        "RBQ joined CMAST",  # May 2021
    ]


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("2024-01-01", "2024-01-01", ["RXX joined the C&M system"]),  # the month the span starts
        ("2023-12-01", "2023-12-01", []),  # the month before
        ("2025-07-01", "2025-07-01", ["RXX left the C&M system"]),  # the month after it ends
        ("2025-06-01", "2025-06-01", []),  # its last month
    ],
)
def test_a_known_system_span_start_and_end_are_marked_for_the_system_only(first, last, shown):
    system = [*SYSTEM_SPANS, {"trust_code": "RXX", "valid_from": "2024-01-01", "valid_to": "2025-06-30"}]
    assert marked([SYSTEM_CODE], first, last, system=system) == shown
    assert marked(["CMAST", "MHLDC", "RXX"], first, last, system=system) == []


def test_the_system_span_event_says_what_changes():
    system = [*SYSTEM_SPANS, {"trust_code": "RXX", "valid_from": "2024-01-01", "valid_to": None}]
    (joined,) = scopes.scope_events(
        [SYSTEM_CODE], COLLABS, [], [], system_spans=system,
        first_month=pd.Timestamp("2024-01-01"), last_month=pd.Timestamp("2024-01-01"),
    )  # fmt: skip
    assert joined.detail == (
        "RXX joined the C&M system on 01/01/2024: from Jan 2024 it counts in the system total."
    )


def test_a_leaving_that_a_merger_explains_is_marked_once_as_the_merger():
    # RVY's CMAST membership ends on 30/06/2023 because it merged into RBN on 01/07/2023.
    assert marked(["CMAST"], "2023-01-01", "2023-12-01") == ["RVY merged into RBN"]


@pytest.mark.parametrize(
    ("in_system", "start", "end", "words"),
    [
        (True, None, None, "Throughout (start not known: from the start of the data)"),
        (True, None, "2019-09-30", "From the start of the data (start not known) to Sep 2019"),
        (True, "2024-01-01", None, "From Jan 2024"),
        (True, "2024-01-01", "2025-06-30", "Jan 2024 to Jun 2025"),
        (False, None, None, "Never (outside the system total)"),
    ],
)
def test_a_system_span_in_words_says_when_a_start_is_not_known(in_system, start, end, words):
    assert scopes.system_span_words(in_system, start, end) == words


def test_the_membership_dates_note_counts_the_unknown_starts_of_confirmed_memberships_only():
    rows = [membership("REM", "CMAST", None), membership("RBS", "CMAST", "2021-04-01"),
            membership("RXA", "CMAST", None, status="planned")]  # fmt: skip
    assert scopes.membership_dates_note(rows) == (
        "The start of 1 of 2 memberships is not known, so those trusts count in their collaborative from the "
        "start of the data (before the collaboratives were formed)."
    )
    assert scopes.membership_dates_note(rows[1:]) is None


def test_a_planned_joining_with_no_start_says_so():
    note = scopes.planned_changes_note([], [membership("RXA", "CMAST", None, status="planned")], {})
    assert note == "Planned (not applied): RXA (RXA) joins CMAST (start not known) (to confirm)"
    dated = scopes.planned_changes_note([], [membership("RXA", "CMAST", "2027-04-01", status="planned")], {})
    assert dated == "Planned (not applied): RXA (RXA) joins CMAST from 01/04/2027 (to confirm)"


SHARING = {
    "RBS": ["CMAST", "MHLDC"],
    "RJR": ["CMAST", "MHLDC"],
    "REM": ["CMAST"],
    "RW4": ["MHLDC"],
    "RX7": [],  # a system partner
}
SHORT_NAMES = {"RBS": "Alder Hey", "RJR": "Countess of Chester", "REM": "Liverpool University Hospitals"}


def test_shared_members_note_names_the_trusts_in_both_collaboratives():
    assert scopes.shared_members_note(SHARING, ["CMAST", "MHLDC"], SHORT_NAMES) == (
        "CMAST and MHLDC overlap: two trusts (Alder Hey, Countess of Chester) are members of both, and each "
        "counts in both collaboratives but once in the C&M system, so the collaboratives' counts add up to "
        "more than the system's."
    )
    one = {"RBS": ["CMAST", "MHLDC"], "REM": ["CMAST"]}
    assert scopes.shared_members_note(one, ["CMAST", "MHLDC"], SHORT_NAMES).startswith(
        "CMAST and MHLDC overlap: one trust (Alder Hey) is a member of both, and counts in both"
    )


def test_shared_members_note_says_nothing_for_one_collaborative_or_no_shared_trust():
    assert scopes.shared_members_note(SHARING, ["CMAST"], SHORT_NAMES) is None
    assert (
        scopes.shared_members_note({"REM": ["CMAST"], "RW4": ["MHLDC"]}, ["CMAST", "MHLDC"], SHORT_NAMES)
        is None
    )
