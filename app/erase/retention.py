"""Retention rules: screen sessions, chat messages, kept frames and per-application limits, in
days (`Settings.retention`).

Expired records are forgotten through the same cascade as an erase, so what the agents made
only from them goes too, in chunks (each its own transaction) so a first run over years of
activity never holds the store for long. What the person entered themselves (origin `user`:
typed memories, "remember …" requests, their vault and core memory) is never taken by the
cascade; only `mine_days` expires their typed notes, never vault entries or core memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.capture.rules import ExclusionRule
from app.domain import to_iso, utcnow
from app.erase.selection import sessions_matching
from app.settings import RetentionSettings
from app.store import forgetting
from app.store.forgetting import ForgetPlan
from app.store.memories import MemoryRepository

log = logging.getLogger(__name__)

PROTECTED = frozenset({"user"})
CHUNK = 1_000
MINE_TYPES = ("episodic", "semantic", "procedural", "resource")

Forget = Callable[[Sequence[str], frozenset[str]], ForgetPlan]


@dataclass(frozen=True)
class Expired:
    """What the rules expire now: record ids per rule, and kept frames."""

    screen: tuple[str, ...] = ()
    chat: tuple[str, ...] = ()
    apps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mine: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()

    @property
    def records(self) -> list[str]:
        every = [*self.screen, *self.chat, *self.mine]
        for ids in self.apps.values():
            every.extend(ids)
        return sorted(set(every))

    def counts(self) -> dict[str, int]:
        app_ids = {i for ids in self.apps.values() for i in ids}
        return {
            "screen sessions": len(set(self.screen) | app_ids),
            "chat messages": len(self.chat),
            "your own memories": len(self.mine),
            "kept frames": len(self.frames),
        }


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run expired (or, as a preview, would expire)."""

    expired: Expired
    forgotten: int  # memories forgotten in all, what was made only from the records included
    by_type: dict[str, int]
    done: bool
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return self.expired.counts()

    def line(self) -> str:
        """The one log line: counts, never text."""
        parts = [_counted(n, what) for what, n in self.counts().items() if n]
        derived = self.forgotten - len(self.expired.records)
        if derived > 0:
            parts.append(f"{derived} made only from them")
        verb = "expired" if self.done else "would expire"
        return f"retention: {verb} " + (", ".join(parts) if parts else "nothing")

    def to_dict(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "counts": self.counts(),
            "forgotten": self.forgotten,
            "by_type": self.by_type,
            "apps": {k: len(v) for k, v in self.expired.apps.items()},
            "seconds": round(self.seconds, 3),
        }


SINGULAR = {
    "screen sessions": "screen session",
    "chat messages": "chat message",
    "your own memories": "of your own memories",
    "kept frames": "kept frame",
}


def _counted(count: int, what: str) -> str:
    """ "1 screen session", "2 screen sessions" from the plural name."""
    return f"{count} {what}" if count != 1 else f"1 {SINGULAR.get(what, what)}"


def _cutoff(now: datetime, days: int) -> str:
    return to_iso(now - timedelta(days=days))


def _screen_before(conn: Any, cutoff: str) -> set[str]:
    """Screen records whose session ended before the cutoff (or, without a session row, that
    happened before it)."""
    found = {
        row[0]
        for row in conn.execute(
            "SELECT memory_id FROM capture_sessions WHERE memory_id IS NOT NULL AND ended_at < ?",
            (cutoff,),
        )
    }
    found.update(
        row[0]
        for row in conn.execute(
            "SELECT id FROM memories WHERE origin = 'capture' AND occurred_at < ? AND id NOT IN "
            "(SELECT memory_id FROM capture_sessions WHERE memory_id IS NOT NULL)",
            (cutoff,),
        )
    )
    return found


def expired(conn: Any, rules: RetentionSettings, now: datetime | None = None) -> Expired:
    """What the rules expire at `now`; reads only."""
    now = now or utcnow()
    screen: set[str] = set()
    if rules.screen_days:
        screen = _screen_before(conn, _cutoff(now, rules.screen_days))
    apps: dict[str, tuple[str, ...]] = {}
    for pattern, days in rules.apps.items():
        older = _screen_before(conn, _cutoff(now, days))
        matched = sessions_matching(conn, ExclusionRule("app", pattern)) & older
        if matched:
            apps[pattern] = tuple(sorted(matched))
    chat: list[str] = []
    if rules.chat_days:
        cutoff = _cutoff(now, rules.chat_days)
        chat = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM memories WHERE origin IN ('import', 'chat') AND type = 'episodic' "
                "AND occurred_at < ? AND created_at < ? ORDER BY id",
                (cutoff, cutoff),
            )
        ]
    mine: list[str] = []
    if rules.mine_days:
        cutoff = _cutoff(now, rules.mine_days)
        marks = ",".join("?" * len(MINE_TYPES))
        mine = [
            row[0]
            for row in conn.execute(
                f"SELECT id FROM memories WHERE origin = 'user' AND type IN ({marks}) "
                "AND occurred_at < ? AND created_at < ? ORDER BY id",
                (*MINE_TYPES, cutoff, cutoff),
            )
        ]
    frames: list[str] = []
    if rules.frames_days:
        frames = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM capture_frames WHERE taken_at < ? ORDER BY taken_at",
                (_cutoff(now, rules.frames_days),),
            )
        ]
    return Expired(tuple(sorted(screen)), tuple(chat), apps, tuple(mine), tuple(frames))


def preview(
    repo: MemoryRepository, rules: RetentionSettings, now: datetime | None = None
) -> RetentionReport:
    """What applying the rules now would expire; changes nothing."""
    found = expired(repo.db.conn(), rules, now)
    plan = forgetting.plan(repo, found.records, protect=PROTECTED)
    return RetentionReport(found, len(plan.purged), plan.counts_by_type(), done=False)


def apply(
    repo: MemoryRepository,
    rules: RetentionSettings,
    forget: Forget,
    delete_frames: Callable[[Sequence[str]], None],
    now: datetime | None = None,
) -> RetentionReport:
    """Expire what the rules say, in chunks; logs one line of counts."""
    started = time.perf_counter()
    found = expired(repo.db.conn(), rules, now)
    records = found.records
    forgotten = 0
    by_type: dict[str, int] = {}
    for start in range(0, len(records), CHUNK):
        done = forget(records[start : start + CHUNK], PROTECTED)
        forgotten += len(done.purged)
        for name, count in done.counts_by_type().items():
            by_type[name] = by_type.get(name, 0) + count
    if found.frames:
        delete_frames(found.frames)
    report = RetentionReport(found, forgotten, by_type, True, time.perf_counter() - started)
    if records or found.frames:
        log.info("%s in %.1f s", report.line(), report.seconds)
    return report
