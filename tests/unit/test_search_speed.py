"""What keeps a search fast on a big store, checked on a small real one: candidates are looked
up in the covering indexes (migration 0012), never row by row in the encrypted table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.core import Memloci

LIMIT = 5


def _store(memloci: Memloci, count: int = 150) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(count):
        memloci.add(
            f"Sailing note {n}: the harbour was calm and Tomasz checked the rudder",
            type="episodic",
            fields={"occurred_at": (start + timedelta(hours=n)).isoformat()},
        )
    memloci.index_sync()


def _traced(memloci: Memloci, query: str) -> list[str]:
    """The SQL statements (values bound) a search runs, on every connection it uses."""
    seen: list[str] = []
    database = memloci._parts.database
    memloci.search("warm up the worker threads' connections")
    for conn in database._connections:
        conn.set_trace_callback(seen.append)
    try:
        memloci.search(query, limit=LIMIT)
    finally:
        for conn in database._connections:
            conn.set_trace_callback(None)
    return seen


def test_the_covering_indexes_exist(home) -> None:
    with Memloci.open(home) as memloci:
        names = {
            r[0]
            for r in memloci._parts.database.conn().execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memories'"
            )
        }
    assert {"memories_search_by_id", "memories_search_by_seq"} <= names


def test_candidates_are_looked_up_in_covering_indexes(home) -> None:
    """Only the few hits shown (and the few whose text ranking reads) may read a row; the
    hundreds of candidates of both channels are checked and dated from an index."""
    with Memloci.open(home) as memloci:
        _store(memloci)
        statements = _traced(memloci, "when did Tomasz check the rudder in the harbour?")
        conn = memloci._parts.database.conn()
        lookups = []
        for sql in statements:
            listed = re.search(r"\b(?:id|seq) IN \(([^)]*)\)", sql)
            if not sql.lstrip().upper().startswith("SELECT") or listed is None:
                continue
            if listed.group(1).count(",") + 1 <= 4 * LIMIT:
                continue  # the hits shown, and the texts ranking reads
            plan = " ".join(str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
            lookups.append((sql[:120], plan))
    assert len(lookups) >= 3, "the channels' candidates and their facts were looked up"
    for sql, plan in lookups:
        if "memories" in sql:
            assert "COVERING INDEX memories_search_by" in plan, (sql, plan)


def test_a_period_and_the_whole_store_share_one_index_query(home, monkeypatch) -> None:
    """A question about a period searches the vector index once: the over-fetch the period
    needs also holds the best of the whole store (it used to ask twice)."""
    import app.search.hybrid as hybrid
    from app.vectors.chroma import ChromaIndex

    monkeypatch.setattr(hybrid, "EXACT_LIMIT", 5)  # the period is searched approximately
    with Memloci.open(home) as memloci:
        _store(memloci, 60)  # 1 to 3 January 2025
        asked: list[int] = []
        query = ChromaIndex.query

        def counted(self, vector, k):
            asked.append(k)
            return query(self, vector, k)

        monkeypatch.setattr(ChromaIndex, "query", counted)
        hits = memloci.search("the rudder on 2 January 2025")
    assert asked == [400], asked
    assert hits and all(h.occurred_at.day == 2 for h in hits[:3])


def test_a_window_worked_out_once_agrees_with_asking_each_time() -> None:
    from app.search import timefit
    from app.timewords import TimeWindow

    may = datetime(2024, 5, 1, tzinfo=UTC)
    windows = [
        TimeWindow(since=may, until=datetime(2024, 6, 1, tzinfo=UTC)),
        TimeWindow(since=may),
        TimeWindow(until=may),
        TimeWindow(since=may, until=datetime(2024, 5, 1, 15, tzinfo=UTC)),
        TimeWindow(month=5),
        TimeWindow(month=5, day=3),
    ]
    moments = [may + timedelta(hours=7 * n) for n in range(-200, 200)]
    for window in windows:
        within = timefit.said_within(window)
        assert [within(m) for m in moments] == [timefit.said_in(m, window) for m in moments]


def test_connections_that_search_keep_a_bigger_page_cache(home) -> None:
    """Pages are decrypted when loaded; a search's connections keep what it read."""
    from app.search.hybrid import SEARCH_CACHE_KIB

    with Memloci.open(home) as memloci:
        _store(memloci, 5)
        memloci.search("rudder")
        sizes = [
            conn.execute("PRAGMA cache_size").fetchone()[0]
            for conn in memloci._parts.database._connections
        ]
    assert sizes.count(-SEARCH_CACHE_KIB) >= 2, sizes  # the caller's and a worker's
