"""Paged, sorted, filtered listing of memories: what the GUI's memory table shows page by page.

Sorting happens in SQL so a lazy table shows the right order without loading everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain import Memory, MemoryType, to_iso
from app.errors import InvalidInput
from app.store.db import Database
from app.store.memories import MemoryRepository

# The title of each type, as SQL, so "sort by title" sorts what the person sees.
_TITLE_SQL = (
    "lower(CASE type "
    "WHEN 'semantic' THEN json_extract(data, '$.name') "
    "WHEN 'resource' THEN json_extract(data, '$.title') "
    "WHEN 'vault' THEN json_extract(data, '$.caption') "
    "WHEN 'core' THEN json_extract(data, '$.label') "
    "ELSE json_extract(data, '$.summary') END)"
)

SORT_KEYS: dict[str, str] = {
    "occurred_at": "occurred_at",
    "updated_at": "updated_at",
    "created_at": "created_at",
    "title": _TITLE_SQL,
    "type": "type",
    "importance": "importance",
    "version": "version",
    "origin": "origin",
}


@dataclass(frozen=True)
class BrowseQuery:
    """What the person filtered on. Empty means everything that is still valid."""

    types: tuple[MemoryType, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    source_kinds: tuple[str, ...] = ()
    include_invalid: bool = False
    sort: str = "occurred_at"
    descending: bool = True
    ids: tuple[str, ...] = field(default=())
    """Restrict to these memory ids (the memories behind a graph node or timeline slot)."""

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.types:
            clauses.append(f"type IN ({','.join('?' * len(self.types))})")
            params.extend(MemoryType(t).value for t in self.types)
        if self.since is not None:
            clauses.append("occurred_at >= ?")
            params.append(to_iso(self.since))
        if self.until is not None:
            clauses.append("occurred_at < ?")
            params.append(to_iso(self.until))
        if self.since and self.until and self.since >= self.until:
            raise InvalidInput("The start of the time range is not before its end.")
        if self.source_kinds:
            marks = ",".join("?" * len(self.source_kinds))
            clauses.append(
                "EXISTS (SELECT 1 FROM memory_sources s WHERE s.memory_id = memories.id "
                f"AND s.kind IN ({marks}))"
            )
            params.extend(self.source_kinds)
        if self.ids:
            clauses.append(f"id IN ({','.join('?' * len(self.ids))})")
            params.extend(self.ids)
        if not self.include_invalid:
            clauses.append("valid_to IS NULL")
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def matches(self, memory: Memory) -> bool:
        """Whether `where()` would select this memory: lets a view place a new memory without
        asking the store again."""
        if self.types and memory.type not in self.types:
            return False
        if self.since is not None and memory.occurred_at < self.since:
            return False
        if self.until is not None and memory.occurred_at >= self.until:
            return False
        if self.source_kinds and not any(s.kind in self.source_kinds for s in memory.sources):
            return False
        if self.ids and memory.id not in self.ids:
            return False
        return self.include_invalid or memory.active

    def sort_value(self, memory: Memory) -> Any:
        """The value `order()` sorts this memory by, where Python compares it as SQL does;
        None for an order only SQL knows (titles)."""
        return {
            "occurred_at": lambda: to_iso(memory.occurred_at),
            "updated_at": lambda: to_iso(memory.updated_at),
            "created_at": lambda: to_iso(memory.created_at),
            "type": lambda: memory.type.value,
            "importance": lambda: memory.importance,
            "version": lambda: memory.version,
            "origin": lambda: memory.origin,
        }.get(self.sort, lambda: None)()

    def order(self) -> str:
        if self.sort not in SORT_KEYS:
            names = ", ".join(SORT_KEYS)
            raise InvalidInput(f"Cannot sort by {self.sort!r}; use one of: {names}.")
        direction = "DESC" if self.descending else "ASC"
        return f"ORDER BY {SORT_KEYS[self.sort]} {direction}, seq {direction}"


def page(
    database: Database,
    repo: MemoryRepository,
    query: BrowseQuery,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[Memory]:
    """One page of memories in the query's order."""
    if limit < 1 or offset < 0:
        raise InvalidInput("A page needs a positive size and a non-negative offset.")
    where, params = query.where()
    rows = database.query(
        f"SELECT id FROM memories {where} {query.order()} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return repo.get_many([r["id"] for r in rows])


def count(database: Database, query: BrowseQuery) -> int:
    where, params = query.where()
    return int(database.scalar(f"SELECT count(*) FROM memories {where}", params) or 0)


def source_kinds(database: Database) -> list[str]:
    """The kinds of source that some memory has, for the source filter."""
    rows = database.query("SELECT DISTINCT kind FROM memory_sources ORDER BY kind")
    return [r["kind"] for r in rows]


def memories_from_source(
    database: Database, repo: MemoryRepository, kind: str, ref: str, limit: int = 50
) -> list[Memory]:
    """Every memory that one chat message, screen frame or file contributed to."""
    rows = database.query(
        "SELECT memory_id FROM memory_sources WHERE kind = ? AND ref = ? LIMIT ?",
        (kind, ref, limit),
    )
    return repo.get_many([r["memory_id"] for r in rows])


def types_of(values: Sequence[str]) -> tuple[MemoryType, ...]:
    return tuple(MemoryType.parse(v) for v in values)
