"""Rebuilding the search indexes from the encrypted database (`memloci reindex`), and what
`status` reports about them."""

from __future__ import annotations

import logging
from typing import Any

from app.search import state
from app.search.context import load_docs, write_contexts
from app.search.indexer import Indexer, Progress
from app.store.db import Database

log = logging.getLogger(__name__)


def rebuild(database: Database, indexer: Indexer, progress: Progress | None = None) -> int:
    """Full-text documents and contexts from the memories table; the vector index from the
    stored vectors (re-embedding only what is missing or stale). Returns memories indexed."""
    with database.write() as db:
        conn = db.conn
        conn.execute("DELETE FROM search_docs")
        conn.execute("INSERT INTO search_docs (rowid, own, ctx) SELECT seq, text, '' FROM memories")
        threaded = [r[0] for r in conn.execute("SELECT memory_id FROM memory_threads").fetchall()]
        for start in range(0, len(threaded), 1_000):
            write_contexts(conn, load_docs(conn, threaded[start : start + 1_000]))
        conn.execute("INSERT INTO search_docs (search_docs) VALUES ('optimize')")
        total = int(conn.execute("SELECT count(*) FROM memories").fetchone()[0])
    fingerprint = indexer.fingerprint()
    if fingerprint is not None:
        index = indexer.index()
        with indexer._lock:
            if index is not None:
                index.reset()
            with database.write() as db:
                state.mark_all_unindexed(db.conn, fingerprint)
                # Every vector is checked against its text again (unchanged ones are kept).
                state.set_watermark(db.conn, fingerprint, 0)
        indexer.sync(progress=progress)
    return total


def status(database: Database, indexer: Indexer) -> dict[str, Any]:
    """Counts and modes for `memloci stats`, `doctor` and the GUI."""
    conn = database.conn()
    embedder = indexer.embedder()
    info: dict[str, Any] = {
        "embedder": embedder.name if embedder is not None else None,
        "embedder_error": indexer.embedder_error,
        "vector_index": indexer.index_state,
        "memories": int(conn.execute("SELECT count(*) FROM memories").fetchone()[0]),
    }
    fingerprint = indexer.fingerprint()
    if fingerprint is not None:
        info.update(state.counts(conn, fingerprint))
        info["pending"] = state.pending_count(conn, fingerprint)
    info["purge_pending"] = len(state.purged_ids(conn))
    return info
