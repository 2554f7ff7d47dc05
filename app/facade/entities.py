"""Fixing what the agents got wrong about a person, place or thing (a semantic memory): rename
it, give it its right kind, merge two records of the same entity, detach a source that is not
about it. Every fix is an audited version through the Writer; the old name stays findable as an
alias where the record has aliases (the entity records of issue 21's agents)."""

from __future__ import annotations

from typing import Any

from app.domain import Memory, MemoryType, Source
from app.errors import InvalidInput
from app.memory import kind_of
from app.memory import semantic as semantic_memory
from app.store.memories import MemoryRepository
from app.store.writer import Initiator, Writer

ENTITY_KINDS = ("person", "pet", "place", "organisation", "thing")


def _supports(field: str) -> bool:
    return field in kind_of(MemoryType.SEMANTIC).model.model_fields


def _rendered(fields: dict[str, Any]) -> dict[str, Any]:
    """An entity record whose facts are slots has its summary and details written from them
    (`entity_text`, where this version's records have slots); other records as they are."""
    render = getattr(semantic_memory, "entity_text", None)
    if render is None or not fields.get("slots"):
        return fields
    summary, details = render(fields.get("relation"), fields["slots"])
    return {
        **fields,
        "summary": summary or fields.get("summary") or fields["name"],
        "details": details,
    }


class EntityService:
    def __init__(self, repo: MemoryRepository, writer: Writer) -> None:
        self._repo = repo
        self._writer = writer

    def _entity(self, memory_id: str) -> Memory:
        memory = self._repo.get(self._repo.resolve(memory_id))
        if memory.type is not MemoryType.SEMANTIC:
            raise InvalidInput("Only a person, place or thing (a semantic memory) can be fixed.")
        return memory

    def _write(
        self,
        memory: Memory,
        changes: dict[str, Any],
        reason: str,
        *,
        add: tuple[Source, ...] = (),
        remove: tuple[Source, ...] = (),
    ) -> Memory:
        kind = kind_of(MemoryType.SEMANTIC)
        fields = kind.merge(dict(memory.fields), changes) if changes else dict(memory.fields)
        with self._writer.batch(Initiator.USER) as batch:
            return batch.update(
                memory.id,
                kind.validate(_rendered(fields)),
                actor="user",
                reason=reason,
                add_sources=add,
                remove_sources=remove,
            )

    def kinds(self) -> tuple[str, ...]:
        """The kinds an entity can be given ("" when this version's records have no kind)."""
        return ENTITY_KINDS if _supports("kind") else ()

    def rename(self, memory_id: str, name: str) -> Memory:
        """A new name; the old one stays as an alias (where records keep aliases)."""
        memory = self._entity(memory_id)
        new = " ".join((name or "").split())
        if not new:
            raise InvalidInput("Give the new name.")
        old = str(memory.fields.get("name", ""))
        if new == old:
            raise InvalidInput(f"It is already called {new}.")
        changes: dict[str, Any] = {"name": new}
        if _supports("aliases"):
            aliases = [a for a in memory.fields.get("aliases") or [] if a != new]
            changes["aliases"] = list(dict.fromkeys([*aliases, old]))[-20:]
        return self._write(memory, changes, f"renamed from {old}")

    def change_kind(self, memory_id: str, kind: str) -> Memory:
        memory = self._entity(memory_id)
        if not _supports("kind"):
            raise InvalidInput("This version's memories do not record what kind an entity is.")
        if kind not in ENTITY_KINDS:
            raise InvalidInput(f"The kind is one of {', '.join(ENTITY_KINDS)}.")
        before = memory.fields.get("kind") or "not set"
        return self._write(memory, {"kind": kind}, f"kind changed from {before}")

    def merge(self, keep_id: str, other_id: str) -> Memory:
        """Two records of one entity become one: `keep` gains the other's sources, its name as
        an alias, its slots and its text; the other is marked no longer true ("merged into
        …"), so its history stays and nothing made from it goes. (Forgetting it would take its
        sources off `keep` too: forgetting a memory forgets what it came from.)"""
        keep, other = self._entity(keep_id), self._entity(other_id)
        if keep.id == other.id:
            raise InvalidInput("Choose another memory to merge with.")
        other_name = str(other.fields.get("name", ""))
        changes: dict[str, Any] = {}
        extra = [str(other.fields.get("summary", "")), str(other.fields.get("details", ""))]
        details = "\n".join(
            part
            for part in [str(keep.fields.get("details", "")), *extra]
            if part.strip() and part not in str(keep.fields.get("details", ""))
        )
        if details != str(keep.fields.get("details", "")):
            changes["details"] = details[:20_000]
        if _supports("aliases"):
            names = [*(keep.fields.get("aliases") or []), other_name]
            names += list(other.fields.get("aliases") or [])
            names = [n for n in dict.fromkeys(names) if n and n != keep.fields.get("name")]
            changes["aliases"] = names[-20:]
        if _supports("slots"):
            slots = {k: list(v) for k, v in (keep.fields.get("slots") or {}).items()}
            for key, values in (other.fields.get("slots") or {}).items():
                have = slots.setdefault(key, [])
                have += [v for v in values if v not in have]
            changes["slots"] = slots
        if _supports("kind") and not keep.fields.get("kind") and other.fields.get("kind"):
            changes["kind"] = other.fields["kind"]
        new = tuple(s for s in other.sources if s not in keep.sources)
        with self._writer.batch(Initiator.USER) as batch:
            kind = kind_of(MemoryType.SEMANTIC)
            fields = kind.merge(dict(keep.fields), changes) if changes else dict(keep.fields)
            merged = batch.update(
                keep.id,
                kind.validate(_rendered(fields)),
                actor="user",
                reason=f"merged with {other_name}",
                add_sources=new,
            )
            if other.active:
                batch.set_validity(
                    other.id, valid=False, actor="user", reason=f"merged into {keep.title}"
                )
        return merged

    def detach_source(self, memory_id: str, kind: str, ref: str) -> Memory:
        """This memory is not about what that source says: the source is taken off it (the
        source's own record stays). A memory keeps at least one source."""
        memory = self._entity(memory_id)
        source = Source(kind, ref)
        if source not in memory.sources:
            raise InvalidInput("That source is not one of this memory's.")
        changes: dict[str, Any] = {}
        if _supports("slots"):
            wanted = f"{kind}:{ref}"
            slots = {
                key: [v for v in values if v.get("source") != wanted]
                for key, values in (memory.fields.get("slots") or {}).items()
            }
            changes["slots"] = {k: v for k, v in slots.items() if v}
        return self._write(memory, changes, "a source that is not about it", remove=(source,))
