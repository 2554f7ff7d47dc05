"""The per-install bearer token of the local API, kept inside the encrypted database."""

from __future__ import annotations

import secrets

from app.domain import to_iso, utcnow
from app.store.db import Database

TOKEN_NAME = "default"


def api_token(database: Database, *, rotate: bool = False) -> str:
    """The token, created on first use; `rotate` replaces it (the old one stops working)."""
    if not rotate:
        current = database.scalar("SELECT token FROM api_tokens WHERE name = ?", (TOKEN_NAME,))
        if current:
            return str(current)
    token = "mlc_" + secrets.token_urlsafe(32)
    with database.write() as db:
        if not rotate:  # another thread or process may have created it meanwhile
            row = db.conn.execute(
                "SELECT token FROM api_tokens WHERE name = ?", (TOKEN_NAME,)
            ).fetchone()
            if row:
                return str(row[0])
        db.conn.execute(
            "INSERT OR REPLACE INTO api_tokens (name, token, created_at) VALUES (?, ?, ?)",
            (TOKEN_NAME, token, to_iso(utcnow())),
        )
    return token
