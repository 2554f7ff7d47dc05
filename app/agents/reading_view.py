"""Raw messages read at answer time (`app.reading`), as statements with fields and sources.

Until the write path stores what the reader finds, the facts are still only in the messages;
reading the retrieved messages when a question comes (a few milliseconds each once the lexicon is
loaded) gives the composer the same fields a typed record would: the person's slots, each
entity's slots and relation, procedures, resources and dated events, each tied to the sentence of
the message it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.agents.claims import fold
from app.agents.statements import Statement, _words_of, field_statement, local_day
from app.domain import Memory
from app.reading import Fact, Message, PersonContext, Reading, Span, read
from app.reading.lexicon import relation

_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


def _text(memory: Memory) -> str:
    f = memory.fields
    details = str(f.get("details", "") or "")
    summary = str(f.get("summary", "") or "")
    return details if len(details) > len(summary) else summary


def sentence_at(text: str, span: Span) -> str:
    """The sentence of `text` holding the span, as written."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > span.start and (match.start() >= span.end - 1 or match.group(0) == "\n"):
            return text[start : match.end()].strip()
        if match.end() <= span.start:
            start = match.end()
    return text[start:].strip()


def read_messages(
    memories: Sequence[Memory],
    person_names: tuple[str, ...] = (),
    conversations: Mapping[str, str] | None = None,
) -> list[Statement]:
    ordered = sorted(memories, key=lambda m: m.occurred_at)
    by_id = {m.id: m for m in ordered}
    texts = {m.id: _text(m) for m in ordered}
    messages = [
        Message(
            id=m.id,
            speaker=str(m.fields.get("actor", "") or ""),
            text=texts[m.id],
            timestamp=m.occurred_at.astimezone(),
            conversation=(conversations or {}).get(m.id, ""),
        )
        for m in ordered
    ]
    reading = read(messages, person=PersonContext(tuple(person_names)))
    return _statements(reading, by_id, texts)


def _statements(
    reading: Reading, by_id: Mapping[str, Memory], texts: Mapping[str, str]
) -> list[Statement]:
    out: list[Statement] = []

    def quote(span: Span) -> str:
        return sentence_at(texts.get(span.message_id, span.text), span)

    def said(fact: Fact, **about: Any) -> None:
        """A slot value the reader found, about the person or someone they know."""
        memory = by_id.get(fact.span.message_id)
        if memory is None:
            return
        out.append(
            field_statement(
                memory,
                quote(fact.span),
                fact.slot,
                fact.label,
                fact.value,
                when=fact.when,
                said_in=fact.span.text,
                stale=fact.stale,
                speaker=str(memory.fields.get("actor", "")) or None,
                **about,
            )
        )

    for fact in reading.person_facts:
        said(
            fact,
            subject="self",
            subject_words=frozenset({"self"}),
            extra={"replaces": fact.replaces},
        )
    for entity in reading.entities:
        rel = entity.relation
        owner = None
        canon = None
        if rel:
            owner_name, _, noun = rel.rpartition("'s ")
            owner = owner_name or "self"
            found = relation((noun or rel).split()[-1])
            canon = found[0] if found else (noun or rel)
        words = frozenset(_words_of(*entity.names()) | ({canon} if canon else set()))
        if entity.kind == "pet":
            words = words | {"pet", "animal"}
        base: dict[str, Any] = {
            "subject": entity.name,
            "subject_words": words,
            "relation": canon,
            "owner": owner,
        }
        if rel and entity.mentions:
            span = entity.relation_span or entity.mentions[0]
            memory = by_id.get(span.message_id)
            if memory is not None:
                out.append(
                    Statement(
                        memory,
                        quote(span),
                        "identity",
                        value=entity.name,
                        extra={"relation_text": rel, "kind": entity.kind},
                        **base,
                    )
                )
        for fact in entity.facts:
            said(fact, **base)
    for proc in reading.procedures:
        memory = by_id.get(proc.span.message_id)
        if memory is not None:
            out.append(
                Statement(
                    memory,
                    quote(proc.span),
                    "steps",
                    steps=tuple(proc.steps),
                    extra={"title": proc.title, "narrative": proc.narrative},
                )
            )
    for res in reading.resources:
        memory = by_id.get(res.span.message_id)
        if memory is not None:
            out.append(
                Statement(
                    memory,
                    quote(res.span),
                    "resource",
                    label=res.kind,
                    value=res.title,
                    extra={"title": res.title, "url": res.url or "", "author": res.author},
                )
            )
    for event in reading.events:
        memory = by_id.get(event.span.message_id)
        if memory is not None:
            out.append(
                Statement(
                    memory,
                    quote(event.span),
                    "event",
                    when=event.day,
                    planned=event.planned,
                    speaker=event.actor,
                    subject_words=frozenset(fold(event.actor).split()),
                    extra={"precision": event.precision, "at": event.at},
                )
            )
    for statement in out:
        if statement.when is None and statement.kind == "event":
            statement.when = local_day(statement.memory.occurred_at)
    return out
