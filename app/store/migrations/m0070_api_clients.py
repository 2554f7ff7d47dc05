"""Programs given access to the memory (MCP clients): each has a name, a hashed token, what it
may do, and whether the person approved it.

Only a SHA-256 of each token is kept: a token is 256 random bits, so its hash cannot be
reversed, and a copy of the database does not hand out working tokens. A revoked client keeps
its row (its name stays in the disclosure log's history) with the token hash cleared.
"""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE api_clients (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            token_hash TEXT UNIQUE,
            permissions TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'denied', 'revoked')),
            launcher TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            approved_at TEXT,
            last_seen_at TEXT,
            revoked_at TEXT
        )
        """
    )
    # One live client per name (pending and active rows); revoked and denied rows may repeat.
    db.execute(
        "CREATE UNIQUE INDEX api_clients_live_name ON api_clients (name COLLATE NOCASE) "
        "WHERE status IN ('active', 'pending')"
    )
