"""Who may write, and how they appear in the audit records: literal expected strings, so a change to the
wording or the rule shows here rather than being checked against the function that makes it."""

from __future__ import annotations

import pytest

from kpi.access.auth import PermissionDenied, SignInRefused, User, require_lead, role_for, user_from_claims

LEAD = User("ann.lead@nhs.net", "Ann Lead", "lead")
BOARD = User("bob.board@nhs.net", "Bob Board", "board")


def test_the_audit_name_is_name_and_address_or_the_address_alone():
    assert LEAD.label == "Ann Lead <ann.lead@nhs.net>"
    assert User("ann.lead@nhs.net", "ann.lead@nhs.net", "lead").label == "ann.lead@nhs.net"
    assert User("ann.lead@nhs.net", "", "lead").label == "ann.lead@nhs.net"


def test_only_the_lead_role_is_lead():
    assert LEAD.is_lead and not BOARD.is_lead


def test_require_lead_returns_the_lead():
    assert require_lead(LEAD, "import data") is LEAD


def test_require_lead_refuses_nobody_signed_in_naming_the_action():
    with pytest.raises(PermissionDenied) as refused:
        require_lead(None, "import data")
    assert str(refused.value) == "You are not signed in, so you cannot import data."


def test_require_lead_refuses_a_board_member_naming_them_and_the_action():
    with pytest.raises(PermissionDenied) as refused:
        require_lead(BOARD, "undo an import")
    assert str(refused.value) == (
        "bob.board@nhs.net has the read-only board role, so cannot undo an import; "
        "only the workforce lead can."
    )


def test_the_allow_list_ignores_case_spaces_and_empty_entries():
    leads = [" Ann.Lead@NHS.net ", "", "  "]
    assert role_for("ann.lead@nhs.net", leads) == "lead"
    assert role_for("  ANN.LEAD@nhs.net", leads) == "lead"
    assert role_for("bob.board@nhs.net", leads) == "board"
    assert role_for("", leads) == "board"
    assert role_for(None, leads) == "board"
    assert role_for("", ["", " "]) == "board"


def test_a_blank_address_is_never_lead_even_with_a_blank_entry_on_the_allow_list():
    assert role_for("  ", [" ", "ann.lead@nhs.net"]) == "board"


def test_a_tenant_configured_and_no_tenant_claim_is_refused_saying_so():
    claims = {"email": "ann.lead@nhs.net", "name": "Ann Lead"}
    with pytest.raises(SignInRefused) as refused:
        user_from_claims(claims, ["ann.lead@nhs.net"], "tenant-a")
    assert str(refused.value) == (
        "Your sign-in did not say which organisation your account belongs to, and this dashboard "
        "only admits accounts from its own organisation's directory."
    )
    with pytest.raises(SignInRefused, match=r"^Your sign-in did not say"):
        user_from_claims({**claims, "tid": "  "}, ["ann.lead@nhs.net"], "tenant-a")
    assert user_from_claims({**claims, "tid": " TENANT-A "}, ["ann.lead@nhs.net"], "tenant-a") == LEAD
