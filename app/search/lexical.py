"""The full-text channel: BM25 over `search_docs` (a memory's own text, and with half the weight
the messages just before it), with a bounded cost: words are scored rarest first within a
budget of documents (`app.store.fulltext`; the vector channel still sees the whole query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.search.filters import Filters
from app.store.db import Database
from app.store.fulltext import Budget
from app.store.migrations.m0012_search_covering import BY_SEQ


@dataclass(frozen=True)
class LexicalHit:
    memory_id: str
    score: float  # BM25, higher is better


class LexicalIndex:
    def __init__(self, database: Database, *, context_weight: float = 0.5, budget: int = 6000):
        self.db = database
        self.context_weight = context_weight
        self._budget = Budget(budget)

    @property
    def budget(self) -> int:
        return self._budget.budget

    def frequency(self, term: str) -> int:
        """How many documents hold `term` (counted up to just past the budget; cached)."""
        with self.db.reading() as db:
            return self._budget.doc_frequency(db.conn, term)

    def size(self) -> int:
        """About how many documents the index holds (its highest rowid)."""
        with self.db.reading() as db:
            row = db.conn.execute("SELECT coalesce(max(rowid), 0) FROM search_docs").fetchone()
        return int(row[0])

    def plan(self, conn: Any, terms: list[str]) -> tuple[list[str], bool]:
        """The terms to score (rarest first, within the budget) and whether only the newest
        documents can be afforded."""
        return self._budget.choose(conn, terms)

    def search(
        self,
        text: str,
        filters: Filters,
        limit: int,
        *,
        own: bool = False,
        budget: int | None = None,
    ) -> list[LexicalHit]:
        """The best `limit` memories for `text`'s words; with `own`, only a memory's own text
        matches (not the messages before it); `budget` bounds the documents scored (the
        index's budget by default)."""
        with self.db.reading() as db:
            conn = db.conn
            plan = self._budget.plan(conn, text, budget)
            if plan is None:
                return []
            clause, params = filters.sql("m")
            match, newest = plan.match("own" if own else None), plan.newest
            if not filters.narrowing:
                hits = self._unfiltered(conn, match, newest, filters, limit)
                if hits is not None:
                    return hits
            rows = conn.execute(
                "SELECT m.id, bm25(search_docs, 1.0, ?) AS rank FROM search_docs "
                # CROSS JOIN: the MATCH stays the outer loop under type/time filters.
                f"CROSS JOIN memories m INDEXED BY {BY_SEQ} ON m.seq = search_docs.rowid "
                f"WHERE search_docs MATCH ?{newest}{clause} ORDER BY rank LIMIT ?",
                [self.context_weight, match, *params, limit],
            ).fetchall()
        return [LexicalHit(r[0], -float(r[1])) for r in rows]

    def _unfiltered(
        self, conn: Any, match: str, newest: str, filters: Filters, limit: int
    ) -> list[LexicalHit] | None:
        """Without type or time filters, rank in the full-text index alone (no lookup of each
        matching memory, which costs more than the ranking) and drop invalidated ones after.
        None when too many were invalidated to fill `limit` (the joined query then runs)."""
        fetch = limit + 32
        ranked = conn.execute(
            "SELECT rowid, bm25(search_docs, 1.0, ?) AS rank FROM search_docs "
            f"WHERE search_docs MATCH ?{newest} ORDER BY rank LIMIT ?",
            [self.context_weight, match, fetch],
        ).fetchall()
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        valid = "" if filters.include_invalid else " AND valid_to IS NULL"
        ids = dict(
            conn.execute(
                f"SELECT seq, id FROM memories INDEXED BY {BY_SEQ} WHERE seq IN ({marks}){valid}",
                [r[0] for r in ranked],
            ).fetchall()
        )
        hits = [LexicalHit(ids[seq], -float(rank)) for seq, rank in ranked if seq in ids]
        if len(hits) < min(limit, len(ranked)) and len(ranked) == fetch:
            return None
        return hits[:limit]
