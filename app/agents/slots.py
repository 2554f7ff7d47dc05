"""Writing what app.reading read from a batch: the person's slot lines, entity records,
procedures, resources and events, inside the batch's transaction.

The person's core `human` block holds one `Key: value` line per slot ("Mobile: ...", "City:
..."); a new value for a one-valued slot replaces its line, so the block says only what is
current and autofill offers that first. Each person, pet, place, organisation or thing is one
semantic record whose facts are slots; a replaced value stays in the record, no longer current,
with the message that replaced it, and the update's history row says why. Every memory is
written with the chat messages it was read from, by the agents (`agent:reader`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from app.domain import Memory, MemoryType, Source, to_iso
from app.errors import InvalidInput
from app.memory import kind_of
from app.memory.core import BLOCK_LIMIT
from app.memory.semantic import entity_text
from app.reading import Entity, Fact, Reading, Span
from app.reading.render import core_key, memories
from app.reading.stale import SINGLE, group, matches
from app.store.writer import Batch

log = logging.getLogger(__name__)

ACTOR = "agent:reader"
ORIGIN = "agent"
_CHAT = "chat"


@dataclass
class Written:
    """What writing a reading did: memories added and changed, by type, and lines replaced."""

    added: list[Memory] = field(default_factory=list)
    changed: list[Memory] = field(default_factory=list)
    replaced: int = 0  # core lines and entity values a newer message replaced or retracted
    skipped: int = 0


def _source(message_id: str) -> Source:
    return Source(_CHAT, message_id[:500])


def _sources(ids: Iterable[str]) -> list[Source]:
    return [_source(i) for i in dict.fromkeys(i for i in ids if i)]


def _quote(span: Span) -> str:
    """Which message said it. Reasons name the message, never its words: forgetting the
    message then leaves nothing of it in the history's reasons."""
    return f"message {span.message_id}"


def one_valued(fact: Fact) -> bool:
    """A slot that holds one value at a time; any slot whose new value says it is a change."""
    return fact.slot in SINGLE or fact.replaces


def _key(line: str) -> str | None:
    head, sep, _ = line.partition(":")
    return head.strip().lower() if sep and head.strip() else None


def _value(line: str) -> str:
    return line.partition(":")[2].strip()


# -- the person: core slot lines -------------------------------------------------------------
class _Block:
    """The `human` block as it is written, one change (and one history row) at a time, so
    each line is credited to the message that brought it (forgetting that message takes the
    line out again: app/store/derived_text.py)."""

    def __init__(self, batch: Batch, out: Written, reading: Reading) -> None:
        self.batch = batch
        self.out = out
        self.reading = reading
        self.memory = batch.repo.core_block("human")
        fields = self.memory.fields if self.memory else {}
        self.lines = str(fields.get("value", "")).splitlines()
        self.meta: list[dict[str, Any]] = [dict(m) for m in fields.get("lines") or []]

    def write(self, message_id: str, reason: str) -> None:
        kind = kind_of(MemoryType.CORE)
        value = "\n".join(x for x in self.lines if x.strip())
        changes = {"value": value or "(nothing known)", "lines": self.meta[-400:]}
        sources = _sources([message_id])
        when = self.reading.when([message_id])
        if self.memory is None:
            if not value:
                return
            self.memory = self.batch.insert(
                MemoryType.CORE,
                kind.build(None, {"label": "human", **changes}),
                sources=sources,
                origin=ORIGIN,
                actor=ACTOR,
                occurred_at=when,
                importance=0.8,
                reason=reason,
            )
            self.out.added.append(self.memory)
            return
        self.memory = self.batch.update(
            self.memory.id,
            kind.merge(dict(self.memory.fields), changes),
            actor=ACTOR,
            reason=reason[:2000],
            add_sources=sources,
            occurred_at=when,
        )
        if all(m.id != self.memory.id for m in self.out.added):
            self.out.changed = [m for m in self.out.changed if m.id != self.memory.id]
            self.out.changed.append(self.memory)

    def info(self, key: str) -> dict[str, Any] | None:
        return next((m for m in self.meta if m["key"].lower() == key), None)


