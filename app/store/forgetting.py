"""Forgetting with what came from it: one cascade for `forget` and for erasing a selection.

A record of input (an imported or Memloci chat message, a screen session: origins `import`,
`chat`, `capture`) stands for its source. When the last record of a source goes, the source is
gone: every memory whose sources are all gone goes too (cascade), and a memory with another
source stays, loses the gone one and gets a history row saying so. A memory cited as a source
(its id as the ref) is a source too, so the cascade follows derived-from-derived memories to a
fixed point. Lines appended to a core block from a gone source, and a day summary's entries of
forgotten events, are removed from the memory and its history (`derived_text`); a block left
empty goes. With `cascade=False` nothing derived goes: the gone
sources are dropped, and a memory left without any source is marked as kept by the person.

Everything is one transaction: the plan is computed again inside it, the kept memories change,
the agents' queued items of the gone sources go, and the rows are deleted (their sources,
history, threads, capture sessions and frame rows follow by foreign key; search triggers list
the ids in `search_purged`). Vectors and frame files are removed after the commit by the
callers' hooks; a crash before that is finished on the next open.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.domain import SOURCE_KINDS, Memory, MemoryType, Source, to_iso, utcnow
from app.memory import kind_of
from app.store import derived_text
from app.store.memories import MemoryRepository

RECORD_ORIGINS = frozenset({"import", "chat", "capture"})
KEPT_SOURCE = Source("user", "kept when its source was forgotten")
ACTION = "source_forgotten"
TEXT_CHARS = 100
_CHUNK = 400


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _short(text: str, limit: int = TEXT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ForgetItem:
    """One memory in a plan: what it is, and what forgetting does to it."""

    id: str
    type: MemoryType
    title: str
    text: str
    origin: str
    lost_sources: tuple[Source, ...] = ()
    lines_removed: tuple[str, ...] = ()  # core lines / day-summary entries of a gone source
    loses_all_sources: bool = False  # kept (keep-derived) with no source left

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "title": self.title,
            "text": self.text,
            "origin": self.origin,
            "lost_sources": [s.to_dict() for s in self.lost_sources],
            "lines_removed": list(self.lines_removed),
        }


@dataclass(frozen=True)
class ForgetPlan:
    """What a forget removes and changes; the preview and the result have the same shape."""

    cascade: bool
    requested: tuple[ForgetItem, ...]
    derived: tuple[ForgetItem, ...]  # go because nothing else supports them
    kept: tuple[ForgetItem, ...]  # stay, without the gone sources
    sources: tuple[Source, ...]  # gone with their last record
    queue_items: int = 0
    frames: int = 0
    done: bool = False

    @property
    def purged(self) -> tuple[ForgetItem, ...]:
        return (*self.requested, *self.derived)

    @property
    def purged_ids(self) -> list[str]:
        return [item.id for item in self.purged]

    @property
    def kept_ids(self) -> list[str]:
        return [item.id for item in self.kept]

    def counts_by_type(self) -> dict[str, int]:
        counts = Counter(item.type.value for item in self.purged)
        return {t.value: counts[t.value] for t in MemoryType if counts[t.value]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "cascade": self.cascade,
            "forgotten": len(self.purged),
            "by_type": self.counts_by_type(),
            "requested": [i.to_dict() for i in self.requested],
            "derived": [i.to_dict() for i in self.derived],
            "kept": [i.to_dict() for i in self.kept],
            "sources": [s.to_dict() for s in self.sources],
            "queue_items": self.queue_items,
            "frames": self.frames,
        }


# -- reading --------------------------------------------------------------------------------------
class _Graph:
    """Sources and origins of the memories the cascade touches, read in chunks and cached."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sources: dict[str, frozenset[Source]] = {}
        self.origin: dict[str, str] = {}
        self.type: dict[str, str] = {}

    def load(self, ids: Iterable[str]) -> None:
        todo = sorted(set(ids) - self.sources.keys())
        for chunk in _chunks(todo):
            marks = ",".join("?" * len(chunk))
            found: dict[str, set[Source]] = {i: set() for i in chunk}
            for memory_id, origin, memory_type in self.conn.execute(
                f"SELECT id, origin, type FROM memories WHERE id IN ({marks})", chunk
            ):
                self.origin[memory_id] = origin
                self.type[memory_id] = memory_type
            for memory_id, kind, ref in self.conn.execute(
                f"SELECT memory_id, kind, ref FROM memory_sources WHERE memory_id IN ({marks})",
                chunk,
            ):
                found[memory_id].add(Source(kind, ref))
            for memory_id, sources in found.items():
                self.sources[memory_id] = frozenset(sources)

    def holders(self, sources: Iterable[Source]) -> dict[Source, set[str]]:
        """Memory ids that carry each source."""
        wanted = sorted({(s.kind, s.ref) for s in sources})
        found: dict[Source, set[str]] = {Source(k, r): set() for k, r in wanted}
        for chunk in _chunks(wanted, 250):
            values = ",".join("(?, ?)" for _ in chunk)
            flat = [part for pair in chunk for part in pair]
            for kind, ref, memory_id in self.conn.execute(
                f"SELECT kind, ref, memory_id FROM memory_sources WHERE (kind, ref) IN "
                f"(VALUES {values})",
                flat,
            ):
                found[Source(kind, ref)].add(memory_id)
        return found

    def citing(self, ids: Iterable[str]) -> set[Source]:
        """Sources that name one of these memories as where something came from."""
        kinds = list(SOURCE_KINDS)
        out: set[Source] = set()
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for kind, ref in self.conn.execute(
                f"SELECT DISTINCT kind, ref FROM memory_sources WHERE kind IN "
                f"({','.join('?' * len(kinds))}) AND ref IN ({marks})",
                [*kinds, *chunk],
            ):
                out.add(Source(kind, ref))
        return out


