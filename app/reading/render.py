"""A Reading as the memories it proposes: type, validated fields, text, sources.

This is the mapping the write path is meant to use (see the notes in the design docs): the
person's current facts become `Key: value` lines of the core `human` block (lines that
autofill reads), each entity one semantic record ("Beatrix: the user's sister; lives in
Gdansk; birthday 14 February"), procedures, resources and events their own records. Every
value is text from the messages; the sources list the message ids.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from app.domain import MemoryType
from app.memory import kind_of
from app.memory.base import SUMMARY_LIMIT, shorten
from app.memory.core import BLOCK_LIMIT
from app.memory.semantic import DETAILS_LIMIT
from app.reading.model import Entity, Event, Fact, Procedure, Reading, Resource

_CORE_KEYS = {
    "name": "Name",
    "nickname": "Nickname",
    "job": "Job",
    "employer": "Employer",
    "work_city": "Work city",
    "work_address": "Work address",
    "work_location": "Works from",
    "lives_in": "City",
    "diet": "Diet",
    "allergy": "Allergy",
    "preference": "Prefers",
    "dislike": "Dislikes",
    "birthday": "Birthday",
    "language": "Language",
    "hours": "Hours",
}


def core_key(fact: Fact) -> str:
    """The label of a core line: "Mobile", "Work email", "Home address", "Favourite band"."""
    label = (fact.label or "").replace("_", " ")
    if fact.slot == "phone":
        return "Mobile" if label in ("", "mobile", "cell") else f"{label.capitalize()} phone"
    if fact.slot == "email":
        return f"{label.capitalize()} email" if label else "Email"
    if fact.slot == "address":
        return f"{(label or 'home').capitalize()} address"
    if fact.slot == "favourite":
        return f"Favourite {label}" if label else "Favourite"
    return _CORE_KEYS.get(fact.slot, fact.slot.replace("_", " ").capitalize())


def core_lines(reading: Reading) -> list[tuple[str, Fact]]:
    """One `Key: value` line per current fact about the person, in the order they were said."""
    lines = []
    seen = set()
    for fact in reading.current_person_facts():
        line = f"{core_key(fact)}: {fact.value}"
        if line.lower() not in seen:
            seen.add(line.lower())
            lines.append((line, fact))
    return lines


def _phrase(fact: Fact) -> str:
    value = fact.value
    if fact.slot == "lives_in":
        return f"lives in {value}"
    if fact.slot == "works_at":
        return f"works at {value}"
    if fact.slot in ("email", "phone", "address", "birthday"):
        label = f"{fact.label} " if fact.label else ""
        return f"{label}{fact.slot} {value}"
    if fact.slot == "hours":
        return f"hours: {value}"
    return value


def entity_summary(entity: Entity, person: str) -> str:
    parts = []
    if entity.relation:
        owner = "" if "'s " in entity.relation else f"{person}'s "
        parts.append(f"{owner}{entity.relation}")
    phrases: list[str] = []
    for fact in entity.current():
        phrase = _phrase(fact)
        low = phrase.lower()
        if any(low in p.lower() or (fact.slot == "note" and p.lower() in low) for p in phrases):
            continue
        phrases = [p for p in phrases if p.lower() not in low]
        phrases.append(phrase)
    return "; ".join(parts + phrases)


def memories(reading: Reading, person: str = "the user") -> list[dict[str, Any]]:
    """Every proposed memory: {"type", "fields", "text", "title", "occurred_at", "sources"}."""
    out: list[dict[str, Any]] = []
    lines = core_lines(reading)
    if lines:
        value = "\n".join(line for line, _ in lines)[-BLOCK_LIMIT:]
        out.append(
            _memory(
                MemoryType.CORE,
                {"label": "human", "value": value},
                {f.span.message_id for _, f in lines},
            )
        )
    for entity in reading.entities:
        named = bool(entity.relation) and entity.name.lower() not in entity.relation.lower()
        if not entity.current() and not named:
            continue  # "Melanie's friend" with nothing known about them
        summary = entity_summary(entity, person)
        if not summary:
            continue
        details = "\n".join(
            f"{f.slot}{f'({f.label})' if f.label else ''}: {f.value}  [{f.span.message_id}]"
            for f in entity.current()
        )
        sources = {f.span.message_id for f in entity.facts} | {
            s.message_id for s in entity.mentions[:1]
        }
        fields = {
            "name": entity.name[:200],
            "summary": shorten(summary, SUMMARY_LIMIT),
            "details": details[:DETAILS_LIMIT],
        }
        out.append(_memory(MemoryType.SEMANTIC, fields, sources))
    for proc in reading.procedures:
        out.append(_procedure(proc))
    for res in reading.resources:
        out.append(_resource(res))
    for event in reading.events:
        out.append(_event(event))
    return out


def _memory(
    kind: MemoryType, fields: dict[str, Any], sources: set[str], occurred: datetime | None = None
) -> dict[str, Any]:
    behaviour = kind_of(kind)
    valid = behaviour.build(None, fields)
    return {
        "type": kind.value,
        "fields": valid,
        "text": behaviour.render(valid),
        "title": behaviour.title(valid),
        "occurred_at": valid.get("occurred_at") if kind is MemoryType.EPISODIC else None,
        "sources": sorted(s for s in sources if s),
        "origin": "agent",
    }


def _procedure(proc: Procedure) -> dict[str, Any]:
    title = proc.title[0].upper() + proc.title[1:]
    fields = {
        "entry_type": "how-to",
        "summary": f"How to {proc.title}" if not title.lower().startswith("how") else title,
        "steps": list(proc.steps),
    }
    return _memory(MemoryType.PROCEDURAL, fields, {proc.span.message_id})


def _resource(res: Resource) -> dict[str, Any]:
    summary = res.context if res.context and res.context != res.title else ""
    if res.author:
        summary = f"by {res.author}. {summary}".strip()
    fields = {
        "title": res.title[:300],
        "resource_type": res.kind,
        "summary": summary[:2000],
        "content": res.url or "",
    }
    return _memory(MemoryType.RESOURCE, fields, {res.span.message_id})


def _event(event: Event) -> dict[str, Any]:
    hour, minute = (int(x) for x in event.at.split(":")) if event.at else (12, 0)
    moment = datetime.combine(event.day, time(hour, minute)).astimezone()
    # The resolved day in words, as the old extractor wrote it: "when ..." finds it by text.
    day = f"{event.day.day} {event.day:%B %Y}"
    summary = event.summary if day in event.summary else f"{event.summary} ({day})"
    fields = {
        "occurred_at": moment.isoformat(),
        "event_type": "plan" if event.planned else "event",
        "actor": event.actor[:128],
        "summary": shorten(summary, SUMMARY_LIMIT),
    }
    return _memory(MemoryType.EPISODIC, fields, {event.span.message_id})
