"""The queue consumer: claims chat and screen items, batches them, runs the managers, writes.

Per batch: extractors and every manager's rules, then the meta manager's routing and one model
call per routed manager, then the policy review, then one transaction that writes the operations
and marks the items done. Invalid model output (after the one retry) still writes the rules'
operations, but the items are failed, so they are tried again (and parked after 3 attempts); the
rules' writes are idempotent, so a retry adds nothing twice. A crash before the commit leaves the
items claimed by a process that no longer runs; the next claim takes them back (a failed try),
or, where the holder cannot be judged, the lease runs out: nothing is lost.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.agents.extractors import extract
from app.agents.inputs import KINDS, AgentInput, BadPayload, Batch, batches, parse
from app.agents.managers.base import Context, Manager
from app.agents.managers.core import CoreManager
from app.agents.managers.episodic import EpisodicManager
from app.agents.managers.procedural import ProceduralManager
from app.agents.managers.resource import ResourceManager
from app.agents.managers.semantic import SemanticManager
from app.agents.managers.vault import VaultManager
from app.agents.operations import Operation, apply_operations
from app.agents.policy import PolicyStats, review
from app.agents.router import route
from app.domain import Memory, MemoryType, to_iso, utcnow
from app.errors import Cancelled, ModelOutputInvalid, ModelUnavailable
from app.llm.base import ChatModel
from app.llm.structured import CallStats, generate_json
from app.retrieval import Retriever, SearchRequest
from app.settings import AgentSettings
from app.store.memories import MemoryRepository
from app.store.queue import WorkQueue
from app.store.writer import Writer

log = logging.getLogger(__name__)

MANAGERS: tuple[Manager, ...] = (
    CoreManager(),
    EpisodicManager(),
    SemanticManager(),
    ProceduralManager(),
    ResourceManager(),
    VaultManager(),
)
LEASE = timedelta(minutes=15)
TOUCHED_PER_TYPE = 8


@dataclass
class RunReport:
    """What one run did, in numbers (no content): for the CLI, the GUI and the benchmarks."""

    batches: int = 0
    items: int = 0
    done: int = 0
    failed: int = 0
    released: int = 0
    unreadable: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    added_by_type: Counter[str] = field(default_factory=Counter)
    policy: Counter[str] = field(default_factory=Counter)
    proposed: Counter[str] = field(default_factory=Counter)  # operations by "rule" / "model"
    accepted: Counter[str] = field(default_factory=Counter)  # ... that passed the policy
    routed: Counter[str] = field(default_factory=Counter)
    batch_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stats: CallStats = field(default_factory=CallStats)
    stopped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        mean = sum(self.batch_seconds) / len(self.batch_seconds) if self.batch_seconds else None
        return {
            "batches": self.batches,
            "items": self.items,
            "done": self.done,
            "failed": self.failed,
            "released": self.released,
            "unreadable": self.unreadable,
            "operations": dict(self.operations),
            "added_by_type": dict(self.added_by_type),
            "policy": dict(self.policy),
            "proposed": dict(self.proposed),
            "accepted": dict(self.accepted),
            "routed": dict(self.routed),
            "seconds": round(self.seconds, 3),
            "seconds_per_batch": round(mean, 3) if mean is not None else None,
            "model": self.stats.to_dict(),
            "stopped": self.stopped,
        }


class AgentPipeline:
    def __init__(
        self,
        *,
        repo: MemoryRepository,
        writer: Writer,
        queue: WorkQueue,
        retriever: Retriever,
        settings: AgentSettings,
        model: Callable[[], ChatModel | None],
    ) -> None:
        self.repo = repo
        self.writer = writer
        self.queue = queue
        self.retriever = retriever
        self.settings = settings
        self._model = model

    # -- context ------------------------------------------------------------------------------
    def _similar(self, memory_type: MemoryType, text: str) -> list[Memory]:
        return [h.memory for h in self.repo.search_fts(text, types=[memory_type], limit=5)]

    def _by_name(self, memory_type: MemoryType, name: str) -> list[Memory]:
        rows = self.repo.db.query(
            "SELECT id FROM memories WHERE type = ? AND valid_to IS NULL "
            "AND json_extract(data, '$.name') = ? ORDER BY occurred_at DESC LIMIT 5",
            (memory_type.value, name),
        )
        return self.repo.get_many([r["id"] for r in rows])

    def _touched(self, batch: Batch) -> dict[MemoryType, list[Memory]]:
        """Existing memories the batch is about, per type (its own raw records left out)."""
        own = {i.memory_id for i in batch.inputs if i.memory_id}
        query = " ".join(
            f"{i.speaker} {i.title} {i.text}" for i in batch.inputs if not i.is_assistant
        )
        found: dict[MemoryType, list[Memory]] = {}
        if not query.strip():
            return found
        for memory_type in (MemoryType.SEMANTIC, MemoryType.PROCEDURAL, MemoryType.RESOURCE):
            hits = self.retriever.search(
                SearchRequest(query=query[:2000], types=(memory_type,), limit=TOUCHED_PER_TYPE)
            )
            ids = [h.id for h in hits if h.id not in own]
            found[memory_type] = self.repo.get_many(ids)
        return found

    def context(self, batch: Batch) -> Context:
        extractions = {
            i.item_id: extract(i.text, i.timestamp, i.speaker) for i in batch.inputs if i.text
        }
        return Context(
            batch=batch,
            settings=self.settings,
            extractions=extractions,
            existing=self._touched(batch),
            similar=self._similar,
            by_name=self._by_name,
            now=utcnow(),
        )

    # -- one batch ----------------------------------------------------------------------------
    def process(
        self, batch: Batch, report: RunReport, cancel: threading.Event | None = None
    ) -> bool:
        """Run one batch; True when its items are done, False when they were failed."""
        started = time.perf_counter()
        ctx = self.context(batch)
        operations: list[Operation] = []
        for manager in MANAGERS:
            operations.extend(manager.rules(ctx))
        ctx.pending = operations
        model = self._model() if self.settings.use_model else None
        problem: str | None = None
        if model is not None and any(i.text for i in ctx.speaking):
            try:
                types, _ = route(ctx, model, report.stats, cancel)
                report.routed.update(t.value for t in types)
                for manager in MANAGERS:
                    if manager.type not in types:
                        continue
                    call = manager.model_call(ctx)
                    if call is None:
                        continue
                    parsed = generate_json(
                        model,
                        call.messages,
                        call.output,
                        options=call.options,
                        purpose=call.purpose,
                        stats=report.stats,
                        cancel=cancel,
                    )
                    operations.extend(call.convert(parsed))
            except ModelOutputInvalid as error:
                problem = str(error)
                # The batch is tried again later: write only what does not depend on the model.
                operations = [op for op in operations if op.proposer == "rule"]
        policy = PolicyStats()
        report.proposed.update(op.proposer for op in operations)
        final = review(operations, batch, ctx.shown, self._similar, policy)
        report.policy.update(policy.counts)
        report.accepted.update(op.proposer for op in final)
        applied = apply_operations(
            self.writer,
            self.queue,
            final,
            done=[] if problem else batch.item_ids,
            inputs=[(i.item_id, i.source) for i in batch.inputs],
        )
        if problem:
            self.queue.fail(batch.item_ids, "model output invalid")
            report.failed += len(batch.inputs)
        else:
            report.done += len(batch.inputs)
        report.operations.update(applied.counts)
        report.added_by_type.update(m.type.value for m in applied.added)
        report.batches += 1
        report.batch_seconds.append(time.perf_counter() - started)
        return problem is None

    # -- the run ------------------------------------------------------------------------------
    def run(
        self,
        limit: int | None = None,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[RunReport], None] | None = None,
    ) -> RunReport:
        """Process up to `limit` queued items (all, when None), batch by batch."""
        report = RunReport()
        started = time.perf_counter()
        window = timedelta(minutes=self.settings.batch_window_minutes)
        pending: list[Batch] = []
        failed_now: set[int] = set()  # tried in this run: wait for the next one
        try:
            while limit is None or report.items < limit:
                room = self.settings.batch_size * 4
                if limit is not None:
                    room = min(room, limit - report.items)
                items = self.queue.claim(list(KINDS), limit=room, lease=LEASE, exclude=failed_now)
                if not items:
                    break
                report.items += len(items)
                inputs: list[AgentInput] = []
                for item in items:
                    try:
                        inputs.append(parse(item))
                    except BadPayload as error:
                        log.warning("queue item %d unreadable: %s", item.id, error)
                        self.queue.fail([item.id], f"unreadable payload: {error}")
                        failed_now.add(item.id)
                        report.unreadable += 1
                pending = batches(inputs, self.settings.batch_size, window)
                while pending:
                    batch = pending[0]
                    if cancel is not None and cancel.is_set():
                        raise Cancelled("Stopped.")
                    try:
                        if not self.process(batch, report, cancel):
                            failed_now.update(batch.item_ids)
                    except (Cancelled, ModelUnavailable):
                        raise
                    except Exception as error:  # a bug must not lose or block the queue
                        log.exception("agent batch failed")
                        self.queue.fail(batch.item_ids, f"agent error: {error.__class__.__name__}")
                        failed_now.update(batch.item_ids)
                        report.failed += len(batch.inputs)
                    pending.pop(0)
                    if on_progress is not None:
                        on_progress(report)
        except (Cancelled, ModelUnavailable) as error:
            ids = [i for b in pending for i in b.item_ids]
            self.queue.release(ids)
            report.released += len(ids)
            report.stopped = str(error)
            if isinstance(error, ModelUnavailable):
                self._record(report, started)
                raise
        self._record(report, started)
        return report

    def _record(self, report: RunReport, started: float) -> None:
        report.seconds = time.perf_counter() - started
        if not report.items:
            return
        with self.repo.db.write() as db:
            db.conn.execute(
                "INSERT INTO agent_runs (started_at, seconds, report) VALUES (?, ?, ?)",
                (to_iso(utcnow()), report.seconds, json.dumps(report.to_dict())),
            )
