"""What a memory is indexed with: its own text plus, for a chat message, the messages just
before it in its conversation.

A reply ("Yes, last Saturday, with the kids!") rarely names what it answers; the question just
before it does. Indexing each message with the one or two messages before it (same conversation,
within a few hours) lets both full-text and vector search find the reply by its topic. Context
is derived from `memory_threads` at index time, never stored apart from the index, so a changed
or forgotten message leaves its neighbours' context when they are re-indexed (triggers blank it
at once).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.domain import from_iso, to_iso

CONTEXT_MESSAGES = 2  # the migration's triggers mark up to 4 successors dirty
CONTEXT_GAP = timedelta(hours=6)  # older messages belong to another sitting
CONTEXT_CHARS = 400  # per neighbouring message
EMBED_CONTEXT_CHARS = 200  # of the nearest neighbours, for the vector (~45 tokens)


@dataclass(frozen=True)
class Doc:
    """The text of one memory as the search index sees it."""

    memory_id: str
    seq: int
    own: str
    ctx: str

    def embedding_text(self, prefix: str = "") -> str:
        """Own text first, then the end of the context, i.e. the message just before (a
        vector's cost grows with its length, and the nearest message matters most)."""
        context = self.ctx[-EMBED_CONTEXT_CHARS:]
        body = f"{self.own}\n{context}" if context else self.own
        return prefix + body

    def digest(self, prefix: str = "") -> bytes:
        return hashlib.blake2b(self.embedding_text(prefix).encode("utf-8"), digest_size=16).digest()


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CONTEXT_CHARS else text[: CONTEXT_CHARS - 1] + "…"


def context_for(db: Any, memory_id: str) -> str:
    """The text of the messages just before `memory_id` in its thread ('' for none)."""
    row = db.execute(
        "SELECT thread, at, pos FROM memory_threads WHERE memory_id = ?", (memory_id,)
    ).fetchone()
    if row is None:
        return ""
    thread, at, pos = row
    earliest = to_iso(from_iso(at) - CONTEXT_GAP)
    rows = db.execute(
        "SELECT m.text FROM memory_threads t JOIN memories m ON m.id = t.memory_id "
        "WHERE t.thread = ? AND t.at >= ? AND (t.at < ? OR (t.at = ? AND t.pos < ?)) "
        "ORDER BY t.at DESC, t.pos DESC LIMIT ?",
        (thread, earliest, at, at, pos, CONTEXT_MESSAGES),
    ).fetchall()
    return "\n".join(_clip(r[0]) for r in reversed(rows))


def load_docs(db: Any, memory_ids: Sequence[str]) -> list[Doc]:
    """Docs for the memories that still exist, in the order asked."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(memory_ids), 500):
        chunk = list(memory_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for memory_id, seq, text in db.execute(
            f"SELECT id, seq, text FROM memories WHERE id IN ({marks})", chunk
        ).fetchall():
            found[memory_id] = (seq, text)
    return [
        Doc(memory_id, found[memory_id][0], found[memory_id][1], context_for(db, memory_id))
        for memory_id in memory_ids
        if memory_id in found
    ]


def write_contexts(db: Any, docs: Iterable[Doc]) -> None:
    """Store each doc's context in the full-text index (inside the caller's transaction)."""
    db.executemany("UPDATE search_docs SET ctx = ? WHERE rowid = ?", [(d.ctx, d.seq) for d in docs])


def refresh_successors(db: Any, new_ids: Sequence[str], threads: set[str]) -> None:
    """Older messages that now follow a new one: fresh context, and a new vector later."""
    created = set(new_ids)
    affected: set[str] = set()
    for memory_id in new_ids:
        rows = db.execute(
            "SELECT s.memory_id FROM memory_threads t JOIN memory_threads s "
            "ON s.thread = t.thread AND (s.at > t.at OR (s.at = t.at AND s.pos > t.pos)) "
            "WHERE t.memory_id = ? AND t.thread IN (SELECT value FROM json_each(?)) "
            f"ORDER BY s.at, s.pos LIMIT {CONTEXT_MESSAGES}",
            (memory_id, json.dumps(sorted(threads))),
        ).fetchall()
        affected.update(r[0] for r in rows if r[0] not in created)
    if affected:
        ordered = sorted(affected)
        write_contexts(db, load_docs(db, ordered))
        db.executemany(
            "INSERT OR IGNORE INTO search_dirty (memory_id) VALUES (?)", [(i,) for i in ordered]
        )


def index_threads(db: Any, memory_ids: Sequence[str], resumed: set[str]) -> None:
    """Inside the writer's transaction: chat records just placed in their conversations are
    indexed with the messages before them, and messages of `resumed` conversations that now
    follow one of them get a fresh context."""
    write_contexts(db, load_docs(db, memory_ids))
    if resumed:
        refresh_successors(db, memory_ids, resumed)
