"""Consolidation: merge duplicates, roll old screen activity into day summaries, let importance
fade (a forgetting curve with rehearsal) — never touching what the person entered by hand.

- Duplicates: an agent-made memory that nearly repeats another one of its type is invalidated
  ("duplicate of X") and its sources move to the one that stays. Raw records of messages and
  screen sessions are never merged (two "ok"s are two events).
- Day summaries: screen sessions and activities older than `agents.rollup_after_days` become one
  episodic "day_summary" per day that lists them and keeps all their sources; the sessions are
  invalidated with a pointer to it (still there with `--include-invalid`, restorable).
- Importance halves every `agents.half_life_days` for everything not entered by hand; being seen
  again or cited in an answer raises it. Agent-made memories that fade below
  `agents.drop_below` are invalidated ("faded"); nothing of origin "user" ever is.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.agents.text import clip, near_duplicate
from app.domain import Memory, MemoryType, Source, from_iso, to_iso, utcnow
from app.memory import kind_of
from app.memory.episodic import day_line
from app.settings import AgentSettings
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.writer import Initiator, Writer

log = logging.getLogger(__name__)

ACTOR = "agent:consolidation"
ROLLED_EVENT_TYPES = ("screen", "activity")
SCAN_LIMIT = 2_000
DETAILS_LIMIT = 20_000


@dataclass
class ConsolidationReport:
    merged: int = 0
    rolled_up: int = 0
    day_summaries: int = 0
    decayed: int = 0
    faded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "merged": self.merged,
            "rolled_up": self.rolled_up,
            "day_summaries": self.day_summaries,
            "decayed": self.decayed,
            "faded": self.faded,
            "seconds": round(self.seconds, 3),
        }


def _meta_get(database: Database, key: str) -> str | None:
    value = database.scalar("SELECT value FROM meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def _meta_set(db: Any, key: str, value: str) -> None:
    db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


class Consolidator:
    def __init__(self, repo: MemoryRepository, writer: Writer, settings: AgentSettings) -> None:
        self.repo = repo
        self.db = repo.db
        self.writer = writer
        self.settings = settings

    def run(self, now: datetime | None = None) -> ConsolidationReport:
        started = time.perf_counter()
        now = now or utcnow()
        report = ConsolidationReport()
        report.merged = self.merge_duplicates()
        report.rolled_up, report.day_summaries = self.roll_up(now)
        report.decayed, report.faded = self.decay(now)
        with self.db.write() as db:
            _meta_set(db, "agents.consolidated_at", to_iso(now))
        report.seconds = time.perf_counter() - started
        log.info("consolidation: %s", report.to_dict())
        return report

    # -- duplicates ---------------------------------------------------------------------------
    def _candidates(self) -> list[Memory]:
        since = _meta_get(self.db, "agents.consolidated_at") or ""
        rows = self.db.query(
            "SELECT id FROM memories WHERE origin = 'agent' AND valid_to IS NULL "
            "AND type IN ('semantic', 'procedural', 'resource', 'episodic') AND updated_at >= ? "
            "ORDER BY updated_at DESC LIMIT ?",
            (since, SCAN_LIMIT),
        )
        return self.repo.get_many([r["id"] for r in rows])

    def merge_duplicates(self) -> int:
        merged = 0
        gone: set[str] = set()
        for memory in self._candidates():
            if memory.id in gone:
                continue
            for hit in self.repo.search_fts(memory.text, types=[memory.type], limit=6):
                other = hit.memory
                if other.id == memory.id or other.id in gone or not other.active:
                    continue
                if not near_duplicate(memory.text, other.text):
                    continue
                keeper, duplicate = _keeper(memory, other)
                if duplicate.origin != "agent":
                    continue
                self._merge(keeper, duplicate)
                gone.add(duplicate.id)
                merged += 1
                if duplicate.id == memory.id:
                    break
        return merged

    def _merge(self, keeper: Memory, duplicate: Memory) -> None:
        new_sources = [s for s in duplicate.sources if s not in keeper.sources]
        with self.writer.batch(Initiator.AGENT) as batch:
            if new_sources:
                batch.update(
                    keeper.id,
                    _with_secret(self.repo, keeper),
                    actor=ACTOR,
                    reason=f"merged duplicate {duplicate.id}",
                    add_sources=new_sources,
                    importance=max(keeper.importance, duplicate.importance),
                )
            batch.set_validity(
                duplicate.id, valid=False, actor=ACTOR, reason=f"duplicate of {keeper.id}"
            )

    # -- day summaries ------------------------------------------------------------------------
    def roll_up(self, now: datetime) -> tuple[int, int]:
        cutoff = now - timedelta(days=self.settings.rollup_after_days)
        marks = ",".join("?" * len(ROLLED_EVENT_TYPES))
        rows = self.db.query(
            "SELECT id FROM memories WHERE type = 'episodic' AND valid_to IS NULL "
            "AND origin != 'user' AND occurred_at < ? "
            f"AND json_extract(data, '$.event_type') IN ({marks}) "
            "ORDER BY occurred_at LIMIT 5000",
            (to_iso(cutoff), *ROLLED_EVENT_TYPES),
        )
        days: dict[str, list[Memory]] = {}
        for memory in self.repo.get_many([r["id"] for r in rows]):
            days.setdefault(memory.occurred_at.astimezone().date().isoformat(), []).append(memory)
        rolled = summaries = 0
        for day, events in sorted(days.items()):
            if self._roll_day(day, events):
                summaries += 1
            rolled += len(events)
        return rolled, summaries

    def _roll_day(self, day: str, events: list[Memory]) -> bool:
        """True when a new summary was made (False: an existing one was extended)."""
        kind = kind_of(MemoryType.EPISODIC)
        apps = Counter(str(e.fields.get("actor", "?")) for e in events)
        first = events[0].occurred_at
        label = first.astimezone().strftime("%A %d %B %Y")
        lines = [day_line({**e.fields, "occurred_at": e.occurred_at}) for e in events]
        sources: list[Source] = list(dict.fromkeys(s for e in events for s in e.sources))
        existing = self._day_summary(first)
        with self.writer.batch(Initiator.AGENT) as batch:
            if existing is not None:
                details = clip(
                    f"{existing.fields.get('details', '')}\n" + "\n".join(lines), DETAILS_LIMIT
                )
                summary = batch.update(
                    existing.id,
                    kind.merge(dict(existing.fields), {"details": details}),
                    actor=ACTOR,
                    reason=f"{len(events)} more events of the day",
                    add_sources=sources,
                )
            else:
                top = ", ".join(f"{app} ({n})" for app, n in apps.most_common(6))
                fields = kind.build(
                    None,
                    {
                        "occurred_at": to_iso(first),
                        "event_type": "day_summary",
                        "actor": "memloci",
                        "summary": clip(f"Screen activity on {label}: {top}", 1000),
                        "details": clip("\n".join(lines), DETAILS_LIMIT),
                    },
                )
                summary = batch.insert(
                    MemoryType.EPISODIC,
                    fields,
                    sources=sources,
                    origin="agent",
                    actor=ACTOR,
                    importance=max(e.importance for e in events),
                    reason=f"day summary of {len(events)} events",
                )
            for event in events:
                batch.set_validity(
                    event.id,
                    valid=False,
                    actor=ACTOR,
                    reason=f"rolled into day summary {summary.id}",
                )
        return existing is None

    def _day_summary(self, moment: datetime) -> Memory | None:
        local = moment.astimezone()
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        rows = self.db.query(
            "SELECT id FROM memories WHERE type = 'episodic' AND valid_to IS NULL "
            "AND json_extract(data, '$.event_type') = 'day_summary' "
            "AND occurred_at >= ? AND occurred_at < ? LIMIT 1",
            (to_iso(start), to_iso(start + timedelta(days=1))),
        )
        return self.repo.get(rows[0]["id"]) if rows else None

    # -- forgetting curve ---------------------------------------------------------------------
    def decay(self, now: datetime) -> tuple[int, int]:
        last = _meta_get(self.db, "agents.decayed_at")
        with self.writer.batch(Initiator.AGENT) as batch:
            _meta_set(batch.db, "agents.decayed_at", to_iso(now))
            if last is None:
                return 0, 0
            days = max(0.0, (now - from_iso(last)).total_seconds() / 86_400)
            decayed = batch.fade(0.5 ** (days / self.settings.half_life_days))
        faded = self.db.query(
            "SELECT id FROM memories WHERE origin = 'agent' AND valid_to IS NULL "
            "AND importance < ? LIMIT 1000",
            (self.settings.drop_below,),
        )
        with self.writer.batch(Initiator.AGENT) as batch:
            for row in faded:
                batch.set_validity(
                    row["id"],
                    valid=False,
                    actor=ACTOR,
                    reason="faded: not seen again or used for a long time",
                )
        return decayed, len(faded)


def _keeper(a: Memory, b: Memory) -> tuple[Memory, Memory]:
    """Which of two duplicates stays: the person's own, then the more important, then the older."""

    def rank(m: Memory) -> tuple[int, float, float]:
        return (int(m.origin == "user"), m.importance, -m.created_at.timestamp())

    return (a, b) if rank(a) >= rank(b) else (b, a)


def _with_secret(repo: MemoryRepository, memory: Memory) -> dict[str, Any]:
    fields = dict(memory.fields)
    if memory.type is MemoryType.VAULT:
        fields["secret_value"] = repo.secret(memory.id)
    return fields
