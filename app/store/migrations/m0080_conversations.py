"""Memloci's own conversations, kept apart from the memories: a row per conversation and one
per turn (the person's question and Memloci's answer), so a chat can be reopened, renamed and
deleted without Memloci's answers passing for memories of what the person did."""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE conversation_turns (
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'done',
            note TEXT NOT NULL DEFAULT '',
            citations TEXT NOT NULL DEFAULT '[]',
            context_ids TEXT NOT NULL DEFAULT '[]',
            at TEXT NOT NULL,
            PRIMARY KEY (conversation_id, n)
        )
        """
    )
    db.execute("CREATE INDEX conversations_updated ON conversations (updated_at)")
