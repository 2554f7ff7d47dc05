"""A ChatGPT data export (`conversations.json`): a list of conversations whose messages form a
tree (edits and regenerations branch it). The branch shown in ChatGPT, from `current_node` up to
the root, is what is imported: the person's and the assistant's messages with visible text,
voice messages by their transcript.

Left out: system messages, hidden context, reasoning, empty turns, and every tool call with its
output. A tool call is an assistant message addressed to a tool (`recipient` other than "all":
python, browser, web.run, dalle.text2im, bio, canmore.*, plugins) or carrying tool content
(code, execution output, browsing displays and quotes); the tool's answer comes back as a message
of role "tool". None of it is what the person or ChatGPT said to each other: code, search
queries, image prompts, raw pages and program output would otherwise become "answers".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.importers.base import (
    CONVERSATION_LIMIT,
    ID_LIMIT,
    ChatMessage,
    ImportFileError,
    load_json,
)

SPEAKERS = {"user": "user", "assistant": "ChatGPT"}
# Content that is only ever shown as a conversation turn; everything else (code,
# execution_output, tether_browsing_display, tether_quote, system_error, thoughts,
# reasoning_recap, user_editable_context, ...) is a tool's or the app's, not a turn.
SPOKEN = ("text", "multimodal_text")


def _text_of(content: Any) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and attachments of one message's `content`: text parts, the transcript of
    a voice message, and a note of each image."""
    if not isinstance(content, dict) or content.get("content_type") not in SPOKEN:
        return "", []
    attachments: list[dict[str, Any]] = []
    parts = []
    parts_raw = content.get("parts")
    for part in parts_raw if isinstance(parts_raw, list) else []:
        if isinstance(part, str):
            parts.append(part)
        elif not isinstance(part, dict):
            continue
        elif part.get("content_type") == "audio_transcription":
            parts.append(str(part.get("text") or ""))
        elif "image" in str(part.get("content_type", "")):
            attachments.append({"kind": "image"})
    return "\n".join(p for p in parts if p.strip()), attachments


def is_tool_traffic(message: dict[str, Any]) -> bool:
    """A call to a tool (addressed to it, or tool content) or a tool's reply, or a message on
    a hidden channel (reasoning models' analysis and commentary)."""
    role = _mapping(message.get("author")).get("role")
    recipient = message.get("recipient")
    channel = message.get("channel")
    content = _mapping(message.get("content"))
    return (
        role == "tool"
        or (recipient is not None and recipient != "all")
        or (channel is not None and channel != "final")
        or content.get("content_type") not in SPOKEN
    )


def _moment(value: Any) -> datetime | None:
    """A Unix time, or None when it is missing or out of range (a later check says so)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return moment if moment.year > 1 and moment.year < 9999 else None
    return None


def _ident(value: Any) -> str:
    """An id is text or a number; anything else is no usable id."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return ""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _branch(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """Nodes from the root down to `current` (the branch the person last saw)."""
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    node_id = current
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        if not isinstance(node, dict):
            break
        nodes.append(node)
        node_id = node.get("parent")
    return list(reversed(nodes))


def read_chatgpt(path: Path) -> list[ChatMessage]:
    try:
        document = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not valid UTF-8 (byte {error.start + 1}).") from None
    raw = load_json(document, str(path), whole_file=True)
    if not isinstance(raw, list):
        raise ImportFileError(f"{path}: expected a list of conversations (conversations.json).")
    messages: list[ChatMessage] = []
    seen: dict[str, str] = {}
    for number, conversation in enumerate(raw, 1):
        if not isinstance(conversation, dict) or not isinstance(conversation.get("mapping"), dict):
            raise ImportFileError(
                f"{path}: conversation {number}: not a ChatGPT conversation (no message mapping)."
            )
        title = str(conversation.get("title") or "untitled")[:60]
        label = f"{path}: conversation {number} ({title!r})"
        conversation_id = _ident(conversation.get("conversation_id") or conversation.get("id"))
        if not conversation_id or len(conversation_id) > CONVERSATION_LIMIT:
            raise ImportFileError(f"{label}: it has no usable id.")
        mapping = conversation["mapping"]
        current = conversation.get("current_node")
        if current is None:  # old exports: the last node without children
            leaves = [
                k for k, n in mapping.items() if isinstance(n, dict) and not n.get("children")
            ]
            current = leaves[-1] if leaves else None
        fallback = _moment(conversation.get("create_time"))
        for node in _branch(mapping, current):
            message = node.get("message")
            if not isinstance(message, dict):
                continue
            role = _mapping(message.get("author")).get("role")
            metadata = _mapping(message.get("metadata"))
            hidden = metadata.get("is_visually_hidden_from_conversation")
            if not isinstance(role, str) or role not in SPEAKERS or hidden:
                continue
            if is_tool_traffic(message):
                continue
            text, attachments = _text_of(message.get("content"))
            listed = metadata.get("attachments")
            for item in listed if isinstance(listed, list) else []:
                if isinstance(item, dict) and item.get("name"):
                    attachments.append({"name": str(item["name"])})
            if not text.strip():
                continue
            message_id = _ident(message.get("id") or node.get("id"))
            where = f"{label}: message {message_id[:60] or '?'}"
            if not message_id or len(message_id) > ID_LIMIT:
                raise ImportFileError(f"{where}: it has no usable id.")
            if "\x00" in text:
                raise ImportFileError(f"{where}: the text contains a NUL character.")
            moment = _moment(message.get("create_time")) or fallback
            if moment is None:
                raise ImportFileError(f"{where}: it has no time (create_time).")
            if message_id in seen:
                raise ImportFileError(
                    f"{where}: the same message id is also in {seen[message_id]}."
                )
            seen[message_id] = label
            messages.append(
                ChatMessage(
                    id=message_id,
                    conversation=conversation_id,
                    speaker=SPEAKERS[role],
                    text=text,
                    timestamp=moment,
                    attachments=tuple(attachments),
                    where=where,
                )
            )
    return messages
