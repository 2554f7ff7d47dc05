"""Search over memories. The `Retriever` protocol is what the facade calls; this module holds
the full-text retriever (SQLite FTS5, BM25)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain import Memory, MemoryType, SearchHit
from app.store.memories import MemoryRepository


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
        """Called after memories were added or changed (vector indexes update here)."""

    def removed(self, memory_ids: Sequence[str]) -> None:
        """Called after memories were purged."""


def hit_from(memory: Memory, score: float, snippet: str = "") -> SearchHit:
    return SearchHit(
        id=memory.id,
        type=memory.type,
        text=memory.text,
        score=score,
        occurred_at=memory.occurred_at,
        sources=memory.sources,
        snippet=snippet,
        title=memory.title,
    )


class FullTextRetriever:
    """BM25 over the encrypted FTS5 index; the baseline and the fallback of hybrid search."""

    def __init__(self, repo: MemoryRepository) -> None:
        self.repo = repo

    def search(self, request: SearchRequest) -> list[SearchHit]:
        hits = self.repo.search_fts(
            request.query,
            types=request.types or None,
            since=request.since,
            until=request.until,
            include_invalid=request.include_invalid,
            limit=request.limit,
        )
        return [hit_from(h.memory, h.score, h.snippet) for h in hits]

    def indexed(self, memories: Sequence[Memory]) -> None:
        return None

    def removed(self, memory_ids: Sequence[str]) -> None:
        return None
