"""A ChatGPT data export (`conversations.json`): a list of conversations whose messages form a
tree (edits and regenerations branch it). The branch shown in ChatGPT, from `current_node` up to
the root, is what is imported: the person's and the assistant's messages with visible text.
System and tool messages, hidden context and empty turns are left out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.importers import CONVERSATION_LIMIT, ID_LIMIT, ChatMessage, ImportFileError

SPEAKERS = {"user": "user", "assistant": "ChatGPT"}


def _text_of(content: Any) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and attachments of one message's `content`."""
    if not isinstance(content, dict):
        return "", []
    kind = content.get("content_type")
    attachments: list[dict[str, Any]] = []
    if kind in ("text", "multimodal_text"):
        parts = []
        for part in content.get("parts") or []:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and "image" in str(part.get("content_type", "")):
                attachments.append({"kind": "image"})
        return "\n".join(p for p in parts if p.strip()), attachments
    if kind in ("code", "execution_output", "tether_quote"):
        return str(content.get("text") or ""), attachments
    return "", attachments  # hidden context, reasoning, browsing internals


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(float(value), UTC)
    return None


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
        raw = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not valid UTF-8 (byte {error.start + 1}).") from None
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{path}:{error.lineno}: invalid JSON ({error.msg} at column {error.colno})."
        ) from None
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
        conversation_id = str(conversation.get("conversation_id") or conversation.get("id") or "")
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
            role = (message.get("author") or {}).get("role")
            metadata = message.get("metadata") or {}
            if role not in SPEAKERS or metadata.get("is_visually_hidden_from_conversation"):
                continue
            text, attachments = _text_of(message.get("content"))
            for item in metadata.get("attachments") or []:
                if isinstance(item, dict) and item.get("name"):
                    attachments.append({"name": str(item["name"])})
            if not text.strip():
                continue
            message_id = str(message.get("id") or node.get("id") or "")
            where = f"{label}: message {message_id or '?'}"
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
