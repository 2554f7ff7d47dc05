"""The one write path: every memory is added, changed, invalidated, restored or forgotten here.

The facade, the agents, the importers, consolidation and capture all write through a `Writer`,
so none of them needs to know the side tables (sources, history, threads, queue) or what must
follow a commit. A `Batch` is one transaction: its writes and whatever the caller adds with
`batch.db` (queue items, meta rows) commit together or not at all. After the commit, and only
then, the writer wakes the index (`IndexHook`) and emits one `Changes` on `Writer.changed`:
what changed, by whom, so views redraw those rows instead of refetching (Anki's `OpChanges`).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from psygnal import Signal

from app.domain import Memory, MemoryType, Source, to_iso
from app.errors import InvalidInput
from app.memory import kind_of
from app.memory.core import BLOCK_LIMIT, CoreKind
from app.store import forgetting
from app.store.db import Database
from app.store.forgetting import ForgetPlan
from app.store.memories import MemoryRepository

log = logging.getLogger(__name__)

USER_SOURCE = Source("user", "manual")


class Initiator(enum.StrEnum):
    """Who started a change: panes show a person's own edits differently from a stream of
    captured or derived memories."""

    USER = "user"  # the person, in the app or the CLI
    AGENT = "agent"  # the memory agents and consolidation
    IMPORT = "import"  # a chat import
    CAPTURE = "capture"  # screen capture sessions
    CLIENT = "client"  # another program: the local API, MCP, the browser extension
    SYSTEM = "system"  # upkeep (restored backups, repairs)

    @classmethod
    def of(cls, actor: str) -> Initiator:
        """The initiator an audit actor ("user", "agent:semantic", "system:capture") implies."""
        if actor == "system:capture":
            return cls.CAPTURE
        head = actor.split(":", 1)[0]
        aliases = {"chat": cls.USER, "api": cls.CLIENT, "mcp": cls.CLIENT, "memloci": cls.AGENT}
        try:
            return cls(head)
        except ValueError:
            return aliases.get(head, cls.SYSTEM)


@dataclass(frozen=True)
class Changes:
    """What one committed write changed. Memories are as they are after the commit."""

    initiator: Initiator
    added: tuple[Memory, ...] = ()
    updated: tuple[Memory, ...] = ()
    forgotten: tuple[str, ...] = ()
    forgotten_types: frozenset[MemoryType] = frozenset()

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(
            [*(m.id for m in self.added), *(m.id for m in self.updated), *self.forgotten]
        )

    @property
    def types(self) -> frozenset[MemoryType]:
        touched = {m.type for m in (*self.added, *self.updated)}
        return frozenset(touched | self.forgotten_types)

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.forgotten)


class IndexHook(Protocol):
    """What the writer tells the search index. `contexts` runs inside the transaction (a chat
    message is searchable with the messages before it the moment it commits); the others run
    after the commit."""

    def indexed(self, memories: Sequence[Memory]) -> None: ...

    def removed(self, memory_ids: Sequence[str]) -> None: ...

    def contexts(self, conn: Any, memory_ids: Sequence[str], resumed: set[str]) -> None: ...


class NoIndex:
    """For a writer with no search index (tools that only touch the store)."""

    def indexed(self, memories: Sequence[Memory]) -> None:
        return None

    def removed(self, memory_ids: Sequence[str]) -> None:
        return None

    def contexts(self, conn: Any, memory_ids: Sequence[str], resumed: set[str]) -> None:
        return None


CoreOutcome = Literal["created", "appended", "present", "full"]


@dataclass(frozen=True)
class CoreAppend:
    """What appending a line to a core block did; `memory` is the block (None if full)."""

    memory: Memory | None
    outcome: CoreOutcome


@dataclass
class Batch:
    """The writes of one transaction. Get one from `Writer.batch()`; `db` is the transaction's
    connection for side tables the caller owns (queue items, meta rows)."""

    repo: MemoryRepository
    db: Any
    initiator: Initiator
    added: dict[str, Memory] = field(default_factory=dict)
    updated: dict[str, Memory] = field(default_factory=dict)
    threaded: list[str] = field(default_factory=list)
    resumed: set[str] = field(default_factory=set)
    dirty: bool = False  # search contexts changed without a memory changing

    # -- memories -----------------------------------------------------------------------------
    def insert(
        self,
        memory_type: MemoryType,
        fields: dict[str, Any],
        *,
        sources: Sequence[Source],
        origin: str,
        actor: str,
        occurred_at: datetime | None = None,
        importance: float = 0.5,
        reason: str | None = None,
    ) -> Memory:
        """A new record from fields already built by its type (`kind.build`)."""
        memory = self.repo.insert(
            memory_type,
            fields,
            sources=sources,
            origin=origin,
            actor=actor,
            occurred_at=occurred_at,
            importance=importance,
            reason=reason,
        )
        self.added[memory.id] = memory
        return memory

    def add(
        self,
        memory_type: MemoryType,
        text: str | None = None,
        fields: dict[str, Any] | None = None,
        *,
        sources: Sequence[Source] = (USER_SOURCE,),
        actor: str = "user",
        origin: str | None = None,
        occurred_at: datetime | None = None,
        importance: float | None = None,
        reason: str | None = None,
    ) -> Memory:
        """Remember something given as text and/or fields. For core memory, adding to an
        existing block appends a line to it."""
        kind = kind_of(memory_type)
        given = dict(fields or {})
        origin = origin or ("user" if actor == "user" else actor.split(":")[0])
        weight = importance if importance is not None else (1.0 if actor == "user" else 0.5)
        if isinstance(kind, CoreKind):
            label = str(given.get("label", "human"))
            if self.repo.core_block(label) is not None:
                addition = text if text is not None else str(given.get("value", ""))
                if not addition.strip():
                    raise InvalidInput("The text is empty; say what to remember.")
                done = self.append_core(
                    label, addition, sources=sources, actor=actor, origin=origin, reason=reason
                )
                assert done.memory is not None  # not skipping: a full block fails validation
                return done.memory
        return self.insert(
            memory_type,
            kind.build(text, given),
            sources=list(sources) or [USER_SOURCE],
            origin=origin,
            actor=actor,
            occurred_at=occurred_at,
            importance=weight,
            reason=reason,
        )

    def update(
        self,
        memory_id: str,
        fields: dict[str, Any],
        *,
        actor: str,
        reason: str | None = None,
        add_sources: Sequence[Source] = (),
        remove_sources: Sequence[Source] = (),
        occurred_at: datetime | None = None,
        importance: float | None = None,
    ) -> Memory:
        """Replace a memory's fields with `fields` (already merged and validated)."""
        memory = self.repo.update(
            memory_id,
            fields,
            actor=actor,
            reason=reason,
            add_sources=add_sources,
            remove_sources=remove_sources,
            occurred_at=occurred_at,
            importance=importance,
        )
        self._changed(memory)
        return memory

    def merge(
        self,
        memory_id: str,
        text: str | None = None,
        fields: dict[str, Any] | None = None,
        *,
        actor: str,
        reason: str | None = None,
        sources: Sequence[Source] = (),
    ) -> Memory:
        """Change some fields (or the primary text) of a memory; the rest stays."""
        current = self.repo.get(memory_id)
        kind = kind_of(current.type)
        changes = dict(fields or {})
        if text is not None:
            changes[kind.primary] = text
        if not changes:
            raise InvalidInput("Nothing to change: give a new text or --field NAME=VALUE.")
        old = dict(current.fields)
        if current.type is MemoryType.VAULT:
            old["secret_value"] = self.repo.secret(current.id)
        return self.update(
            current.id, kind.merge(old, changes), actor=actor, reason=reason, add_sources=sources
        )

    def set_validity(
        self, memory_id: str, *, valid: bool, actor: str, reason: str | None
    ) -> Memory:
        """Invalidate (the record stays, marked no longer true) or restore a memory."""
        memory = self.repo.set_validity(memory_id, valid=valid, actor=actor, reason=reason)
        self._changed(memory)
        return memory

    def append_core(
        self,
        label: str,
        line: str,
        *,
        sources: Sequence[Source],
        actor: str,
        origin: str,
        reason: str | None = None,
        importance: float = 0.5,
        known: Callable[[str, str], bool] | None = None,
    ) -> CoreAppend:
        """Add a line to the core block `label` (made if missing). With `known(existing_line,
        line)`, a line the block already says is not added again and a full block is left as it
        is; without it, a line that would overflow the block fails its validation."""
        kind = kind_of(MemoryType.CORE)
        assert isinstance(kind, CoreKind)
        line = line.strip()
        block = self.repo.core_block(label)
        if block is None:
            memory = self.insert(
                MemoryType.CORE,
                kind.build(None, {"label": label, "value": line}),
                sources=sources,
                origin=origin,
                actor=actor,
                importance=importance,
                reason=reason,
            )
            return CoreAppend(memory, "created")
        value = str(block.fields.get("value", ""))
        if known is not None:
            if any(known(existing, line) for existing in value.splitlines()):
                return CoreAppend(block, "present")
            if len(value) + len(line) + 1 > BLOCK_LIMIT:
                log.info("core block %s is full; a line was not added", label)
                return CoreAppend(None, "full")
        memory = self.update(
            block.id,
            kind.append(block.fields, line),
            actor=actor,
            reason=reason or "appended",
            add_sources=sources,
        )
        return CoreAppend(memory, "appended")

    def restored(self, added: Sequence[str], updated: Sequence[str]) -> None:
        """Records written whole (a backup restored with its own history): announce them."""
        for memory in self.repo.get_many(list(added)):
            self.added[memory.id] = memory
        for memory in self.repo.get_many(list(updated)):
            self._changed(memory)

    def reinforce(self, memory_ids: Sequence[str], amount: float) -> None:
        """Memories that were used (they answered a question) gain importance; not a change
        of their content, so no history row and no change event."""
        for start in range(0, len(memory_ids), 500):
            chunk = list(memory_ids[start : start + 500])
            self.db.conn.execute(
                "UPDATE memories SET importance = min(1.0, importance + ?) "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                [amount, *chunk],
            )

    def fade(self, factor: float) -> int:
        """Every valid memory the person did not write loses importance by `factor` (the
        forgetting curve); returns how many. Not a change of content: no history, no event."""
        cursor = self.db.conn.execute(
            "UPDATE memories SET importance = importance * ? "
            "WHERE origin != 'user' AND valid_to IS NULL AND ? < 1.0",
            (factor, factor),
        )
        return int(cursor.rowcount)

    def _changed(self, memory: Memory) -> None:
        if memory.id in self.added:
            self.added[memory.id] = memory
        else:
            self.updated[memory.id] = memory

    # -- conversations ------------------------------------------------------------------------
    def thread(self, memory_id: str, conversation: str, at: datetime, *, resume: bool) -> bool:
        """Place a chat record in its conversation (time, then order of storing), so search
        indexes it with the messages before it. `resume`: the conversation may already have
        messages (they get a fresh context if the new one comes before them). An existing row
        is kept; returns whether one was written."""
        cursor = self.db.conn.execute(
            "INSERT OR IGNORE INTO memory_threads (memory_id, thread, at, pos) "
            "SELECT id, ?, ?, seq FROM memories WHERE id = ?",
            (conversation, to_iso(at), memory_id),
        )
        if not cursor.rowcount:
            return False
        self.threaded.append(memory_id)
        if resume:
            self.resumed.add(conversation)
        if memory_id not in self.added and memory_id not in self.updated:
            # A record that had lost its place (restored from a backup): index it again.
            self.db.conn.execute(
                "INSERT OR IGNORE INTO search_dirty (memory_id) VALUES (?)", (memory_id,)
            )
            self.dirty = True
        return True

    def has_thread(self, conversation: str) -> bool:
        row = self.db.conn.execute(
            "SELECT 1 FROM memory_threads WHERE thread = ? LIMIT 1", (conversation,)
        ).fetchone()
        return row is not None

    # -- the result ---------------------------------------------------------------------------
    def changes(self) -> Changes:
        return Changes(self.initiator, tuple(self.added.values()), tuple(self.updated.values()))


