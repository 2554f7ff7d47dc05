"""A hit's sources, the ones that say what the query asks first.

An entity record (a person, pet, place) or a core block gathers facts from many messages and
keeps every message as a source. Whoever maps a hit to its messages ("Where it came from", the
API, the benchmarks) should meet the message that gave the matching fact first, not the first
one that mentioned the entity. Each source is scored by the query words found in its own part of
the record (the slot values or core lines it gave), then in its message's text; sources with no
match keep their stored order after those with one. Records with few sources are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain import Memory, Source
from app.memory.semantic import slot_phrase
from app.search.snippets import matched, query_stems

MANY = 3  # sources a record needs before they are ordered (one or two read at a glance)


def own_parts(fields: Mapping[str, Any]) -> dict[Source, list[str]]:
    """What each source gave the record: an entity's slot values, a core block's lines."""
    parts: dict[Source, list[str]] = {}

    def add(source: Any, text: str) -> None:
        kind, _, ref = str(source or "").partition(":")
        if ref:
            parts.setdefault(Source(kind, ref), []).append(text)

    slots = fields.get("slots")
    if isinstance(slots, dict):
        for key, values in slots.items():
            slot = str(key).split("(", 1)[0].replace("_", " ")
            for value in values if isinstance(values, list) else ():
                if isinstance(value, dict) and value.get("value"):
                    text = slot_phrase(str(key), str(value["value"]))
                    add(value.get("source"), f"{slot} {value.get('label') or ''} {text}")
    lines = fields.get("lines")
    if isinstance(lines, list):
        for line in lines:
            if isinstance(line, dict) and line.get("value"):
                add(line.get("source"), f"{line.get('key', '')} {line['value']}")
    return parts


def needs_order(memory: Memory) -> bool:
    """Whether a record has enough sources for their order to matter."""
    return len(memory.sources) >= MANY


def ordered(
    memory: Memory, query: str, messages: Mapping[Source, str] | None = None
) -> tuple[Source, ...]:
    """`memory.sources`, those whose part of the record (then message) matches `query` first."""
    sources = memory.sources
    if not needs_order(memory):
        return sources
    # The record's own name is in most of its messages: it tells none of them apart.
    names = " ".join(
        [str(memory.fields.get("name") or ""), *map(str, memory.fields.get("aliases") or ())]
    )
    stems = query_stems(query) - query_stems(names)
    if not stems:
        return sources
    parts = own_parts(memory.fields)
    messages = messages or {}

    def score(item: tuple[int, Source]) -> tuple[int, int, int]:
        index, source = item
        own = max((matched(p, stems) for p in parts.get(source, ())), default=0)
        said = matched(messages.get(source, ""), stems)
        return (-own, -said, index)

    return tuple(s for _, s in sorted(enumerate(sources), key=score))


def sources_to_read(memories: Iterable[Memory]) -> list[Source]:
    """The chat sources of the records whose sources will be ordered (their texts help)."""
    wanted = {s for m in memories if needs_order(m) for s in m.sources if s.kind == "chat"}
    return sorted(wanted, key=lambda s: s.ref)