def _retract(block: _Block, reading: Reading) -> None:
    """Drop the lines a retraction names ("the 087 number is dead", "not Leeds")."""
    for retraction in (r for r in reading.retractions if r.owner is None):
        for line in list(block.lines):
            key = _key(line)
            if key is None:
                continue
            info = block.info(key) or {}
            slot = info.get("slot")
            if retraction.slot and slot and slot != retraction.slot:
                continue
            if info.get("said_at") and info["said_at"] > to_iso(retraction.said_at):
                continue  # said after the retraction
            if info.get("source") == f"{_CHAT}:{retraction.span.message_id}":
                continue  # the new value said alongside
            probe = Fact(slot or retraction.slot or "", _value(line), retraction.span)
            if retraction.named and matches(retraction.named, probe):
                block.lines.remove(line)
                block.meta = [m for m in block.meta if m["key"].lower() != key]
                block.out.replaced += 1
                said = f"{key.capitalize()} is gone, said in {_quote(retraction.span)}"
                block.write(retraction.span.message_id, said)
                break


def write_core(batch: Batch, reading: Reading, out: Written) -> None:
    """Merge the person's current facts into the `human` block, one line per slot."""
    facts = reading.current_person_facts()
    if not facts and not any(r.owner is None for r in reading.retractions):
        return
    block = _Block(batch, out, reading)
    _retract(block, reading)
    for fact in facts:
        key = core_key(fact)
        line = f"{key}: {fact.value}"
        same = [n for n, old in enumerate(block.lines) if _key(old) == key.lower()]
        if any(_value(block.lines[n]).lower() == fact.value.lower() for n in same):
            continue  # already said
        if one_valued(fact) and same:
            block.lines[same[0]] = line
            for n in reversed(same[1:]):
                del block.lines[n]
            block.meta = [m for m in block.meta if m["key"].lower() != key.lower()]
            reason = f"{key} replaced, said in {_quote(fact.span)}"
            out.replaced += 1
        else:
            if sum(len(x) + 1 for x in block.lines) + len(line) > BLOCK_LIMIT:
                log.info("the human block is full; a slot line was not added")
                out.skipped += 1
                continue
            block.lines.append(line)
            reason = f"{key} read from chat, {_quote(fact.span)}"
        block.meta.append(
            {
                "key": key,
                "value": fact.value,
                "slot": fact.slot,
                "source": f"{_CHAT}:{fact.span.message_id}",
                "said_at": to_iso(fact.said_at) if fact.said_at else None,
            }
        )
        block.write(fact.span.message_id, reason)


# -- entities: one semantic record each ------------------------------------------------------
def find_entity(batch: Batch, entity: Entity) -> Memory | None:
    """The agents' active record of this entity: by name or alias, then (people) by first
    name of a longer name, either way round."""
    names = [n.lower() for n in entity.names() if n]
    if not names:
        return None
    marks = ",".join("?" * len(names))
    rows = batch.db.conn.execute(
        "SELECT id FROM memories WHERE type = 'semantic' AND valid_to IS NULL "
        "AND origin = 'agent' AND json_extract(data, '$.kind') IS NOT NULL AND ("
        f"lower(json_extract(data, '$.name')) IN ({marks}) OR EXISTS (SELECT 1 FROM "
        "json_each(json_extract(data, '$.aliases')) WHERE lower(json_each.value) "
        f"IN ({marks}))) ORDER BY updated_at DESC LIMIT 1",
        [*names, *names],
    ).fetchall()
    if not rows and entity.kind == "person" and " " not in entity.name:
        rows = batch.db.conn.execute(
            "SELECT id FROM memories WHERE type = 'semantic' AND valid_to IS NULL "
            "AND origin = 'agent' AND json_extract(data, '$.kind') = 'person' "
            "AND lower(json_extract(data, '$.name')) LIKE ? ORDER BY updated_at DESC LIMIT 1",
            [entity.name.lower() + " %"],
        ).fetchall()
    if not rows and entity.kind == "person" and " " in entity.name.strip():
        # "Beatrix Nowak" is the Beatrix already known (her full name becomes an alias).
        rows = batch.db.conn.execute(
            "SELECT id FROM memories WHERE type = 'semantic' AND valid_to IS NULL "
            "AND origin = 'agent' AND json_extract(data, '$.kind') = 'person' "
            "AND lower(json_extract(data, '$.name')) = ? ORDER BY updated_at DESC LIMIT 1",
            [entity.name.split()[0].lower()],
        ).fetchall()
    return batch.repo.get(rows[0][0]) if rows else None


