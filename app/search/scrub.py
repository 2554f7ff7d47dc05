"""No trace of forgotten vectors in the local index's files: the folder is rewritten.

Deleting from Chroma removes an id from the index at once (no search finds it), but its files
keep it: the HNSW graph only marks the element deleted and keeps its vector, the id stays in
the graph's metadata and in Chroma's SQLite write-ahead log, and a deleted collection's folder
is left on disk (checked with chromadb 1.5: `tests/unit/test_erase_canary.py`). Chroma offers
no compaction for that, so after a forget the owner of the local index writes a fresh folder
from the stored vectors (`vector_state`, inside the encrypted database), swaps it in and
deletes the old folder with every file in it.

A forget marks the work in `search_meta` (a counter, in the purge's own transaction), so a
crash or a process that exits first leaves it to the next owner. The new folder is built while
searches use the old one; the final catch-up and the swap hold the indexer's lock for a moment.
A forget that lands during the build bumps the counter, so another rewrite follows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from app.search import state
from app.search.state import from_blobs
from app.store.db import Database
from app.vectors import VectorIndex

log = logging.getLogger(__name__)

KEY = "vectors_scrub"
PAGE = 2_048

Progress = Callable[[int, int], None]


class Owner(Protocol):
    """What a rewrite needs of the local index's owner (`app.search.indexer.Indexer`)."""

    @property
    def db(self) -> Database: ...

    @property
    def index_state(self) -> str: ...

    @property
    def _sync_lock(self) -> AbstractContextManager[Any]: ...  # no embedding batch meanwhile

    @property
    def _lock(self) -> AbstractContextManager[Any]: ...  # no forget or batch meanwhile

    def fingerprint(self) -> str | None: ...

    def index(self) -> VectorIndex | None: ...


def mark(conn: Any) -> None:
    """Vectors left the local index: its files must be rewritten (inside a transaction)."""
    conn.execute(
        "INSERT INTO search_meta (key, value) VALUES (?, '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (KEY,),
    )


def pending(conn: Any) -> int | None:
    row = conn.execute("SELECT value FROM search_meta WHERE key = ?", (KEY,)).fetchone()
    return int(row[0]) if row else None


def _clear(conn: Any, seen: int) -> None:
    """Done up to `seen`; a forget since then keeps the work pending."""
    conn.execute("DELETE FROM search_meta WHERE key = ? AND value = ?", (KEY, str(seen)))


def _page(conn: Any, fingerprint: str, after: int) -> list[tuple[int, str, bytes, bytes]]:
    return [
        (row[0], row[1], bytes(row[2]), bytes(row[3]))
        for row in conn.execute(
            "SELECT id, memory_id, digest, vector FROM vector_state "
            "WHERE fingerprint = ? AND id > ? ORDER BY id LIMIT ?",
            (fingerprint, after, PAGE),
        ).fetchall()
    ]


def rewrite(
    indexer: Owner, progress: Progress | None = None, stop: threading.Event | None = None
) -> str:
    """Rewrite the local index folder if a forget asked for it. Returns what happened:
    "clean" (nothing to do), "rewritten", "elsewhere" (another process owns the index and will
    do it), "server" (a Chroma server's files are not ours), "off" (no vector index in use),
    "stopped" (asked to stop; still pending)."""
    conn = indexer.db.conn()
    seen = pending(conn)
    if seen is None:
        return "clean"
    fingerprint = indexer.fingerprint()
    index = indexer.index() if fingerprint is not None else None
    if index is None:
        return "elsewhere" if indexer.index_state == "shared" else "off"
    if index.mode != "local" or getattr(index, "path", None) is None:
        with indexer.db.write() as db:
            _clear(db.conn, seen)
        return "server"
    assert fingerprint is not None
    started = time.perf_counter()
    with indexer._sync_lock:  # no embedding batch writes to the old folder meanwhile
        path = index.path  # type: ignore[attr-defined]
        fresh = index.sibling(path.with_name(path.name + ".rewrite"))  # type: ignore[attr-defined]
        type(index).clear_leftovers(path)  # type: ignore[attr-defined]
        fresh.open()
        written: dict[str, bytes] = {}
        total = int(
            conn.execute(
                "SELECT count(*) FROM vector_state WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()[0]
        )
        after = 0
        try:
            while rows := _page(conn, fingerprint, after):
                after = rows[-1][0]
                dimension = len(rows[0][3]) // 2
                fresh.upsert([r[1] for r in rows], from_blobs([r[3] for r in rows], dimension))
                written.update((r[1], r[2]) for r in rows)
                if progress is not None:
                    progress(len(written), max(total, len(written)))
                if stop is not None and stop.is_set():
                    raise _Stopped
            with indexer._lock:  # forgets and batches wait for the catch-up and the swap
                now = _digests(conn, fingerprint)
                gone = [i for i in written if i not in now]
                if gone:
                    fresh.delete(gone)  # forgotten during the build: the counter moved on
                changed = [i for i, digest in now.items() if written.get(i) != digest]
                for chunk in state.chunks(changed):
                    fresh.upsert(chunk, from_blobs(_vectors(conn, chunk), fresh.dimension))
                index.take_over(fresh)  # type: ignore[attr-defined]
                with indexer.db.write() as db:
                    state.mark_indexed(db.conn, list(now.items()))
                    _clear(db.conn, seen)
        except _Stopped:
            fresh.close()
            type(index).clear_leftovers(path)  # type: ignore[attr-defined]
            return "stopped"
        except BaseException:
            fresh.close()
            type(index).clear_leftovers(path)  # type: ignore[attr-defined]
            raise
    log.info(
        "vector index rewritten without forgotten vectors: %d vectors in %.1f s",
        len(now),
        time.perf_counter() - started,
    )
    return "rewritten"


class _Stopped(Exception):
    pass


def _digests(conn: Any, fingerprint: str) -> dict[str, bytes]:
    return {
        row[0]: bytes(row[1])
        for row in conn.execute(
            "SELECT memory_id, digest FROM vector_state WHERE fingerprint = ?", (fingerprint,)
        ).fetchall()
    }


def _vectors(conn: Any, ids: list[str]) -> list[bytes]:
    marks = ",".join("?" * len(ids))
    found = {
        row[0]: bytes(row[1])
        for row in conn.execute(
            f"SELECT memory_id, vector FROM vector_state WHERE memory_id IN ({marks})", ids
        ).fetchall()
    }
    return [found[i] for i in ids]
