"""Numbered schema migrations, applied in order, each in its own transaction.

A migration is a function of a sqlite-utils `Database`. Add new ones at the end of `MIGRATIONS`
with the next number; never edit one that has shipped. A store written by a newer Memloci
(a migration number we do not know) is refused rather than damaged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.domain import to_iso, utcnow
from app.errors import StoreTooNew
from app.store.db import Database

log = logging.getLogger(__name__)

Migration = Callable[[Any], None]
MIGRATIONS: list[tuple[int, str, Migration]] = []


def migration(number: int, name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        assert not MIGRATIONS or MIGRATIONS[-1][0] == number - 1, "migrations must be consecutive"
        MIGRATIONS.append((number, name, fn))
        return fn

    return register


@migration(1, "memories")
def _memories(db: Any) -> None:
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


def current_version(db: Any) -> int:
    if not db["_migrations"].exists():
        return 0
    row = db.execute("SELECT max(number) FROM _migrations").fetchone()
    return int(row[0] or 0)


def migrate(database: Database) -> list[str]:
    """Bring the schema up to date. Returns the names of the migrations applied."""
    applied: list[str] = []
    known = MIGRATIONS[-1][0] if MIGRATIONS else 0
    with database.reading() as db:
        have = current_version(db)
    if have == known:
        return applied  # the usual case: no write lock needed to open a store
    if have > known:
        raise StoreTooNew(
            f"This store was written by a newer Memloci (schema {have}, this one knows {known}). "
            "Update Memloci; nothing was changed."
        )
    with database.write() as db:
        if not db["_migrations"].exists():
            db["_migrations"].create({"number": int, "name": str, "applied_at": str}, pk="number")
        have = current_version(db)
    for number, name, fn in MIGRATIONS:
        if number <= have:
            continue
        with database.write() as db:
            if number <= current_version(db):
                continue  # another process applied it meanwhile
            fn(db)
            db["_migrations"].insert(
                {"number": number, "name": name, "applied_at": to_iso(utcnow())}
            )
        log.info("applied migration %04d_%s", number, name)
        applied.append(f"{number:04d}_{name}")
    return applied
