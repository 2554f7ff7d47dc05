"""Autofill and the local API: the disclosure log and the per-install API token.

The log records what memory was handed to whom and when (never the value itself); it keeps no
foreign key, so the record that something was disclosed outlives a later `forget`. The token
lives here, inside the encrypted database, rather than in a plaintext file.
"""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE autofill_disclosures (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            page TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL,
            memory_id TEXT,
            memory_type TEXT,
            sensitivity TEXT NOT NULL DEFAULT 'none',
            outcome TEXT NOT NULL CHECK (outcome IN ('disclosed', 'withheld')),
            approval TEXT NOT NULL
        )
        """
    )
    db["autofill_disclosures"].create_index(["at"], index_name="autofill_disclosures_at")
    db["autofill_disclosures"].create_index(
        ["memory_id", "at"], index_name="autofill_disclosures_memory"
    )
    db.execute(
        """
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
