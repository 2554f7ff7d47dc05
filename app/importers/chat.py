"""Storing imported chat messages: one episodic memory per message, in one transaction.

Each message becomes searchable at once (full text, with the messages before it as context);
its vector follows in the background. Unless the agents are off, each message is queued for the
memory agents in the same transaction, so a message is queued exactly when it is stored.
Re-importing a message id that is already stored adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.domain import MemoryType, Source, to_iso
from app.importers import ChatMessage, Format, ImportResult, read_messages
from app.memory import kind_of
from app.memory.episodic import DETAILS_LIMIT
from app.security.redact import redact
from app.store.queue import WorkQueue
from app.store.writer import Initiator, Writer

Progress = Callable[[int, int], None]
QUEUE_KIND = "chat"


def without_secrets(message: ChatMessage) -> ChatMessage:
    """Passwords, keys, card numbers and ids in a message become `[REDACTED:kind]` before it
    is stored or queued, as capture and Memloci's own chat do: secrets go to the vault only
    when the person asks, never from an imported file."""
    text = redact(message.text)
    attachments = tuple(
        {**item, "caption": redact(item["caption"]).text}
        if isinstance(item.get("caption"), str)
        else item
        for item in message.attachments
    )
    if not text.found and attachments == message.attachments:
        return message
    return replace(message, text=text.text, attachments=attachments)


def body_of(message: ChatMessage) -> str:
    """The message text with its attachments' captions, as people and search read it."""
    lines = [message.text.strip()] if message.text.strip() else []
    lines.extend(f"[attachment: {caption}]" for caption in message.captions())
    return "\n".join(lines)


def split_long(text: str, limit: int = DETAILS_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at whitespace where possible: an episodic
    record keeps at most DETAILS_LIMIT characters, and no word of a message may be lost."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    pieces.append(text)
    return [p for p in pieces if p]


def already_imported(conn: Any, ids: Sequence[str]) -> dict[str, list[str]]:
    """Message id -> the memories that are its chat record (imported episodic memories whose
    source is that message). Memories the agents derived from a message do not count."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for ref, memory_id in conn.execute(
            "SELECT s.ref, s.memory_id FROM memory_sources s JOIN memories m "
            "ON m.id = s.memory_id WHERE s.kind = 'chat' AND m.origin = 'import' "
            f"AND m.type = 'episodic' AND s.ref IN ({marks}) ORDER BY m.seq",
            chunk,
        ):
            found.setdefault(ref, []).append(memory_id)
    return found


def import_messages(
    writer: Writer,
    queue: WorkQueue,
    messages: Sequence[ChatMessage],
    *,
    path: str,
    agents: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    result = ImportResult(path=path, messages=len(messages))
    kind = kind_of(MemoryType.EPISODIC)
    messages = [without_secrets(m) for m in messages]
    with writer.batch(Initiator.IMPORT) as batch:
        done = already_imported(batch.db.conn, [m.id for m in messages])
        new = [m for m in messages if m.id not in done]
        result.skipped = len(messages) - len(new)
        # Records that lost their place in the conversation (restored from a backup, which
        # carries memories but not this index) get it back from the file.
        for message in messages:
            for memory_id in done.get(message.id, ()):
                batch.thread(memory_id, message.conversation, message.timestamp, resume=False)
        conversations = {m.conversation for m in new}
        result.conversations = len(conversations)
        # Conversations that already have messages: those after a new one get a new context.
        resumed = {c for c in conversations if batch.has_thread(c)}
        for number, message in enumerate(new, 1):
            first_id = None
            pieces = split_long(body_of(message))
            for index, piece in enumerate(pieces):
                fields = kind.build(
                    None,
                    {
                        "summary": piece,
                        "occurred_at": message.timestamp,
                        "event_type": "chat",
                        "actor": message.speaker,
                    },
                )
                memory = batch.insert(
                    MemoryType.EPISODIC,
                    fields,
                    sources=[Source("chat", message.id)],
                    origin="import",
                    actor="import",
                    occurred_at=message.timestamp,
                    importance=0.5,
                    reason=f"chat import, part {index + 1} of {len(pieces)}"
                    if len(pieces) > 1
                    else "chat import",
                )
                batch.thread(
                    memory.id,
                    message.conversation,
                    message.timestamp,
                    resume=message.conversation in resumed,
                )
                result.memory_ids.append(memory.id)
                first_id = first_id or memory.id
            if agents:
                queue.put(
                    QUEUE_KIND,
                    {
                        "memory_id": first_id,
                        "message_id": message.id,
                        "conversation": message.conversation,
                        "speaker": message.speaker,
                        "text": message.text,
                        "timestamp": to_iso(message.timestamp),
                        "attachments": list(message.attachments),
                    },
                    ref=message.id,
                    db=batch.db,
                )
                result.queued += 1
            result.imported += 1
            if progress is not None and (number % 250 == 0 or number == len(new)):
                progress(number, len(new))
        # The writer indexes each threaded record with the messages before it, in this same
        # transaction, before it commits.
    return result


def import_chat_file(
    writer: Writer,
    queue: WorkQueue,
    path: Path,
    *,
    fmt: Format | None = None,
    agents: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Read and validate the whole file first, then store it (nothing is stored on error)."""
    messages = read_messages(path, fmt)
    return import_messages(
        writer, queue, messages, path=str(path), agents=agents, progress=progress
    )
