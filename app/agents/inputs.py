"""Queue items as agent input, and how they are batched.

Kind "chat" (written by the chat importer and by `memloci chat`):
`{"memory_id", "message_id", "conversation", "speaker", "text", "timestamp", "attachments"}`.
Kind "screen" (written by capture): `{"memory_id", "session_id", "app", "title", "url",
"start", "end", "text"}`, text already redacted. All text is untrusted data. Secrets are
scrubbed here, before anything else sees the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain import Source, from_iso
from app.security.redact import redact
from app.store.queue import QueueItem

KINDS = ("chat", "screen")
TEXT_LIMIT = 4_000  # per input, for prompts; the raw record keeps everything
ASSISTANT_SPEAKER = "Memloci"


class BadPayload(ValueError):
    """A queue item that cannot be read (its producer wrote something else)."""


@dataclass(frozen=True)
class AgentInput:
    item_id: int
    kind: str  # "chat" | "screen"
    source: Source  # the chat message or screen session every derived memory points to
    memory_id: str | None  # the raw episodic record the producer already made
    text: str  # scrubbed of secrets
    speaker: str  # chat speaker, or the application for screen input
    timestamp: datetime
    conversation: str  # chat conversation, or "screen" for capture
    title: str = ""
    url: str = ""
    end: datetime | None = None
    attachments: tuple[str, ...] = ()  # captions
    secrets_seen: tuple[str, ...] = ()  # kinds of secrets scrubbed out (never values)

    @property
    def is_assistant(self) -> bool:
        return self.kind == "chat" and self.speaker == ASSISTANT_SPEAKER

    def line(self) -> str:
        """How the input appears in a prompt."""
        when = self.timestamp.strftime("%Y-%m-%d %H:%M")
        if self.kind == "screen":
            span = f"{when}-{self.end:%H:%M}" if self.end else when
            head = f"{self.speaker} window '{self.title}' {span}"
            if self.url:
                head += f" {self.url}"
            return f"{head}: {self.text[:1200]}" if self.text else head
        extra = "".join(f" [shared photo: {c}]" for c in self.attachments)
        return f"{self.speaker} ({when}): {self.text}{extra}"


def _time(value: object, fallback: datetime) -> datetime:
    if isinstance(value, str) and value.strip():
        try:
            moment = from_iso(value.strip())
        except ValueError:
            return fallback
        return moment if moment.tzinfo else moment.astimezone()
    return fallback


def _text(value: object, limit: int = TEXT_LIMIT) -> tuple[str, tuple[str, ...]]:
    if value is None:
        return "", ()
    if not isinstance(value, str):
        raise BadPayload("text is not a string")
    cleaned = redact(value.replace("\x00", " ")[:limit])
    return cleaned.text, cleaned.kinds


def parse(item: QueueItem) -> AgentInput:
    """An `AgentInput` from a queue item, or `BadPayload`."""
    p = item.payload
    if not isinstance(p, dict):
        raise BadPayload("payload is not an object")
    memory_id = p.get("memory_id") if isinstance(p.get("memory_id"), str) else None
    if item.kind == "chat":
        message_id = p.get("message_id") or item.ref
        if not isinstance(message_id, str) or not message_id:
            raise BadPayload("chat item without message_id")
        text, secrets = _text(p.get("text"))
        captions: list[str] = []
        for attachment in p.get("attachments") or []:
            caption = attachment.get("caption") if isinstance(attachment, dict) else None
            if isinstance(caption, str) and caption.strip():
                captions.append(redact(caption[:500]).text)
        if not text and not captions:
            raise BadPayload("chat item without text")
        return AgentInput(
            item_id=item.id,
            kind="chat",
            source=Source("chat", message_id[:500]),
            memory_id=memory_id,
            text=text,
            speaker=str(p.get("speaker") or "unknown")[:128],
            timestamp=_time(p.get("timestamp"), item.created_at),
            conversation=str(p.get("conversation") or "chat")[:200],
            attachments=tuple(captions),
            secrets_seen=secrets,
        )
    if item.kind == "screen":
        session = p.get("session_id") or item.ref
        if not isinstance(session, str) or not session:
            raise BadPayload("screen item without session_id")
        text, secrets = _text(p.get("text"))
        title, title_secrets = _text(p.get("title"), 500)
        url, url_secrets = _text(p.get("url"), 2000)
        start = _time(p.get("start"), item.created_at)
        end = _time(p.get("end"), start) if p.get("end") else None
        return AgentInput(
            item_id=item.id,
            kind="screen",
            source=Source("screen", session[:500]),
            memory_id=memory_id,
            text=text,
            speaker=str(p.get("app") or "unknown app")[:128],
            timestamp=start,
            conversation="screen",
            title=title,
            url=url,
            end=end,
            secrets_seen=secrets + title_secrets + url_secrets,
        )
    raise BadPayload(f"unknown kind {item.kind!r}")


@dataclass
class Batch:
    inputs: list[AgentInput] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.inputs[0].kind

    @property
    def item_ids(self) -> list[int]:
        return [i.item_id for i in self.inputs]

    @property
    def sources(self) -> list[Source]:
        return list(dict.fromkeys(i.source for i in self.inputs))

    def evidence(self) -> list[str]:
        """The texts a model's output must be grounded in."""
        out = []
        for i in self.inputs:
            out.append(f"{i.speaker} {i.title} {i.text} {' '.join(i.attachments)}")
        return out


def batches(inputs: Iterable[AgentInput], size: int, window: timedelta) -> list[Batch]:
    """Group by conversation (capture: by time), in time order; a new batch starts after
    `size` inputs or a pause longer than `window`."""
    groups: dict[tuple[str, str], list[AgentInput]] = {}
    for item in inputs:
        groups.setdefault((item.kind, item.conversation), []).append(item)
    result: list[Batch] = []
    for members in groups.values():
        members.sort(key=lambda i: (i.timestamp, i.item_id))
        current = Batch()
        for item in members:
            if current.inputs and (
                len(current.inputs) >= size
                or item.timestamp - current.inputs[-1].timestamp > window
            ):
                result.append(current)
                current = Batch()
            current.inputs.append(item)
        if current.inputs:
            result.append(current)
    result.sort(key=lambda b: (b.inputs[0].timestamp, b.inputs[0].item_id))
    return result
