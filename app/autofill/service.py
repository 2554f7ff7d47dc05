"""Autofill as the facade offers it: suggestions, the disclosure policy, approvals, the log.

Every value that leaves Memloci goes through here, so this is where the rules hold: vault values
follow the per-sensitivity policy in settings (allow / ask / never), asking goes through the
installed `Approver` one request at a time, high sensitivity needs the passphrase, and every
value handed out (or withheld) is written to the disclosure log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from app.autofill import context as prompt_context
from app.autofill.approval import ApprovalItem, ApprovalRequest, Approver, Decision, NoApprover
from app.autofill.browser import BROWSER, site_allowed
from app.autofill.disclosures import Disclosure, DisclosureLog, Entry, Recipient
from app.autofill.fields import FieldSpec
from app.autofill.suggest import (
    FieldSuggestions,
    PageContext,
    Suggestion,
    SuggestionEngine,
    Withheld,
)
from app.domain import Memory, MemoryType
from app.errors import ConfigError, InvalidInput, PassphraseRequired, WrongPassphrase
from app.settings import AutofillSettings, Settings
from app.store.memories import MemoryRepository

log = logging.getLogger(__name__)

MAX_FIELDS = 200


class AutofillService:
    """Receives its parts explicitly (the composition root builds it); never the facade."""

    def __init__(
        self,
        *,
        settings: Callable[[], Settings],
        settings_file: Path,
        repo: MemoryRepository,
        search: prompt_context.Search,
        check_passphrase: Callable[[str], None],
    ) -> None:
        self._settings = settings
        self._settings_file = settings_file
        self._repo = repo
        self._search = search
        self._check_passphrase = check_passphrase
        self._engine = SuggestionEngine(repo, settings)
        self._log = DisclosureLog(repo.db)
        self._approver: Approver = NoApprover()
        self._asking = threading.Lock()  # one approval prompt at a time
        self._sites: tuple[int, list[str]] = (0, [])  # settings file mtime, free-text sites
        try:
            self._log.prune(self.settings.log_days)
        except Exception:  # a read-only or busy store must not stop autofill
            log.warning("could not prune the disclosure log", exc_info=True)

    @property
    def settings(self) -> AutofillSettings:
        return self._settings().autofill

    def set_approver(self, approver: Approver | None) -> None:
        self._approver = approver or NoApprover()

    def free_text_sites(self) -> list[str]:
        """The sites where a browser may fill fields of no known kind. Read again from the
        settings file when it changed, so `memloci autofill sites --allow` reaches a running
        `memloci serve` or desktop app at once."""
        path = self._settings_file
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return list(self.settings.free_text_sites)
        if stamp != self._sites[0]:
            try:
                sites = Settings.load(path).autofill.free_text_sites
            except ConfigError:  # a broken file: what was read last still holds
                log.warning("could not read autofill.free_text_sites; keeping the last ones")
                sites = self._sites[1] if self._sites[0] else self.settings.free_text_sites
            self._sites = (stamp, list(sites))
        return self._sites[1]

    # -- suggestions (vault values sealed) -------------------------------------------------------
    def suggest(
        self,
        fields: Sequence[FieldSpec],
        page: PageContext | None = None,
        limit: int | None = None,
        *,
        free_text: bool = True,
    ) -> list[FieldSuggestions]:
        if not fields:
            raise InvalidInput("Give at least one field to fill.")
        if len(fields) > MAX_FIELDS:
            raise InvalidInput(f"A form may have at most {MAX_FIELDS} fields.")
        limit = limit or self.settings.suggestions_per_field
        return self._engine.suggest(fields, page, limit, free_text=free_text)

    # -- filling for another program: policy, approval, disclosure -----------------------------
    def fill(
        self,
        fields: Sequence[FieldSpec],
        page: PageContext | None,
        recipient: Recipient,
        limit: int | None = None,
        *,
        review: bool = False,
        picks: Sequence[str] | None = None,
    ) -> list[FieldSuggestions]:
        """Suggestions with vault values unsealed where policy and the person allow it.

        `review`: for the extension's own review of a form; vault values stay sealed and nobody
        is asked. `picks`: per field, the memory id the person chose ("" for any); only that
        memory answers it, so only the chosen vault values are asked for. A browser gets
        recognised field kinds only (or free text on sites the person allowed), and asks the
        person for vault values of every sensitivity (app/autofill/browser.py).
        """
        browser = recipient.channel == BROWSER
        free_text = not browser or site_allowed(page.host if page else "", self.free_text_sites())
        results = self.suggest(fields, page, limit, free_text=free_text)
        if picks is not None:
            if len(picks) != len(results):
                raise InvalidInput("Give one pick per field (an empty one for any suggestion).")
            results = [_picked(result, pick) for result, pick in zip(results, picks, strict=True)]
        sealed: dict[str, tuple[Memory, str]] = {}  # memory id -> (memory, first field label)
        for result in results:
            for s in result.suggestions:
                if s.sealed:
                    sealed.setdefault(s.memory.id, (s.memory, result.spec.text or "a field"))
        released, refused = ({}, {}) if review else self._release(sealed, recipient, browser)
        final: list[FieldSuggestions] = []
        entries: list[Entry] = []
        for result in results:
            kept: list[Suggestion] = []
            withheld: list[Withheld] = []
            for s in result.suggestions:
                if not s.sealed or review:  # a review shows vault entries masked, still sealed
                    kept.append(s)
                elif s.memory.id in released:
                    value, _ = released[s.memory.id]
                    kept.append(Suggestion(s.memory, s.key, s.confidence, value, s.alternatives))
                else:
                    withheld.append(Withheld(s.memory, refused.get(s.memory.id, "denied")))
            purpose = result.spec.text or result.match.key or "field"
            for s in (s for s in kept if not s.sealed):
                approval = released[s.memory.id][1] if s.memory.id in released else "auto"
                entries.append(_entry(purpose, s.memory, "disclosed", approval))
            for w in withheld:
                entries.append(_entry(purpose, w.memory, "withheld", w.reason))
            final.append(
                FieldSuggestions(
                    result.index,
                    result.spec,
                    result.match,
                    tuple(kept),
                    tuple(withheld),
                    result.refused,
                )
            )
        self._log.record(recipient, entries)
        return final

    def _release(
        self, sealed: dict[str, tuple[Memory, str]], recipient: Recipient, browser: bool = False
    ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
        """Unseal what the policy and the person allow: ({id: (value, approval)}, {id: why}).
        A browser is never handed a vault value on policy alone: "allow" asks it too."""
        released: dict[str, tuple[str, str]] = {}
        refused: dict[str, str] = {}
        ask: list[ApprovalItem] = []
        for memory_id, (memory, label) in sealed.items():
            sensitivity = str(memory.fields.get("sensitivity", "medium"))
            policy = getattr(self.settings, f"vault_{sensitivity}", "never")
            if policy == "allow" and browser:
                policy = "ask"
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
                self._check_passphrase(decision.passphrase)
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
        return self._repo.secret(memory_id)

    # -- the person's own choice (popup, CLI) ----------------------------------------------------
    def reveal(
        self, memory_id: str, recipient: Recipient, purpose: str, passphrase: str | None = None
    ) -> str:
        """A vault value the person chose themselves; high sensitivity needs the passphrase."""
        memory = self._repo.get(memory_id)
        if memory.type is not MemoryType.VAULT:
            raise InvalidInput(f"The memory {memory.id} is not a vault entry.")
        sensitivity = str(memory.fields.get("sensitivity", "medium"))
        if sensitivity == "high":
            if not passphrase:
                raise PassphraseRequired("This value is high sensitivity: give the passphrase.")
            self._check_passphrase(passphrase)
        value = self._secret(memory.id)
        approval = "passphrase" if sensitivity == "high" else "person"
        self._log.record(recipient, [_entry(purpose, memory, "disclosed", approval)])
        return value

    def record(self, recipient: Recipient, purpose: str, memories: Sequence[Memory]) -> None:
        """Log values of ordinary memories handed out (copied, typed, printed, returned)."""
        self._log.record(recipient, [_entry(purpose, m, "disclosed", "auto") for m in memories])

    def disclosures(self, *, limit: int = 50, offset: int = 0) -> list[Disclosure]:
        """The disclosure log, newest first: what memory went to whom, when."""
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._log.list(limit=limit, offset=offset)

    # -- prompt context ----------------------------------------------------------------------------
    def prompt_context(
        self, text: str, max_chars: int | None = None, recipient: Recipient | None = None
    ) -> prompt_context.PromptContext:
        if not text or not text.strip():
            raise InvalidInput("Give the text of the prompt to find context for.")
        limit = max_chars or self.settings.prompt_context_chars
        if limit < 200:
            raise InvalidInput("The context needs room: give at least 200 characters.")
        secrets = [self._secret(m.id) for m in self._repo.list(MemoryType.VAULT, limit=2_000)]
        result = prompt_context.build(self._search, self._repo, text, limit, secrets)
        if recipient is not None and result.items:
            self.record(recipient, "prompt-context", [i.memory for i in result.items])
        return result


def _picked(result: FieldSuggestions, pick: str) -> FieldSuggestions:
    """The field's suggestions from the chosen memory only ("" keeps them all)."""
    if not pick:
        return result
    chosen = tuple(s for s in result.suggestions if s.memory.id == pick)
    return replace(result, suggestions=chosen)


def _entry(purpose: str, memory: Memory, outcome: str, approval: str) -> Entry:
    sensitivity = (
        str(memory.fields.get("sensitivity", "medium"))
        if memory.type is MemoryType.VAULT
        else "none"
    )
    return Entry(purpose, memory.id, memory.type.value, sensitivity, outcome, approval)
