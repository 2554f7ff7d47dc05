"""Plain, frozen values shared by every layer. No I/O, no behaviour beyond conversions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.errors import InvalidInput


class MemoryType(enum.StrEnum):
    CORE = "core"
    EPISODIC = "episodic"
    SEMANTIC = "semantic"
    PROCEDURAL = "procedural"
    RESOURCE = "resource"
    VAULT = "vault"

    @classmethod
    def parse(cls, value: str) -> MemoryType:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise InvalidInput(f"Unknown memory type {value!r}; use one of: {names}.") from None


SOURCE_KINDS = ("chat", "screen", "file", "user", "agent", "import", "client")  # client: MCP


@dataclass(frozen=True)
class Source:
    """Where a memory came from: a chat message, a screen frame or session, a file, the person."""

    kind: str
    ref: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref}

    @classmethod
    def from_dict(cls, raw: Any) -> Source:
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
            raise InvalidInput('A source must look like {"kind": "chat", "ref": "..."}.')
        kind = raw["kind"]
        if kind not in SOURCE_KINDS:
            names = ", ".join(SOURCE_KINDS)
            raise InvalidInput(f"Unknown source kind {kind!r}; use one of: {names}.")
        ref = str(raw.get("ref") or "")
        if len(ref) > 500:
            raise InvalidInput("A source reference is limited to 500 characters.")
        return cls(kind, ref)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Stored form: UTC, microseconds, fixed width, so text order is time order."""
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is the person's local time
    # isoformat, not strftime: "%Y" is not zero-padded before the year 1000 on Linux.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Memory:
    """One typed memory record. `fields` never holds a vault secret in clear."""

    id: str
    type: MemoryType
    fields: dict[str, Any]
    text: str
    occurred_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int
    origin: str
    importance: float
    sources: tuple[Source, ...] = ()
    valid_to: datetime | None = None
    invalid_reason: str | None = None
    title: str = ""
    """A one-line label for lists, made by the memory's type (`app.memory`) when it is read."""

    @property
    def active(self) -> bool:
        return self.valid_to is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "title": self.title,
            "fields": self.fields,
            "text": self.text,
            "occurred_at": to_iso(self.occurred_at),
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
            "valid_to": to_iso(self.valid_to) if self.valid_to else None,
            "invalid_reason": self.invalid_reason,
            "version": self.version,
            "origin": self.origin,
            "importance": self.importance,
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One audit row: what changed, from what to what, by whom, why."""

    memory_id: str
    version: int
    action: str  # add | update | invalidate | restore | merge
    actor: str  # user | agent:<name> | system | import
    reason: str | None
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "memory_id": self.memory_id,
            "version": self.version,
            "action": self.action,
            "actor": self.actor,
            "reason": self.reason,
            "old": self.old,
            "new": self.new,
            "at": to_iso(self.at),
        }


@dataclass(frozen=True)
class SearchHit:
    id: str
    type: MemoryType
    text: str
    score: float
    occurred_at: datetime
    sources: tuple[Source, ...]
    snippet: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "text": self.text,
            "score": round(self.score, 6),
            "occurred_at": to_iso(self.occurred_at),
            "sources": [s.to_dict() for s in self.sources],
            "title": self.title,
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class Stats:
    by_type: dict[str, int]
    invalidated: int
    total: int
    history_rows: int
    database_bytes: int
    oldest: datetime | None
    newest: datetime | None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_type": self.by_type,
            "invalidated": self.invalidated,
            "history_rows": self.history_rows,
            "database_bytes": self.database_bytes,
            "oldest": to_iso(self.oldest) if self.oldest else None,
            "newest": to_iso(self.newest) if self.newest else None,
            **self.extra,
        }
