"""Importing chat history: files in, chat messages out, validated before anything is stored.

Formats: JSON Lines (one message per line, see `jsonl`) and a ChatGPT data export
(`conversations.json`, see `chatgpt`). Both produce `ChatMessage`s; `chat.import_messages`
stores them in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from app.errors import InvalidInput

Format = Literal["jsonl", "chatgpt"]

ID_LIMIT = 300
NAME_LIMIT = 128
CONVERSATION_LIMIT = 300


class ImportFileError(InvalidInput):
    """A file that cannot be imported; the message says where (FILE:LINE) and what is wrong."""


@dataclass(frozen=True)
class ChatMessage:
    id: str
    conversation: str
    speaker: str
    text: str
    timestamp: datetime  # timezone-aware
    attachments: tuple[dict[str, Any], ...] = ()
    where: str = ""  # FILE:LINE, for messages about this message

    def captions(self) -> list[str]:
        return [
            str(a["caption"]).strip()
            for a in self.attachments
            if isinstance(a.get("caption"), str) and a["caption"].strip()
        ]


@dataclass
class ImportResult:
    path: str
    messages: int = 0  # in the file
    imported: int = 0  # new memories' messages
    skipped: int = 0  # already imported (same message id)
    queued: int = 0  # handed to the memory agents
    conversations: int = 0
    memory_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "messages": self.messages,
            "imported": self.imported,
            "skipped": self.skipped,
            "queued": self.queued,
            "conversations": self.conversations,
        }


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
    if fmt == "chatgpt":
        from app.importers.chatgpt import read_chatgpt

        return read_chatgpt(path)
    from app.importers.jsonl import read_jsonl

    return read_jsonl(path)
