"""Hybrid search: full-text BM25 and vector similarity, fused, with recency, filters and time
words understood.

    query --time words--> window + rest
          rest --BM25 (search_docs, contextual)----------\\
          rest --embed--> nearest vectors (Chroma/exact)--> convex fusion + recency --> hits

Without an embedder (or while it fails) the full-text channel answers alone. A query that is
only a time expression ("yesterday") lists that period newest first. If the time words leave
nothing, the query runs again without them rather than answer with nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from app.domain import Memory, SearchHit, from_iso, utcnow
from app.embed.base import EmbedderUnavailable
from app.retrieval import SearchRequest
from app.search import fusion
from app.search.config import RetrievalSettings
from app.search.context import index_threads
from app.search.filters import Filters
from app.search.indexer import Indexer
from app.search.lexical import LexicalIndex
from app.search.snippets import snippet
from app.search.state import from_blobs
from app.settings import Settings
from app.store.fulltext import content_terms
from app.store.memories import MemoryRepository
from app.timewords import parse_query

log = logging.getLogger(__name__)

EXACT_LIMIT = 1_000  # filtered sets up to this size are searched exactly, not approximately


class HybridRetriever:
    """The `Retriever` the facade uses: see the module docstring."""

    def __init__(
        self,
        repo: MemoryRepository,
        make_indexer: Callable[[Settings], Indexer],
        settings: Settings,
    ) -> None:
        self.repo = repo
        self.db = repo.db
        self._make_indexer = make_indexer
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._configure(settings)
        self.indexer.wake()  # catch up in the background on what other processes left pending

    def _configure(self, settings: Settings) -> None:
        self.settings: RetrievalSettings = settings.retrieval
        self.query_prefix = settings.embedder.query_prefix
        self.lexical = LexicalIndex(
            self.db,
            context_weight=self.settings.context_weight,
            budget=self.settings.lexical_budget,
        )
        self.indexer = self._make_indexer(settings)

    def configure(self, settings: Settings) -> None:
        """New settings (another embedder, another index): the old indexer stops, a new one
        catches up in the background (re-embedding everything if the embedder changed)."""
        old = self.indexer
        self._configure(settings)
        old.close()
        self.indexer.wake()

    def sync(self, progress: Any = None) -> int:
        """Embed and index everything pending now; returns how many memories were embedded."""
        return self.indexer.sync(progress=progress)

    def status(self) -> dict[str, Any]:
        from app.search.maintenance import status

        return status(self.db, self.indexer)

    # -- Retriever protocol ---------------------------------------------------------------------
    def indexed(self, memories: Sequence[Memory]) -> None:
        self.indexer.wake()

    def removed(self, memory_ids: Sequence[str]) -> None:
        self.indexer.purge_now()

    def contexts(self, conn: Any, memory_ids: Sequence[str], resumed: set[str]) -> None:
        index_threads(conn, memory_ids, resumed)

    def scrub(self, progress: Any = None) -> str:
        """Rewrite the local index's files without forgotten vectors (`app.search.scrub`)."""
        return self.indexer.scrub(progress=progress)

    def rebuild(self, progress: Any = None) -> int:
        from app.search.maintenance import rebuild

        return rebuild(self.db, self.indexer, progress=progress)

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self.indexer.close()

    def _workers(self) -> ThreadPoolExecutor:
        """Threads for the vector channel (each keeps its own database connection)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="memloci-search")
            return self._pool

    def similarity(self, text: str, others: list[str]) -> list[float]:
        """Cosines between `text` (embedded as a query) and `others`, by the embedder search
        uses; no embedder, or nothing to compare: zeros. The answer composer ranks by this."""
        embedder = self.indexer.embedder()
        if embedder is None or not others:
            return [0.0 for _ in others]
        vectors = embedder.embed([self.query_prefix + text, *others])
        query, rest = vectors[0], vectors[1:]
        return [float(query @ vector) for vector in rest]

    # -- searching ------------------------------------------------------------------------------
    def search(self, request: SearchRequest, *, now: datetime | None = None) -> list[SearchHit]:
        parsed = parse_query(request.query, now)
        base = Filters.build(request.types, request.since, request.until, request.include_invalid)
        if parsed.window is None:
            return self._search(request.query, base, request.limit)
        filters = Filters.build(
            request.types,
            request.since,
            request.until,
            request.include_invalid,
            parsed.window,
        )
        if not content_terms(parsed.text):
            # Only a time ("yesterday", "what did I do last week"): that period, newest first.
            return [] if filters.empty_range() else self._listing(filters, request.limit)
        if not filters.empty_range() and self._any(filters):
            hits = self._search(parsed.text, filters, request.limit)
            if hits:
                return hits
        # The time words found nothing: do not answer "nothing", search without them.
        return self._search(request.query, base, request.limit)

    def _search(self, text: str, filters: Filters, limit: int) -> list[SearchHit]:
        s = self.settings
        # The two channels wait on different things (SQLite, onnxruntime/Chroma), all of which
        # release the GIL: run them side by side.
        pending = self._workers().submit(self._dense, text, filters, s.candidates)
        try:
            lexical = {
                h.memory_id: h.score for h in self.lexical.search(text, filters, s.candidates)
            }
        finally:
            dense = pending.result()
        fused = fusion.convex(lexical, dense, s.dense_weight)
        if not fused:
            return []
        extra = self._boosts(list(fused))
        scores = {key: value + extra.get(key, 0.0) for key, value in fused.items()}
        best = fusion.ranked(scores)[:limit]
        memories = self.repo.get_many(best)
        return [self._hit(m, scores[m.id], text) for m in memories]

    def _any(self, filters: Filters) -> bool:
        """Whether any memory falls in the filters (an empty period costs nothing then)."""
        clause, params = filters.sql("m")
        return (
            self.db.scalar(f"SELECT 1 FROM memories m WHERE 1{clause} LIMIT 1", params) is not None
        )

    def _boosts(self, ids: list[str]) -> dict[str, float]:
        """Recency (half-life decay from now) and importance, small next to relevance."""
        s = self.settings
        if not (s.recency_weight or s.importance_weight):
            return {}
        now = utcnow()
        rows = self._rows(
            "SELECT id, occurred_at, importance FROM memories m WHERE m.id IN ({marks})", ids
        )
        return {
            r[0]: s.recency_weight * fusion.recency(from_iso(r[1]), now, s.recency_half_life_days)
            + s.importance_weight * float(r[2])
            for r in rows
        }

    def _listing(self, filters: Filters, limit: int) -> list[SearchHit]:
        clause, params = filters.sql("m")
        rows = self.db.query(
            f"SELECT m.id FROM memories m WHERE 1{clause} ORDER BY m.occurred_at DESC LIMIT ?",
            [*params, limit],
        )
        memories = self.repo.get_many([r["id"] for r in rows])
        return [self._hit(m, 1.0, "") for m in memories]

    @staticmethod
    def _hit(memory: Memory, score: float, query: str) -> SearchHit:
        return SearchHit(
            id=memory.id,
            type=memory.type,
            text=memory.text,
            score=score,
            occurred_at=memory.occurred_at,
            sources=memory.sources,
            snippet=snippet(memory.text, query),
            title=memory.title,
        )

    def _rows(self, sql: str, ids: list[str], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        conn = self.db.conn()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(conn.execute(sql.format(marks=marks), [*chunk, *params]).fetchall())
        return out

    # -- the vector channel -----------------------------------------------------------------------
    def _dense(self, text: str, filters: Filters, k: int) -> dict[str, float]:
        """Nearest memories by meaning. Any failure here leaves full-text results standing:
        the vector channel improves search, it must never break it."""
        embedder = self.indexer.embedder()
        if embedder is None:
            return {}
        try:
            self.indexer.sync_inline()
            fingerprint = embedder.fingerprint
            query = embedder.embed([self.query_prefix + text])[0]
            index = self.indexer.index()
            if index is None or self._selective(filters):
                found = self._exact(query, fingerprint, filters, k)
            else:
                found = self._approximate(index, query, filters, k)
        except EmbedderUnavailable as error:
            log.warning("vector search skipped: %s", error)
            return {}
        except Exception:
            log.exception("vector search failed; answering from full text")
            return {}
        floor = self.settings.min_similarity
        return {key: sim for key, sim in found if sim >= floor}

    def _selective(self, filters: Filters) -> bool:
        if not filters.narrowing or not filters.indexable:
            return False
        clause, params = filters.sql("m")
        count = self.db.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM memories m WHERE 1{clause} LIMIT ?)",
            [*params, EXACT_LIMIT + 1],
        )
        return int(count or 0) <= EXACT_LIMIT

    def _approximate(
        self, index: Any, query: Any, filters: Filters, k: int
    ) -> list[tuple[str, float]]:
        fetch = k * 4 if filters.narrowing else k + 16
        found = index.query(query, fetch)
        if not found:
            return []
        clause, params = filters.sql("m")
        allowed = {
            r[0]
            for r in self._rows(
                "SELECT m.id FROM memories m WHERE m.id IN ({marks})"
                f"{clause} AND m.id NOT IN (SELECT memory_id FROM search_dirty)",
                [i for i, _ in found],
                params,
            )
        }
        return [(i, sim) for i, sim in found if i in allowed][:k]

    def _exact(
        self, query: Any, fingerprint: str, filters: Filters, k: int
    ) -> list[tuple[str, float]]:
        """Every stored vector that passes the filters, compared one by one (the encrypted
        database holds them): for narrow filters, and when another process owns the index."""
        import numpy as np

        clause, params = filters.sql("m")
        rows = (
            self.db.conn()
            .execute(
                # CROSS JOIN keeps SQLite from scanning every vector: the (indexed) filters
                # on memories pick the rows, then their vectors are looked up.
                "SELECT v.memory_id, v.vector FROM memories m CROSS JOIN vector_state v "
                f"ON v.memory_id = m.id WHERE v.fingerprint = ?{clause} "
                "AND v.memory_id NOT IN (SELECT memory_id FROM search_dirty)",
                [fingerprint, *params],
            )
            .fetchall()
        )
        if not rows:
            return []
        matrix = from_blobs([bytes(r[1]) for r in rows], len(query))
        sims = matrix @ np.asarray(query, dtype=np.float32)
        top = np.argsort(-sims)[:k]
        return [(rows[i][0], float(sims[i])) for i in top]
