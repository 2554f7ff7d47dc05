"""Autofill as the facade offers it: suggestions, the disclosure policy, approvals, the log.

Every value that leaves Memloci goes through here, so this is where the rules hold: vault values
follow the per-sensitivity policy in settings (allow / ask / never), asking goes through the
installed `Approver` one request at a time, high sensitivity needs the passphrase, and every
value handed out (or withheld) is written to the disclosure log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.autofill import context as prompt_context
from app.autofill.approval import ApprovalItem, ApprovalRequest, Approver, Decision, NoApprover
from app.autofill.disclosures import DisclosureLog, Entry, Recipient
from app.autofill.fields import FieldSpec
from app.autofill.suggest import (
    FieldSuggestions,
    PageContext,
    Suggestion,
    SuggestionEngine,
    Withheld,
)
from app.domain import Memory, MemoryType
from app.errors import InvalidInput, PassphraseRequired, WrongPassphrase
from app.settings import AutofillSettings

if TYPE_CHECKING:
    from app.core import Memloci

log = logging.getLogger(__name__)

MAX_FIELDS = 200


class AutofillService:
    def __init__(self, memloci: Memloci) -> None:
        self._m = memloci
        self.engine = SuggestionEngine(memloci)
        self.log = DisclosureLog(memloci.services.database)
        self._approver: Approver = NoApprover()
        self._asking = threading.Lock()  # one approval prompt at a time
        try:
            self.log.prune(self.settings.log_days)
        except Exception:  # a read-only or busy store must not stop autofill
            log.warning("could not prune the disclosure log", exc_info=True)

    @property
    def settings(self) -> AutofillSettings:
        return self._m.settings.autofill

    def set_approver(self, approver: Approver | None) -> None:
        self._approver = approver or NoApprover()

    # -- suggestions (vault values sealed) -------------------------------------------------------
    def suggest(
        self,
        fields: Sequence[FieldSpec],
        page: PageContext | None = None,
        limit: int | None = None,
    ) -> list[FieldSuggestions]:
        if not fields:
            raise InvalidInput("Give at least one field to fill.")
        if len(fields) > MAX_FIELDS:
            raise InvalidInput(f"A form may have at most {MAX_FIELDS} fields.")
        return self.engine.suggest(fields, page, limit or self.settings.suggestions_per_field)

    # -- filling for another program: policy, approval, disclosure -----------------------------
    def fill(
        self,
        fields: Sequence[FieldSpec],
        page: PageContext | None,
        recipient: Recipient,
        limit: int | None = None,
    ) -> list[FieldSuggestions]:
        """Suggestions with vault values unsealed where policy and the person allow it."""
        results = self.suggest(fields, page, limit)
        sealed: dict[str, tuple[Memory, str]] = {}  # memory id -> (memory, first field label)
        for result in results:
            for s in result.suggestions:
                if s.sealed:
                    sealed.setdefault(s.memory.id, (s.memory, result.spec.text or "a field"))
        released, refused = self._release(sealed, recipient)
        final: list[FieldSuggestions] = []
        entries: list[Entry] = []
        for result in results:
            kept: list[Suggestion] = []
            withheld: list[Withheld] = []
            for s in result.suggestions:
                if not s.sealed:
                    kept.append(s)
                elif s.memory.id in released:
                    value, _ = released[s.memory.id]
                    kept.append(Suggestion(s.memory, s.key, s.confidence, value, s.alternatives))
                else:
                    withheld.append(Withheld(s.memory, refused.get(s.memory.id, "denied")))
            purpose = result.spec.text or result.match.key or "field"
            for s in kept:
                approval = released[s.memory.id][1] if s.memory.id in released else "auto"
                entries.append(_entry(purpose, s.memory, "disclosed", approval))
            for w in withheld:
                entries.append(_entry(purpose, w.memory, "withheld", w.reason))
            final.append(
                FieldSuggestions(
                    result.index, result.spec, result.match, tuple(kept), tuple(withheld)
                )
            )
        self.log.record(recipient, entries)
        return final

    def _release(
        self, sealed: dict[str, tuple[Memory, str]], recipient: Recipient
    ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
        """Unseal what the policy and the person allow: ({id: (value, approval)}, {id: why})."""
        released: dict[str, tuple[str, str]] = {}
        refused: dict[str, str] = {}
        ask: list[ApprovalItem] = []
        for memory_id, (memory, label) in sealed.items():
            sensitivity = str(memory.fields.get("sensitivity", "medium"))
            policy = getattr(self.settings, f"vault_{sensitivity}", "never")
            if policy == "allow":
                released[memory_id] = (self._secret(memory_id), "auto")
            elif policy == "never":
                refused[memory_id] = "never"
            else:
                ask.append(ApprovalItem(memory_id, memory.title, label, sensitivity))
        if not ask:
            return released, refused
        timeout = float(self.settings.approval_timeout_seconds)
        decision = self._ask(ApprovalRequest(recipient.name, recipient.page, tuple(ask), timeout))
        passphrase_ok = False
        if decision.passphrase and any(i.sensitivity == "high" for i in ask):
            try:
                self._m.services.keyfile.unlock(decision.passphrase)
                passphrase_ok = True
            except WrongPassphrase:
                log.warning("approval for %s came with a wrong passphrase", recipient.channel)
        for item in ask:
            if item.memory_id not in decision.approved:
                refused[item.memory_id] = decision.reason or "denied"
            elif item.sensitivity == "high" and not passphrase_ok:
                refused[item.memory_id] = "wrong-passphrase" if decision.passphrase else "denied"
            else:
                how = "passphrase" if item.sensitivity == "high" else "person"
                released[item.memory_id] = (self._secret(item.memory_id), how)
        return released, refused

    def _ask(self, request: ApprovalRequest) -> Decision:
        with self._asking:
            try:
                return self._approver.approve(request)
            except Exception:  # a broken prompt must deny, never disclose
                log.exception("the approver failed; treating the request as denied")
                return Decision.deny("denied")

    def _secret(self, memory_id: str) -> str:
        return self._m.services.repo.secret(memory_id)

    # -- the person's own choice (popup, CLI) ----------------------------------------------------
    def reveal(
        self, memory_id: str, recipient: Recipient, purpose: str, passphrase: str | None = None
    ) -> str:
        """A vault value the person chose themselves; high sensitivity needs the passphrase."""
        memory = self._m.get(memory_id)
        if memory.type is not MemoryType.VAULT:
            raise InvalidInput(f"The memory {memory.id} is not a vault entry.")
        sensitivity = str(memory.fields.get("sensitivity", "medium"))
        if sensitivity == "high":
            if not passphrase:
                raise PassphraseRequired("This value is high sensitivity: give the passphrase.")
            self._m.services.keyfile.unlock(passphrase)
        value = self._secret(memory.id)
        approval = "passphrase" if sensitivity == "high" else "person"
        self.log.record(recipient, [_entry(purpose, memory, "disclosed", approval)])
        return value

    def record(self, recipient: Recipient, purpose: str, memories: Sequence[Memory]) -> None:
        """Log values of ordinary memories handed out (copied, typed, printed, returned)."""
        self.log.record(recipient, [_entry(purpose, m, "disclosed", "auto") for m in memories])

    # -- prompt context ----------------------------------------------------------------------------
    def prompt_context(
        self, text: str, max_chars: int | None = None, recipient: Recipient | None = None
    ) -> prompt_context.PromptContext:
        if not text or not text.strip():
            raise InvalidInput("Give the text of the prompt to find context for.")
        limit = max_chars or self.settings.prompt_context_chars
        if limit < 200:
            raise InvalidInput("The context needs room: give at least 200 characters.")
        secrets = [self._secret(m.id) for m in self._m.list("vault", limit=2_000)]
        result = prompt_context.build(self._m, text, limit, secrets)
        if recipient is not None and result.items:
            self.record(recipient, "prompt-context", [i.memory for i in result.items])
        return result


def _entry(purpose: str, memory: Memory, outcome: str, approval: str) -> Entry:
    sensitivity = (
        str(memory.fields.get("sensitivity", "medium"))
        if memory.type is MemoryType.VAULT
        else "none"
    )
    return Entry(purpose, memory.id, memory.type.value, sensitivity, outcome, approval)
