"""Programs given access to the memory (app/store/clients.py): the person's list of MCP clients,
their tokens and permissions, requests waiting for approval, and the mask on what leaves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.domain import MemoryType
from app.security.redact import redact_known
from app.store.clients import (
    DEFAULT_PERMISSIONS,
    Client,
    ClientRegistry,
    NewClient,
    Permission,
)
from app.store.memories import MemoryRepository


class ClientService:
    """The client registry over the store's `api_clients` table; the repository only to read
    the vault's secrets for `mask_secrets`."""

    def __init__(self, registry: ClientRegistry, repo: MemoryRepository) -> None:
        self._registry = registry
        self._repo = repo

    def all(self, *, include_gone: bool = False) -> list[Client]:
        """Active clients and requests waiting (`include_gone`: revoked and denied too)."""
        return self._registry.list(include_gone=include_gone)

    def add(self, name: str, permissions: Iterable[Permission] | None = None) -> NewClient:
        """A new client with its own token, returned this once (only a hash is kept)."""
        chosen = DEFAULT_PERMISSIONS if permissions is None else permissions
        return self._registry.add(name, chosen)

    def revoke(self, ident: str) -> Client:
        """Stop a client (by id or name) at its next request, in every process."""
        return self._registry.revoke(ident)

    def allow(self, ident: str, permissions: Iterable[Permission]) -> Client:
        """Replace what a client may do (read, ask, add)."""
        return self._registry.allow(ident, permissions)

    def identify(self, token: str | None) -> Client | None:
        """The active client holding this token, else None."""
        return self._registry.identify(token)

    def launched(self, name: str, launcher: str) -> Client | None:
        """An active client approved for this name and launching program (stdio, no token)."""
        return self._registry.launched(name, launcher)

    def request(self, name: str, launcher: str) -> Client:
        """Ask the person to approve a program that connected without a token."""
        return self._registry.request(name, launcher)

    def requests(self) -> list[Client]:
        """Requests waiting for the person's approval, oldest first."""
        return self._registry.pending()

    def decide(self, client_id: str, permissions: Iterable[Permission] | None) -> Client:
        """Approve a waiting request with these permissions, or deny it (None)."""
        return self._registry.decide(client_id, permissions)

    def status(self, client_id: str) -> Client:
        return self._registry.status_of(client_id)

    def mask_secrets(self, texts: Sequence[str]) -> list[str]:
        """`texts` with every vault secret that appears in them verbatim, and every
        secret-shaped string, replaced: for text that leaves Memloci."""
        vault = self._repo.list(MemoryType.VAULT, include_invalid=True, limit=2_000)
        secrets = [self._repo.secret(m.id) for m in vault]
        return [redact_known(text, secrets) for text in texts]
