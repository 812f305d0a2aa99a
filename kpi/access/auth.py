"""Who may do what. Two roles: "board" reads everything; "lead" also writes (imports, undo,
milestone updates). Every write function in kpi/ takes the acting `User` and calls `require_lead`
before touching the database, so a board user cannot write by any route, whatever the UI shows.

Roles come from configuration and the identity provider's verified claims (`user_from_claims`): with
sign-in configured, a user is lead only if their e-mail address is on the lead allow-list and the
provider has not said the address is unverified (`email_verified`); every other signed-in user is
board. When a tenant is configured (`[kpi] tenant_id`), an account from any other tenant (`tid` claim)
is refused. Without sign-in (local and demo use, see kpi/access/deployment.py) the app runs in local mode,
where the person at the keyboard may act as lead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["board", "lead"]
LOCAL_USER_EMAIL = "local-user@localhost"


class PermissionDenied(PermissionError):
    """The user's role does not allow this action."""


class SignInRefused(PermissionError):
    """The identity provider's claims do not allow this account in at all (wrong tenant)."""


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: Role
    local_mode: bool = False

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def label(self) -> str:
        """How the user appears in audit records (batches, milestone history)."""
        return f"{self.name} <{self.email}>" if self.name and self.name != self.email else self.email


def role_for(email: str | None, lead_emails: Iterable[str]) -> Role:
    """'lead' for an address on the allow-list (case-insensitive), else 'board'."""
    allowed = {address.strip().lower() for address in lead_emails if address and address.strip()}
    return "lead" if email and email.strip().lower() in allowed else "board"


def email_verified(claims: Mapping[str, Any]) -> bool:
    """False only when the provider sends `email_verified` and it is not true (Microsoft Entra ID does
    not send it; Google and most others do). A string "true" counts as true."""
    if "email_verified" not in claims:
        return True
    value = claims["email_verified"]
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def user_from_claims(
    claims: Mapping[str, Any], lead_emails: Iterable[str], tenant_id: str | None = None
) -> User:
    """The signed-in user and their role from the ID token's claims (st.user).

    Raises SignInRefused when a tenant is configured and the `tid` claim is missing or different.
    Lead only for an allow-listed `email` whose `email_verified` is not false; otherwise board.
    """
    tenant = (tenant_id or "").strip().lower()
    if tenant:
        tid = str(claims.get("tid") or "").strip().lower()
        if not tid:
            raise SignInRefused(
                "Your sign-in did not say which organisation your account belongs to, and this dashboard "
                "only admits accounts from its own organisation's directory."
            )
        if tid != tenant:
            raise SignInRefused(
                "Your account belongs to another organisation's directory. This dashboard only admits "
                "accounts from its own; sign out and sign in with your NHS account."
            )
    email = str(claims.get("email") or "").strip()
    name = str(claims.get("name") or email).strip()
    role = role_for(email, lead_emails) if email_verified(claims) else "board"
    return User(email=email, name=name or email, role=role)


def require_lead(user: User | None, action: str) -> User:
    """Return the user if they may write; raise PermissionDenied naming the action otherwise."""
    if user is None:
        raise PermissionDenied(f"You are not signed in, so you cannot {action}.")
    if user.role != "lead":
        raise PermissionDenied(
            f"{user.email} has the read-only board role, so cannot {action}; only the workforce lead can."
        )
    return user