def _slot_key(fact: Fact) -> str:
    slot, label = group(fact)
    return f"{slot}({label})" if label else slot


def _as_fact(key: str, value: dict[str, Any]) -> Fact:
    slot = key.split("(", 1)[0]
    span = Span(str(value.get("source", "")).partition(":")[2], 0, 0, "")
    return Fact(slot, str(value["value"]), span, label=value.get("label"))


def _merge_slots(
    slots: dict[str, list[dict[str, Any]]], entity: Entity, reading: Reading, reasons: list[str]
) -> tuple[int, list[str]]:
    replaced = 0
    used: list[str] = []
    for fact in entity.facts:
        values = slots.setdefault(_slot_key(fact), [])
        same = next((v for v in values if v["value"].lower() == fact.value.lower()), None)
        if same is not None:
            used.append(fact.span.message_id)  # seen again: the message joins the sources
            continue
        ref = f"{_CHAT}:{fact.span.message_id}"
        for old in values:
            if old.get("current", True) and one_valued(fact):
                old["current"] = False
                old["replaced_by"] = ref
                old["reason"] = f"a newer value, said in {_quote(fact.span)}"[:600]
                reasons.append(f"{_slot_key(fact)} replaced, said in {_quote(fact.span)}")
                replaced += 1
        values.append(
            {
                "value": fact.value[:1000],
                "label": fact.label,
                "source": ref,
                "said_at": to_iso(fact.said_at) if fact.said_at else None,
                "current": True,
            }
        )
        used.append(fact.span.message_id)
    for retraction in reading.retractions:
        if retraction.owner is None or retraction.owner.lower() not in {
            n.lower() for n in entity.names()
        }:
            continue
        for key, values in slots.items():
            for old in values:
                fact = _as_fact(key, old)
                if not old.get("current", True) or (
                    retraction.slot and fact.slot != retraction.slot
                ):
                    continue
                if old["source"] == f"{_CHAT}:{retraction.span.message_id}":
                    continue
                if retraction.named and matches(retraction.named, fact):
                    old["current"] = False
                    old["replaced_by"] = f"{_CHAT}:{retraction.span.message_id}"
                    old["reason"] = f"said to be gone in {_quote(retraction.span)}"[:600]
                    reasons.append(f"{key} is gone, said in {_quote(retraction.span)}")
                    replaced += 1
                    used.append(retraction.span.message_id)
    return replaced, used


def write_entity(batch: Batch, entity: Entity, reading: Reading, person: str, out: Written) -> None:
    named = bool(entity.relation) and entity.name.lower() not in (entity.relation or "").lower()
    if not entity.current() and not named:
        return  # "Melanie's friend" with nothing known about them
    kind = kind_of(MemoryType.SEMANTIC)
    existing = find_entity(batch, entity)
    old = dict(existing.fields) if existing else {}
    slots: dict[str, list[dict[str, Any]]] = {
        k: [dict(v) for v in values] for k, values in (old.get("slots") or {}).items()
    }
    reasons: list[str] = []
    replaced, used = _merge_slots(slots, entity, reading, reasons)
    slots = {k: v for k, v in slots.items() if v}
    relation = old.get("relation")
    if entity.relation and not relation:
        owned = "'s " in entity.relation or entity.relation.lower().startswith(("my ", "the "))
        relation = entity.relation if owned else f"{person}'s {entity.relation}"
    aliases = list(dict.fromkeys([*(old.get("aliases") or []), *entity.aliases]))
    name = str(old.get("name") or entity.name)
    if existing and entity.name.lower() != name.lower() and entity.name not in aliases:
        aliases.append(entity.name)
    summary, details = entity_text(relation, slots)
    fields = {
        "name": name[:200],
        "summary": summary or name,
        "details": details,
        "kind": old.get("kind") or entity.kind,
        "relation": (relation or None) and relation[:200],
        "aliases": [a[:200] for a in aliases if a.lower() != name.lower()][:20],
        "slots": slots,
    }
    mention = [s.message_id for s in entity.mentions[:1]]
    if existing is None:
        memory = batch.insert(
            MemoryType.SEMANTIC,
            kind.build(None, fields),
            sources=_sources([*used, *mention]),
            origin=ORIGIN,
            actor=ACTOR,
            occurred_at=reading.when([*used, *mention]),
            reason="read from chat",
        )
        out.added.append(memory)
        return
    merged = kind.merge(old, fields)
    sources = [s for s in _sources([*used, *mention]) if s not in existing.sources]
    if merged == existing.fields and not sources:
        return
    memory = batch.update(
        existing.id,
        merged,
        actor=ACTOR,
        reason="; ".join(reasons)[:2000]
        or ("new facts read from chat" if merged != existing.fields else "seen again"),
        add_sources=sources,
        occurred_at=reading.when(used) if used else None,
    )
    out.replaced += replaced
    out.changed.append(memory)


