"""The first schema: memories, their sources, their history, and the full-text index."""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.execute(
        """
        CREATE TABLE memories (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN
                ('core', 'episodic', 'semantic', 'procedural', 'resource', 'vault')),
            data TEXT NOT NULL,
            text TEXT NOT NULL,
            secret BLOB,
            occurred_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            valid_to TEXT,
            invalid_reason TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            importance REAL NOT NULL DEFAULT 0.5,
            origin TEXT NOT NULL DEFAULT 'user'
        )
        """
    )
    db["memories"].create_index(["type", "occurred_at"], index_name="memories_type_time")
    db["memories"].create_index(["occurred_at"], index_name="memories_time")
    db.execute(
        """
        CREATE TABLE memory_sources (
            memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (memory_id, kind, ref)
        ) WITHOUT ROWID
        """
    )
    db["memory_sources"].create_index(["kind", "ref"], index_name="memory_sources_ref")
    db.execute(
        """
        CREATE TABLE memory_history (
            id INTEGER PRIMARY KEY,
            memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT,
            old TEXT,
            new TEXT,
            at TEXT NOT NULL
        )
        """
    )
    db["memory_history"].create_index(["memory_id", "id"], index_name="memory_history_memory")
    db["memories"].enable_fts(
        ["text"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="porter unicode61 remove_diacritics 2",
    )
