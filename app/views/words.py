"""The words a person reads: dates as dates, sources and actors as phrases, field names as words,
one line per memory type, the model by what it is.

One place for them (no Qt), so the desktop app and the CLI say the same thing; ids, field keys
and file paths stay inside the program.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import PurePath
from typing import Any

from app.domain import Memory, MemoryType, Source, from_iso

TYPE_NAMES: dict[MemoryType, str] = {
    MemoryType.CORE: "Core",
    MemoryType.EPISODIC: "Episodic",
    MemoryType.SEMANTIC: "Semantic",
    MemoryType.PROCEDURAL: "Procedural",
    MemoryType.RESOURCE: "Resource",
    MemoryType.VAULT: "Vault",
}
TYPE_HELP: dict[MemoryType, str] = {
    MemoryType.CORE: (
        "About you (name, work, contact details, what you prefer), always kept in mind, and "
        "how you like answers."
    ),
    MemoryType.EPISODIC: "Things that happened: what you did, saw, said or were told, and when.",
    MemoryType.SEMANTIC: (
        "Facts about people, places and things, one record each: where your sister lives, "
        "her birthday."
    ),
    MemoryType.PROCEDURAL: "How to do something: steps, routines and habits.",
    MemoryType.RESOURCE: "Pages, documents, files and notes you read or kept.",
    MemoryType.VAULT: "Secrets such as passwords and keys, kept encrypted and never in a prompt.",
}
ALL_TYPES_HELP = "Every kind of memory together."

FIELD_NAMES: dict[str, str] = {
    "occurred_at": "When",
    "ended_at": "Ended",
    "event_type": "What happened",
    "entry_type": "Kind",
    "resource_type": "Kind",
    "secret_value": "Secret",
    "caption": "Label",
    "label": "About",
    "value": "Text",
    "steps": "Steps",
    "summary": "Summary",
    "details": "Details",
    "actor": "Who",
    "app": "Application",
    "application": "Application",
    "url": "Web address",
    "sensitivity": "Sensitivity",
    "name": "Name",
    "entity_kind": "Kind",
    "kind": "Kind",
    "aliases": "Also called",
    "content": "Content",
    "title": "Title",
    "said_at": "Said on",
}
# Fields the detail view shows elsewhere (the date line; an entity's facts as sentences from
# its slots; a core block's lines in its text) or never (secrets have their own row).
SHOWN_ELSEWHERE = frozenset({"occurred_at", "secret_value", "slots", "lines"})
SLOT_NAMES: dict[str, str] = {
    "lives_in": "Lives in",
    "works_at": "Works at",
    "role": "Role",
    "is": "Is",
    "note": "Note",
    "email": "E-mail",
    "phone": "Phone",
    "address": "Address",
    "birthday": "Birthday",
    "hours": "Opening hours",
    "schedule": "When",
}

EVENT_WORDS: dict[str, str] = {
    "chat": "message",
    "screen": "on screen",
    "app_session": "on screen",
    "activity": "on screen",
}
ME = frozenset({"user", "me", "you", "cli", "person", "i"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_CODE_WORD = re.compile(r"^[a-z]+(_[a-z]+)+$")  # "web_page": a stored choice, read as words
_SLUG = re.compile(r"[_\-]+")


def sentence(text: str) -> str:
    """The first letter capital, the rest as written ("your chat with Jonas" keeps Jonas)."""
    return text[:1].upper() + text[1:]


def field_name(key: str) -> str:
    """A field's key as a word ("resource_type" reads "Kind")."""
    return FIELD_NAMES.get(key, _SLUG.sub(" ", key).strip().capitalize() or key)


def slot_lines(slots: Any) -> list[str]:
    """An entity's facts as a person reads them: "Lives in: Braga (before: Porto)", one line
    a slot, the current values first (the stored text keeps message ids)."""
    if not isinstance(slots, dict):
        return []
    lines = []
    for key, values in slots.items():
        if not isinstance(values, list):
            continue
        name = SLOT_NAMES.get(key, field_name(key))
        rows = [v for v in values if isinstance(v, dict) and v.get("value")]
        by_label: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_label.setdefault(str(row.get("label") or ""), []).append(row)
        for label, group in by_label.items():
            now = [str(r["value"]) for r in group if r.get("current", True)]
            before = [r for r in group if not r.get("current", True)]
            head = f"{name} ({label})" if label else name
            text = f"{head}: {', '.join(now) if now else 'no longer known'}"
            if before:  # when and why each changed: the detail's "How it changed"
                text += f" (before: {', '.join(str(r['value']) for r in before)})"
            lines.append(text)
    return lines


def type_line(memory_type: MemoryType | None) -> str:
    """One line on what a type of memory holds (None: all of them)."""
    return ALL_TYPES_HELP if memory_type is None else TYPE_HELP[memory_type]


def day(moment: datetime | None, *, now: datetime | None = None) -> str:
    """A day as people write it: "4 May", or "4 May 2023" outside this year."""
    if moment is None:
        return ""
    local = moment.astimezone()
    now = (now or datetime.now()).astimezone()
    if local.year == now.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def date_time(moment: datetime | None, *, now: datetime | None = None) -> str:
    """A moment as a date and a time: "4 May 2023, 14:05", "today, 09:12"."""
    if moment is None:
        return ""
    local = moment.astimezone()
    now = (now or datetime.now()).astimezone()
    if local.date() == now.date():
        return f"today, {local:%H:%M}"
    return f"{day(local, now=now)}, {local:%H:%M}"


