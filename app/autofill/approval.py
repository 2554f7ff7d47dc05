"""Asking the person before a medium or high sensitivity vault value leaves Memloci (and any
vault value at all that a browser asks for, app/autofill/browser.py).

The service asks through an `Approver`: the desktop app installs a Qt dialog
(`app/ui/approval.py`), `memloci serve` a terminal prompt, tests a scripted one. Without an
approver nothing that needs approval is handed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ApprovalItem:
    """One value asked for: which vault entry, for which field."""

    memory_id: str
    caption: str
    field: str
    sensitivity: str


@dataclass(frozen=True)
class ApprovalRequest:
    recipient: str  # who asks ("Memloci browser extension", "a local program")
    page: str  # where the value would go (a URL or a window title)
    items: tuple[ApprovalItem, ...]
    timeout_s: float

    @property
    def needs_passphrase(self) -> bool:
        return any(item.sensitivity == "high" for item in self.items)


@dataclass(frozen=True)
class Decision:
    """The person's answer: which memory ids may go, with the passphrase for high ones."""

    approved: frozenset[str]
    passphrase: str | None = None
    reason: str = ""  # why the rest was refused: denied | timeout | no-approver

    @classmethod
    def deny(cls, reason: str = "denied") -> Decision:
        return cls(frozenset(), None, reason)

    def __repr__(self) -> str:  # the passphrase must never reach a log through a repr
        return f"Decision(approved={sorted(self.approved)}, reason={self.reason!r})"


class Approver(Protocol):
    def approve(self, request: ApprovalRequest) -> Decision:
        """Ask the person; block until they answer or `request.timeout_s` passes."""
        ...


class NoApprover:
    """The default: nobody can be asked, so nothing that needs approval is handed out."""

    def approve(self, request: ApprovalRequest) -> Decision:
        return Decision.deny("no-approver")
