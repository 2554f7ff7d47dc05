"""Programs given access to the memory (app/api/clients.py): the person's list of MCP clients,
their tokens and permissions, and requests waiting for approval."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from app.facade.base import FacadeBase

if TYPE_CHECKING:
    from app.api.clients import Client, ClientRegistry, NewClient, Permission


class ClientsFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    def _clients(self) -> ClientRegistry:
        from app.api.clients import ClientRegistry

        return ClientRegistry(self._s.database)

    def clients(self, *, include_gone: bool = False) -> list[Client]:
        """Active clients and requests waiting (`include_gone`: revoked and denied too)."""
        return self._clients().list(include_gone=include_gone)

    def client_add(self, name: str, permissions: Iterable[Permission] | None = None) -> NewClient:
        """A new client with its own token, returned this once (only a hash is kept)."""
        from app.api.clients import DEFAULT_PERMISSIONS

        chosen = DEFAULT_PERMISSIONS if permissions is None else permissions
        return self._clients().add(name, chosen)

    def client_revoke(self, ident: str) -> Client:
        """Stop a client (by id or name) at its next request, in every process."""
        return self._clients().revoke(ident)

    def client_allow(self, ident: str, permissions: Iterable[Permission]) -> Client:
        """Replace what a client may do (read, ask, add)."""
        return self._clients().allow(ident, permissions)

    def client_identify(self, token: str | None) -> Client | None:
        """The active client holding this token, else None."""
        return self._clients().identify(token)

    def client_launched(self, name: str, launcher: str) -> Client | None:
        """An active client approved for this name and launching program (stdio, no token)."""
        return self._clients().launched(name, launcher)

    def client_request(self, name: str, launcher: str) -> Client:
        """Ask the person to approve a program that connected without a token."""
        return self._clients().request(name, launcher)

    def client_requests(self) -> list[Client]:
        """Requests waiting for the person's approval, oldest first."""
        return self._clients().pending()

    def client_decide(self, client_id: str, permissions: Iterable[Permission] | None) -> Client:
        """Approve a waiting request with these permissions, or deny it (None)."""
        return self._clients().decide(client_id, permissions)

    def client_status(self, client_id: str) -> Client:
        return self._clients().status_of(client_id)

    def mask_secrets(self, texts: Sequence[str]) -> list[str]:
        """`texts` with every vault secret that appears in them verbatim, and every
        secret-shaped string, replaced: for text that leaves Memloci."""
        from app.domain import MemoryType
        from app.security.redact import redact_known

        vault = self._s.repo.list(MemoryType.VAULT, include_invalid=True, limit=2_000)
        secrets = [self._s.repo.secret(m.id) for m in vault]
        return [redact_known(text, secrets) for text in texts]
