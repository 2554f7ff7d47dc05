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
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.domain import Explanation, Memory, SearchHit, Source
from app.embed.base import EmbedderUnavailable
from app.retrieval import SearchRequest
from app.search.config import RetrievalSettings
from app.search.context import index_threads
from app.search.copies import Copies, copies
from app.search.filters import Filters
from app.search.indexer import Indexer
from app.search.lexical import LexicalIndex
from app.search.plan import QueryPlan
from app.search.pool import Pool
from app.search.run import Search
from app.search.snippets import snippet
from app.search.sources import ordered, sources_to_read
from app.search.state import from_blobs
from app.settings import Settings
from app.store.fulltext import content_terms
from app.store.memories import MemoryRepository
from app.store.migrations.m0012_search_covering import BY_ID

log = logging.getLogger(__name__)

EXACT_LIMIT = 1_000  # filtered sets up to this size are searched exactly, not approximately
# Page cache of a connection that searches, in KiB (SQLite's default is 2 MB; sqlcipher's 8):
# a search reads the covering indexes (~12 MB per 100,000 memories), the words' doclists and
# its hits' rows, each page decrypted when it is loaded. Kept between searches, the pages are
# decrypted once instead of once per search (a third less CPU per search at 100,000). It only
# fills with pages actually read; any commit elsewhere empties it.
SEARCH_CACHE_KIB = 32_768


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
        self._local = threading.local()
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
        # Screen session records are rewritten every few seconds while a session lasts: most
        # rewrites' vectors wait (full-text search has them at once), see `Indexer.wants_soon`.
        self.indexer.wake(soon=self.indexer.wants_soon(memories))

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

    def workers(self) -> ThreadPoolExecutor:
        """Threads for the vector channel (each keeps its own database connection)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="memloci-search", initializer=self._cached
                )
            return self._pool

    def _cached(self) -> None:
        """This thread's connection keeps what searches read (see `SEARCH_CACHE_KIB`). Only
        speed depends on it, so it never fails: a worker whose initializer raised would leave
        the pool broken."""
        try:
            conn = self.db.conn()
            if getattr(self._local, "cached", None) is not conn:  # a new connection starts small
                conn.execute(f"PRAGMA cache_size = -{SEARCH_CACHE_KIB}")
                self._local.cached = conn
        except Exception:
            log.debug("search page cache not set", exc_info=True)

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
        self._cached()
        plan = QueryPlan.read(request.query, now)
        base = Filters.build(request.types, request.since, request.until, request.include_invalid)
        window = plan.parsed.window
        windowed: Filters | None = None
        if window is not None:
            windowed = Filters.build(
                request.types, request.since, request.until, request.include_invalid, window
            )
            if not content_terms(plan.text):
                # Only a time ("yesterday", "what did I do last week"): that period, newest first.
                if windowed.empty_range():
                    return []
                return self._listing(windowed, request.limit, window.phrase)
            if windowed.empty_range() or not self._any(windowed):
                windowed = None  # nothing said then: the words alone (dates in texts still fit)
        return Search(self, plan, base, windowed, now).run(request.limit)

    def embed(self, texts: Sequence[str]) -> list[Any] | None:
        """Query vectors for `texts` in one batch; None without a working embedder."""
        embedder = self.indexer.embedder()
        if embedder is None:
            return None
        try:
            self.indexer.sync_inline()
            return list(embedder.embed([self.query_prefix + t for t in texts]))
        except EmbedderUnavailable as error:
            log.warning("vector search skipped: %s", error)
        except Exception:
            log.exception("vector search failed; answering from full text")
        return None

    def channels(
        self, text: str, vector: Any, filters: Filters, k: int
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Raw scores of both channels (BM25, cosine) for one text, run side by side."""
        pending = (
            None if vector is None else self.workers().submit(self.nearest, vector, filters, k)
        )
        try:
            lexical = {h.memory_id: h.score for h in self.lexical.search(text, filters, k)}
        finally:
            dense = pending.result() if pending is not None else {}
        return lexical, dense

    def _any(self, filters: Filters) -> bool:
        """Whether any memory falls in the filters (an empty period costs nothing then)."""
        clause, params = filters.sql("m")
        return (
            self.db.scalar(f"SELECT 1 FROM memories m WHERE 1{clause} LIMIT 1", params) is not None
        )

    def facts(self, ids: list[str], text: bool = False) -> dict[str, tuple[Any, ...]]:
        """(occurred_at, importance[, text, actor]) of memories, by id."""
        if text:
            columns = "id, occurred_at, importance, text, json_extract(data, '$.actor')"
            table = "memories m"
        else:
            columns, table = "id, occurred_at, importance", f"memories m INDEXED BY {BY_ID}"
        rows = self._rows(f"SELECT {columns} FROM {table} WHERE m.id IN ({{marks}})", ids)
        return {r[0]: tuple(r[1:]) for r in rows}

    def copies(self, ids: list[str], filters: Filters | None) -> Copies:
        """Which of `ids` copy one chat message that `filters` let through, and which gather
        several sources (`app.search.copies`)."""
        return copies(self.db.conn(), ids, filters)

    def vectors(self, ids: list[str]) -> Any:
        """The stored vectors of `ids` under the current embedder (rows in no given order)."""
        fingerprint = self.indexer.fingerprint()
        if fingerprint is None or not ids:
            return None
        rows = self._rows(
            "SELECT vector FROM vector_state WHERE memory_id IN ({marks}) AND fingerprint = ?",
            ids,
            [fingerprint],
        )
        if not rows:
            return None
        blobs = [bytes(r[0]) for r in rows]
        return from_blobs(blobs, len(blobs[0]) // 2)

    def hydrate(self, pool: Pool, best: list[str], query: str) -> list[SearchHit]:
        memories = self.repo.get_many(best)
        messages = self.message_texts(sources_to_read(memories))
        hits = []
        for memory in memories:
            item = pool.items[memory.id]
            hit = self._hit(memory, item.score, query)
            hits.append(
                replace(
                    hit,
                    sources=ordered(memory, query, messages),
                    explanation=item.explanation(),
                )
            )
        return hits

    def message_texts(self, sources: list[Source]) -> dict[Source, str]:
        """The texts of imported chat messages, by their source (one query for a search)."""
        out: dict[Source, str] = {}
        conn = self.db.conn()
        for start in range(0, len(sources), 400):
            chunk = sources[start : start + 400]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT s.ref, m.text FROM memory_sources s JOIN memories m ON m.id = s.memory_id "
                f"WHERE s.kind = 'chat' AND s.ref IN ({marks}) AND m.origin = 'import'",
                [s.ref for s in chunk],
            ).fetchall()
            out.update({Source("chat", str(ref)): str(text) for ref, text in rows})
        return out

    def listing_ids(self, filters: Filters, limit: int) -> list[str]:
        """The memories in the filters, newest first."""
        clause, params = filters.sql("m")
        rows = self.db.query(
            f"SELECT m.id FROM memories m WHERE 1{clause} ORDER BY m.occurred_at DESC LIMIT ?",
            [*params, limit],
        )
        return [str(r["id"]) for r in rows]

    def _listing(self, filters: Filters, limit: int, phrase: str) -> list[SearchHit]:
        memories = self.repo.get_many(self.listing_ids(filters, limit))
        why = Explanation((), time=f"said {phrase}".strip())
        return [replace(self._hit(m, 1.0, ""), explanation=why) for m in memories]

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

    def _rows(
        self,
        sql: str,
        ids: list[str],
        params: Sequence[Any] = (),
        before: Sequence[Any] = (),
    ) -> list[tuple[Any, ...]]:
        """`sql` for `ids` in chunks (`{marks}` stands for them), with `before` bound ahead of
        them and `params` after."""
        out: list[tuple[Any, ...]] = []
        conn = self.db.conn()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            bound = [*before, *chunk, *params]
            out.extend(conn.execute(sql.format(marks=marks), bound).fetchall())
        return out

    # -- the vector channel -----------------------------------------------------------------------
    def nearest_to_text(self, text: str, filters: Filters, k: int) -> dict[str, float]:
        """Nearest memories by meaning for one text (embeds it first)."""
        vectors = self.embed([text])
        return {} if vectors is None else self.nearest(vectors[0], filters, k)

    def nearest(self, query: Any, filters: Filters, k: int) -> dict[str, float]:
        """Nearest memories to a query vector. Any failure here leaves full-text results
        standing: the vector channel improves search, it must never break it."""
        try:
            fingerprint = self.indexer.fingerprint()
            if fingerprint is None:
                return {}
            index = self.indexer.index()
            if index is None or self._selective(filters):
                found = self._exact(query, fingerprint, filters, k)
            else:
                found = self._approximate(index, query, filters, k)
        except Exception:
            log.exception("vector search failed; answering from full text")
            return {}
        floor = self.settings.min_similarity
        return {key: sim for key, sim in found if sim >= floor}

    def nearest_within(
        self, query: Any, filters: Filters, period: Filters, k: int
    ) -> tuple[dict[str, float], dict[str, float]]:
        """`nearest` under `filters` and under `period` (the same filters narrowed to a
        period), as two lists. When the period is searched approximately, one index query serves
        both: the over-fetch the period needs holds the best of the whole store too."""
        try:
            fingerprint = self.indexer.fingerprint()
            if fingerprint is None:
                return {}, {}
            index = self.indexer.index()
            if index is None or self._selective(period):
                return self.nearest(query, filters, k), self.nearest(query, period, k)
            found = index.query(query, k * 4)
            clause, params = filters.sql("m")
            inside, inside_params = period.sql("m")
            allowed = {
                r[0]: bool(r[1])
                for r in self._rows(
                    f"SELECT m.id, (1{inside}) FROM memories m INDEXED BY {BY_ID} "
                    f"WHERE m.id IN ({{marks}}){clause} "
                    "AND m.id NOT IN (SELECT memory_id FROM search_dirty)",
                    [i for i, _ in found],
                    params,
                    before=inside_params,
                )
            }
        except Exception:
            log.exception("vector search failed; answering from full text")
            return {}, {}
        floor = self.settings.min_similarity
        anywhere = [(i, sim) for i, sim in found if i in allowed][:k]
        within = [(i, sim) for i, sim in found if allowed.get(i)][:k]
        return (
            {key: sim for key, sim in anywhere if sim >= floor},
            {key: sim for key, sim in within if sim >= floor},
        )

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
                f"SELECT m.id FROM memories m INDEXED BY {BY_ID} WHERE m.id IN ({{marks}})"
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
