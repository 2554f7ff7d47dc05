"""Covering indexes for search: what a search asks of a candidate memory (its id or seq, type,
time, importance, validity, origin) is answered from a small index instead of the memory's row.

Every search looks up a few hundred candidates: the full-text channel finds `seq`s and needs
their ids, the vector channel finds ids and checks they are valid and pass the filters, and
ranking reads their times. Rows are large (text, data) and scattered, so each lookup used to
decrypt a page of its own; these indexes are about 6 MB per 100,000 memories and stay in the
page cache. The queries name them (`INDEXED BY`): SQLite would otherwise pick the unique
index on `id`, which does not cover them.
"""

from __future__ import annotations

from typing import Any

COLUMNS = "type, occurred_at, importance, valid_to, origin"
BY_ID = "memories_search_by_id"
BY_SEQ = "memories_search_by_seq"


def apply(db: Any) -> None:
    db.conn.execute(f"CREATE INDEX IF NOT EXISTS {BY_ID} ON memories (id, {COLUMNS})")
    db.conn.execute(f"CREATE INDEX IF NOT EXISTS {BY_SEQ} ON memories (seq, id, {COLUMNS})")
