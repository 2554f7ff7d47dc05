"""What every chat importer shares: the message shape, the result, limits and errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from app.errors import InvalidInput

Format = Literal["jsonl", "chatgpt"]

ID_LIMIT = 300
NAME_LIMIT = 128
CONVERSATION_LIMIT = 300


class ImportFileError(InvalidInput):
    """A file that cannot be imported; the message says where (FILE:LINE) and what is wrong."""


def load_json(text: str, where: str, *, whole_file: bool = False) -> Any:
    """`json.loads` whose every failure (bad syntax, a number too long for Python, nesting
    too deep to decode) is one `ImportFileError` naming `where` (FILE:LINE; for a whole file,
    the line of a syntax error is added)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        at = f"{where}:{error.lineno}" if whole_file else where
        what = error.msg.removesuffix(" at")  # "Invalid control character at"
        raise ImportFileError(f"{at}: invalid JSON ({what} at column {error.colno}).") from None
    except RecursionError:
        raise ImportFileError(f"{where}: the JSON is nested too deeply to read.") from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise ImportFileError(f"{where}: invalid JSON ({error}).") from None


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


@dataclass
class ChatPreview:
    """What a chat file holds, before anything is stored: for the person to say which speaker
    is them."""

    path: str
    format: str
    messages: int
    conversations: int
    speakers: list[tuple[str, int]]  # (speaker, messages), most first
    first: datetime | None
    last: datetime | None
