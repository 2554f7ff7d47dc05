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


def load_json(text: str, where: str, *, whole_file: bool = False) -> Any:
    """`json.loads` whose every failure (bad syntax, a number too long for Python, nesting
    too deep to decode) is one `ImportFileError` naming `where` (FILE:LINE; for a whole file,
    the line of a syntax error is added)."""
    import json

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

        messages = read_chatgpt(path)
    else:
        from app.importers.jsonl import read_jsonl

        messages = read_jsonl(path)
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
