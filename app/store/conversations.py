"""Memloci's own conversations (the chat pane's list): kept in the encrypted store, apart from
the memories, so they survive a restart and can be reopened, renamed and deleted.

A turn keeps the person's question and Memloci's answer as shown (with what it cited); the
answer is never a memory. What the person told Memloci is remembered by the chat agent, as
before, and stays when a conversation is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain import from_iso, to_iso, utcnow
from app.errors import InvalidInput, NotFound
from app.store.db import Database

TITLE_LIMIT = 80
LIST_LIMIT = 500


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    turns: int = 0


@dataclass(frozen=True)
class ConversationTurn:
    n: int
    question: str
    answer: str
    state: str  # done | stopped | failed
    at: datetime
    note: str = ""  # what the answer is built from, or why it failed
    citations: list[tuple[str, str]] = field(default_factory=list)  # (memory id, title)
    context_ids: list[str] = field(default_factory=list)


def title_from(question: str) -> str:
    """A conversation's first title: its first question, on one line, cut at a word."""
    text = " ".join(question.split())
    if len(text) <= TITLE_LIMIT:
        return text
    cut = text[: TITLE_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _conversation(row: dict[str, Any]) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        turns=int(row.get("turns") or 0),
    )


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def all(self, limit: int = LIST_LIMIT) -> list[Conversation]:
        """The conversations, the latest first."""
        rows = self._database.query(
            "SELECT c.*, (SELECT COUNT(*) FROM conversation_turns t "
            "WHERE t.conversation_id = c.id) AS turns FROM conversations c "
            "ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
            (limit,),
        )
        return [_conversation(row) for row in rows]

    def get(self, conversation_id: str) -> Conversation:
        rows = self._database.query(
            "SELECT c.*, (SELECT COUNT(*) FROM conversation_turns t "
            "WHERE t.conversation_id = c.id) AS turns FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        )
        if not rows:
            raise NotFound("That conversation is no longer there.")
        return _conversation(rows[0])

    def turns(self, conversation_id: str) -> list[ConversationTurn]:
        rows = self._database.query(
            "SELECT * FROM conversation_turns WHERE conversation_id = ? ORDER BY n",
            (conversation_id,),
        )
        return [
            ConversationTurn(
                n=row["n"],
                question=row["question"],
                answer=row["answer"],
                state=row["state"],
                at=from_iso(row["at"]),
                note=row["note"],
                citations=[(str(i), str(t)) for i, t in json.loads(row["citations"] or "[]")],
                context_ids=[str(i) for i in json.loads(row["context_ids"] or "[]")],
            )
            for row in rows
        ]

    def add_turn(
        self,
        conversation_id: str,
        question: str,
        answer: str,
        *,
        state: str = "done",
        note: str = "",
        citations: list[tuple[str, str]] | None = None,
        context_ids: list[str] | None = None,
        at: datetime | None = None,
    ) -> ConversationTurn:
        """Append a turn; the conversation is made (titled by its first question) if new."""
        moment = at or utcnow()
        stamp = to_iso(moment)
        with self._database.write() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET updated_at = excluded."
                "updated_at",
                (conversation_id, title_from(question), stamp, stamp),
            )
            n = (
                db.execute(
                    "SELECT COALESCE(MAX(n), 0) FROM conversation_turns WHERE conversation_id = ?",
                    (conversation_id,),
                ).fetchone()[0]
                + 1
            )
            db.execute(
                "INSERT INTO conversation_turns (conversation_id, n, question, answer, state, "
                "note, citations, context_ids, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    n,
                    question,
                    answer,
                    state,
                    note,
                    json.dumps([list(c) for c in citations or []]),
                    json.dumps(list(context_ids or [])),
                    stamp,
                ),
            )
        return ConversationTurn(
            n, question, answer, state, moment, note, list(citations or []), context_ids or []
        )

    def rename(self, conversation_id: str, title: str) -> Conversation:
        text = " ".join((title or "").split())
        if not text:
            raise InvalidInput("A conversation needs a name.")
        if len(text) > TITLE_LIMIT:
            raise InvalidInput(f"A conversation's name is limited to {TITLE_LIMIT} characters.")
        with self._database.write() as db:
            cursor = db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (text, conversation_id)
            )
            if cursor.rowcount == 0:
                raise NotFound("That conversation is no longer there.")
        return self.get(conversation_id)

    def delete(self, conversation_id: str) -> bool:
        """Delete a conversation and its turns; False when it was not there."""
        with self._database.write() as db:
            db.execute(
                "DELETE FROM conversation_turns WHERE conversation_id = ?", (conversation_id,)
            )
            cursor = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return bool(cursor.rowcount)

    def count(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        conversation: str | None = None,
    ) -> int:
        """How many turns `erase` with the same arguments would take (an erase's preview)."""
        where, params = _turns_in(since, until, conversation)
        if not where:
            return 0
        rows = self._database.query(
            f"SELECT COUNT(*) AS n FROM conversation_turns WHERE {where}", params
        )
        return int(rows[0]["n"]) if rows else 0

    def erase(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        conversation: str | None = None,
    ) -> int:
        """Erase turns asked in a span (or a whole conversation); a conversation left without
        turns goes too. Returns how many turns went."""
        where, params = _turns_in(since, until, conversation)
        if not where:
            return 0
        with self._database.write() as db:
            gone = db.execute(f"DELETE FROM conversation_turns WHERE {where}", params).rowcount
            db.execute(
                "DELETE FROM conversations WHERE id NOT IN "
                "(SELECT DISTINCT conversation_id FROM conversation_turns)"
            )
        return int(gone or 0)


def _turns_in(
    since: datetime | None, until: datetime | None, conversation: str | None
) -> tuple[str, list[str]]:
    """The SQL condition for the turns of a conversation and/or asked in a span ("" for none)."""
    clauses, params = [], []
    if conversation is not None:
        clauses.append("conversation_id = ?")
        params.append(conversation)
    if since is not None:
        clauses.append("at >= ?")
        params.append(to_iso(since))
    if until is not None:
        clauses.append("at < ?")
        params.append(to_iso(until))
    return " AND ".join(clauses), params
