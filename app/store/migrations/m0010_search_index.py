"""Hybrid search: the contextual full-text index, chat threads, and what the vector index holds.

- `search_docs` (FTS5): per memory (rowid = memories.seq) its own text and `ctx`, the text of
  the messages just before it in its conversation, so a reply is found by the question it
  answers. Triggers keep `own` in step with `memories.text` inside the writer's transaction.
- `memory_threads`: which conversation a memory belongs to and where (chat import fills it).
- `vector_state`: for each memory, the embedder fingerprint and a digest of the text its vector
  was made from, the vector itself (float16, inside the encrypted database: the source for
  rebuilding the vector index without re-embedding) and whether the Chroma index has it.
- `search_dirty`: memories whose context or vector must be recomputed (their text changed, or
  a neighbour in their conversation changed or was forgotten).
- `search_meta`: how far the vector catch-up has come, per embedder.
- `search_purged`: forgotten memories whose vectors must still leave the vector index. Written
  in the forgetting transaction, so a crash before Chroma is told heals on the next open.
"""

from __future__ import annotations

from typing import Any

# Successors of a thread message: the next messages of its conversation, whose context holds it.
_SUCCESSORS = """
    SELECT s.memory_id FROM memory_threads s
    WHERE s.thread = {ref}.thread
      AND (s.at > {ref}.at OR (s.at = {ref}.at AND s.pos > {ref}.pos))
    ORDER BY s.at, s.pos LIMIT 4
"""


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE memory_threads (
            memory_id TEXT PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
            thread TEXT NOT NULL,
            at TEXT NOT NULL,
            pos INTEGER NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX memory_threads_order ON memory_threads (thread, at, pos)")
    db.execute(
        "CREATE VIRTUAL TABLE search_docs USING fts5("
        "own, ctx, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE TABLE search_dirty (memory_id TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("CREATE TABLE search_purged (memory_id TEXT PRIMARY KEY) WITHOUT ROWID")
    # embedded_through:<fingerprint> = every memory with seq <= value has a current vector
    # (dirty ones aside), so catching up only looks at newer rows.
    db.execute("CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """
        CREATE TABLE vector_state (
            id INTEGER PRIMARY KEY,
            memory_id TEXT NOT NULL UNIQUE,
            fingerprint TEXT NOT NULL,
            digest BLOB NOT NULL,
            vector BLOB NOT NULL,
            indexed INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX vector_state_unindexed ON vector_state (indexed) WHERE indexed = 0")
    db.execute("CREATE INDEX vector_state_fingerprint ON vector_state (fingerprint)")

    db.execute(
        """
        CREATE TRIGGER search_docs_insert AFTER INSERT ON memories BEGIN
            INSERT INTO search_docs (rowid, own, ctx) VALUES (new.seq, new.text, '');
        END
        """
    )
    # A changed text leaves the context of the messages after it: their ctx is blanked in the
    # same transaction and they are queued for a fresh context and vector.
    successors = """
        SELECT s.memory_id FROM memory_threads t JOIN memory_threads s
            ON s.thread = t.thread AND (s.at > t.at OR (s.at = t.at AND s.pos > t.pos))
        WHERE t.memory_id = new.id ORDER BY s.at, s.pos LIMIT 4
    """
    db.execute(
        f"""
        CREATE TRIGGER search_docs_update AFTER UPDATE OF text ON memories
        WHEN old.text IS NOT new.text BEGIN
            UPDATE search_docs SET own = new.text WHERE rowid = new.seq;
            INSERT OR IGNORE INTO search_dirty (memory_id) VALUES (new.id);
            UPDATE search_docs SET ctx = '' WHERE rowid IN (
                SELECT m.seq FROM memories m WHERE m.id IN ({successors}));
            INSERT OR IGNORE INTO search_dirty (memory_id) {successors};
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER search_docs_delete AFTER DELETE ON memories BEGIN
            DELETE FROM search_docs WHERE rowid = old.seq;
            DELETE FROM search_dirty WHERE memory_id = old.id;
            INSERT OR IGNORE INTO search_purged (memory_id) VALUES (old.id);
            -- a later insert may reuse this seq: catching up must look from here again
            UPDATE search_meta SET value = min(CAST(value AS INTEGER), old.seq - 1)
                WHERE key LIKE 'embedded_through:%';
        END
        """
    )
    # A forgotten message leaves its successors' context at once (their ctx is blanked in the
    # same transaction) and they are queued to get a fresh context and vector.
    db.execute(
        f"""
        CREATE TRIGGER memory_threads_delete AFTER DELETE ON memory_threads BEGIN
            UPDATE search_docs SET ctx = '' WHERE rowid IN (
                SELECT m.seq FROM memories m WHERE m.id IN ({_SUCCESSORS.format(ref="old")}));
            INSERT OR IGNORE INTO search_dirty (memory_id) {_SUCCESSORS.format(ref="old")};
        END
        """
    )
    db.execute("INSERT INTO search_docs (rowid, own, ctx) SELECT seq, text, '' FROM memories")