def as_moment(value: Any) -> datetime | None:
    """A stored ISO date (or a datetime) as a datetime; anything else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO.match(value.strip()):
        try:
            return from_iso(value.strip())
        except ValueError:
            return None
    return None


def field_value(value: Any) -> str:
    """A field's value for reading: dates as dates, lists one per line, the rest as written."""
    moment = as_moment(value)
    if moment is not None:
        return date_time(moment)
    if isinstance(value, list | tuple):
        return "\n".join(field_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text.replace("_", " ") if _CODE_WORD.match(text) else text


def who(actor: str | None) -> str:
    """Who made a change ("agent:extractor" reads "the memory agents")."""
    text = (actor or "").strip()
    low = text.lower()
    if not text:
        return "Memloci"
    if low in ME:
        return "you"
    if low.startswith("agent") or low in {"extractor", "consolidator", "pipeline"}:
        return "the memory agents"
    if low == "chat":
        return "you, talking to Memloci"
    if low == "import":
        return "an import"
    if low in {"system", "memloci", "retention", "default"}:
        return "Memloci"
    if low.startswith("client:"):
        return f"the program {text.split(':', 1)[1]}"
    if low == "capture":
        return "screen capture"
    return text


def speaker(actor: str | None) -> str:
    """The person a message is from, for a line like "your chat with Jonas"."""
    text = (actor or "").strip()
    return "you" if not text or text.lower() in ME else text


def event_kind(memory: Memory, *, compact: bool = False) -> str:
    """The Kind column of an episodic memory, short: "message from Jonas", "your note";
    `compact` where the column is narrow: "from Jonas" (the tooltip keeps the full label)."""
    fields = memory.fields
    event = str(fields.get("event_type") or "event")
    what = EVENT_WORDS.get(event, event.replace("_", " "))
    actor = str(fields.get("actor") or "").strip()
    if not actor or what == "on screen":
        return what
    person = speaker(actor)
    if person == "you":
        return f"your {what}"
    return f"from {person}" if compact else f"{what} from {person}"


ACTION_WORDS = {
    "add": "Added",
    "update": "Changed",
    "invalidate": "Marked no longer true",
    "restore": "Made true again",
    "merge": "Merged",
    "forget": "Forgotten",
    "source_forgotten": "Source forgotten",
}


def change_line(action: str, actor: str | None) -> str:
    """One history row's head: "Added by the memory agents"."""
    verb = ACTION_WORDS.get(action, action.capitalize())
    return f"{verb} by {who(actor)}"


def _record_for(source: Source, records: Iterable[Memory]) -> Memory | None:
    """The raw episodic record a chat/import source produced (it knows who spoke, and when)."""
    for memory in records:
        if memory.type is MemoryType.EPISODIC and any(
            s.kind == source.kind and s.ref == source.ref for s in memory.sources
        ):
            return memory
    return None


def source_line(
    source: Source,
    records: Iterable[Memory] = (),
    *,
    created: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """Where a memory came from, as a person says it: "your chat with Jonas, 4 May".

    `records` are memories made from the same source (the raw message knows its speaker and
    day); `created` dates sources that carry no date of their own.
    """
    record = _record_for(source, records)
    when = day(record.occurred_at if record else created, now=now)
    at = f", {when}" if when else ""
    kind = source.kind
    if kind in ("chat", "import"):
        if source.ref.startswith("memloci-"):
            return f"what you told Memloci{at}"
        person = speaker(str(record.fields.get("actor", ""))) if record else "you"
        if person == "you":
            return f"a message you wrote in a chat{at}" if record else f"a chat{at}"
        return f"your chat with {person}{at}"
    if kind == "screen":
        if record is not None:
            app = record.fields.get("app") or record.fields.get("application") or ""
            title = record.title if record.title != app else ""
            seen = " — ".join(str(p) for p in (app, title) if p)
            return f"your screen: {seen}{at}" if seen else f"your screen{at}"
        return f"your screen{at}"
    if kind == "file":
        name = PurePath(source.ref).name or source.ref
        return f"the file {name}{at}"
    if kind == "user":
        return f"typed by you{at}"
    if kind == "agent":
        return f"worked out by the memory agents{at}"
    if kind == "client":
        return f"added by the program {source.ref}{at}" if source.ref else f"another program{at}"
    if kind == "url":
        return f"the page {source.ref}{at}"
    return f"{kind}{at}"


SOURCE_FILTER_WORDS = {
    "chat": "From chats",
    "screen": "From your screen",
    "file": "From files",
    "user": "Typed by you",
    "agent": "Worked out by the agents",
    "import": "From imports",
}


def source_kinds(memory: Memory) -> str:
    """The Source column: the kinds of source in words ("chat, typed by you")."""
    names = {
        "chat": "chat",
        "screen": "screen",
        "file": "file",
        "user": "typed by you",
        "agent": "memory agents",
        "import": "import",
        "client": "another program",
    }
    kinds = dict.fromkeys(names.get(s.kind, s.kind) for s in memory.sources)
    return ", ".join(kinds)


def model_name(info: Mapping[str, Any] | None) -> str:
    """The model by what it is: "the small built-in model", never a file name or a path."""
    info = info or {}
    backend = str(info.get("backend") or "")
    name = str(info.get("name") or "")
    if backend == "bundled":
        return "the small built-in model"
    if backend == "gguf" or name.endswith(".gguf") or "/" in name:
        stem = _SLUG.sub(" ", PurePath(name).stem).strip() if name else ""
        return f"your own model, {stem}" if stem else "your own model"
    if backend == "endpoint":
        return f"{name} on your model server" if name else "your model server"
    if not backend and not name:
        return "no language model (answers are built from your memories)"
    return name or backend


def waiting_line(count: int) -> str:
    """The agents' backlog: "243 messages and screens still to read"."""
    if count <= 0:
        return "nothing waiting: they are up to date"
    return f"{count:,} {'message or screen' if count == 1 else 'messages and screens'} to read"