class Writer:
    """The store's one writer. Thread-safe: transactions are serialised by the database; a
    batch opened inside another on the same thread joins it (and its changes are reported with
    the outer one). Inside a wider transaction (`Database.write()` held by the caller), the
    index and the listeners hear of the changes when that one commits."""

    changed = Signal(object)  # Changes, after each commit that changed something

    def __init__(
        self, database: Database, repo: MemoryRepository, index: IndexHook | None = None
    ) -> None:
        self.database = database
        self.repo = repo
        self.index: IndexHook = index or NoIndex()
        self._local = threading.local()
        self._announce_lock = threading.Lock()  # guards the two below, held for no call
        self._unannounced: deque[Changes] = deque()
        self._announcing = False

    @contextlib.contextmanager
    def batch(self, initiator: Initiator | str) -> Iterator[Batch]:
        """One transaction. Its changes are announced after the commit, never on rollback."""
        outer: Batch | None = getattr(self._local, "batch", None)
        if outer is not None:
            yield outer
            return
        with self.database.write() as db:
            batch = Batch(self.repo, db, Initiator(initiator))
            self._local.batch = batch
            try:
                yield batch
                if batch.threaded:
                    for start in range(0, len(batch.threaded), 1_000):
                        chunk = batch.threaded[start : start + 1_000]
                        self.index.contexts(db.conn, chunk, batch.resumed)
            finally:
                self._local.batch = None
            changes, wake = batch.changes(), batch.dirty
            # After the outermost commit (a caller may hold a wider transaction); never on
            # rollback.
            self.database.after_commit(lambda: self._after(changes, wake=wake))

    def _after(self, changes: Changes, *, wake: bool = False) -> None:
        """After a commit: wake the index, then tell whoever listens. A listener's failure is
        logged, never reported as a failed write (the write is committed)."""
        if changes.forgotten:
            self.index.removed(changes.forgotten)
        touched = [*changes.added, *changes.updated]
        if touched or wake:
            self.index.indexed(touched)
        if changes:
            self._announce(changes)

    def _announce(self, changes: Changes) -> None:
        """Tell the listeners, in commit order, without ever waiting for them on another
        thread: a listener may take a lock (capture's sessions) that a thread committing now
        holds, and the signal runs its listeners under its own lock. While one thread is
        announcing, other threads leave their changes to it and go on."""
        with self._announce_lock:
            self._unannounced.append(changes)
            if self._announcing:
                return
            self._announcing = True
        try:
            while True:
                with self._announce_lock:
                    if not self._unannounced:
                        self._announcing = False
                        return
                    changes = self._unannounced.popleft()
                try:
                    self.changed.emit(changes)
                except Exception:
                    log.exception("a listener of memory changes failed")
        except BaseException:
            with self._announce_lock:
                self._announcing = False
            raise

    # -- one-write conveniences ---------------------------------------------------------------
    def add(
        self,
        memory_type: MemoryType,
        text: str | None = None,
        fields: dict[str, Any] | None = None,
        *,
        initiator: Initiator | None = None,
        sources: Sequence[Source] = (USER_SOURCE,),
        actor: str = "user",
        origin: str | None = None,
        occurred_at: datetime | None = None,
        importance: float | None = None,
        reason: str | None = None,
    ) -> Memory:
        with self.batch(initiator or Initiator.of(actor)) as batch:
            return batch.add(
                memory_type,
                text,
                fields,
                sources=sources,
                actor=actor,
                origin=origin,
                occurred_at=occurred_at,
                importance=importance,
                reason=reason,
            )

    def merge(
        self,
        memory_id: str,
        text: str | None = None,
        fields: dict[str, Any] | None = None,
        *,
        initiator: Initiator | None = None,
        actor: str = "user",
        reason: str | None = None,
        sources: Sequence[Source] = (),
    ) -> Memory:
        with self.batch(initiator or Initiator.of(actor)) as batch:
            return batch.merge(memory_id, text, fields, actor=actor, reason=reason, sources=sources)

    def set_validity(
        self,
        memory_id: str,
        *,
        valid: bool,
        actor: str = "user",
        reason: str | None = None,
        initiator: Initiator | None = None,
    ) -> Memory:
        with self.batch(initiator or Initiator.of(actor)) as batch:
            return batch.set_validity(memory_id, valid=valid, actor=actor, reason=reason)

    def forget(
        self,
        memory_ids: Sequence[str],
        *,
        cascade: bool = True,
        actor: str = "user",
        initiator: Initiator | None = None,
        protect: frozenset[str] = frozenset(),
    ) -> ForgetPlan:
        """Forget these memories and, with `cascade`, what came only from them (one
        transaction, `app.store.forgetting`); the memories that stay lose the gone sources.
        The cascade never takes or edits a memory whose origin is in `protect`."""
        if getattr(self._local, "batch", None) is not None:
            raise RuntimeError("forgetting runs in its own transaction, not inside a batch")
        done = forgetting.forget(
            self.repo, memory_ids, cascade=cascade, actor=actor, protect=protect
        )
        kept = tuple(self.repo.get_many(done.kept_ids))
        changes = Changes(
            initiator or Initiator.of(actor),
            updated=kept,
            forgotten=tuple(done.purged_ids),
            forgotten_types=frozenset(item.type for item in done.purged),
        )
        self.database.after_commit(lambda: self._after(changes))
        return done
