"""Putting chat and screen input in the queue the way the importer and capture do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain import MemoryType, Source, to_iso

START = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)  # a Monday


def enqueue_chat(
    memloci: Any,
    messages: Sequence[tuple[str, str]],
    *,
    conversation: str = "c1",
    start: datetime = START,
    first: int = 0,
    attachments: Sequence[Sequence[str]] = (),
) -> list[str]:
    """Each message: a raw episodic record (source chat:<id>) and a queue item, committed
    together, as the chat importer does. Returns the message ids."""
    ids = []
    for n, (speaker, text) in enumerate(messages, first):
        message_id = f"{conversation}:{n}"
        moment = start + timedelta(minutes=n)
        captions = list(attachments[n - first]) if n - first < len(attachments) else []
        with memloci._parts.database.write() as db:
            raw = memloci.add(
                text,
                type="episodic",
                fields={"actor": speaker, "event_type": "chat", "occurred_at": to_iso(moment)},
                sources=[Source("chat", message_id)],
                actor="import",
            )
            memloci._parts.queue.put(
                "chat",
                {
                    "memory_id": raw.id,
                    "message_id": message_id,
                    "conversation": conversation,
                    "speaker": speaker,
                    "text": text,
                    "timestamp": to_iso(moment),
                    "attachments": [{"caption": c} for c in captions],
                },
                ref=message_id,
                db=db,
            )
        ids.append(message_id)
    return ids


def enqueue_screen(
    memloci: Any,
    session_id: str,
    *,
    app: str,
    title: str,
    text: str,
    url: str = "",
    start: datetime = START,
    minutes: int = 5,
    raw: bool = True,
) -> None:
    with memloci._parts.database.write() as db:
        memory_id = None
        if raw:
            memory_id = memloci.add(
                f"Using {app}: {title}",
                type="episodic",
                fields={"actor": app, "event_type": "screen", "occurred_at": to_iso(start)},
                sources=[Source("screen", session_id)],
                actor="capture",
            ).id
        memloci._parts.queue.put(
            "screen",
            {
                "memory_id": memory_id,
                "session_id": session_id,
                "app": app,
                "title": title,
                "url": url,
                "start": to_iso(start),
                "end": to_iso(start + timedelta(minutes=minutes)),
                "text": text,
            },
            ref=session_id,
            db=db,
        )


def derived(memloci: Any, memory_type: str | None = None, *, include_invalid: bool = False) -> list:
    """Memories the agents made."""
    types = [MemoryType(memory_type)] if memory_type else list(MemoryType)
    out = []
    for t in types:
        out += [
            m
            for m in memloci.list(t, include_invalid=include_invalid, limit=1000)
            if m.origin == "agent"
        ]
    return out
