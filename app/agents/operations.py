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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.agents.text import near_duplicate, normalise
from app.domain import Memory, MemoryType, Source
from app.errors import InvalidInput, NotFound
from app.memory import kind_of
from app.store.queue import WorkQueue
from app.store.writer import Batch, Initiator, Writer

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


def _core_line_known(existing: str, line: str) -> bool:
    """A core line that the block already says (the same words, or nearly)."""
    return normalise(existing) == normalise(line) or near_duplicate(existing, line)


def _apply_one(batch: Batch, op: Operation, out: Applied) -> None:
    repo = batch.repo
    actor = f"agent:{op.manager}"
    sources = list(op.sources)
    kind = kind_of(op.type)
    if op.action is Action.ADD and op.type is MemoryType.CORE:
        done = batch.append_core(
            str(op.fields.get("label", "human")),
            str(op.fields.get("value", "")),
            sources=sources,
            origin="agent",
            actor=actor,
            importance=op.importance,
            reason=op.reason or None,
            known=_core_line_known,
        )
        if done.outcome == "present":
            out.counts["NOOP"] += 1
            return
        if done.outcome == "full" or done.memory is None:
            out.skipped += 1
            return
        (out.added if done.outcome == "created" else out.changed).append(done.memory)
        out.counts["ADD"] += 1
        return
    if op.action is Action.ADD:
        memory = batch.insert(
            op.type,
            kind.build(None, op.fields),
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
        memory = batch.update(
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
            batch.update(
                current.id, dict(current.fields), actor=actor, reason=op.reason, add_sources=sources
            )
        memory = batch.set_validity(current.id, valid=False, actor=actor, reason=op.reason)
        out.changed.append(memory)
    else:  # NOOP: seen again; record where, and strengthen it
        new_sources = [s for s in sources if s not in current.sources]
        if not new_sources or not current.active:
            out.counts["NOOP"] += 1
            return
        memory = batch.update(
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
    writer: Writer,
    queue: WorkQueue,
    operations: Sequence[Operation],
    *,
    done: Sequence[int] = (),
    inputs: Sequence[tuple[int, Source]] = (),
) -> Applied:
    """Apply every operation and mark `done` queue items, in one transaction. An operation that
    does not fit its type's limits is skipped (logged without content), not the whole batch.
    `inputs` (queue item id, source): an input forgotten meanwhile leaves the operations. The
    writer wakes the index and announces the changes after the commit."""
    out = Applied()
    with writer.batch(Initiator.AGENT) as batch:
        lost = _forgotten_inputs(batch.db, inputs) if inputs else set()
        if lost:
            log.info("%d inputs were forgotten while their batch ran", len(lost))
            operations = _without(operations, lost, out)
        for op in operations:
            try:
                _apply_one(batch, op, out)
            except (InvalidInput, NotFound) as error:
                log.info("skipped %s: %s", op.describe(), error.__class__.__name__)
                out.skipped += 1
        if done:
            queue.done(list(done), db=batch.db)
    return out
