"""Stores for the erase tests: screen sessions as capture writes them (an episodic record with a
screen source, its capture_sessions row, optional retained frames), chat imported through the
real importer, memories the person typed and memories the agents made from records."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain import Memory, Source, to_iso, utcnow


def ago(minutes: float) -> datetime:
    return utcnow() - timedelta(minutes=minutes)


def session(
    memloci: Any,
    session_id: str,
    *,
    app: str,
    start: datetime,
    minutes: float = 5,
    title: str = "",
    url: str = "",
    text: str = "",
    wm_class: str = "",
    frames: int = 0,
) -> Memory:
    """A screen session the way capture stores it (record through the facade, then its row)."""
    end = start + timedelta(minutes=minutes)
    memory = memloci.add(
        None,
        type="episodic",
        fields={
            "summary": f"Using {app}: {title}" if title else f"Using {app}",
            "event_type": "screen",
            "actor": app,
            "occurred_at": to_iso(start),
            "details": text,
        },
        sources=[Source("screen", session_id)],
        actor="system:capture",
        origin="capture",
        occurred_at=start,
        importance=0.3,
    )
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, memory_id, window_key, app, wm_class, process, "
            "title, url, started_at, ended_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'final')",
            (
                session_id,
                memory.id,
                f"key-{session_id}",
                app,
                wm_class or f"{app.lower()} {app}",
                app.lower(),
                title,
                url,
                to_iso(start),
                to_iso(end),
            ),
        )
        for n in range(frames):
            db.conn.execute(
                "INSERT INTO capture_frames (id, session_id, taken_at, width, height, bytes) "
                "VALUES (?, ?, ?, 640, 400, 10)",
                (f"{session_id}f{n}", session_id, to_iso(start)),
            )
    if frames:
        folder = memloci.paths.data / "frames"
        folder.mkdir(exist_ok=True)
        for n in range(frames):
            path = folder / f"{session_id}f{n}"
            path.write_bytes(b"sealed frame")
            os.utime(path, (time.time() - 3600, time.time() - 3600))
    return memory


def derived(
    memloci: Any, text: str, *, made_from: Sequence[Memory], memory_type: str = "semantic"
) -> Memory:
    """A memory the agents made from these records (their sources), origin agent."""
    sources = list(dict.fromkeys(s for m in made_from for s in m.sources))
    return memloci.add(text, type=memory_type, sources=sources, actor="agent:semantic")


def import_chat(
    memloci: Any,
    tmp: Path,
    conversation: str,
    messages: Sequence[tuple[str, str, datetime]],
) -> list[Memory]:
    """(speaker, text, moment) messages through the real JSON Lines importer."""
    path = tmp / f"{conversation}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n, (speaker, text, moment) in enumerate(messages):
            handle.write(
                json.dumps(
                    {
                        "id": f"{conversation}-m{n}",
                        "conversation": conversation,
                        "speaker": speaker,
                        "text": text,
                        "timestamp": to_iso(moment),
                    }
                )
                + "\n"
            )
    result = memloci.import_chat(path, agents=True)
    return memloci._parts.repo.get_many(result.memory_ids)


def ids(memories: Sequence[Memory]) -> set[str]:
    return {m.id for m in memories}
