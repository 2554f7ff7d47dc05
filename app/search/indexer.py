"""Keeps the search indexes in step with the database: contexts, vectors, the Chroma index.

Writes to memories never wait for a model. The full-text side follows the memories table
through triggers, inside the writer's own transaction. Vectors follow behind: `wake()` starts a
background thread that waits a moment (so a burst of adds becomes one batch, and a one-shot
command that exits at once never loads the model), then embeds what is pending. What is pending
is read from the database, never remembered in memory, so a crash between a commit and an
embedding simply leaves work that the next sync (in any process) finds and finishes.

Order of effects for one batch: embed (no lock held), upsert into Chroma, then record the
vector in one write transaction that first checks the memories still exist (a memory forgotten
meanwhile is deleted from Chroma again). Forgotten memories are listed in `search_purged` by the
forgetting transaction itself and leave Chroma on the next sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.domain import Memory
from app.embed.base import Embedder, EmbedderUnavailable
from app.errors import MemlociError
from app.search import scrub, state
from app.search.context import Doc, load_docs, write_contexts
from app.search.state import from_blobs, to_blob
from app.store.db import Database
from app.vectors import VectorIndex
from app.vectors.chroma import VectorIndexError
from app.vectors.owner import OwnerLock

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EmbedderFactory = Callable[[], "Embedder | None"]
IndexFactory = Callable[[str, int], "VectorIndex | None"]

INLINE_LIMIT = 64  # a search embeds at most this many pending memories before answering
# A screen session's record is rewritten every few seconds while the session lasts; in the
# background its vector is made again at most this often (full-text search has every version at
# once, and a search embeds what waits before it answers: `sync_inline`) ...
REFRESH_SECONDS = 300.0
# ... unless its text has grown this much since (its first read after a record made from the
# window's title alone, a page of new output): that vector is made right after the write.
GROWTH = 2.0
# A refresh that came due while the screen stood still is made at the next write that wakes the
# indexer (the work rides on activity); a poll with no wake since makes it only this late.
QUIET_SECONDS = 2 * REFRESH_SECONDS


class Indexer:
    """Vectors and contexts for every memory, caught up in batches, in the background."""

    def __init__(
        self,
        database: Database,
        *,
        embedder_factory: EmbedderFactory,
        index_factory: IndexFactory,
        lock_path: Path | None,
        document_prefix: str = "",
        batch_size: int = 128,
        debounce_s: float = 1.0,
        poll_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = database
        self._embedder_factory = embedder_factory
        self._index_factory = index_factory
        self._owner = OwnerLock(lock_path) if lock_path is not None else None
        self.document_prefix = document_prefix
        self.batch_size = batch_size
        self.debounce_s = debounce_s
        self.poll_s = poll_s
        self._monotonic = monotonic
        # memory id -> when this process embedded it, and the length of the text it embedded
        self._embedded_at: dict[str, tuple[float, int]] = {}
        self._embedder: Embedder | None = None
        self._embedder_tried = False
        self.embedder_error: str | None = None
        self._index: VectorIndex | None = None
        self.index_state = "closed"  # closed | owner | server | shared | failed | off
        self._create_lock = threading.Lock()
        self._sync_lock = threading.RLock()  # one catch-up at a time
        self._lock = threading.RLock()  # one batch, purge or index change at a time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- components -----------------------------------------------------------------------------
    def embedder(self) -> Embedder | None:
        """The embedder, created on first use; None when off or unavailable (logged once)."""
        if self._embedder is None and not self._embedder_tried:
            with self._create_lock:
                if not self._embedder_tried:
                    try:
                        self._embedder = self._embedder_factory()
                    except EmbedderUnavailable as error:
                        self.embedder_error = str(error)
                        log.warning("semantic search is off: %s", error)
                    self._embedder_tried = True
        return self._embedder

    def fingerprint(self) -> str | None:
        embedder = self.embedder()
        if embedder is None:
            return None
        try:
            return embedder.fingerprint
        except EmbedderUnavailable as error:
            self._embedder_failed(error)
            return None

    def _embedder_failed(self, error: Exception) -> None:
        self.embedder_error = str(error)
        log.warning("embedding failed: %s", error)

    def index(self) -> VectorIndex | None:
        """The Chroma index if this process may use it (owner of the local one, or a server)."""
        if self.index_state in ("owner", "server"):
            return self._index  # the usual case: no lock, a search never waits for a batch
        if self.index_state in ("failed", "off") or self._closed:
            return None
        with self._lock:
            if self.index_state in ("owner", "server"):
                return self._index
            if self.index_state in ("failed", "off") or self._closed:
                return None
            embedder = self.embedder()
            fingerprint = self.fingerprint()
            if embedder is None or fingerprint is None:
                return None
            index = self._index_factory(fingerprint, embedder.dimension)
            if index is None:
                self.index_state = "off"
                return None
            if index.mode == "local" and self._owner is not None and not self._owner.acquire():
                if self.index_state != "shared":
                    log.info("another Memloci process owns the vector index; searching exactly")
                self.index_state = "shared"
                return None
            try:
                self._open(index, fingerprint)
            except VectorIndexError as error:
                log.warning("%s; search uses full text and exact vectors", error)
                self.index_state = "failed"
                if self._owner is not None:
                    self._owner.release()
                return None
            self._index = index
            self.index_state = "server" if index.mode == "server" else "owner"
            return index

    def _open(self, index: VectorIndex, fingerprint: str) -> None:
        try:
            created = index.open()
        except VectorIndexError:
            path = getattr(index, "path", None)
            if index.mode != "local" or path is None:
                raise
            log.warning("the local vector index is damaged; rebuilding it from the database")
            index.close()
            type(index).discard(path)  # type: ignore[attr-defined]
            created = index.open()
        conn = self.db.conn()
        recorded = state.counts(conn, fingerprint)["in_index"]
        present = index.count()
        if created or present != recorded:
            if present > recorded:
                index.reset()  # it holds entries the database does not know: start clean
            with self.db.write() as db:
                state.mark_all_unindexed(db.conn, fingerprint)
        for name in index.drop_other_collections():
            log.info("dropped the vector collection %s of a previous embedder", name)

    # -- syncing --------------------------------------------------------------------------------
    def sync(
        self,
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
        background: bool = False,
        quiet: bool = False,
    ) -> int:
        """Catch everything up: purges, vectors, the index. Returns how many were embedded.
        One sync runs at a time; other work (a forget's purge) waits at most for one batch.
        `background`: screen records embedded lately wait (`REFRESH_SECONDS`); `quiet` (a poll
        that no write woke) they wait QUIET_SECONDS."""
        with self._sync_lock:
            if not self._work_waiting():
                return 0  # nothing to do: neither the model nor the index is loaded
            with self._lock:
                self._purge()
                fingerprint = self.fingerprint()
                embedder = self._embedder
                if embedder is None or fingerprint is None:
                    return 0
                index = self.index()
                if index is not None:
                    self._push(index, fingerprint)
            conn = self.db.conn()
            top = state.top_seq(conn)
            done, seen = 0, set()
            for _ in range(2):  # a second round takes what changed during the first
                ids = [i for i in state.pending_ids(conn, fingerprint) if i not in seen]
                if background:
                    wait = QUIET_SECONDS if quiet else REFRESH_SECONDS
                    ids = self._not_refreshed_lately(conn, ids, wait)
                if not ids:
                    break
                total = done + len(ids)
                for start in range(0, len(ids), self.batch_size):
                    chunk = ids[start : start + self.batch_size]
                    seen.update(chunk)
                    try:
                        with self._lock:
                            self._embed(chunk, embedder, fingerprint, self.index())
                    except EmbedderUnavailable as error:
                        self._embedder_failed(error)
                        return done
                    done += len(chunk)
                    if progress:
                        progress(done, total)
                    if stop is not None and stop.is_set():
                        return done
            with self._lock:
                if not state.pending_ids(conn, fingerprint, limit=1):
                    with self.db.write() as db:
                        state.set_watermark(db.conn, fingerprint, top)
            return done

    def _not_refreshed_lately(self, conn: Any, ids: list[str], wait: float) -> list[str]:
        """`ids` without the screen records that wait (`_waits`): one that is rewritten every
        few seconds gets a new vector every few minutes, not on every poll."""
        now = self._monotonic()
        since = self._embedded_at
        recent = [i for i in ids if i in since and now - since[i][0] < wait]
        if not recent:
            return ids
        waiting: set[str] = set()
        for chunk in state.chunks(recent):
            marks = ",".join("?" * len(chunk))
            waiting.update(
                memory_id
                for memory_id, length in conn.execute(
                    f"SELECT id, length(text) FROM memories WHERE origin = 'capture' "
                    f"AND id IN ({marks})",
                    chunk,
                )
                if self._waits(memory_id, length, now, wait)
            )
        return [i for i in ids if i not in waiting]

    def _waits(
        self, memory_id: str, length: int, now: float, wait: float = REFRESH_SECONDS
    ) -> bool:
        """A screen record this process embedded less than `wait` ago waits for a new vector,
        unless its text has since grown GROWTH-fold."""
        embedded = self._embedded_at.get(memory_id)
        if embedded is None:
            return False
        at, size = embedded
        return now - at < wait and length < GROWTH * size

    def wants_soon(self, memories: Sequence[Memory]) -> bool:
        """After a write: embed after the short debounce, or leave it to the next poll. A screen
        record just made (from the window's title, its text still being read) waits for the
        poll; its first text, or much more text, is embedded at once (the work follows the read
        that caused it, not a later poll that may fall on a quiet screen); other rewrites wait
        as `_waits` says. Anything not from capture is embedded at once."""
        now = self._monotonic()
        return not memories or any(
            m.origin != "capture" or (m.version > 1 and not self._waits(m.id, len(m.text), now))
            for m in memories
        )

    def _work_waiting(self) -> bool:
        """Cheap checks (no model, no index opened) for anything a sync would do."""
        conn = self.db.conn()
        if state.purged_ids(conn):
            return True
        fingerprint = self.fingerprint()
        if fingerprint is None:
            return False
        if state.pending_ids(conn, fingerprint, limit=1):
            return True
        if self.index_state in ("shared", "failed", "off"):
            return False
        return bool(state.unindexed(conn, fingerprint, 1))

    def sync_inline(self) -> None:
        """Before a search: finish a small backlog now (so what was just added is found by
        meaning too); leave a big one to the background. Never waits for a running sync."""
        if not self._sync_lock.acquire(blocking=False):
            return
        try:
            fingerprint = self.fingerprint()
            conn = self.db.conn()
            if fingerprint is None:
                return
            pending = state.pending_ids(conn, fingerprint, limit=INLINE_LIMIT + 1)
            if len(pending) > INLINE_LIMIT:
                self.wake()
                return
            unpushed = self.index() is not None and state.unindexed(conn, fingerprint, 1)
            if pending or unpushed or state.purged_ids(conn):
                self.sync()
        finally:
            self._sync_lock.release()

    def _embed(
        self,
        ids: list[str],
        embedder: Embedder,
        fingerprint: str,
        index: VectorIndex | None,
    ) -> None:
        conn = self.db.conn()
        dirty = set(state.dirty_ids(conn))
        docs = load_docs(conn, ids)
        previous = state.stored(conn, [d.memory_id for d in docs])
        prefix = self.document_prefix
        digests = {d.memory_id: d.digest(prefix) for d in docs}
        stale = [
            d
            for d in docs
            if (p := previous.get(d.memory_id)) is None
            or p.fingerprint != fingerprint
            or p.digest != digests[d.memory_id]
        ]
        vectors = embedder.embed([d.embedding_text(prefix) for d in stale]) if stale else None
        if index is not None and stale:
            index.upsert([d.memory_id for d in stale], vectors)
        self._note_embedded(stale)
        gone: list[str] = []
        with self.db.write() as db:
            fresh = {d.memory_id: d for d in load_docs(db.conn, [d.memory_id for d in docs])}
            # Only chat messages have a context to (re)store; the rest keep '' from the insert.
            write_contexts(db.conn, [d for d in fresh.values() if d.ctx or d.memory_id in dirty])
            rows = []
            for n, doc in enumerate(stale):
                now = fresh.get(doc.memory_id)
                if now is None:
                    gone.append(doc.memory_id)
                elif now.digest(prefix) == digests[doc.memory_id]:
                    rows.append(
                        (doc.memory_id, fingerprint, digests[doc.memory_id], to_blob(vectors[n]))
                    )
            state.save_vectors(db.conn, rows, indexed=index is not None)
            changed = {m for m, d in fresh.items() if d.digest(prefix) != digests.get(m)}
            state.clear_dirty(db.conn, [i for i in ids if i not in changed])
        if index is not None and gone:
            index.delete(gone)

    def _note_embedded(self, docs: list[Doc]) -> None:
        now = self._monotonic()
        if len(self._embedded_at) > 4_096:  # only the recent ones matter
            self._embedded_at = {
                k: v for k, v in self._embedded_at.items() if now - v[0] < REFRESH_SECONDS
            }
        self._embedded_at.update({d.memory_id: (now, len(d.own)) for d in docs})

    def _push(self, index: VectorIndex, fingerprint: str) -> None:
        """Vectors embedded by another process (or before a rebuild) go into the index."""
        conn = self.db.conn()
        while True:
            rows = state.unindexed(conn, fingerprint, 2_048)
            if not rows:
                return
            dimension = getattr(index, "dimension", None) or len(rows[0][2]) // 2
            index.upsert([r[0] for r in rows], from_blobs([r[2] for r in rows], dimension))
            with self.db.write() as db:
                state.mark_indexed(db.conn, [(r[0], r[1]) for r in rows])

    def _purge(self) -> None:
        """Forgotten memories leave the vector index and the stored vectors."""
        ids = state.purged_ids(self.db.conn())
        if not ids:
            return
        index = self.index()
        if index is not None:
            index.delete(ids)
        with self.db.write() as db:
            if index is None and self.index_state == "shared":
                # Another process owns the index: drop the stored vectors now and leave the
                # purge markers, so the owner deletes them from its index when it next syncs.
                for chunk in state.chunks(ids):
                    marks = ",".join("?" * len(chunk))
                    db.conn.execute(f"DELETE FROM vector_state WHERE memory_id IN ({marks})", chunk)
            else:
                # Without a usable index the markers go too: an index opened later that holds
                # more than the database knows is reset and rebuilt (see `_open`).
                state.forget_vectors(db.conn, ids)
                if index is not None and index.mode == "local":
                    scrub.mark(db.conn)  # their vectors are still in the folder's files
        if index is not None and index.mode == "local":
            self.wake()  # the background rewrites the folder (`scrub`)

    def purge_now(self) -> None:
        """After a forget: the vectors go now (the forgetting transaction already rewrote the
        full-text segments without the forgotten terms, see `MemoryRepository.purge`)."""
        with self._lock:
            self._purge()

    def scrub(self, progress: Progress | None = None, stop: threading.Event | None = None) -> str:
        """Rewrite the local index folder without forgotten vectors, if a forget asked for it
        (`app.search.scrub`); says what happened."""
        if self._closed:
            return "stopped"
        self._purge_waiting()
        return scrub.rewrite(self, progress=progress, stop=stop)

    def _purge_waiting(self) -> None:
        if state.purged_ids(self.db.conn()):
            with self._lock:
                self._purge()

    # -- background -----------------------------------------------------------------------------
    def wake(self, *, soon: bool = True) -> None:
        """Catch up in the background: after the debounce, or (`soon` False) on the next poll,
        for writes that come again and again (a screen record rewritten every few seconds is
        embedded once a minute, not on every rewrite; a search embeds it inline if need be)."""
        if self._closed:
            return
        if soon:
            self._wake.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="memloci-indexer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(timeout=self.poll_s)
            self._wake.clear()
            if self._stop.wait(self.debounce_s):
                return
            try:
                self.sync(stop=self._stop, background=True, quiet=not woken)
                if not self._stop.is_set() and scrub.pending(self.db.conn()) is not None:
                    self.scrub(stop=self._stop)
            except MemlociError as error:  # a busy or full store: said, not a bug
                log.warning("background indexing waits: %s", error)
            except Exception:
                log.exception("background indexing failed; it will be retried")

    def close(self) -> None:
        """Stop the background work (a batch in progress finishes; the rest waits for the next
        process) and release the index."""
        self._closed = True
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=120)
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._owner is not None:
                self._owner.release()
            if self._embedder is not None:
                self._embedder.close()
                self._embedder = None
            self.index_state = "closed"