# -- planning -------------------------------------------------------------------------------------
def plan(
    repo: MemoryRepository,
    memory_ids: Sequence[str],
    *,
    cascade: bool = True,
    protect: frozenset[str] = frozenset(),
) -> ForgetPlan:
    """What forgetting these memories (full ids) removes and changes; changes nothing.
    Memories whose origin is in `protect` (retention protects what the person entered) are
    never taken or edited by the cascade: they stay without the gone sources."""
    conn = repo.db.conn()
    requested = list(dict.fromkeys(memory_ids))
    graph = _Graph(conn)
    graph.load(requested)
    requested = [i for i in requested if i in graph.origin]
    going: set[str] = set(requested)
    gone: set[Source] = set()
    frontier = set(requested)
    while frontier:
        record_sources = {
            s
            for memory_id in frontier
            if graph.origin.get(memory_id) in RECORD_ORIGINS
            for s in graph.sources[memory_id]
            if s.kind != "user"
        } - gone
        holders = graph.holders(record_sources)
        graph.load(i for ids in holders.values() for i in ids)
        new_gone = {
            s
            for s, ids in holders.items()
            if all(i in going for i in ids if graph.origin.get(i) in RECORD_ORIGINS)
        }
        new_gone |= graph.citing(frontier) - gone
        gone |= new_gone
        frontier = set()
        if not new_gone or not cascade:
            break
        affected = {i for ids in graph.holders(new_gone).values() for i in ids} - going
        graph.load(affected)
        for memory_id in sorted(affected):
            if graph.origin.get(memory_id) in protect:
                continue
            if graph.sources[memory_id] <= gone:
                frontier.add(memory_id)
            elif graph.type.get(memory_id) == MemoryType.CORE.value:
                (block,) = repo.get_many([memory_id])
                brought = derived_text.brought(conn, block, gone, ())
                if brought and not derived_text.strip(block.type, block.fields, brought)["value"]:
                    frontier.add(memory_id)  # nothing of the block would be left
        going |= frontier

    kept_ids = sorted({i for ids in graph.holders(gone).values() for i in ids} - going)
    memories = {m.id: m for m in repo.get_many([*sorted(going), *kept_ids])}

    def item(memory: Memory, **extra: Any) -> ForgetItem:
        title, text = memory.title, memory.text
        head, _, rest = text.partition(": ")
        if head == title and rest.startswith(title.rstrip("…")):
            text = rest  # "name: summary" where the name was made from the summary
        return ForgetItem(
            memory.id, memory.type, _short(title, 80), _short(text), memory.origin, **extra
        )

    going_memories = [memories[i] for i in sorted(going) if i in memories]
    kept: list[ForgetItem] = []
    for memory_id in kept_ids:
        memory = memories[memory_id]
        lost = tuple(s for s in memory.sources if s in gone)
        lines: tuple[str, ...] = ()
        if cascade and memory.origin not in protect:
            lines = tuple(derived_text.brought(conn, memory, gone, going_memories))
        kept.append(
            item(
                memory,
                lost_sources=lost,
                lines_removed=lines,
                loses_all_sources=len(lost) == len(memory.sources),
            )
        )
    derived = [memories[i] for i in going - set(requested) if i in memories]
    derived.sort(key=lambda m: (list(MemoryType).index(m.type), m.occurred_at, m.id))
    ordered_gone = sorted(gone, key=lambda s: (s.kind, s.ref))
    return ForgetPlan(
        cascade=cascade,
        requested=tuple(item(memories[i]) for i in requested if i in memories),
        derived=tuple(item(m) for m in derived),
        kept=tuple(kept),
        sources=tuple(ordered_gone),
        queue_items=len(_queue_ids(conn, ordered_gone, sorted(going))),
        frames=_count_frames(conn, sorted(going)),
    )


