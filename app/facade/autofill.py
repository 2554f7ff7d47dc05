"""Autofill and the local API (app/autofill, app/api)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain import Memory
from app.errors import InvalidInput
from app.facade.base import FacadeBase


class AutofillFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    def _autofill(self) -> Any:
        from app.autofill.service import AutofillService

        return self._built("autofill", lambda: AutofillService(self))

    def autofill_suggest(self, fields: Sequence[Any], page: Any = None) -> list[Any]:
        """Ranked suggestions per field (`app.autofill.fields.FieldSpec`); vault values stay
        sealed (None) and nothing is logged: for the person's own popup and CLI listing."""
        return self._autofill().suggest(fields, page)

    def autofill(
        self,
        fields: Sequence[Any],
        page: Any,
        recipient: Any,
        *,
        limit: int | None = None,
        review: bool = False,
        picks: Sequence[str] | None = None,
    ) -> list[Any]:
        """Values for another program: vault values per policy and approval; logged. `review`
        keeps vault values sealed (the extension's review); `picks` names, per field, the
        memory the person chose. A browser recipient gets recognised field kinds only."""
        return self._autofill().fill(fields, page, recipient, limit, review=review, picks=picks)

    def autofill_reveal(
        self, memory_id: str, recipient: Any, purpose: str, passphrase: str | None = None
    ) -> str:
        """A vault value the person chose (popup, CLI); high sensitivity needs the passphrase."""
        return self._autofill().reveal(memory_id, recipient, purpose, passphrase)

    def record_disclosure(self, recipient: Any, purpose: str, memories: Sequence[Memory]) -> None:
        """Log that values of these memories were handed out (copied, typed, printed)."""
        self._autofill().record(recipient, purpose, memories)

    def prompt_context(
        self, text: str, *, max_chars: int | None = None, recipient: Any = None
    ) -> Any:
        """A compact, cited block of relevant memories (no secrets) to paste into an AI chat."""
        return self._autofill().prompt_context(text, max_chars, recipient)

    def disclosures(self, *, limit: int = 50, offset: int = 0) -> list[Any]:
        """The disclosure log, newest first: what memory went to whom, when."""
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._autofill().log.list(limit=limit, offset=offset)

    def set_approver(self, approver: Any) -> None:
        """Who asks the person before a medium/high vault value leaves (None: nobody)."""
        self._autofill().set_approver(approver)

    def api_token(self, *, rotate: bool = False) -> str:
        """The local API's bearer token, created on first use; `rotate` replaces it."""
        from app.api.tokens import api_token

        return api_token(self._s.database, rotate=rotate)
