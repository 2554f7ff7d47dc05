"""Operations the managers emit, and applying a batch of them in one transaction.

ADD / UPDATE / INVALIDATE / NOOP against existing records. Every operation carries the sources
it came from (the chat message or screen session), so every memory an agent writes can be traced
to its input; a NOOP on a memory seen again adds the new source to it. The queue items of the
batch are marked done inside the same transaction: the writes and the "done" commit together or
not at all.
"""

from __future__ import annotations

import enum
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.domain import Memory, MemoryType, Source
from app.errors import InvalidInput, NotFound
from app.memory import kind_of
from app.memory.core import BLOCK_LIMIT

log = logging.getLogger(__name__)


class Action(enum.StrEnum):
    ADD = "ADD"
    UPDATE = "UPDATE"
    INVALIDATE = "INVALIDATE"
    NOOP = "NOOP"


@dataclass
class Operation:
    action: Action
    type: MemoryType
    manager: str  # which manager proposed it ("semantic", "extractor", ...)
    fields: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # the existing memory, for UPDATE / INVALIDATE / NOOP
    reason: str = ""
    sources: tuple[Source, ...] = ()
    proposer: str = "rule"  # "rule" (deterministic) or "model"
    occurred_at: datetime | None = None
    importance: float = 0.5

    def describe(self) -> str:
        """For logs: no content, only the shape."""
        return f"{self.action} {self.type.value} by {self.manager}/{self.proposer}"


@dataclass
class Applied:
    counts: Counter[str] = field(default_factory=Counter)
    added: list[Memory] = field(default_factory=list)
    changed: list[Memory] = field(default_factory=list)
    skipped: int = 0

    def merge(self, other: Applied) -> None:
        self.counts.update(other.counts)
        self.added.extend(other.added)
        self.changed.extend(other.changed)
        self.skipped += other.skipped


REINFORCE = 0.15  # importance regained when a memory is seen again


def _core_line_present(block: Memory, line: str) -> bool:
    from app.agents.text import near_duplicate, normalise

    wanted = normalise(line)
    for existing in str(block.fields.get("value", "")).splitlines():
        if normalise(existing) == wanted or near_duplicate(existing, line):
            return True
    return False


def _apply_one(services: Any, op: Operation, out: Applied) -> None:
    repo = services.repo
    actor = f"agent:{op.manager}"
    sources = list(op.sources)
    kind = kind_of(op.type)
    if op.action is Action.ADD and op.type is MemoryType.CORE:
        label = str(op.fields.get("label", "human"))
        line = str(op.fields.get("value", "")).strip()
        block = repo.core_block(label)
        if block is None:
            memory = repo.insert(
                MemoryType.CORE,
                kind.build(None, {"label": label, "value": line}),
                sources=sources,
                origin="agent",
                actor=actor,
                importance=op.importance,
                reason=op.reason or None,
            )
            out.added.append(memory)
        elif _core_line_present(block, line):
            out.counts["NOOP"] += 1
            return
        elif len(block.fields["value"]) + len(line) + 1 > BLOCK_LIMIT:
            log.info("core block %s is full; a line was not added", label)
            out.skipped += 1
            return
        else:
            merged = kind.append(block.fields, line)  # type: ignore[attr-defined]
            memory = repo.update(
                block.id, merged, actor=actor, reason=op.reason or "appended", add_sources=sources
            )
            out.changed.append(memory)
        out.counts["ADD"] += 1
        return
    if op.action is Action.ADD:
        fields = kind.build(None, op.fields)
        memory = repo.insert(
            op.type,
            fields,
            sources=sources,
            origin="agent",
            actor=actor,
            occurred_at=op.occurred_at,
            importance=op.importance,
            reason=op.reason or None,
        )
        out.added.append(memory)
        out.counts["ADD"] += 1
        return
    if op.target is None:
        out.skipped += 1
        return
    current = repo.get(op.target)
    if op.action is Action.UPDATE:
        merged = kind.merge(dict(current.fields), op.fields)
        memory = repo.update(
            current.id,
            merged,
            actor=actor,
            reason=op.reason or None,
            add_sources=sources,
            occurred_at=op.occurred_at,
            importance=min(1.0, current.importance + REINFORCE),
        )
        out.changed.append(memory)
    elif op.action is Action.INVALIDATE:
        if not current.active:
            out.counts["NOOP"] += 1
            return
        if sources:
            repo.update(
                current.id, dict(current.fields), actor=actor, reason=op.reason, add_sources=sources
            )
        memory = repo.set_validity(current.id, valid=False, actor=actor, reason=op.reason)
        out.changed.append(memory)
    else:  # NOOP: seen again; record where, and strengthen it
        new_sources = [s for s in sources if s not in current.sources]
        if not new_sources or not current.active:
            out.counts["NOOP"] += 1
            return
        memory = repo.update(
            current.id,
            dict(current.fields),
            actor=actor,
            reason=op.reason or "seen again",
            add_sources=new_sources,
            importance=min(1.0, current.importance + REINFORCE),
        )
        out.changed.append(memory)
    out.counts[str(op.action)] += 1


def _forgotten_inputs(db: Any, inputs: Sequence[tuple[int, Source]]) -> set[Source]:
    """Sources of the batch whose queue items left the queue while the batch ran: forgetting
    a message or session deletes them, so nothing is derived from it afterwards."""
    ids = sorted({item for item, _ in inputs})
    present: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        present.update(
            row[0]
            for row in db.conn.execute(f"SELECT id FROM work_queue WHERE id IN ({marks})", chunk)
        )
    return {source for item, source in inputs if item not in present}


def _without(operations: Sequence[Operation], lost: set[Source], out: Applied) -> list[Operation]:
    kept = []
    for op in operations:
        sources = tuple(s for s in op.sources if s not in lost)
        if op.sources and not sources:
            out.skipped += 1
            continue
        kept.append(replace(op, sources=sources) if sources != op.sources else op)
    return kept


def apply_operations(
    services: Any,
    operations: Sequence[Operation],
    *,
    done: Sequence[int] = (),
    inputs: Sequence[tuple[int, Source]] = (),
    notify: Callable[[Applied], None] | None = None,
) -> Applied:
    """Apply every operation and mark `done` queue items, in one transaction. An operation that
    does not fit its type's limits is skipped (logged without content), not the whole batch.
    `inputs` (queue item id, source): an input forgotten meanwhile leaves the operations."""
    out = Applied()
    with services.database.write() as db:
        lost = _forgotten_inputs(db, inputs) if inputs else set()
        if lost:
            log.info("%d inputs were forgotten while their batch ran", len(lost))
            operations = _without(operations, lost, out)
        for op in operations:
            try:
                _apply_one(services, op, out)
            except (InvalidInput, NotFound) as error:
                log.info("skipped %s: %s", op.describe(), error.__class__.__name__)
                out.skipped += 1
        if done:
            services.queue.done(list(done), db=db)
    touched = {m.id: m for m in [*out.added, *out.changed]}
    if touched:
        services.retriever.indexed(list(touched.values()))
    if notify is not None:
        notify(out)
    return out
