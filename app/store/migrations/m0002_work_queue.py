"""The work queue: input waiting for the memory agents (chat turns, screen activity, ...).

It lives in the encrypted database so a crash or a quit loses nothing and the work resumes.
"""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE work_queue (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            ref TEXT,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'working', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db["work_queue"].create_index(["status", "kind", "id"], index_name="work_queue_status")
    db["work_queue"].create_index(["kind", "ref"], index_name="work_queue_ref")
