"""JSON Lines chat history: one message per line,

    {"id": "...", "conversation": "...", "speaker": "...", "text": "...",
     "timestamp": "2023-05-08T13:56:00+01:00", "attachments": [{"caption": "..."}]}

`attachments` is optional; other keys are ignored. A timestamp without a zone is the person's
local time. Blank lines are skipped. Any other problem names FILE:LINE and fails the file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.importers.base import (
    CONVERSATION_LIMIT,
    ID_LIMIT,
    NAME_LIMIT,
    ChatMessage,
    ImportFileError,
    load_json,
)
from app.memory.base import shorten


def parse_timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise ImportFileError(f'{where}: "timestamp" must be an ISO-8601 date and time.')
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ImportFileError(
            f'{where}: "timestamp" {shorten(value, 41)!r} is not ISO-8601 '
            "(like 2023-05-08T13:56:00Z)."
        ) from None
    try:
        moment = moment if moment.tzinfo else moment.astimezone()
        moment.astimezone(UTC)  # what is stored; the years 1 and 9999 may not convert
    except (OverflowError, OSError, ValueError):
        raise ImportFileError(
            f'{where}: "timestamp" {shorten(value, 41)!r} is out of the range of dates '
            "Memloci keeps."
        ) from None
    return moment


def text_field(raw: dict[str, Any], name: str, where: str, limit: int) -> str:
    value = raw.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ImportFileError(f'{where}: "{name}" is missing or empty.')
    value = value.strip()
    if len(value) > limit:
        raise ImportFileError(f'{where}: "{name}" is longer than {limit} characters.')
    if "\x00" in value:
        raise ImportFileError(f'{where}: "{name}" contains a NUL character.')
    return value


def attachments_field(raw: dict[str, Any], where: str) -> tuple[dict[str, Any], ...]:
    value = raw.get("attachments")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise ImportFileError(f'{where}: "attachments" must be a list of objects.')
    for item in value:
        caption = item.get("caption")
        if caption is not None and not isinstance(caption, str):
            raise ImportFileError(f'{where}: an attachment\'s "caption" must be text.')
    return tuple(dict(item) for item in value)


def message_from(raw: Any, where: str) -> ChatMessage:
    if not isinstance(raw, dict):
        raise ImportFileError(f"{where}: expected a JSON object for one message.")
    text = raw.get("text", "")
    if not isinstance(text, str):
        raise ImportFileError(f'{where}: "text" must be a string.')
    if "\x00" in text:
        raise ImportFileError(f'{where}: "text" contains a NUL character.')
    message = ChatMessage(
        id=text_field(raw, "id", where, ID_LIMIT),
        conversation=text_field(raw, "conversation", where, CONVERSATION_LIMIT),
        speaker=text_field(raw, "speaker", where, NAME_LIMIT),
        text=text,
        timestamp=parse_timestamp(raw.get("timestamp"), where),
        attachments=attachments_field(raw, where),
        where=where,
    )
    if not text.strip() and not message.captions():
        raise ImportFileError(f'{where}: "text" is empty and no attachment has a caption.')
    return message


def read_jsonl(path: Path) -> list[ChatMessage]:
    messages: list[ChatMessage] = []
    first_line: dict[str, int] = {}
    with open(path, "rb") as handle:
        for number, raw_line in enumerate(handle, 1):
            where = f"{path}:{number}"
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ImportFileError(
                    f"{where}: not valid UTF-8 (byte {error.start + 1} of the line)."
                ) from None
            if number == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            raw = load_json(line, where)
            message = message_from(raw, where)
            if message.id in first_line:
                raise ImportFileError(
                    f'{where}: the message id "{message.id}" was already used on line '
                    f"{first_line[message.id]}."
                )
            first_line[message.id] = number
            messages.append(message)
    return messages
