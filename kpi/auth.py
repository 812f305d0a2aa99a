"""Who may do what. Two roles: "board" reads everything; "lead" also writes (imports, undo,
milestone updates). Every write function in kpi/ takes the acting `User` and calls `require_lead`
before touching the database, so a board user cannot write by any route, whatever the UI shows.

Roles come from configuration: with sign-in configured, e-mail addresses on the lead allow-list are
leads and every other signed-in user is board. Without sign-in (local and demo use) the app runs in
local mode, where the person at the keyboard may act as lead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Role = Literal["board", "lead"]
ROLES: tuple[Role, ...] = ("board", "lead")
LOCAL_USER_EMAIL = "local-user@localhost"


class PermissionDenied(PermissionError):
    """The user's role does not allow this action."""


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


def require_lead(user: User | None, action: str) -> User:
    """Return the user if they may write; raise PermissionDenied naming the action otherwise."""
    if user is None:
        raise PermissionDenied(f"You are not signed in, so you cannot {action}.")
    if user.role != "lead":
        raise PermissionDenied(
            f"{user.email} has the read-only board role, so cannot {action}; only the workforce lead can."
        )
    return user