def _queue_ids(conn: Any, sources: Sequence[Source], ids: Sequence[str]) -> set[int]:
    """The agents' queued items for gone sources (same kind and ref) or purged records."""
    found: set[int] = set()
    pairs = [(s.kind, s.ref) for s in sources]
    for chunk in _chunks(pairs, 250):
        values = ",".join("(?, ?)" for _ in chunk)
        found.update(
            row[0]
            for row in conn.execute(
                f"SELECT id FROM work_queue WHERE (kind, ref) IN (VALUES {values})",
                [part for pair in chunk for part in pair],
            )
        )
    if ids:
        found.update(
            row[0]
            for row in conn.execute(
                "SELECT id FROM work_queue WHERE json_valid(payload) AND "
                "json_extract(payload, '$.memory_id') IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),),
            )
        )
    return found


def _count_frames(conn: Any, ids: Sequence[str]) -> int:
    total = 0
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        total += conn.execute(
            "SELECT count(*) FROM capture_frames WHERE session_id IN "
            f"(SELECT id FROM capture_sessions WHERE memory_id IN ({marks}))",
            chunk,
        ).fetchone()[0]
    return total


# -- doing ----------------------------------------------------------------------------------------
def forget(
    repo: MemoryRepository,
    memory_ids: Sequence[str],
    *,
    cascade: bool = True,
    actor: str = "user",
    protect: frozenset[str] = frozenset(),
) -> ForgetPlan:
    """Forget these memories (full ids) and what came only from them, in one transaction.
    Returns what was done. Callers tell the retriever and the capture after the commit."""
    with repo.db.write() as db:
        done = plan(repo, memory_ids, cascade=cascade, protect=protect)
        gone = set(done.sources)
        for item in done.kept:
            _unsource(repo, db, item, gone, actor)
        queued = sorted(_queue_ids(db.conn, done.sources, done.purged_ids))
        for chunk in _chunks(queued):
            db.conn.execute(
                f"DELETE FROM work_queue WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
        repo.purge(db, done.purged_ids)
    repo.db.checkpoint()
    return replace(done, done=True)


def _unsource(
    repo: MemoryRepository, db: Any, item: ForgetItem, gone: set[Source], actor: str
) -> None:
    """A memory that stays: without the gone sources (and, for a core block, without the lines
    they brought, in the block and in its history), with a history row saying so."""
    cur = repo._current(db, item.id)
    before = repo._sources_for([item.id])[item.id]
    after = [s for s in before if s not in gone]
    keep_marker = not after
    if keep_marker:
        after = [KEPT_SOURCE]
    for source in item.lost_sources:
        db.conn.execute(
            "DELETE FROM memory_sources WHERE memory_id = ? AND kind = ? AND ref = ?",
            (item.id, source.kind, source.ref),
        )
    now = to_iso(utcnow())
    if keep_marker:
        repo._add_sources(db, item.id, [KEPT_SOURCE], now)
    fields = dict(cur["data"])
    sets: dict[str, Any] = {"updated_at": now, "version": cur["version"] + 1}
    if item.lines_removed:
        kind = kind_of(cur["type"])
        stripped = derived_text.strip(cur["type"], fields, item.lines_removed)
        fields = kind.merge(fields, stripped)  # validated as any write
        sets["data"] = json.dumps(fields, ensure_ascii=False)
        sets["text"] = kind.render(fields)
    db.conn.execute(
        f"UPDATE memories SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
        [*sets.values(), item.id],
    )
    kinds = " and ".join(sorted({s.kind for s in item.lost_sources}))
    plural = "s were" if len(item.lost_sources) > 1 else " was"
    reason = f"its {kinds} source{plural} forgotten"
    if item.lines_removed:
        count = len(item.lines_removed)
        what = (
            "entr" + ("y" if count == 1 else "ies")
            if item.type is MemoryType.EPISODIC
            else ("line" + ("" if count == 1 else "s"))
        )
        reason += f"; {count} {what} from it removed"
    if keep_marker:
        reason += "; kept at the person's request"
    repo._audit(
        db,
        item.id,
        sets["version"],
        ACTION,
        actor,
        reason,
        repo._snapshot(item.id, cur["data"], cur["secret"], cur["valid_to"], before),
        repo._snapshot(item.id, fields, cur["secret"], cur["valid_to"], after),
        now,
    )
    if item.lines_removed:
        left = [p for p in item.lines_removed if not derived_text.holds(cur["type"], fields, p)]
        derived_text.scrub_history(db, item.id, cur["type"], left)
