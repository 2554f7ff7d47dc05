"""Importing chat history: files in, chat messages out, validated before anything is stored.

Formats: JSON Lines (one message per line, see `jsonl`) and a ChatGPT data export
(`conversations.json`, see `chatgpt`). Both produce `ChatMessage`s; `chat.import_messages`
stores them in one transaction.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from app.importers.base import (
    CONVERSATION_LIMIT,
    ID_LIMIT,
    NAME_LIMIT,
    ChatMessage,
    ChatPreview,
    Format,
    ImportFileError,
    ImportResult,
    load_json,
)
from app.importers.chatgpt import read_chatgpt
from app.importers.jsonl import read_jsonl

__all__ = [
    "CONVERSATION_LIMIT",
    "ID_LIMIT",
    "NAME_LIMIT",
    "ChatMessage",
    "ChatPreview",
    "Format",
    "ImportFileError",
    "ImportResult",
    "detect_format",
    "load_json",
    "preview",
    "read_messages",
]


def detect_format(path: Path) -> Format:
    """ChatGPT exports are one JSON array (conversations.json); JSON Lines start with '{'."""
    with open(path, "rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "chatgpt" if start.startswith(b"[") else "jsonl"


def read_messages(path: Path, fmt: Format | None = None) -> list[ChatMessage]:
    """Every message of the file, validated; the first problem raises `ImportFileError`."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file.")
    fmt = fmt or detect_format(path)
    messages = read_chatgpt(path) if fmt == "chatgpt" else read_jsonl(path)
    for message in messages:
        _check_encodable(message)
    return messages


def _check_encodable(message: ChatMessage) -> None:
    """JSON may carry lone surrogates ("\\ud800") and NUL characters, which the store does
    not hold: refuse the file where they are, before anything is stored."""
    values: list[tuple[str, Any]] = [
        ("id", message.id),
        ("conversation", message.conversation),
        ("speaker", message.speaker),
        ("text", message.text),
        ("attachments", message.attachments),
    ]
    while values:
        name, value = values.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ImportFileError(f'{message.where}: "{name}" contains a NUL character.')
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ImportFileError(
                    f'{message.where}: "{name}" holds an escape that is not a character '
                    "(a lone surrogate such as \\ud800)."
                ) from None
        elif isinstance(value, dict):
            values.extend((name, v) for v in [*value.keys(), *value.values()])
        elif isinstance(value, list | tuple):
            values.extend((name, v) for v in value)


def preview(path: Path) -> ChatPreview:
    """Read and check a chat file without storing it: its speakers, counts and span."""
    fmt = detect_format(path) if path.is_file() else "jsonl"
    messages = read_messages(path, fmt)
    speakers = Counter(m.speaker for m in messages)
    moments = [m.timestamp for m in messages]
    return ChatPreview(
        path=str(path),
        format=fmt,
        messages=len(messages),
        conversations=len({m.conversation for m in messages}),
        speakers=speakers.most_common(),
        first=min(moments, default=None),
        last=max(moments, default=None),
    )
