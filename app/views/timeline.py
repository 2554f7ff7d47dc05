"""The timeline: what happened when, one lane per application (or kind of event).

Items come from episodic memories in the range. A capture session (an episodic memory made from
screen frames) spans from its start to its end and sits in its application's lane; other events
are moments in a lane named after where they came from (chat, notes, imports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.domain import Memory, MemoryType, from_iso, to_iso
from app.errors import InvalidInput
from app.store.db import Database
from app.store.memories import MemoryRepository

MAX_ITEMS = 5_000


@dataclass(frozen=True)
class TimelineItem:
    start: datetime
    end: datetime
    lane: str
    label: str
    memory_ids: tuple[str, ...]
    kind: str = "event"  # event (a moment) | session (a span of screen activity)


@dataclass
class Timeline:
    since: datetime
    until: datetime
    lanes: list[str]
    items: list[TimelineItem]
    truncated: bool = False
    per_lane_seconds: dict[str, float] = field(default_factory=dict)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return from_iso(value)
        except ValueError:
            return None
    return None


def lane_of(memory: Memory) -> tuple[str, str]:
    """(lane, kind) for an episodic memory."""
    fields = memory.fields
    kinds = {s.kind for s in memory.sources}
    app = fields.get("app") or fields.get("application")
    if "screen" in kinds or fields.get("event_type") in {"screen", "app_session", "activity"}:
        actor = str(app or fields.get("actor") or "Screen")
        return actor, "session"
    if "chat" in kinds:
        return "Chat", "event"
    if "file" in kinds or "import" in kinds:
        return "Files", "event"
    if "agent" in kinds:
        return "Memloci", "event"
    client = next((s.ref for s in memory.sources if s.kind == "client" and s.ref), None)
    if client is not None:
        return client, "event"  # added by another program over MCP, in its own lane
    return "Typed by you", "event"


def item_of(memory: Memory) -> TimelineItem:
    lane, kind = lane_of(memory)
    start = memory.occurred_at
    end = _moment(memory.fields.get("ended_at") or memory.fields.get("end")) or start
    if end < start:
        end = start
    return TimelineItem(start, end, lane, memory.title, (memory.id,), kind)


def capture_sessions(database: Database, since: datetime, until: datetime) -> list[TimelineItem]:
    """Screen activity sessions (app, title, start, end) overlapping the range, if capture ran."""
    if not database.scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'capture_sessions'"
    ):
        return []
    rows = database.query(
        "SELECT id, memory_id, app, title, started_at, ended_at FROM capture_sessions "
        "WHERE ended_at >= ? AND started_at < ? ORDER BY started_at LIMIT ?",
        (to_iso(since), to_iso(until), MAX_ITEMS),
    )
    items = []
    for row in rows:
        start, end = from_iso(row["started_at"]), from_iso(row["ended_at"])
        label = row["title"] or row["app"]
        ids = (row["memory_id"],) if row["memory_id"] else ()
        items.append(
            TimelineItem(start, max(start, end), row["app"] or "Screen", label, ids, "session")
        )
    return items


def timeline(
    repo: MemoryRepository, since: datetime, until: datetime, database: Database | None = None
) -> Timeline:
    """Every episodic event and capture session between `since` and `until`, by lane."""
    if since >= until:
        raise InvalidInput("The start of the time range is not before its end.")
    if until - since > timedelta(days=62):
        raise InvalidInput("A timeline shows at most two months at a time.")
    sessions = capture_sessions(database, since, until) if database is not None else []
    covered = {memory_id for item in sessions for memory_id in item.memory_ids}
    memories: list[Memory] = []
    while len(memories) < MAX_ITEMS:
        batch = repo.list(
            MemoryType.EPISODIC,
            since=since,
            until=until,
            limit=500,
            offset=len(memories),
            newest_first=False,
        )
        memories.extend(batch)
        if len(batch) < 500:
            break
    items = sessions + [item_of(m) for m in memories if m.id not in covered]
    items.sort(key=lambda item: item.start)
    seconds: dict[str, float] = {}
    for item in items:
        seconds[item.lane] = seconds.get(item.lane, 0.0) + (item.end - item.start).total_seconds()
    lanes = sorted(seconds, key=lambda lane: (-seconds[lane], lane))
    return Timeline(
        since=since,
        until=until,
        lanes=lanes,
        items=items,
        truncated=len(memories) >= MAX_ITEMS or len(sessions) >= MAX_ITEMS,
        per_lane_seconds=seconds,
    )
