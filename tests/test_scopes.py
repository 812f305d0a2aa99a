"""Scope rules the pages used to work out themselves (kpi/scopes.py) and the undo rule (kpi/batches.py):
pure functions of reference data, one test per rule."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi import batches, scopes
from kpi.queries import SYSTEM_CODE, KPIFilter

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
