"""What the facade and the agents ask of search: `SearchRequest` and the `Retriever` protocol.

`app.search.hybrid.HybridRetriever` is the one implementation (full text and vectors, fused);
tests may pass their own. The protocol lists everything its users call, so nothing probes for
optional methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.domain import Memory, MemoryType, SearchHit
from app.settings import Settings

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SearchRequest:
    query: str
    types: tuple[MemoryType, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 10
    include_invalid: bool = False


class Retriever(Protocol):
    def search(self, request: SearchRequest) -> list[SearchHit]: ...

    def indexed(self, memories: Sequence[Memory]) -> None:
        """Called after memories were added or changed: the background indexer wakes."""

    def removed(self, memory_ids: Sequence[str]) -> None:
        """Called after memories were purged: their vectors go now."""

    def contexts(self, conn: Any, memory_ids: Sequence[str], resumed: set[str]) -> None:
        """Inside the writer's transaction: chat records placed in a conversation get the
        messages before them as search context."""

    def sync(self, progress: Progress | None = None) -> int:
        """Embed everything pending now; returns how many memories were embedded."""
        ...

    def status(self) -> dict[str, Any]:
        """Embedder, vector index mode and counts, for status displays."""
        ...

    def configure(self, settings: Settings) -> None:
        """Another embedder or index chosen: re-embed in the background."""

    def scrub(self, progress: Progress | None = None) -> str:
        """Rewrite the local vector index's files without forgotten vectors if a forget left
        any (`app.search.scrub`); says what happened ("rewritten", "clean", "off", ...)."""
        ...

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild every derived index from the database; returns how many memories."""
        ...

    def close(self) -> None: ...
