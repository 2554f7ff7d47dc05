"""The disclosure log: every value Memloci handed to another program or window, and every one
it withheld: which memory, to whom, for what, when, and on whose approval.

It lives in the encrypted database and never holds the value itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain import MemoryType, from_iso, to_iso, utcnow
from app.memory import kind_of
from app.store.db import Database


@dataclass(frozen=True)
class Recipient:
    """Who receives values: a channel, a name for the program, and the page or window."""

    channel: str  # api | browser | popup | cli
    name: str
    page: str = ""


@dataclass(frozen=True)
class Disclosure:
    id: int
    at: datetime
    channel: str
    recipient: str
    page: str
    purpose: str  # the field label, or search / ask / prompt-context
    memory_id: str | None
    memory_type: str | None
    sensitivity: str
    outcome: str  # disclosed | withheld
    approval: str  # auto | person | passphrase, or why it was withheld
    title: str = ""  # the memory's title now ("" when it was forgotten since)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": to_iso(self.at),
            "channel": self.channel,
            "recipient": self.recipient,
            "page": self.page,
            "purpose": self.purpose,
            "memory_id": self.memory_id,
            "memory_type": self.memory_type,
            "title": self.title,
            "sensitivity": self.sensitivity,
            "outcome": self.outcome,
            "approval": self.approval,
        }


@dataclass(frozen=True)
class Entry:
    """One row to record."""

    purpose: str
    memory_id: str | None
    memory_type: str | None
    sensitivity: str
    outcome: str
    approval: str


class DisclosureLog:
    def __init__(self, database: Database) -> None:
        self.db = database

    def record(self, recipient: Recipient, entries: Iterable[Entry]) -> int:
        """Write the rows in one transaction; returns how many."""
        now = to_iso(utcnow())
        rows = [
            (
                now,
                recipient.channel,
                recipient.name[:300],
                recipient.page[:1_000],
                e.purpose[:300],
                e.memory_id,
                e.memory_type,
                e.sensitivity,
                e.outcome,
                e.approval,
            )
            for e in entries
        ]
        if not rows:
            return 0
        with self.db.write() as db:
            db.conn.executemany(
                "INSERT INTO autofill_disclosures (at, channel, recipient, page, purpose, "
                "memory_id, memory_type, sensitivity, outcome, approval) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def list(
        self, *, limit: int = 50, offset: int = 0, memory_id: str | None = None
    ) -> list[Disclosure]:
        """Newest first, with each memory's current title."""
        where, params = ("WHERE d.memory_id = ?", [memory_id]) if memory_id else ("", [])
        rows = self.db.query(
            "SELECT d.*, m.type AS m_type, m.data AS m_data FROM autofill_disclosures d "
            f"LEFT JOIN memories m ON m.id = d.memory_id {where} "
            "ORDER BY d.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [
            Disclosure(
                id=r["id"],
                at=from_iso(r["at"]),
                channel=r["channel"],
                recipient=r["recipient"],
                page=r["page"],
                purpose=r["purpose"],
                memory_id=r["memory_id"],
                memory_type=r["memory_type"],
                sensitivity=r["sensitivity"],
                outcome=r["outcome"],
                approval=r["approval"],
                title=_title(r["m_type"], r["m_data"]),
            )
            for r in rows
        ]

    def count(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM autofill_disclosures") or 0)

    def prune(self, days: int) -> int:
        """Drop rows older than `days`."""
        cutoff = to_iso(utcnow() - timedelta(days=days))
        with self.db.write() as db:
            return int(
                db.conn.execute("DELETE FROM autofill_disclosures WHERE at < ?", (cutoff,)).rowcount
            )


def _title(memory_type: str | None, data: str | None) -> str:
    if not memory_type or not data:
        return ""
    return kind_of(MemoryType(memory_type)).title(json.loads(data))