# -- procedures, resources, events -----------------------------------------------------------
def _same(batch: Batch, memory_type: MemoryType, path: str, value: str) -> Memory | None:
    row = batch.db.conn.execute(
        "SELECT id FROM memories WHERE type = ? AND valid_to IS NULL AND "
        f"lower(json_extract(data, '$.{path}')) = ? LIMIT 1",
        (memory_type.value, value.lower()),
    ).fetchone()
    return batch.repo.get(row[0]) if row else None


def _seen_again(batch: Batch, memory: Memory, sources: Sequence[Source], out: Written) -> None:
    new = [s for s in sources if s not in memory.sources]
    if new:
        out.changed.append(
            batch.update(
                memory.id, dict(memory.fields), actor=ACTOR, reason="seen again", add_sources=new
            )
        )


def write_records(batch: Batch, reading: Reading, out: Written) -> None:
    """Procedures, resources and events: new records, or a new source on the same one."""
    proposed = memories(
        Reading(procedures=reading.procedures, resources=reading.resources, events=reading.events)
    )
    for item in proposed:
        memory_type = MemoryType(item["type"])
        fields = item["fields"]
        sources = _sources(item["sources"])
        if memory_type is MemoryType.PROCEDURAL:
            twin = _same(batch, memory_type, "summary", fields["summary"])
        elif memory_type is MemoryType.RESOURCE:
            key = ("content", fields["content"]) if fields.get("content") else ("title", "")
            twin = _same(batch, memory_type, key[0], key[1] or fields["title"])
        else:
            twin = _same_event(batch, fields)
        if twin is not None:
            _seen_again(batch, twin, sources, out)
            continue
        memory = batch.insert(
            memory_type,
            fields,
            sources=sources,
            origin=ORIGIN,
            actor=ACTOR,
            occurred_at=kind_of(memory_type).occurred_at(fields) or reading.when(item["sources"]),
            reason="read from chat",
        )
        out.added.append(memory)


def _same_event(batch: Batch, fields: dict[str, Any]) -> Memory | None:
    row = batch.db.conn.execute(
        "SELECT id FROM memories WHERE type = 'episodic' AND valid_to IS NULL AND origin = 'agent' "
        "AND json_extract(data, '$.summary') = ? AND json_extract(data, '$.occurred_at') = ? "
        "LIMIT 1",
        (fields["summary"], fields["occurred_at"]),
    ).fetchone()
    return batch.repo.get(row[0]) if row else None


def write_reading(batch: Batch, reading: Reading, person: str = "the user") -> Written:
    """Everything a reading proposes, written in `batch` (the caller's transaction)."""
    out = Written()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("core", lambda: write_core(batch, reading, out))
    ]
    for entity in reading.entities:
        steps.append(("entity", partial(write_entity, batch, entity, reading, person, out)))
    steps.append(("records", lambda: write_records(batch, reading, out)))
    for what, step in steps:
        try:
            step()
        except InvalidInput as error:  # one value that does not fit is skipped, not the batch
            log.info("a %s candidate was not written: %s", what, error)
            out.skipped += 1
    return out
